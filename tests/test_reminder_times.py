"""Reminders land on time: never in the past of the cycle that wrote them, a late one at the
next reachable moment and then once a day, and the feed, its texts and `status` agree.

The sweep runs real cycles over the demo story (Maildir, vdir, templates, the feed file) from
18 March to 20 April 2026, a few times a day and around every interview.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.config.settings import load_settings
from radiosilence.model import Kind
from radiosilence.plan.policy import PlanPolicy
from radiosilence.plan.slots import moment_text, place_reminder
from radiosilence.publish.feed import feed_uid
from radiosilence.wiring import open_engine

LONDON = ZoneInfo("Europe/London")


def policy() -> PlanPolicy:
    return PlanPolicy(
        timezone=LONDON, user=frozenset({"me@example.org"}), user_name="Sam",
        thank_you_within_hours=24, thank_you_delay_hours=2, thank_you_expire_days=3,
        nudge_after_days=7, deadline_grace_business_days=2, final_after_days=7,
        max_followups=2, min_days_between_followups=7, reply_reminder_business_days=1,
        give_up_after_days=14, business_days=frozenset(range(5)), holidays=frozenset(),
        reminder_time=datetime.strptime("09:30", "%H:%M").time(),
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- the placement rule ----------------------------------------------------------------------


def test_a_reminder_still_ahead_stays_as_planned() -> None:
    planned = utc(2026, 3, 20, 17, 45)
    where = place_reminder(Kind.THANK_YOU, planned, None, utc(2026, 3, 20, 15, 50), policy())
    assert (where.start, where.moved) == (planned, False)


@pytest.mark.parametrize(("kind", "now", "expected"), [
    # A late thank-you in waking hours: the next quarter hour, any day of the week.
    (Kind.THANK_YOU, utc(2026, 3, 21, 10, 7), utc(2026, 3, 21, 10, 15)),
    # At night: the next morning's slot.
    (Kind.THANK_YOU, utc(2026, 3, 20, 22, 30), utc(2026, 3, 21, 9, 30)),
    # A nudge found late on a business day: the next quarter hour.
    (Kind.NUDGE, utc(2026, 3, 17, 9, 31), utc(2026, 3, 17, 9, 45)),
    # On a Saturday: the next business day's slot.
    (Kind.NUDGE, utc(2026, 3, 21, 11, 0), utc(2026, 3, 23, 9, 30)),
    (Kind.REPLY, utc(2026, 3, 18, 20, 30), utc(2026, 3, 19, 9, 30)),
])
def test_a_late_reminder_lands_at_the_next_reachable_moment(kind: Kind, now: datetime,
                                                            expected: datetime) -> None:
    planned = now - timedelta(hours=3)
    where = place_reminder(kind, planned, None, now, policy())
    assert (where.start, where.moved) == (expected, True)


def test_a_moved_reminder_stays_put_until_it_rang_then_moves_once_a_day() -> None:
    planned = utc(2026, 3, 17, 9, 30)
    first = place_reminder(Kind.NUDGE, planned, None, utc(2026, 3, 17, 9, 31), policy()).start
    assert first == utc(2026, 3, 17, 9, 45)
    # Later cycles before it rings keep it where it is.
    assert place_reminder(Kind.NUDGE, planned, first, utc(2026, 3, 17, 9, 40),
                          policy()).start == first
    # Once it has rung: the next business day's slot, and there it stays for the day.
    rang = place_reminder(Kind.NUDGE, planned, first, utc(2026, 3, 17, 10, 0), policy()).start
    assert rang == utc(2026, 3, 18, 9, 30)
    assert place_reminder(Kind.NUDGE, planned, rang, utc(2026, 3, 17, 16, 0),
                          policy()).start == rang


# --- the demo story, swept -------------------------------------------------------------------


def _moments(interview_ends: list[datetime]) -> list[datetime]:
    start = datetime.fromisoformat(DEMO_NOW)
    moments = set()
    day = start.date()
    while day <= date(2026, 4, 20):
        for hour, minute in ((7, 0), (9, 31), (13, 0), (17, 0), (21, 0)):
            moments.add(datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC))
        day += timedelta(days=1)
    for end in interview_ends:
        moments.update(end + timedelta(minutes=m) for m in (10, 65, 125, 300, 24 * 60 - 90))
    return sorted(m for m in moments if m >= start)


def _feed_events(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_over_the_demo_story_reminders_ring_on_time_and_agree(tmp_path: Path) -> None:
    settings = load_settings(prepare(tmp_path / "demo"))
    engine = open_engine(settings)
    tz = settings.user.timezone
    first = datetime.fromisoformat(DEMO_NOW)
    ends = [p.interview.end for p in engine.plan(first)]
    first_start: dict[str, datetime] = {}
    thank_you_due: dict[str, datetime] = {}
    cycles = 0
    for now in _moments(ends):
        report = engine.cycle(now)
        cycles += 1
        events = _feed_events(settings.feed.path)
        by_key = {r.key: r for r in report.reminders}
        assert set(events) == {feed_uid(key) for key in by_key}
        for key, reminder in by_key.items():
            start = events[feed_uid(key)].decoded("dtstart")
            assert start >= now, f"{key} placed at {start}, before the cycle at {now}"
            assert start == reminder.start
            first_start.setdefault(key, start)
        # What `status --json` would say in this moment: the same times, the same texts.
        plans = engine.plan(now)
        again = {r.key: r for r in engine.reminders(plans, now, report.stale)}
        assert {k: r.start for k, r in again.items()} == {k: r.start for k, r in by_key.items()}
        for plan in plans:
            for followup in plan.followups:
                if followup.key not in by_key:
                    continue
                text = by_key[followup.key].description
                assert moment_text(followup.due, tz) in text, text
                late = by_key[followup.key].summary.startswith("Overdue: ")
                if followup.kind == Kind.THANK_YOU:
                    assert late == (by_key[followup.key].start > followup.due)
                    thank_you_due[followup.key] = followup.due
    created = {key: datetime.fromisoformat(a.created_at)
               for key, a in engine.store.actions().items()}
    checked = 0
    for key, due in thank_you_due.items():
        if key in created and created[key] <= due - timedelta(hours=2):
            assert first_start[key] <= due, f"{key}: first rang {first_start[key]}, due {due}"
            checked += 1
    assert cycles > 150 and checked >= 6, (cycles, checked)
