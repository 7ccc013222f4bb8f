"""The follow-up policy: (interviews, their mail, policy, now) -> what the user should do.

Pure: no clock reads, no I/O. Every follow-up has a stable key
`kind/interview/recipient/clock`, where `clock` counts how often the employer restarted
the clock by writing, so a nudge after a fresh promise is a new follow-up, not the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from radiosilence.model import (
    Address,
    Category,
    Classification,
    FollowUp,
    Interview,
    InterviewPlan,
    Kind,
    Mail,
    Question,
    State,
)
from radiosilence.plan.context import template_context
from radiosilence.plan.policy import PlanPolicy, Timeline
from radiosilence.plan.slots import (
    business_days_after,
    day_text,
    moment_text,
    reminder_on,
    thank_you_reminder,
)
from radiosilence.understand.threads import contact_for, thread_with

_CLOSING = {Category.REJECTION: State.REJECTED, Category.OFFER: State.OFFER}
_ADVANCING = {Category.NEXT_ROUND, Category.INTERVIEW_INVITE}


@dataclass
class _Walk:
    """What reading the mail after an interview found."""

    clock_start: datetime
    clock: int = 0
    deadline: date | None = None
    hold_until: date | None = None
    owed_by_user: Mail | None = None
    followups: list[datetime] = field(default_factory=list)
    thanked: set[str] = field(default_factory=set)
    closed: State | None = None
    advanced: bool = False
    questions: list[Question] = field(default_factory=list)


def plan(timelines: list[Timeline], policy: PlanPolicy, now: datetime) -> list[InterviewPlan]:
    """One plan per interview, soonest first."""
    plans = [plan_interview(t, policy, now) for t in timelines]
    return sorted(plans, key=lambda p: (p.due or p.interview.start, p.interview.id))


def plan_interview(timeline: Timeline, policy: PlanPolicy, now: datetime) -> InterviewPlan:
    iv = timeline.interview
    if iv.cancelled:
        return InterviewPlan(iv, State.CANCELLED, "nothing: the interview was cancelled", None)
    if now < iv.end:
        when = moment_text(iv.start, policy.timezone)
        return InterviewPlan(iv, State.SCHEDULED, f"interview {when}", iv.start)
    walk = _read_mail(timeline, policy)
    return _asking(_decided(timeline, walk, policy, now), walk.questions)


def _decided(timeline: Timeline, walk: _Walk, policy: PlanPolicy,
             now: datetime) -> InterviewPlan:
    iv = timeline.interview
    thanks = _thank_yous(timeline, walk, policy, now)
    if walk.closed:
        return InterviewPlan(iv, walk.closed, "nothing: the employer decided", None)
    if walk.owed_by_user is not None:
        return _owe_reply(timeline, walk, policy, thanks)
    if walk.advanced or timeline.superseded_by is not None:
        return _with_thanks(InterviewPlan(iv, State.NEXT_ROUND, "prepare for the next round",
                                          None), thanks)
    return _with_thanks(_chase(timeline, walk, policy, now), thanks)


def _read_mail(timeline: Timeline, policy: PlanPolicy) -> _Walk:
    """Replay the conversation after the interview and track whose turn it is."""
    iv = timeline.interview
    walk = _Walk(clock_start=iv.end)
    thank_window = iv.end + timedelta(days=policy.thank_you_expire_days)
    for mail in timeline.mails:
        if mail.date < iv.start or mail.draft:  # an unsent draft says nothing to anyone
            continue
        if mail.own:
            _read_own(mail, walk, thank_window)
            continue
        label = timeline.labels.get(mail.id)
        if label is not None and label.needs_review:
            # Unsure: the person decides (`radiosilence label`). Until then the mail counts
            # as a plain reply from the employer: a doubtful "rejection" never closes an
            # interview, a doubtful "auto-reply" never has us nudge someone who wrote.
            walk.questions.append(Question(mail.id, label.category, label.confidence,
                                           mail.subject, mail.sender.email))
            label = replace(label, category=Category.OTHER)
        if label is None or label.category == Category.AUTO_REPLY:
            back = label.return_date if label else None
            if back and (walk.hold_until is None or back > walk.hold_until):
                walk.hold_until = back
            continue
        _read_employer(mail, label, walk, policy)
        if walk.closed:
            break
    _count_done(timeline, walk)
    return walk


def _count_done(timeline: Timeline, walk: _Walk) -> None:
    """What the person did themselves (the page's "done") counts as done: a nudge or
    check-in as sent, an answer owed as given."""
    for key, at in timeline.done.items():
        kind, _, rest = key.partition("/")
        if not rest.endswith(f"/{walk.clock}") or at < walk.clock_start:
            continue
        if kind in (Kind.NUDGE, Kind.FINAL):
            walk.followups.append(at)
        elif kind == Kind.REPLY and walk.owed_by_user is not None:
            walk.owed_by_user, walk.clock_start = None, at
    walk.followups.sort()


def _asking(plan_: InterviewPlan, questions: list[Question]) -> InterviewPlan:
    """The plan with the person's open questions; the first one leads `status`."""
    if not questions:
        return plan_
    return replace(plan_, questions=tuple(questions),
                   next_action=f"{questions[0].text} (`radiosilence review`)")


def _read_own(mail: Mail, walk: _Walk, thank_window: datetime) -> None:
    key_kind = mail.our_key.partition("/")[0]
    recipients = {a.email for a in (*mail.to, *mail.cc)}
    if walk.owed_by_user is not None:  # the user answered the employer: their turn again
        walk.owed_by_user = None
        walk.clock_start = mail.date
        walk.deadline = None
    elif key_kind == Kind.THANK_YOU or (not key_kind and mail.date <= thank_window):
        walk.thanked |= recipients
    else:
        walk.followups.append(mail.date)


def _read_employer(mail: Mail, label: Classification, walk: _Walk, policy: PlanPolicy) -> None:
    if label.category in _CLOSING:
        walk.closed = _CLOSING[label.category]
        return
    # Any human word from the employer restarts the clock and resets the follow-up count.
    walk.clock += 1
    walk.clock_start = mail.date
    walk.followups = []
    walk.deadline = None
    walk.advanced = walk.advanced or label.category in _ADVANCING
    if label.timeframe and label.timeframe.due:
        walk.deadline = label.timeframe.due
    walk.owed_by_user = mail if label.asks_user else None


def _thank_yous(timeline: Timeline, walk: _Walk, policy: PlanPolicy,
                now: datetime) -> tuple[FollowUp, ...]:
    iv = timeline.interview
    if walk.closed or now > iv.end + timedelta(days=policy.thank_you_expire_days):
        return ()
    due = iv.end + timedelta(hours=policy.thank_you_within_hours)
    remind = thank_you_reminder(iv.end, due, policy)
    people = iv.interviewers or _fallback_thanks(timeline)
    return tuple(
        FollowUp(
            key=key, kind=Kind.THANK_YOU,
            interview_id=iv.id, to=(person,), due=due, remind_at=remind,
            context=template_context(iv, person, policy, timeline.notes),
        )
        for person in people if person.email not in walk.thanked
        if (key := f"{Kind.THANK_YOU}/{iv.id}/{person.email}/0") not in timeline.declined
        and key not in timeline.done
    )


def _fallback_thanks(timeline: Timeline) -> tuple[Address, ...]:
    """Nobody named in the invite: thank the person who arranged the interview."""
    contact = contact_for(timeline.interview, list(timeline.mails), _automatic(timeline))
    return (contact,) if contact else ()


def _owe_reply(timeline: Timeline, walk: _Walk, policy: PlanPolicy,
               thanks: tuple[FollowUp, ...]) -> InterviewPlan:
    iv, asked = timeline.interview, walk.owed_by_user
    assert asked is not None
    local_day = asked.date.astimezone(policy.timezone).date()
    due = reminder_on(business_days_after(local_day, policy.reply_reminder_business_days,
                                          policy), policy)
    person = asked.sender
    reminder = FollowUp(
        key=f"{Kind.REPLY}/{iv.id}/{person.email}/{walk.clock}", kind=Kind.REPLY,
        interview_id=iv.id, to=(person,), due=due, remind_at=due,
        thread=thread_with(person, list(timeline.mails), set()),
        context=template_context(iv, person, policy, timeline.notes)
        | {"asked_subject": asked.subject},
    )
    plan_ = InterviewPlan(iv, State.IN_CONVERSATION,
                          f"reply to {person.name or person.email}", due, (reminder,))
    return _with_thanks(plan_, thanks)


def _chase(timeline: Timeline, walk: _Walk, policy: PlanPolicy, now: datetime) -> InterviewPlan:
    """Waiting on the employer: when to nudge, when to check in a last time, when to stop."""
    iv = timeline.interview
    sent = len(walk.followups)
    if sent >= policy.max_followups:
        return InterviewPlan(iv, State.SILENT, f"nothing: no answer to your {sent} follow-ups"
                             if sent > 1 else "nothing: no answer to your follow-up", None)
    kind = Kind.NUDGE if sent == 0 else Kind.FINAL
    due = _nudge_due(walk, policy) if sent == 0 else _final_due(walk, policy)
    if walk.hold_until:  # an out-of-office: not before the person is back
        due = max(due, reminder_on(business_days_after(walk.hold_until, 1, policy), policy))
    if now > due + timedelta(days=policy.give_up_after_days):
        return _given_up(iv, sent, "it was due")
    automatic = _automatic(timeline)
    contact = contact_for(iv, list(timeline.mails), automatic)
    if contact is None:
        return InterviewPlan(iv, State.WAITING, "find whom to ask: no contact known", due)
    key = f"{kind}/{iv.id}/{contact.email}/{walk.clock}"
    if key in timeline.declined:
        return _given_up(iv, sent, "you deleted its draft")
    followup = FollowUp(
        key=key, kind=kind, interview_id=iv.id,
        to=(contact,), due=due, remind_at=due,
        thread=thread_with(contact, list(timeline.mails), automatic),
        context=template_context(iv, contact, policy, timeline.notes) | _since(walk, policy),
    )
    if now < due:
        state = State.WAITING if sent == 0 else State.NUDGED
        name = "nudge" if sent == 0 else "final check-in"
        local_due = due.astimezone(policy.timezone).date()
        return InterviewPlan(iv, state, f"{name} on {day_text(local_due)}", due, (followup,))
    state = State.NUDGE_DUE if sent == 0 else State.FINAL_DUE
    name = "nudge" if sent == 0 else "final check-in"
    return InterviewPlan(iv, state, f"send the {name} draft", due, (followup,))


def _since(walk: _Walk, policy: PlanPolicy) -> dict[str, str]:
    """What the follow-up can say about the time since the interview, every day written
    as a date: "by Friday" in a mail of 9 March means Friday 13 March, whenever it is read."""
    def day(moment: datetime) -> str:
        return day_text(moment.astimezone(policy.timezone).date())

    return {
        "deadline_day": day_text(walk.deadline) if walk.deadline else "",
        "deadline_phrase": f"by {day_text(walk.deadline)}" if walk.deadline else "",
        "last_heard_day": day(walk.clock_start) if walk.clock else "",
        "followed_up_day": day(walk.followups[-1]) if walk.followups else "",
    }


def _given_up(iv: Interview, sent: int, why: str) -> InterviewPlan:
    """The person let the due follow-up go: silent after an unanswered one, else not
    followed up at all."""
    name = "nudge" if sent == 0 else "final check-in"
    if sent:
        return InterviewPlan(iv, State.SILENT, f"nothing: no answer to your follow-up; the "
                             f"{name} was not sent ({why})", None)
    return InterviewPlan(iv, State.NOT_FOLLOWED_UP,
                         f"nothing: the {name} was not sent ({why})", None)


def _nudge_due(walk: _Walk, policy: PlanPolicy) -> datetime:
    if walk.deadline:
        day = business_days_after(walk.deadline, policy.deadline_grace_business_days, policy)
    else:
        local = walk.clock_start.astimezone(policy.timezone).date()
        day = local + timedelta(days=policy.nudge_after_days)
    return reminder_on(day, policy)


def _final_due(walk: _Walk, policy: PlanPolicy) -> datetime:
    gap = max(policy.final_after_days, policy.min_days_between_followups)
    local = walk.followups[-1].astimezone(policy.timezone).date()
    return reminder_on(local + timedelta(days=gap), policy)


def _with_thanks(plan_: InterviewPlan, thanks: tuple[FollowUp, ...]) -> InterviewPlan:
    if not thanks:
        return plan_
    followups = thanks + plan_.followups
    if plan_.state in (State.WAITING, State.NEXT_ROUND):
        everyone = [f.to[0].name or f.to[0].email for f in thanks]
        names = ", ".join(everyone[:4]) + (f" and {len(everyone) - 4} more"
                                           if len(everyone) > 4 else "")
        return replace(plan_, state=State.THANK_YOU_DUE, next_action=f"thank {names}",
                       due=thanks[0].due, followups=followups)
    return replace(plan_, followups=followups)


def _automatic(timeline: Timeline) -> set[str]:
    return {mail_id for mail_id, label in timeline.labels.items()
            if label.category in (Category.AUTO_REPLY, Category.OTHER) and not label.asks_user
            and label.confidence >= 0.8}
