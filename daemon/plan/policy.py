"""What planning is given: the policy (the numbers of DESIGN.md section 2) and, per
interview, its timeline of mail and labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from radiosilence.model import Classification, Interview, Mail


@dataclass(frozen=True)
class PlanPolicy:
    """The numbers of DESIGN.md section 2, plus what planning needs to know of the user.

    Built once from the settings by `wiring.plan_policy`; the defaults live in the settings
    schema only."""

    timezone: ZoneInfo
    user: frozenset[str]
    user_name: str
    thank_you_within_hours: int
    thank_you_delay_hours: int
    thank_you_expire_days: int
    nudge_after_days: int
    deadline_grace_business_days: int
    final_after_days: int
    max_followups: int
    min_days_between_followups: int
    reply_reminder_business_days: int
    give_up_after_days: int
    business_days: frozenset[int]
    holidays: frozenset[date]
    reminder_time: time


@dataclass(frozen=True)
class Timeline:
    """An interview with its mail (oldest first) and the labels of the employer's mail."""

    interview: Interview
    mails: tuple[Mail, ...]
    labels: Mapping[str, Classification]
    superseded_by: Interview | None = None  # a later round at the same employer
    # What the user told us (`radiosilence note`): by interviewer address; "" for the interview.
    notes: Mapping[str, str] = field(default_factory=dict)
    # Keys of follow-ups whose draft the person deleted unsent: not owed any more.
    declined: frozenset[str] = frozenset()
    # Follow-ups the person did themselves, by key, with when they said so.
    done: Mapping[str, datetime] = field(default_factory=dict)
