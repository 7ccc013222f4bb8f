"""Reminder events for the feed: one per follow-up the user still owes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import jinja2

from radiosilence.model import FollowUp, InterviewPlan, Kind
from radiosilence.plan.policy import PlanPolicy
from radiosilence.plan.slots import next_slot
from radiosilence.publish.feed import Reminder
from radiosilence.render import render_short
from radiosilence.store import Action, ActionStatus

_TITLES = {
    Kind.THANK_YOU: "Thank {who} for the {company} interview",
    Kind.NUDGE: "Follow up with {company}: no word since the interview",
    Kind.FINAL: "Last check-in with {company}",
    Kind.REPLY: "Reply to {who} at {company}",
}

_NAMES = {Kind.THANK_YOU: "thank-you note", Kind.NUDGE: "follow-up", Kind.FINAL: "final check-in"}


def reminders_for(plans: list[InterviewPlan], actions: Mapping[str, Action], handled: set[str],
                  templates: jinja2.Environment, minutes: int,
                  policy: PlanPolicy) -> list[Reminder]:
    """Reminders for every pending follow-up, except those the user already dealt with."""
    return [
        Reminder(key=f.key, summary=_summary(f), minutes=minutes,
                 start=_start(f, actions.get(f.key), policy),
                 description=_description(f, actions.get(f.key), templates, policy.timezone))
        for plan in plans for f in plan.followups if f.key not in handled
    ]


def _start(followup: FollowUp, action: Action | None, policy: PlanPolicy) -> datetime:
    """When the reminder lands: its planned time, but never before its draft exists.

    An overdue follow-up would otherwise land in the past, where no alarm fires. Counting
    from the draft's creation (not from now) keeps the event stable from cycle to cycle.
    """
    if action is None:
        return followup.remind_at
    created = datetime.fromisoformat(action.created_at)
    return max(followup.remind_at, next_slot(created, policy))


def _summary(followup: FollowUp) -> str:
    person = followup.to[0] if followup.to else None
    who = (person.name or person.email) if person else "the interviewer"
    company = followup.context.get("company") or "the employer"
    return _TITLES[followup.kind].format(who=who, company=company)


def _description(followup: FollowUp, action: Action | None, templates: jinja2.Environment,
                 tz: ZoneInfo) -> str:
    due = followup.due.astimezone(tz).strftime("%A %d %B, %H:%M")
    to = ", ".join(a.email for a in followup.to)
    if followup.kind == Kind.REPLY:
        what = (f"{to} asked you something ({followup.context.get('asked_subject', '')}). "
                f"Answer by {due}.")
        where = "No draft is written for this one: the answer is yours to give."
    else:
        what = f"Send the {_NAMES[followup.kind]} to {to} by {due}."
        if action is not None and action.status in (ActionStatus.DRAFTED, ActionStatus.EDITED):
            where = ("The draft is in your Drafts folder: review it, fill in any [placeholder], "
                     "send.")
        else:
            where = "A draft will appear in your Drafts folder when it is due."
    short = render_short(templates, followup)
    return f"{what}\n{where}\n\nShort version (for a LinkedIn message):\n{short}"
