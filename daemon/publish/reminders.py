"""Reminder events for the feed: one per follow-up the user still owes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import jinja2

from radiosilence.model import Address, FollowUp, InterviewPlan, Kind
from radiosilence.plan.policy import PlanPolicy
from radiosilence.plan.slots import moment_text, place_reminder
from radiosilence.publish.feed import Reminder
from radiosilence.render import render_short
from radiosilence.store import Action, ActionStatus

# What each follow-up is called where a person reads it: reminders, scan, the journal.
KIND_NAMES = {Kind.THANK_YOU: "thank-you note", Kind.NUDGE: "follow-up",
              Kind.FINAL: "final check-in"}


def reminders_for(plans: list[InterviewPlan], actions: Mapping[str, Action], handled: set[str],
                  templates: jinja2.Environment, minutes: int, policy: PlanPolicy,
                  placed: Mapping[str, datetime], now: datetime) -> list[Reminder]:
    """Reminders for every pending follow-up, except those the user already dealt with.

    `placed` holds where the last cycle put each reminder (`slots.place_reminder` keeps a
    moved reminder where it is until it has rung)."""
    reminders = []
    for plan in plans:
        for f in plan.followups:
            if f.key in handled:
                continue
            where = place_reminder(f.kind, f.remind_at, placed.get(f.key), now, policy)
            late = _late(f, where.start, policy)
            reminders.append(Reminder(
                key=f.key, summary=("Overdue: " if late else "") + _summary(f), minutes=minutes,
                start=where.start,
                description=_description(f, actions.get(f.key), templates, policy.timezone,
                                         late)))
    return reminders


def _late(followup: FollowUp, start: datetime, policy: PlanPolicy) -> bool:
    """Past the deadline: a thank-you by the hour, the others by the day."""
    if followup.kind == Kind.THANK_YOU:
        return start > followup.due
    tz = policy.timezone
    return start.astimezone(tz).date() > followup.due.astimezone(tz).date()


def _summary(followup: FollowUp) -> str:
    """What happened, in a calendar's one line."""
    person = followup.to[0] if followup.to else None
    who = (person.name or person.email) if person else "the interviewer"
    context = followup.context
    company = context.get("company") or "the employer"
    match followup.kind:
        case Kind.THANK_YOU:
            return f"Thank {who} for the {context.get('company') or 'job'} interview"
        case Kind.REPLY:
            return f"Reply to {who} at {company}"
        case Kind.FINAL:
            since = context.get("followed_up_day")
            return f"Last check-in with {company}" + (
                f": no answer to your follow-up of {since}" if since else "")
    if context.get("deadline_day"):
        return f"Follow up with {company}: they promised news by {context['deadline_day']}"
    if context.get("last_heard_day"):
        return f"Follow up with {company}: no word since their mail of {context['last_heard_day']}"
    return f"Follow up with {company}: no word since the interview on {context['interview_day']}"


def people_text(people: Iterable[Address]) -> str:
    """"Mei Tanaka (mei.tanaka@lumen.example)": the name first, the address to be sure."""
    return ", ".join(f"{a.name} ({a.email})" if a.name else a.email for a in people)


def _description(followup: FollowUp, action: Action | None, templates: jinja2.Environment,
                 tz: ZoneInfo, late: bool) -> str:
    due = moment_text(followup.due, tz)
    to = people_text(followup.to)
    if followup.kind == Kind.REPLY:
        asked = followup.context.get("asked_subject", "")
        what = (f"{to} asked you something" + (f" ({asked})" if asked else "")
                + (f". The answer was due {due}." if late else f". Answer by {due}."))
        where = "No draft is written for this one: the answer is yours to give."
    else:
        name = KIND_NAMES[followup.kind]
        what = (f"The {name} to {to} was due {due}: send it as soon as you can." if late
                else f"Send the {name} to {to} by {due}.")
        if action is not None and action.status in (ActionStatus.DRAFTED, ActionStatus.EDITED):
            where = ("The draft is in your Drafts folder: review it, fill in any [placeholder], "
                     "send.")
        else:
            where = "A draft will appear in your Drafts folder when it is due."
    short = render_short(templates, followup)
    return f"{what}\n{where}\n\nShort version (for a LinkedIn message):\n{short}"


def stale_reminder(key: str, text: str, since: datetime, placed: Mapping[str, datetime],
                   now: datetime, policy: PlanPolicy, minutes: int) -> Reminder:
    """A reminder to delete an edited draft nobody needs any more (`report.StaleDraft`):
    due since we last touched it, so it lands at the next reachable moment, then daily."""
    reminder_key = f"delete/{key}"
    where = place_reminder(Kind.NUDGE, min(since, now), placed.get(reminder_key), now, policy)
    return Reminder(
        key=reminder_key, summary=text[0].upper() + text[1:], minutes=minutes, start=where.start,
        description=("You edited this draft, so radiosilence leaves it alone, but it is not "
                     "needed any more. Delete it from your Drafts folder so that it is not sent "
                     "by mistake."))
