"""What the commands print: the status table, a cycle's summary, the JSON of a plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from radiosilence.config.settings import Settings
from radiosilence.engine import Engine
from radiosilence.model import CLOSED_STATES, InterviewPlan
from radiosilence.plan.slots import short_text
from radiosilence.publish.feed import Reminder
from radiosilence.report import CycleReport, StaleDraft, noticed_lines
from radiosilence.understand.interviews import interview_id, merge_events, score_event


def status_table(plans: list[InterviewPlan], tz: ZoneInfo, now: datetime) -> str:
    """Open interviews first, then closed ones; times in `tz`, named in the header; a due
    moment already past is marked overdue."""
    rows = [("ID", "COMPANY", "ROLE", "INTERVIEW", "STATE", "NEXT", f"DUE ({_zone(tz)})")]
    ordered = ([p for p in plans if p.state not in CLOSED_STATES]
               + [p for p in plans if p.state in CLOSED_STATES])
    for p in ordered:
        iv = p.interview
        due = "-"
        if p.due:
            due = short_text(p.due, tz) + (" overdue" if p.due < now else "")
        rows.append((iv.id, iv.company or "?", iv.role or "?", short_text(iv.start, tz),
                     str(p.state), p.next_action, due))
    return table(rows)


def _zone(tz: ZoneInfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def table(rows: Sequence[tuple[str, ...]]) -> str:
    """Left-aligned columns, two spaces apart, the first row as the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def other_events_table(engine: Engine, shown: set[str], tz: ZoneInfo) -> str:
    overrides = engine.store.overrides()
    rows = [("ID", "WHEN", "SCORE", "OVERRIDE", "TITLE")]
    for event in merge_events(engine.store.events()):
        ident = interview_id(event.uid, event.recurrence_id)
        if ident in shown:
            continue
        score, _ = score_event(event, engine.user)
        rows.append((ident, short_text(event.start, tz),
                     f"{score:.2f}", overrides.get(ident, "-"), event.summary[:60]))
    return table(rows)


def print_cycle(report: CycleReport, settings: Settings, *, dry_run: bool) -> None:
    assert report.now is not None
    print(status_table(report.plans, settings.user.timezone, report.now))
    noticed = noticed_lines(report)
    if noticed:
        print("\nSince the last scan:")
        print("\n".join(f"  {line}" for line in noticed))
    verb = "would" if dry_run else "did"
    outcome = report.outcome
    print(f"\nDrafts: {verb} create {len(outcome.created)}, update {len(outcome.updated)}, "
          f"remove {len(outcome.removed)}")
    for label, keys in (("create", outcome.created), ("update", outcome.updated),
                        ("remove", outcome.removed)):
        for key in keys:
            named = report.names.get(key)
            print(f"  {label}: {named.text if named else key}")
    print_stale(report.stale)
    if report.feed_path:
        print(f"Reminder feed: {report.feed_path}")


def print_stale(stale: Sequence[StaleDraft]) -> None:
    if stale:
        print("\nDrafts you edited that are not needed any more (never sent by radiosilence):")
        print("\n".join(f"  {item.text}" for item in stale))


def plan_json(p: InterviewPlan, reminders: Mapping[str, Reminder]) -> dict[str, Any]:
    """One interview for `status --json`; each follow-up's `remind_at` is where its
    reminder lands this cycle (None when the person already dealt with it)."""
    iv = p.interview
    return {
        "id": iv.id, "company": iv.company, "role": iv.role, "title": iv.title,
        "start": iv.start.isoformat(), "end": iv.end.isoformat(), "state": str(p.state),
        "next_action": p.next_action, "due": p.due.isoformat() if p.due else None,
        "interviewers": [a.email for a in iv.interviewers],
        "followups": [{"key": f.key, "kind": str(f.kind), "to": [a.email for a in f.to],
                       "due": f.due.isoformat(),
                       "remind_at": reminders[f.key].start.isoformat()
                       if f.key in reminders else None} for f in p.followups],
        "questions": [{"message_id": q.message_id, "category": str(q.category),
                       "confidence": q.confidence, "question": q.text} for q in p.questions],
    }


def held_back_lines(stalled: dict[str, int], plans: list[InterviewPlan], limit: int) -> list[str]:
    """One line per interview the brake held back, with what to do about it."""
    names = {p.interview.id: p.interview.company or p.interview.title for p in plans}
    return [f"Held back: {ident} ({names.get(ident) or '?'}) would get {count} drafts at once "
            f"(limit {limit}); check `radiosilence plan`, then `radiosilence ignore {ident}` "
            "or raise drafts.max_new_per_cycle" for ident, count in sorted(stalled.items())]
