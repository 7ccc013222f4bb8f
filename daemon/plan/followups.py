"""The follow-up policy: (interviews, their mail, policy, now) -> what the user should do.

Pure: no clock reads, no I/O. Every follow-up has a stable key
`kind/interview/recipient/clock`, where `clock` counts how often the employer restarted
the clock by writing, so a nudge after a fresh promise is a new follow-up, not the old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from radiosilence.model import (
    Address,
    Category,
    Classification,
    FollowUp,
    Interview,
    InterviewPlan,
    Kind,
    Mail,
    State,
)
from radiosilence.parse.dates import add_business_days
from radiosilence.understand.threads import contact_for, thread_with

UTC = ZoneInfo("UTC")
_CLOSING = {Category.REJECTION: State.REJECTED, Category.OFFER: State.OFFER}
_ADVANCING = {Category.NEXT_ROUND, Category.INTERVIEW_INVITE}
# A thank-you reminder should land in waking hours; otherwise it waits for the morning.
_DAY_STARTS, _DAY_ENDS = time(8, 0), time(20, 0)


@dataclass(frozen=True)
class PlanPolicy:
    """The numbers of DESIGN.md section 2, plus what planning needs to know of the user."""

    timezone: ZoneInfo
    user: frozenset[str]
    user_name: str = ""
    thank_you_within_hours: int = 24
    thank_you_delay_hours: int = 2
    thank_you_expire_days: int = 3
    nudge_after_days: int = 7
    deadline_grace_business_days: int = 2
    final_after_days: int = 7
    max_followups: int = 2
    min_days_between_followups: int = 7
    reply_reminder_business_days: int = 1
    give_up_after_days: int = 14
    business_days: frozenset[int] = frozenset(range(5))  # Monday=0
    holidays: frozenset[date] = frozenset()
    reminder_time: time = time(9, 30)
    notes: Mapping[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Timeline:
    """An interview with its mail (oldest first) and the labels of the employer's mail."""

    interview: Interview
    mails: tuple[Mail, ...]
    labels: Mapping[str, Classification]
    superseded_by: Interview | None = None  # a later round at the same employer


@dataclass
class _Walk:
    """What reading the mail after an interview found."""

    clock_start: datetime
    clock: int = 0
    deadline: date | None = None
    deadline_phrase: str = ""
    hold_until: date | None = None
    owed_by_user: Mail | None = None
    followups: list[datetime] = field(default_factory=list)
    thanked: set[str] = field(default_factory=set)
    closed: State | None = None
    advanced: bool = False


def plan(timelines: list[Timeline], policy: PlanPolicy, now: datetime) -> list[InterviewPlan]:
    """One plan per interview, soonest first."""
    plans = [plan_interview(t, policy, now) for t in timelines]
    return sorted(plans, key=lambda p: (p.due or p.interview.start, p.interview.id))


def plan_interview(timeline: Timeline, policy: PlanPolicy, now: datetime) -> InterviewPlan:
    iv = timeline.interview
    if iv.cancelled:
        return InterviewPlan(iv, State.CANCELLED, "nothing: the interview was cancelled", None)
    if now < iv.end:
        when = _local_text(iv.start, policy)
        return InterviewPlan(iv, State.SCHEDULED, f"interview {when}", iv.start)
    walk = _read_mail(timeline, policy)
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
        if label is None or label.category == Category.AUTO_REPLY:
            back = label.return_date if label else None
            if back and (walk.hold_until is None or back > walk.hold_until):
                walk.hold_until = back
            continue
        _read_employer(mail, label, walk, policy)
        if walk.closed:
            break
    return walk


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
    walk.deadline, walk.deadline_phrase = None, ""
    walk.advanced = walk.advanced or label.category in _ADVANCING
    if label.timeframe and label.timeframe.due:
        walk.deadline, walk.deadline_phrase = label.timeframe.due, label.timeframe.phrase
    walk.owed_by_user = mail if label.asks_user else None


def _thank_yous(timeline: Timeline, walk: _Walk, policy: PlanPolicy,
                now: datetime) -> tuple[FollowUp, ...]:
    iv = timeline.interview
    if walk.closed or now > iv.end + timedelta(days=policy.thank_you_expire_days):
        return ()
    due = iv.end + timedelta(hours=policy.thank_you_within_hours)
    remind = _thank_you_reminder(iv.end, policy)
    people = iv.interviewers or _fallback_thanks(timeline)
    return tuple(
        FollowUp(
            key=f"{Kind.THANK_YOU}/{iv.id}/{person.email}/0", kind=Kind.THANK_YOU,
            interview_id=iv.id, to=(person,), due=due, remind_at=remind,
            context=_context(iv, person, policy),
        )
        for person in people if person.email not in walk.thanked
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
    due = _reminder_on(_add_business_days(local_day, policy.reply_reminder_business_days,
                                          policy), policy)
    person = asked.sender
    reminder = FollowUp(
        key=f"{Kind.REPLY}/{iv.id}/{person.email}/{walk.clock}", kind=Kind.REPLY,
        interview_id=iv.id, to=(person,), due=due, remind_at=due,
        thread=thread_with(person, list(timeline.mails), set()),
        context=_context(iv, person, policy) | {"asked_subject": asked.subject},
    )
    plan_ = InterviewPlan(iv, State.IN_CONVERSATION,
                          f"reply to {person.name or person.email}", due, (reminder,))
    return _with_thanks(plan_, thanks)


def _chase(timeline: Timeline, walk: _Walk, policy: PlanPolicy, now: datetime) -> InterviewPlan:
    """Waiting on the employer: when to nudge, when to check in a last time, when to stop."""
    iv = timeline.interview
    sent = len(walk.followups)
    if sent >= policy.max_followups:
        return InterviewPlan(iv, State.SILENT, "nothing: follow-ups used up", None)
    kind = Kind.NUDGE if sent == 0 else Kind.FINAL
    due = _nudge_due(walk, policy) if sent == 0 else _final_due(walk, policy)
    if walk.hold_until:  # an out-of-office: not before the person is back
        due = max(due, _reminder_on(_add_business_days(walk.hold_until, 1, policy), policy))
    if now > due + timedelta(days=policy.give_up_after_days):
        return InterviewPlan(iv, State.SILENT, "nothing: no answer for too long", None)
    automatic = _automatic(timeline)
    contact = contact_for(iv, list(timeline.mails), automatic)
    if contact is None:
        return InterviewPlan(iv, State.WAITING, "find whom to ask: no contact known", due)
    followup = FollowUp(
        key=f"{kind}/{iv.id}/{contact.email}/{walk.clock}", kind=kind, interview_id=iv.id,
        to=(contact,), due=due, remind_at=due,
        thread=thread_with(contact, list(timeline.mails), automatic),
        context=_context(iv, contact, policy) | {"deadline_phrase": walk.deadline_phrase},
    )
    if now < due:
        state = State.WAITING if sent == 0 else State.NUDGED
        name = "nudge" if sent == 0 else "final check-in"
        return InterviewPlan(iv, state, f"{name} on {_local_text(due, policy)}", due, (followup,))
    state = State.NUDGE_DUE if sent == 0 else State.FINAL_DUE
    name = "nudge" if sent == 0 else "final check-in"
    return InterviewPlan(iv, state, f"send the {name} draft", due, (followup,))


def _nudge_due(walk: _Walk, policy: PlanPolicy) -> datetime:
    if walk.deadline:
        day = _add_business_days(walk.deadline, policy.deadline_grace_business_days, policy)
    else:
        local = walk.clock_start.astimezone(policy.timezone).date()
        day = local + timedelta(days=policy.nudge_after_days)
    return _reminder_on(day, policy)


def _final_due(walk: _Walk, policy: PlanPolicy) -> datetime:
    gap = max(policy.final_after_days, policy.min_days_between_followups)
    local = walk.followups[-1].astimezone(policy.timezone).date()
    return _reminder_on(local + timedelta(days=gap), policy)


def _with_thanks(plan_: InterviewPlan, thanks: tuple[FollowUp, ...]) -> InterviewPlan:
    if not thanks:
        return plan_
    followups = thanks + plan_.followups
    if plan_.state in (State.WAITING, State.NEXT_ROUND):
        names = ", ".join(f.to[0].name or f.to[0].email for f in thanks)
        return replace(plan_, state=State.THANK_YOU_DUE, next_action=f"thank {names}",
                       due=thanks[0].due, followups=followups)
    return replace(plan_, followups=followups)


def _automatic(timeline: Timeline) -> set[str]:
    return {mail_id for mail_id, label in timeline.labels.items()
            if label.category in (Category.AUTO_REPLY, Category.OTHER) and not label.asks_user
            and label.confidence >= 0.8}


# --- time of day and business days ---------------------------------------------------------


def _is_business_day(day: date, policy: PlanPolicy) -> bool:
    return day.weekday() in policy.business_days and day not in policy.holidays


def _add_business_days(day: date, count: int, policy: PlanPolicy) -> date:
    return add_business_days(day, count, policy.holidays, policy.business_days)


def next_slot(moment: datetime, policy: PlanPolicy) -> datetime:
    """The first reminder time (business day, configured time of day) at or after `moment`."""
    local = moment.astimezone(policy.timezone)
    slot = _reminder_on(local.date(), policy)
    return slot if slot >= moment else _reminder_on(local.date() + timedelta(days=1), policy)


def _reminder_on(day: date, policy: PlanPolicy) -> datetime:
    """The configured time of day on `day`, or on the next business day after it."""
    for _ in range(366):  # a policy with no business days at all must still end
        if _is_business_day(day, policy):
            break
        day += timedelta(days=1)
    local = datetime.combine(day, policy.reminder_time, tzinfo=policy.timezone)
    return local.astimezone(UTC)


def _thank_you_reminder(end: datetime, policy: PlanPolicy) -> datetime:
    """A few hours after the interview (the best time to thank), in waking hours."""
    at = (end + timedelta(hours=policy.thank_you_delay_hours)).astimezone(policy.timezone)
    if _is_business_day(at.date(), policy) and _DAY_STARTS <= at.time() < _DAY_ENDS:
        return at.astimezone(UTC)
    day = at.date() if at.time() < _DAY_STARTS else at.date() + timedelta(days=1)
    return _reminder_on(day, policy)


def _local_text(moment: datetime, policy: PlanPolicy) -> str:
    return moment.astimezone(policy.timezone).strftime("%a %d %b %H:%M")


# --- what the templates get to know --------------------------------------------------------


def _context(iv: Interview, person: Address, policy: PlanPolicy) -> dict[str, str]:
    local_start = iv.start.astimezone(policy.timezone)
    return {
        "first_name": person.first_name,
        "recipient_email": person.email,
        "company": iv.company,
        "role": iv.role,
        "interview_day": f"{local_start:%A} {local_start.day} {local_start:%B}",
        "topic": _topic_for(iv, person, policy.notes),
        "interview_note": policy.notes.get((iv.id, ""), ""),
        "user_name": policy.user_name,
    }


def _topic_for(iv: Interview, person: Address, notes: Mapping[tuple[str, str], str]) -> str:
    """What this person and the user talked about: the user's note on them, else the
    agenda line naming them in the invite."""
    if note := notes.get((iv.id, person.email)):
        return note
    names = [n for n in person.name.replace(",", " ").split() if len(n) > 2]
    for line in iv.description.splitlines():
        if any(name.lower() in line.lower() for name in names):
            return _strip_agenda_line(line, names)
    return ""


def _strip_agenda_line(line: str, names: list[str]) -> str:
    """'10:00 Systems design with Ana Ortiz: queue migration' -> 'queue migration'."""
    text = line.strip(" -*•\t")
    if ":" in text:
        head, _, tail = text.rpartition(":")
        if tail.strip() and any(n.lower() in head.lower() for n in names):
            return tail.strip()
    return text
