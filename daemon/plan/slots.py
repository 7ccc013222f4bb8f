"""When reminders land: business days, the configured time of day, waking hours; and the
one way dates are written for the person to read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from radiosilence.model import Kind
from radiosilence.parse.dates import add_business_days
from radiosilence.plan.policy import PlanPolicy

UTC = ZoneInfo("UTC")
# A thank-you reminder should land in waking hours; otherwise it waits for the morning.
_DAY_STARTS, _DAY_ENDS = time(8, 0), time(20, 0)
SOON_MINUTES = 15  # a late reminder lands at the next quarter hour: "within the hour"


def is_business_day(day: date, policy: PlanPolicy) -> bool:
    return day.weekday() in policy.business_days and day not in policy.holidays


def business_days_after(day: date, count: int, policy: PlanPolicy) -> date:
    return add_business_days(day, count, policy.holidays, policy.business_days)


def next_slot(moment: datetime, policy: PlanPolicy) -> datetime:
    """The first reminder time (business day, configured time of day) at or after `moment`."""
    local = moment.astimezone(policy.timezone)
    slot = reminder_on(local.date(), policy)
    return slot if slot >= moment else reminder_on(local.date() + timedelta(days=1), policy)


def reminder_on(day: date, policy: PlanPolicy) -> datetime:
    """The configured time of day on `day`, or on the next business day after it."""
    for _ in range(366):  # a policy with no business days at all must still end
        if is_business_day(day, policy):
            break
        day += timedelta(days=1)
    local = datetime.combine(day, policy.reminder_time, tzinfo=policy.timezone)
    return local.astimezone(UTC)


def thank_you_reminder(end: datetime, due: datetime, policy: PlanPolicy) -> datetime:
    """A few hours after the interview (the best time to thank), in waking hours on any day
    (a thank-you is the person's own errand, not office business), and before the deadline:
    when the next morning would be too late, the evening it is."""
    at = end + timedelta(hours=policy.thank_you_delay_hours)
    if _waking(at, policy):
        return at.astimezone(UTC)
    morning = _next_morning(at, policy)
    return morning if morning <= due else at.astimezone(UTC)


@dataclass(frozen=True)
class Placement:
    """Where a reminder lands this cycle, and whether that is later than planned."""

    start: datetime
    moved: bool  # later than its planned time, which had passed


def place_reminder(kind: Kind, planned: datetime, previous: datetime | None, now: datetime,
                   policy: PlanPolicy) -> Placement:
    """Never in the past of the cycle that writes it, stable from cycle to cycle.

    A reminder still ahead stays as planned, or where an earlier cycle moved it. One whose
    time passed before any cycle published it (a late draft, a late first run) lands at the
    next reachable moment: the next quarter hour in waking hours (for anything but a
    thank-you, on a business day), else the next morning's slot. One that already rang
    (its placed time passed) moves to the next daily slot, once a day, until it is handled.
    """
    if planned >= now:
        return Placement(planned, moved=False)
    if previous is not None and previous >= now:
        return Placement(previous, moved=previous != planned)
    if previous is None:
        return Placement(_soon(kind, now, policy), moved=True)
    return Placement(_daily(kind, now, policy), moved=True)


def _soon(kind: Kind, now: datetime, policy: PlanPolicy) -> datetime:
    quarter = SOON_MINUTES * 60
    stamp = int(now.timestamp())
    at = datetime.fromtimestamp(-(-stamp // quarter) * quarter, UTC)
    business = kind == Kind.THANK_YOU or is_business_day(
        at.astimezone(policy.timezone).date(), policy)
    return at if business and _waking(at, policy) else _daily(kind, now, policy)


def _daily(kind: Kind, now: datetime, policy: PlanPolicy) -> datetime:
    return _next_morning(now, policy) if kind == Kind.THANK_YOU else next_slot(now, policy)


def _waking(moment: datetime, policy: PlanPolicy) -> bool:
    return _DAY_STARTS <= moment.astimezone(policy.timezone).time() < _DAY_ENDS


def _next_morning(moment: datetime, policy: PlanPolicy) -> datetime:
    """The configured time of day, on any day, at or after `moment`."""
    local = moment.astimezone(policy.timezone)
    slot = datetime.combine(local.date(), policy.reminder_time, tzinfo=policy.timezone)
    if slot < moment:
        slot = datetime.combine(local.date() + timedelta(days=1), policy.reminder_time,
                                tzinfo=policy.timezone)
    return slot.astimezone(UTC)


# --- dates as the person reads them: one format everywhere ------------------------------

def day_text(day: date) -> str:
    """"Friday 13 March": drafts, reminders and plans all write a day like this."""
    return f"{day:%A} {day.day} {day:%B}"


def moment_text(moment: datetime, tz: ZoneInfo) -> str:
    """"Friday 13 March, 15:45" in the person's time zone."""
    local = moment.astimezone(tz)
    return f"{day_text(local.date())}, {local:%H:%M}"


def short_text(moment: datetime, tz: ZoneInfo) -> str:
    """"Fri 13 Mar 15:45", for table columns."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %H:%M}"

