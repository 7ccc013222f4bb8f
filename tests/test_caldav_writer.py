"""The CalDAV writer for reminders against a real Radicale: it creates its calendar or says
what to create, keeps exactly one event per UID however often a write is retried, never
touches the person's own events in the same calendar, and its alarms come back intact
(read with the icalendar parser, as a calendar app would)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from radiosilence.connectors.base import Refused
from radiosilence.connectors.caldav.dav import Dav
from radiosilence.connectors.caldav.writer import MARKER, CalDavEventWriter
from tests.caldav_rigs import PASSWORD, USER, Radicale
from tests.contract.calendar_source import ics

UID = "thank-you-iv-3f9a@radiosilence"
OWN = ics("dentist@example.com", "Dentist")  # the person's own event


def reminder(uid: str = UID, summary: str = "Thank Hannah Okafor", minutes: int = 0) -> bytes:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//radiosilence//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20240506T120000Z\r\n"
            f"DTSTART:20240507T083000Z\r\nDTEND:20240507T084500Z\r\nSUMMARY:{summary}\r\n"
            f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:{summary}\r\n"
            f"TRIGGER:-PT{minutes}M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path) as server:
        yield server


def _writer(server: Radicale, name: str = "Reminders") -> CalDavEventWriter:
    return CalDavEventWriter(Dav(server.url, USER, PASSWORD), name)


def test_the_calendar_is_created_once_and_found_again_by_name(radicale: Radicale) -> None:
    radicale.http("PROPFIND", radicale.url + USER + "/")  # the account exists
    href = _writer(radicale, "Interview reminders").calendar()
    assert radicale.requests["MKCALENDAR"] == 1
    assert _writer(radicale, "interview REMINDERS").calendar() == href
    assert radicale.requests["MKCALENDAR"] == 1


def test_a_task_list_of_that_name_is_not_taken_for_the_calendar(radicale: Radicale) -> None:
    radicale.make_calendar("tasks", "Reminders", components=("VTODO",))
    href = _writer(radicale, "Reminders").calendar()
    assert href == "/sam/reminders/" and radicale.requests["MKCALENDAR"] == 2


def test_a_server_that_will_not_create_it_says_what_to_create(radicale: Radicale) -> None:
    radicale.http("PROPFIND", radicale.url + USER + "/")
    radicale.refused.add("MKCALENDAR")
    with pytest.raises(Refused) as caught:
        _writer(radicale, "Interview reminders").calendar()
    message = str(caught.value)
    assert "create a calendar named 'Interview reminders'" in message and "403" in message
    assert "\n" not in message


def test_a_second_put_of_the_same_uid_leaves_one_event(radicale: Radicale) -> None:
    radicale.make_calendar("reminders", "Reminders")
    writer = _writer(radicale)
    writer.put(UID, "thank-you/iv-3f9a", reminder())
    # A crash before the caller recorded the etag: the retry knows none and must not duplicate.
    _writer(radicale).put(UID, "thank-you/iv-3f9a", reminder(summary="Thank Hannah, again"))
    # A stale etag (the person's app touched the event meanwhile) is no duplicate either.
    writer.put(UID, "thank-you/iv-3f9a", reminder(summary="Thank Hannah, third"), etag='"old"')
    assert len(radicale.files("reminders")) == 1
    owned = writer.owned()
    assert list(owned) == [UID] and b"third" in owned[UID].data


def test_the_persons_own_events_are_never_listed_changed_or_deleted(
        radicale: Radicale) -> None:
    radicale.make_calendar("reminders", "Reminders")
    radicale.put("reminders", "dentist.ics", OWN)
    mine = sorted(radicale.files("reminders"))[0].read_bytes()
    writer = _writer(radicale)
    writer.put(UID, "thank-you/iv-3f9a", reminder())
    assert list(writer.owned()) == [UID]
    assert writer.delete("dentist@example.com") is False
    assert writer.delete(UID) is True and writer.delete(UID) is False
    assert writer.owned() == {}
    files = radicale.files("reminders")
    assert len(files) == 1 and files[0].read_bytes() == mine


def test_an_event_without_our_marker_where_ours_belongs_is_left_alone(
        radicale: Radicale) -> None:
    radicale.make_calendar("reminders", "Reminders")
    writer = _writer(radicale)
    name = writer.href(UID).rpartition("/")[2]
    radicale.put("reminders", name, reminder(summary="Copied by hand"))  # no marker
    with pytest.raises(Refused, match="left alone"):
        writer.put(UID, "thank-you/iv-3f9a", reminder())
    assert writer.delete(UID) is False
    assert b"Copied by hand" in radicale.files("reminders")[0].read_bytes()


def test_the_alarm_survives_the_round_trip(radicale: Radicale) -> None:
    radicale.make_calendar("reminders", "Reminders")
    writer = _writer(radicale)
    writer.put(UID, "thank-you/iv-3f9a", reminder(minutes=15))
    for data in (writer.owned()[UID].data, radicale.files("reminders")[0].read_bytes()):
        event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
        alarms = event.walk("VALARM")
        assert len(alarms) == 1 and str(alarms[0]["ACTION"]) == "DISPLAY"
        assert alarms[0]["TRIGGER"].dt == -timedelta(minutes=15)
        assert str(event[MARKER]) == "thank-you/iv-3f9a" and str(event["UID"]) == UID


def test_listing_costs_one_report_once_the_calendar_is_known(radicale: Radicale) -> None:
    radicale.make_calendar("reminders", "Reminders")
    writer = _writer(radicale)
    writer.put(UID, "k", reminder())
    radicale.requests.clear()
    writer.owned()
    assert dict(radicale.requests) == {"REPORT": 1}


def test_a_put_whose_uid_differs_is_refused_before_any_request(radicale: Radicale) -> None:
    radicale.make_calendar("reminders", "Reminders")
    writer = _writer(radicale)
    writer.calendar()
    radicale.requests.clear()
    with pytest.raises(ValueError, match="UID"):
        writer.put("another@radiosilence", "k", reminder())
    assert sum(radicale.requests.values()) == 0
