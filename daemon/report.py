"""What a cycle did, said the same way in `scan`'s output and in the service's journal:
drafts by the person and company they are for, never by their text.

The engine fills a `CycleReport`; the functions here turn it into lines. A line names the
follow-up ("the thank-you note to Mei Tanaka at Lumen Labs"), since a key such as
`thank-you/iv-9e8876a7/mei@lumen.example/0` tells a person nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from radiosilence.apply.reconcile import Draft, Outcome
from radiosilence.model import InterviewPlan
from radiosilence.publish.feed import Reminder
from radiosilence.publish.reminders import KIND_NAMES
from radiosilence.sync import SyncReport


@dataclass(frozen=True)
class Named:
    """A follow-up as a person recognises it."""

    kind: str  # "thank-you note", "follow-up", "final check-in"
    person: str  # a name where one is known, else the address
    company: str

    @property
    def text(self) -> str:
        at = f" at {self.company}" if self.company else ""
        return f"the {self.kind} to {self.person}{at}"


@dataclass(frozen=True)
class StaleDraft:
    """A draft the person edited (so we leave it alone) that nobody needs any more: it
    should not be sent by mistake."""

    key: str
    named: Named
    reason: str  # "Quillstone said no"

    @property
    def text(self) -> str:
        return f"delete your draft to {self.named.person}: {self.reason}"


@dataclass
class CycleReport:
    sync: SyncReport
    plans: list[InterviewPlan]
    outcome: Outcome
    feed_path: Path | None
    drafts: dict[str, Draft] = field(default_factory=dict)
    now: datetime | None = None
    reminders: list[Reminder] = field(default_factory=list)
    stale: list[StaleDraft] = field(default_factory=list)
    names: dict[str, Named] = field(default_factory=dict)  # by follow-up key
    sent: frozenset[str] = frozenset()  # keys of drafts seen among the person's sent mail


def kind_name(key: str) -> str:
    kind = key.partition("/")[0]
    return KIND_NAMES.get(kind, kind)


def summary_line(report: CycleReport) -> str:
    """The journal's one line per cycle."""
    sync, outcome = report.sync, report.outcome
    return (f"cycle: read {sync.mail_seen} messages (kept {sync.mail_kept}) and "
            f"{sync.events_seen} events, skipped {sync.skipped}; {len(report.plans)} "
            f"interviews; drafts: {len(outcome.created)} created, {len(outcome.updated)} "
            f"updated, {len(outcome.removed)} removed, {len(outcome.left_edited)} left as you "
            f"edited them; {len(report.reminders)} reminders")


def draft_lines(report: CycleReport) -> list[str]:
    """One line per draft written or removed."""
    outcome = report.outcome
    return ([f"draft created: {_name(report, key)}" for key in outcome.created]
            + [f"draft updated: {_name(report, key)}" for key in outcome.updated]
            + [f"draft removed, no longer needed: {_name(report, key)}"
               for key in outcome.removed])


def noticed_lines(report: CycleReport) -> list[str]:
    """What the person did to our drafts since the last cycle."""
    lines = []
    for key in report.outcome.gone:
        verb = "sent" if key in report.sent else "deleted"
        lines.append(f"you {verb} {_name(report, key)}")
    for key in report.outcome.left_edited:
        lines.append(f"you edited {_name(report, key)}: it is yours now, left alone")
    return lines


def _name(report: CycleReport, key: str) -> str:
    named = report.names.get(key)
    return named.text if named else f"the {kind_name(key)} {key}"
