"""The Google Calendar source over the loopback emulator, with the real client (the
CalendarSource contract runs for it in tests/contract/test_google.py).

The emulator answers 400 when a syncToken comes with timeMin/timeMax/q/orderBy/updatedMin,
as Google does, so every incremental sync that succeeds here sent none of them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from google.oauth2.credentials import Credentials

from radiosilence.connectors.base import (
    AuthNeeded,
    CalendarSource,
    Changes,
    ConnectorError,
    CursorExpired,
    Unavailable,
)
from radiosilence.connectors.google.api import Caller, build_service
from radiosilence.connectors.google.calendar import GoogleCalendarSource, to_ical
from radiosilence.model import Attendee, CalEvent
from radiosilence.parse.calendar import parse_calendar
from tests.contract.calendar_source import events_of
from tests.google_rigs import ME, NOW, Google, calendar_emulator, config, timed

TEAM = "team@group.calendar.google.com"
LIST = "calendar.events.list"


@pytest.fixture
def google(tmp_path: Path) -> Iterator[Google]:
    with calendar_emulator(tmp_path) as rig:
        yield rig


def parsed(changes: Changes, tz: Any = UTC) -> dict[str, CalEvent]:
    out = {}
    for item in changes.items:
        [event] = parse_calendar(item.data, source="calendar", source_ref=item.ref, default_tz=tz)
        out[item.ref] = event
    return out


# --- requests: full, incremental, pages, expiry, retries -------------------------------------


def test_full_then_incremental_is_one_request_per_calendar(google: Google) -> None:
    google.emu.calendar.add_calendar(TEAM, time_zone="Europe/Berlin")
    google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=1), summary="Mine"))
    team = google.emu.calendar.add_event(TEAM, timed(NOW + timedelta(days=2), summary="Team"))
    source = google.source(("primary", TEAM))
    first = source.changes(None)
    assert google.lists == 2
    assert sorted(e.summary for e in parsed(first).values()) == ["Mine", "Team"]
    assert set(json.loads(first.cursor)) == {"primary", TEAM}

    idle = source.changes(first.cursor)
    assert (idle.items, idle.removed, google.lists) == ([], [], 4)
    idle = source.changes(idle.cursor)
    assert (idle.items, google.lists) == ([], 6)

    google.emu.calendar.update_event(TEAM, team["id"], summary="Team, moved")
    later = source.changes(idle.cursor)
    assert [(i.ref, e.summary) for i, e in zip(later.items, parsed(later).values(), strict=True)] \
        == [(f"{TEAM}/{team['id']}", "Team, moved")]
    assert google.lists == 8
    assert google.emu.quota[LIST] == 8 and google.caller.budget.spent == 8
    assert google.sleeps == []


def test_events_before_the_window_are_left_out(google: Google) -> None:
    google.emu.calendar.add_event("primary", timed(NOW - timedelta(days=45), summary="Old"))
    google.emu.calendar.add_event("primary", timed(NOW - timedelta(days=5), summary="Recent"))
    changes = google.source(window_days=30).changes(None)
    assert [e.summary for e in parsed(changes).values()] == ["Recent"]


def test_the_emulator_refuses_a_sync_token_with_time_min(google: Google) -> None:
    """What makes the incremental tests above prove that no timeMin went with the token."""
    cursor = google.source().changes(None).cursor
    request = google.service.events().list(
        calendarId="primary", syncToken=json.loads(cursor)["primary"], singleEvents=True,
        timeMin="2024-04-01T00:00:00Z")
    with pytest.raises(ConnectorError, match="HTTP 400"):
        google.caller.call(request, LIST)


def test_pages_are_followed_in_full_and_incremental_sync(google: Google) -> None:
    ids = [google.emu.calendar.add_event(
        "primary", timed(NOW + timedelta(hours=n), summary=f"Event {n}"))["id"]
        for n in range(600)]
    source = google.source()
    first = source.changes(None)
    assert google.lists == 3  # 250 + 250 + 100
    assert len({i.ref for i in first.items}) == 600
    for event_id in ids[:300]:
        google.emu.calendar.update_event("primary", event_id, description="Agenda attached")
    later = source.changes(first.cursor)
    assert google.lists == 5  # 250 + 50
    assert sorted(i.ref for i in later.items) == sorted(f"primary/{i}" for i in ids[:300])
    assert {e.description for e in parsed(later).values()} == {"Agenda attached"}
    source.changes(later.cursor)
    assert google.lists == 6


def test_expired_sync_token_then_a_full_resync_gives_the_same_events(google: Google) -> None:
    google.emu.calendar.add_calendar(TEAM)
    for n in range(3):
        google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=n), summary=f"{n}"))
    google.emu.calendar.add_event(TEAM, timed(NOW + timedelta(days=1), summary="Team"))
    source = google.source(("primary", TEAM))
    first = source.changes(None)
    google.emu.calendar.expire_sync_tokens()
    with pytest.raises(CursorExpired):
        source.changes(first.cursor)
    assert google.sleeps == []  # 410 is not retried
    again = source.changes(None)
    assert [(i.ref, i.data) for i in again.items] == [(i.ref, i.data) for i in first.items]
    assert source.changes(again.cursor).items == []


def test_cursor_of_calendars_no_longer_configured_expires(google: Google) -> None:
    google.emu.calendar.add_calendar(TEAM)
    cursor = google.source(("primary", TEAM)).changes(None).cursor
    with pytest.raises(CursorExpired):
        google.source(("primary",)).changes(cursor)


def test_a_newly_configured_calendar_is_read_in_full(google: Google) -> None:
    google.emu.calendar.add_calendar(TEAM)
    google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=1), summary="Mine"))
    google.emu.calendar.add_event(TEAM, timed(NOW + timedelta(days=1), summary="Team"))
    cursor = google.source(("primary",)).changes(None).cursor
    changes = google.source(("primary", TEAM)).changes(cursor)
    assert [e.summary for e in parsed(changes).values()] == ["Team"]
    assert set(json.loads(changes.cursor)) == {"primary", TEAM}


def test_a_missing_calendar_is_skipped_and_the_others_read(google: Google) -> None:
    google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=1), summary="Mine"))
    changes = google.source(("primary", "gone@group.calendar.google.com")).changes(None)
    assert [e.summary for e in parsed(changes).values()] == ["Mine"]
    assert changes.skipped == 1 and set(json.loads(changes.cursor)) == {"primary"}


def test_500_and_429_are_survived_with_the_same_result(google: Google) -> None:
    for n in range(3):
        google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=n), summary=f"{n}"))
    clean = google.source().changes(None)
    assert google.lists == 1
    google.emu.faults.add(LIST, 500)
    google.emu.faults.add(LIST, 429, retry_after=7)
    again = google.source().changes(None)
    assert [(i.ref, i.data) for i in again.items] == [(i.ref, i.data) for i in clean.items]
    assert google.lists == 4 and google.emu.faults.fired == [(LIST, 500), (LIST, 429)]
    assert len(google.sleeps) == 2
    assert 0.5 <= google.sleeps[0] <= 1.5  # base delay with jitter
    assert google.sleeps[1] == 7  # Retry-After honoured


def test_a_lasting_outage_is_unavailable_after_bounded_retries(google: Google) -> None:
    google.emu.faults.add(LIST, 503, times=-1)
    with pytest.raises(Unavailable):
        google.source().changes(None)
    assert google.lists == google.config.attempts and len(google.sleeps) == 4


@pytest.mark.parametrize("access_token_expired", [True, False])
def test_revoked_token_is_auth_needed(google: Google, tmp_path: Path,
                                      access_token_expired: bool) -> None:
    creds = Credentials(token=None, refresh_token="1//emulator-refresh", client_id="client-id",
                        client_secret="client-secret", token_uri=google.base + "token")
    google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=1), summary="Mine"))
    cfg = config(google.base, tmp_path, anonymous=False)
    source = GoogleCalendarSource(build_service("calendar", "v3", cfg, creds),
                                  Caller(cfg, sleep=google.sleeps.append), ["primary"], 30,
                                  lambda: NOW)
    cursor = source.changes(None).cursor  # refreshes its access token first: works
    assert google.emu.counts["oauth.token"] == 1
    google.emu.revoke_token()
    if access_token_expired:  # refreshed before the call; else the call's 401 refreshes
        creds.token = None
    with pytest.raises(AuthNeeded):
        source.changes(cursor)
    assert google.sleeps == []  # not retried
    assert google.emu.counts["oauth.token"] == 2


# --- conversion ---------------------------------------------------------------------------------


INTERVIEW: dict[str, Any] = {
    "summary": "Onsite interview: Staff Engineer",
    "description": "Panel with the platform team.\nSystem design, then lunch.",
    "location": "Acme HQ, 5th floor",
    "start": {"dateTime": "2024-05-08T10:00:00-04:00", "timeZone": "America/New_York"},
    "end": {"dateTime": "2024-05-08T12:30:00-04:00", "timeZone": "America/New_York"},
    "sequence": 2,
    "organizer": {"email": "recruiting@acme.example", "displayName": "Acme Recruiting"},
    "attendees": [
        {"email": "recruiting@acme.example", "displayName": "Acme Recruiting",
         "organizer": True, "responseStatus": "accepted"},
        {"email": "grace@acme.example", "displayName": "Grace Hopper",
         "responseStatus": "accepted"},
        {"email": "alan@acme.example", "displayName": "Turing, Alan",
         "responseStatus": "tentative"},
        {"email": "barbara@acme.example", "displayName": "Barbara Liskov",
         "responseStatus": "needsAction", "optional": True},
        {"email": "c_1883@resource.calendar.google.com", "displayName": "HQ-5-Lovelace (8)",
         "resource": True, "responseStatus": "accepted"},
        {"email": "ken@acme.example", "displayName": "Ken Thompson",
         "responseStatus": "declined"},
        {"email": ME, "responseStatus": "accepted"},
    ],
    "hangoutLink": "https://meet.google.com/abc-defg-hij",
    "conferenceData": {"entryPoints": [
        {"entryPointType": "phone", "uri": "tel:+1-555-0100"},
        {"entryPointType": "video", "uri": "https://meet.google.com/abc-defg-hij"}]},
}


def test_interview_round_trip(google: Google) -> None:
    stored = google.emu.calendar.add_event("primary", INTERVIEW)
    changes = google.source().changes(None)
    [item] = changes.items
    assert item.ref == f"primary/{stored['id']}" and item.folder == ""
    assert b"TZID=America/New_York:20240508T100000" in item.data
    assert b"METHOD" not in item.data
    [event] = parse_calendar(item.data, source="calendar", source_ref=item.ref, default_tz=UTC)
    assert (event.uid, event.recurrence_id, event.sequence) == (stored["iCalUID"], "", 2)
    assert (event.method, event.status, event.cancelled) == ("", "CONFIRMED", False)
    assert event.summary == INTERVIEW["summary"]
    assert event.description == INTERVIEW["description"]
    assert event.location == "Acme HQ, 5th floor"
    assert (event.start, event.end, event.all_day) == (
        datetime(2024, 5, 8, 14, 0, tzinfo=UTC), datetime(2024, 5, 8, 16, 30, tzinfo=UTC), False)
    assert event.organizer == Attendee("recruiting@acme.example", "Acme Recruiting",
                                       partstat="NEEDS-ACTION")
    assert event.attendees == (
        Attendee("recruiting@acme.example", "Acme Recruiting", partstat="ACCEPTED"),
        Attendee("grace@acme.example", "Grace Hopper", partstat="ACCEPTED"),
        Attendee("alan@acme.example", "Turing, Alan", partstat="TENTATIVE"),
        Attendee("barbara@acme.example", "Barbara Liskov", role="OPT-PARTICIPANT"),
        Attendee("c_1883@resource.calendar.google.com", "HQ-5-Lovelace (8)",
                 cutype="RESOURCE", partstat="ACCEPTED"),
        Attendee("ken@acme.example", "Ken Thompson", partstat="DECLINED"),
        Attendee(ME, "", partstat="ACCEPTED"),
    )
    assert event.conference_url == "https://meet.google.com/abc-defg-hij"


def test_a_video_entry_point_is_the_conference_without_meet(google: Google) -> None:
    zoom = "https://acme.zoom.us/j/5550100?pwd=x"
    google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=1), conferenceData={
        "entryPoints": [{"entryPointType": "more", "uri": "https://acme.zoom.us/help"},
                        {"entryPointType": "video", "uri": zoom}]}))
    [event] = parsed(google.source().changes(None)).values()
    assert event.conference_url == zoom


def test_all_day_event_stays_a_date(google: Google) -> None:
    google.emu.calendar.add_event("primary", {
        "summary": "Take-home exercise due", "start": {"date": "2024-05-10"},
        "end": {"date": "2024-05-11"}})
    [item] = google.source().changes(None).items
    assert b"DTSTART;VALUE=DATE:20240510" in item.data
    berlin = ZoneInfo("Europe/Berlin")
    [event] = parsed(Changes([item], [], ""), berlin).values()
    assert event.all_day
    assert (event.start, event.end) == (datetime(2024, 5, 10, tzinfo=berlin).astimezone(UTC),
                                        datetime(2024, 5, 11, tzinfo=berlin).astimezone(UTC))


def test_recurring_series_with_one_moved_instance(google: Google) -> None:
    first = datetime(2024, 5, 7, 15, 0, tzinfo=UTC)
    master = google.emu.calendar.add_event("primary", timed(
        first, 45, summary="Weekly sync with the hiring manager",
        recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"]))
    moved_from = first + timedelta(days=7)
    moved_to = datetime(2024, 5, 15, 16, 0, tzinfo=UTC)
    google.emu.calendar.add_event("primary", timed(
        moved_to, 45, summary="Weekly sync (moved)", sequence=1,
        id=f"{master['id']}_{moved_from.strftime('%Y%m%dT%H%M%SZ')}",
        recurringEventId=master["id"], originalStartTime={"dateTime": moved_from.isoformat()}))
    changes = google.source().changes(None)
    events = sorted(parsed(changes).values(), key=lambda e: e.recurrence_id)
    assert {e.uid for e in events} == {master["iCalUID"]}
    assert [(e.recurrence_id, e.start, e.summary) for e in events] == [
        (first.isoformat(), first, "Weekly sync with the hiring manager"),
        (moved_from.isoformat(), moved_to, "Weekly sync (moved)"),
        ((first + timedelta(days=14)).isoformat(), first + timedelta(days=14),
         "Weekly sync with the hiring manager"),
    ]
    assert len({i.ref for i in changes.items}) == 3


def test_deleted_events_and_instances_are_removed(google: Google) -> None:
    single = google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=1)))
    start = NOW + timedelta(days=2)
    master = google.emu.calendar.add_event("primary", timed(
        start, recurrence=["RRULE:FREQ=DAILY;COUNT=3"]))
    source = google.source()
    first = source.changes(None)
    assert len(first.items) == 4
    google.emu.calendar.cancel_event("primary", single["id"])
    instance = f"{master['id']}_{(start + timedelta(days=1)).strftime('%Y%m%dT%H%M%SZ')}"
    google.emu.calendar.add_event("primary", {
        "id": instance, "status": "cancelled", "recurringEventId": master["id"],
        "originalStartTime": {"dateTime": (start + timedelta(days=1)).isoformat()}})
    later = source.changes(first.cursor)
    assert later.items == []
    assert sorted(later.removed) == sorted([f"primary/{single['id']}", f"primary/{instance}"])


def test_hundreds_of_attendees(google: Google) -> None:
    people = [{"email": f"person{n}@acme.example", "displayName": f"Person {n}",
               "responseStatus": "needsAction"} for n in range(300)]
    google.emu.calendar.add_event("primary", timed(NOW + timedelta(days=1), summary="All hands",
                                                   attendees=people))
    [event] = parsed(google.source().changes(None)).values()
    assert len(event.attendees) == 300
    assert event.attendees[299] == Attendee("person299@acme.example", "Person 299")


def test_broken_events_are_skipped_with_one_log_line(google: Google,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    broken = google.emu.calendar.add_event("primary", {"summary": "No start at all"})
    google.emu.calendar.add_event("primary", timed(
        NOW + timedelta(days=1), summary="Odd but usable", sequence="x",
        organizer="recruiting@acme.example",
        attendees=[{"displayName": "No address"}, {"email": "no-at-sign"},
                   {"email": "grace@acme.example", "responseStatus": "maybe"}]))
    unreadable = google.emu.calendar.add_event("primary", timed(
        NOW + timedelta(days=2), recurringEventId="m", originalStartTime={"dateTime": "soon"}))
    caplog.set_level(logging.INFO, logger="radiosilence.connectors.google.calendar")
    changes = google.source().changes(None)
    [event] = parsed(changes).values()
    assert event.summary == "Odd but usable" and event.organizer is None
    assert event.attendees == (Attendee("grace@acme.example"),)
    assert changes.skipped == 2
    assert sorted(r.getMessage() for r in caplog.records) == sorted([
        f"skipping calendar event primary/{broken['id']}: no id or start time",
        f"skipping calendar event primary/{unreadable['id']}: ValueError"])


def test_odd_values_in_an_event_are_dropped_not_fatal() -> None:
    data = to_ical({"id": "x4", "start": {"date": "2024-05-10"}, "attendees": [
        "not a person", None, {"email": 5}, {"email": "zoe@acme.example",
                                             "displayName": "Zoë Ångström"}],
        "conferenceData": {"entryPoints": "none"}, "hangoutLink": None,
        "summary": ["not", "text"], "updated": "yesterday"}, "", NOW)
    [event] = parse_calendar(data, source="calendar", source_ref="x", default_tz=UTC)
    assert event.attendees == (Attendee("zoe@acme.example", "Zoë Ångström"),)
    assert (event.summary, event.conference_url) == ("", "")
    assert b"DTSTAMP:20240506T120000Z" in data  # `updated` unreadable: now
    with pytest.raises(ValueError):
        to_ical({"id": "x5", "start": {"dateTime": "half past ten"}}, "", NOW)
    with pytest.raises(ValueError):
        to_ical({"id": "x6"}, "", NOW)


def test_unknown_time_zone_keeps_googles_offset() -> None:
    data = to_ical({"id": "x1", "start": {"dateTime": "2024-05-08T10:00:00+02:00",
                                          "timeZone": "Mars/Olympus_Mons"}}, "", NOW)
    [event] = parse_calendar(data, source="calendar", source_ref="x", default_tz=UTC)
    assert event.start == datetime(2024, 5, 8, 8, tzinfo=UTC)
    assert event.uid == "x1"  # no iCalUID: the id stands in


def test_time_without_offset_is_read_in_the_calendars_zone() -> None:
    data = to_ical({"id": "x2", "start": {"dateTime": "2024-05-08T10:00:00"}},
                   "Europe/Berlin", NOW)
    [event] = parse_calendar(data, source="calendar", source_ref="x", default_tz=UTC)
    assert event.start == datetime(2024, 5, 8, 8, tzinfo=UTC)


def test_cancelled_event_with_its_details_is_a_cancelled_item() -> None:
    """Google keeps the details of an event cancelled on the organizer's calendar (Event
    `status` reference); the emulator always strips them, so this runs on the converter."""
    data = to_ical({**INTERVIEW, "id": "x3", "iCalUID": "x3@google.com", "status": "cancelled",
                    "updated": "2024-05-07T09:15:00.000Z"}, "", NOW)
    assert b"DTSTAMP:20240507T091500Z" in data
    [event] = parse_calendar(data, source="calendar", source_ref="x", default_tz=UTC)
    assert event.cancelled and event.status == "CANCELLED" and event.method == ""
    assert event.start == datetime(2024, 5, 8, 14, tzinfo=UTC)


def test_all_day_original_start_is_a_date_recurrence_id() -> None:
    data = to_ical({"id": "m_20240510", "iCalUID": "m@google.com", "recurringEventId": "m",
                    "originalStartTime": {"date": "2024-05-10"},
                    "start": {"date": "2024-05-11"}, "end": {"date": "2024-05-12"}}, "", NOW)
    assert b"RECURRENCE-ID;VALUE=DATE:20240510" in data
    [event] = parse_calendar(data, source="calendar", source_ref="x", default_tz=UTC)
    assert event.recurrence_id == "2024-05-10T00:00:00+00:00" and event.all_day
    assert event.start.date() == date(2024, 5, 11)


def test_every_item_is_one_calendar_with_one_event(google: Google) -> None:
    google.emu.calendar.add_event("primary", INTERVIEW)
    google.emu.calendar.add_event("primary", {"start": {"date": "2024-05-10"},
                                              "end": {"date": "2024-05-11"}})
    changes = google.source().changes(None)
    assert len(events_of(changes)) == 2
    for item in changes.items:
        assert item.data.count(b"BEGIN:VCALENDAR") == 1 and item.data.count(b"BEGIN:VEVENT") == 1


def test_source_is_a_calendar_source(google: Google) -> None:
    assert isinstance(google.source(), CalendarSource)
