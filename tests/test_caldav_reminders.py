"""The reminder calendar over CalDAV, against a real Radicale: over the demo story moved
through two weeks it holds exactly one event per pending reminder, each with its alarm at
the reminder time (read back from Radicale's own files with the icalendar parser), the
person's own event in that calendar is never touched, an idle cycle costs one request, and
a PUT whose answer never arrived (as after a kill) leaves no duplicate."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.config.settings import load_settings
from radiosilence.publish.caldav import caldav_uid
from radiosilence.wiring import open_engine
from tests.caldav_rigs import USER, Radicale
from tests.contract.calendar_source import ics

CALENDAR = "reminders"
OWN = ics("dentist@example.com", "Dentist")  # the person's own event in the same calendar


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale") as server:
        yield server


def _config(root: Path, server: Radicale, lead: int = 0) -> Path:
    config = prepare(root)
    secret = root / "caldav-password"
    secret.write_text("app-password-1\n", encoding="utf-8")
    os.chmod(secret, 0o600)
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[reminders]\nchannels = ["feed", "caldav"]\n\n[reminders.caldav]\n'
                     f'url = "{server.url}"\nusername = "{USER}"\n'
                     f'password_file = "{secret}"\ncalendar = "Interview follow-ups"\n'
                     f"lead_minutes = {lead}\n")
    return config


def _events(server: Radicale, calendar: str = CALENDAR) -> dict[str, icalendar.Event]:
    """Every VEVENT in the calendar as Radicale stores it, by UID."""
    found = {}
    for path in server.files(calendar):
        for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            found[str(event["UID"])] = event
    return found


def _triggers(event: icalendar.Event) -> list[timedelta]:
    return sorted(alarm.decoded("trigger") for alarm in event.walk("VALARM"))


def _moments() -> Iterable[datetime]:
    start = datetime.fromisoformat(DEMO_NOW)
    for hours in range(0, 14 * 24, 7):
        yield start + timedelta(hours=hours)


def test_over_two_weeks_one_event_per_reminder_with_its_alarm(
        radicale: Radicale, tmp_path: Path) -> None:
    radicale.make_calendar(CALENDAR, "Interview follow-ups")
    radicale.put(CALENDAR, "dentist.ics", OWN)
    own_file = next(p for p in radicale.files(CALENDAR) if p.name == "dentist.ics")
    own_bytes = own_file.read_bytes()
    settings = load_settings(_config(tmp_path / "demo", radicale, lead=30))
    engine = open_engine(settings)
    steps = 0
    for now in _moments():
        report = engine.cycle(now)
        steps += 1
        events = _events(radicale)
        ours = {uid: e for uid, e in events.items() if "X-RADIOSILENCE-KEY" in e}
        assert set(ours) == {caldav_uid(r.key) for r in report.reminders}, now
        for reminder in report.reminders:
            event = ours[caldav_uid(reminder.key)]
            assert event.decoded("dtstart") == reminder.start
            assert str(event["SUMMARY"]) == reminder.summary
            # One alarm at the reminder time, one 30 minutes before.
            assert _triggers(event) == [timedelta(minutes=-30), timedelta(0)]
        assert own_file.read_bytes() == own_bytes, "the person's own event was touched"
        assert len(events) == len(ours) + 1
    assert steps == 48


def _sequences(server: Radicale) -> dict[str, tuple[int, datetime]]:
    """(SEQUENCE, DTSTART) by UID in the calendar radiosilence made (named after its title)."""
    return {uid: (int(e["SEQUENCE"]), e.decoded("dtstart"))
            for uid, e in _events(server, "interview-follow-ups").items()}


def test_an_idle_cycle_costs_one_request_and_changes_only_bump_sequence(
        radicale: Radicale, tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path / "demo", radicale))
    engine = open_engine(settings)
    now = datetime.fromisoformat(DEMO_NOW)
    engine.cycle(now)  # creates the calendar (it was missing) and the events
    # The overdue reminders rang at once (17:00) and move to the next morning here.
    engine.cycle(now + timedelta(minutes=5))
    before = _sequences(radicale)
    assert before and {seq for seq, _ in before.values()} <= {0, 1}
    radicale.requests.clear()
    engine.cycle(now + timedelta(minutes=10))
    assert radicale.requests["REPORT"] == 1
    assert radicale.requests["PUT"] == 0 and radicale.requests["DELETE"] == 0
    # Two days later some reminders moved: those, and only those, have SEQUENCE 1.
    engine.cycle(now + timedelta(days=2))
    after = _sequences(radicale)
    for uid, (seq, start) in after.items():
        if uid in before:
            assert seq == before[uid][0] + (start != before[uid][1]), uid


def test_a_put_whose_answer_was_lost_leaves_one_event(radicale: Radicale,
                                                       tmp_path: Path) -> None:
    """The server stores the PUT but the answer never arrives (the connection drops, as for
    a process killed right after sending): the next cycle finds the event, no duplicate."""
    settings = load_settings(_config(tmp_path / "demo", radicale))
    engine = open_engine(settings)
    inner = radicale._wsgi

    def drop_after_put(environ: dict[str, Any], start: Any) -> Any:
        answer = inner(environ, start)
        if environ["REQUEST_METHOD"] == "PUT":
            list(answer)  # Radicale has stored it
            raise ConnectionResetError("gone before answering")
        return answer

    radicale.server.set_app(drop_after_put)
    engine.cycle(datetime.fromisoformat(DEMO_NOW))
    radicale.server.set_app(inner)
    report = engine.cycle(datetime.fromisoformat(DEMO_NOW) + timedelta(minutes=5))
    uids = [str(e["UID"]) for p in radicale.files("interview-follow-ups")
            for e in icalendar.Calendar.from_ical(p.read_bytes()).walk("VEVENT")]
    assert sorted(uids) == sorted(caldav_uid(r.key) for r in report.reminders)


def test_an_outage_is_one_line_and_drafts_go_on(radicale: Radicale, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(_config(tmp_path / "demo", radicale))
    engine = open_engine(settings)
    start = datetime.fromisoformat(DEMO_NOW)
    with radicale.outage():
        report = engine.cycle(start)
        asked = sum(radicale.requests.values())
        engine.cycle(start + timedelta(minutes=1))  # within the first pause: not asked
        assert sum(radicale.requests.values()) == asked
        engine.cycle(start + timedelta(minutes=3))  # asked again, fails, pause doubles
        assert sum(radicale.requests.values()) > asked
    assert len(report.outcome.created) == 5, "drafts waited for the reminder calendar"
    lines = [r for r in caplog.records if "reminder calendar not updated" in r.message]
    assert len(lines) == 1, caplog.text
    engine.cycle(start + timedelta(minutes=6))  # still pausing (4 minutes from 3)
    assert _events(radicale, "interview-follow-ups") == {}
    engine.cycle(start + timedelta(minutes=8))
    assert len(_events(radicale, "interview-follow-ups")) == len(report.reminders)
