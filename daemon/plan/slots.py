"""When reminders land: business days, the configured time of day, waking hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from radiosilence.parse.dates import add_business_days
from radiosilence.plan.policy import PlanPolicy

UTC = ZoneInfo("UTC")
# A thank-you reminder should land in waking hours; otherwise it waits for the morning.
_DAY_STARTS, _DAY_ENDS = time(8, 0), time(20, 0)


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


def thank_you_reminder(end: datetime, policy: PlanPolicy) -> datetime:
    """A few hours after the interview (the best time to thank), in waking hours."""
    at = (end + timedelta(hours=policy.thank_you_delay_hours)).astimezone(policy.timezone)
    if is_business_day(at.date(), policy) and _DAY_STARTS <= at.time() < _DAY_ENDS:
        return at.astimezone(UTC)
    day = at.date() if at.time() < _DAY_STARTS else at.date() + timedelta(days=1)
    return reminder_on(day, policy)


def local_text(moment: datetime, policy: PlanPolicy) -> str:
    return moment.astimezone(policy.timezone).strftime("%a %d %b %H:%M")
