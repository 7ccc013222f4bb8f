"""What the commands print: the status table, a cycle's summary, the JSON of a plan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from radiosilence.config.settings import Settings
from radiosilence.engine import CycleReport, Engine
from radiosilence.model import InterviewPlan
from radiosilence.understand.interviews import interview_id, merge_events, score_event


def status_table(plans: list[InterviewPlan], tz: ZoneInfo) -> str:
    rows = [("ID", "COMPANY", "ROLE", "INTERVIEW", "STATE", "NEXT", "DUE")]
    for p in plans:
        iv = p.interview
        rows.append((
            iv.id, iv.company or "?", iv.role or "?",
            iv.start.astimezone(tz).strftime("%a %d %b %H:%M"), str(p.state), p.next_action,
            p.due.astimezone(tz).strftime("%a %d %b %H:%M") if p.due else "-",
        ))
    return table(rows)


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
        rows.append((ident, event.start.astimezone(tz).strftime("%a %d %b %H:%M"),
                     f"{score:.2f}", overrides.get(ident, "-"), event.summary[:60]))
    return table(rows)


def print_cycle(report: CycleReport, settings: Settings, *, dry_run: bool) -> None:
    print(status_table(report.plans, settings.user.timezone))
    verb = "would" if dry_run else "did"
    outcome = report.outcome
    print(f"\nDrafts: {verb} create {len(outcome.created)}, update {len(outcome.updated)}, "
          f"remove {len(outcome.removed)}; left {len(outcome.left_edited)} you edited alone")
    for label, keys in (("create", outcome.created), ("update", outcome.updated),
                        ("remove", outcome.removed)):
        for key in keys:
            print(f"  {label}: {key}")
    if report.feed_path:
        print(f"Reminder feed: {report.feed_path}")


def plan_json(p: InterviewPlan) -> dict[str, Any]:
    iv = p.interview
    return {
        "id": iv.id, "company": iv.company, "role": iv.role, "title": iv.title,
        "start": iv.start.isoformat(), "end": iv.end.isoformat(), "state": str(p.state),
        "next_action": p.next_action, "due": p.due.isoformat() if p.due else None,
        "interviewers": [a.email for a in iv.interviewers],
        "followups": [{"key": f.key, "kind": str(f.kind), "to": [a.email for a in f.to],
                       "due": f.due.isoformat()} for f in p.followups],
        "questions": [{"message_id": q.message_id, "category": str(q.category),
                       "confidence": q.confidence, "question": q.text} for q in p.questions],
    }


def held_back_lines(stalled: dict[str, int], plans: list[InterviewPlan], limit: int) -> list[str]:
    """One line per interview the brake held back, with what to do about it."""
    names = {p.interview.id: p.interview.company or p.interview.title for p in plans}
    return [f"Held back: {ident} ({names.get(ident) or '?'}) would get {count} drafts at once "
            f"(limit {limit}); check `radiosilence plan`, then `radiosilence ignore {ident}` "
            "or raise drafts.max_new_per_cycle" for ident, count in sorted(stalled.items())]
