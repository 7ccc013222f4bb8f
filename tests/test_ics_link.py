"""What is special to the calendar-link source, against a loopback HTTP server
(tests/caldav_rigs.py): 304 costs nothing, Google's fresh DTSTAMPs are no news, one item per
UID with its time zones, clear one-line errors that never show the link, timeouts, and the
icalendar project's own test calendars read through a link without losing an event.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import icalendar
import pytest

from radiosilence.cli.demo import prepare
from radiosilence.cli.errors import explain
from radiosilence.config.settings import ConfigError, load_settings
from radiosilence.connectors.base import Refused, Unavailable
from radiosilence.connectors.ics_link import IcsLinkCalendarSource, link_url, split_calendar
from radiosilence.parse.calendar import ParseError, parse_calendar
from radiosilence.wiring import open_engine
from tests.caldav_rigs import IcsServer
from tests.story import demo_cycle, plan_summary
from tests.test_caldav import drafts_in

ZONE = (b"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
        b"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")


def _event(uid: str, summary: str, stamp: str = "20240506T120000Z", extra: str = "") -> bytes:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\n{extra}"
            f"SUMMARY:{summary}\r\nEND:VEVENT\r\n").encode()


def _feed(*events: bytes, zones: bytes = ZONE) -> bytes:
    return (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar//EN\r\n"
            b"X-WR-TIMEZONE:Europe/Berlin\r\n" + zones + b"".join(events) + b"END:VCALENDAR\r\n")


BERLIN = "DTSTART;TZID=Europe/Berlin:20240507T140000\r\n"
UTC_START = "DTSTART:20240508T090000Z\r\n"


@pytest.fixture
def link() -> Iterator[IcsServer]:
    with IcsServer() as server:
        server.publish(_feed(_event("a@example.com", "Interview", extra=BERLIN),
                             _event("b@example.com", "Lunch", extra=UTC_START)))
        yield server


def test_an_unchanged_calendar_is_one_304_and_nothing_parsed(link: IcsServer) -> None:
    source = IcsLinkCalendarSource(link.url)
    first = source.changes(None)
    assert sorted(item.ref for item in first.items) == ["a@example.com", "b@example.com"]
    idle = IcsLinkCalendarSource(link.url).changes(first.cursor)
    assert (idle.items, idle.removed, idle.cursor) == ([], [], first.cursor)
    assert link.served == Counter({200: 1, 304: 1})


def test_fresh_dtstamps_on_every_download_are_no_news(link: IcsServer) -> None:
    source = IcsLinkCalendarSource(link.url)
    cursor = source.changes(None).cursor
    # Google stamps every event with the download time, so the whole file differs...
    link.publish(_feed(_event("a@example.com", "Interview", "20240601T000000Z", BERLIN),
                       _event("b@example.com", "Lunch moved", "20240601T000000Z", UTC_START)))
    later = source.changes(cursor)
    # ...but only the event whose content changed is handed over.
    assert [item.ref for item in later.items] == ["b@example.com"] and later.removed == []


def test_each_item_keeps_the_time_zone_its_event_names(link: IcsServer) -> None:
    items = {item.ref: item.data for item in IcsLinkCalendarSource(link.url).changes(None).items}
    assert b"TZID:Europe/Berlin" in items["a@example.com"]
    assert b"BEGIN:VTIMEZONE" not in items["b@example.com"]  # it names no zone
    event = parse_calendar(items["a@example.com"], source="calendar", source_ref="a",
                           default_tz=UTC)[0]
    assert event.start.isoformat() == "2024-05-07T12:00:00+00:00"  # 14:00 in Berlin, summer


def test_floating_times_are_read_in_the_zone_the_calendar_names() -> None:
    floating = _event("f@example.com", "Call", extra="DTSTART:20240507T090000\r\n"
                      "DTEND:20240507T093000\r\n")
    fixed = _event("u@example.com", "Lunch", extra=UTC_START)
    feed = _feed(floating, fixed, zones=b"").replace(b"Europe/Berlin", b"America/New_York")
    split = split_calendar(feed)
    event = parse_calendar(split["f@example.com"], source="calendar", source_ref="f",
                           default_tz=UTC)[0]
    assert (event.start.hour, event.end.hour, event.end.minute) == (13, 13, 30)  # EDT
    assert parse_calendar(split["u@example.com"], source="calendar", source_ref="u",
                          default_tz=UTC)[0].start.hour == 9  # a time in UTC stays as it is
    nameless = split_calendar(feed.replace(b"America/New_York", b"Mars/Olympus"))
    assert parse_calendar(nameless["f@example.com"], source="calendar", source_ref="f",
                          default_tz=UTC)[0].start.hour == 9  # no real zone: floating


def test_a_series_and_its_moved_occurrence_are_one_item() -> None:
    series = _event("s@example.com", "Weekly sync", extra=UTC_START + "RRULE:FREQ=WEEKLY\r\n")
    moved = _event("s@example.com", "Weekly sync (moved)", extra=(
        "RECURRENCE-ID:20240515T090000Z\r\nDTSTART:20240515T100000Z\r\n"))
    split = split_calendar(_feed(series, moved, _event("", "no uid", extra=UTC_START)))
    assert list(split) == ["s@example.com"]
    events = parse_calendar(split["s@example.com"], source="calendar", source_ref="s",
                            default_tz=UTC)
    assert sorted(e.recurrence_id for e in events)[0] == "" and len(events) == 2


@pytest.mark.parametrize(("status", "words"), [
    (401, "was refused (401)"), (403, "was refused (403)"), (404, "no longer exists (404)"),
    (410, "no longer exists (410)")])
def test_refusals_are_one_line_naming_the_remedy_never_the_link(
        link: IcsServer, status: int, words: str, caplog: pytest.LogCaptureFixture) -> None:
    link.status = status
    with caplog.at_level(logging.DEBUG), pytest.raises(Refused) as caught:
        IcsLinkCalendarSource(link.url).changes(None)
    message, _code = explain(caught.value)
    assert message.startswith("the calendar link " + words) and "[ics_url] url" in message
    assert "s3cr3t" not in message + caplog.text and "\n" not in message


def test_a_web_page_instead_of_a_calendar_is_said_so(link: IcsServer) -> None:
    link.content_type = "text/html; charset=utf-8"
    link.publish(b"<!DOCTYPE html><html><body>Sign in</body></html>")
    with pytest.raises(Unavailable, match="returned a web page, not a calendar"):
        IcsLinkCalendarSource(link.url).changes(None)
    link.content_type = "text/plain"
    link.publish(b"  <html>sign in</html>")  # a server that mislabels its page
    with pytest.raises(Unavailable, match="web page"):
        IcsLinkCalendarSource(link.url).changes(None)
    link.publish(b"hello")
    with pytest.raises(Unavailable, match="did not return an iCalendar file"):
        IcsLinkCalendarSource(link.url).changes(None)


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/s3cr3t/basic.ics"
        with pytest.raises(Unavailable, match=r"did not answer within 0.2 s") as caught:
            IcsLinkCalendarSource(url, timeout=0.2).changes(None)
    assert "s3cr3t" not in str(caught.value)


def test_nobody_listening_is_unavailable_without_the_link() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/s3cr3t/basic.ics"
    with pytest.raises(Unavailable, match="cannot reach the calendar link") as caught:
        IcsLinkCalendarSource(url).changes(None)
    assert "s3cr3t" not in str(caught.value) and "127.0.0.1" not in str(caught.value)


def test_links_webcal_becomes_https_and_the_clear_is_refused() -> None:
    assert link_url("webcal://p01-calendars.icloud.com/published/2/abc") == \
        "https://p01-calendars.icloud.com/published/2/abc"
    assert link_url(" https://calendar.google.com/calendar/ical/x/private-y/basic.ics ") == \
        "https://calendar.google.com/calendar/ical/x/private-y/basic.ics"
    assert link_url("http://127.0.0.1:8080/a.ics") == "http://127.0.0.1:8080/a.ics"
    for bad in ("http://calendar.example.com/private-s3cr3t/basic.ics", "s3cr3t", ""):
        with pytest.raises(ValueError) as caught:
            link_url(bad)
        assert "s3cr3t" not in str(caught.value)


def test_wiring_reads_the_link_and_never_quotes_it_in_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    base = ('[user]\naddresses = ["sam@example.net"]\n[paths]\nstate_dir = "state"\n'
            '[sources]\ncalendar = "ics-url"\n')
    config.write_text(base + '[ics_url]\nurl = "webcal://example.com/s3cr3t.ics"\n', "utf-8")
    engine = open_engine(load_settings(config))
    try:
        assert isinstance(engine.syncer.calendar, IcsLinkCalendarSource)
        assert "s3cr3t" not in repr(engine.syncer.calendar)
    finally:
        engine.store.close()
    config.write_text(base + '[ics_url]\nurl = "http://example.com/s3cr3t.ics"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"ics_url\.url: the calendar link must start") as caught:
        open_engine(load_settings(config))
    assert "s3cr3t" not in str(caught.value)


# --- real-world calendars: the icalendar project's own test files ------------------------

CALENDARS = sorted((Path(icalendar.__file__).parent / "tests" / "calendars").glob("*.ics"))


def _events(data: bytes) -> Counter[tuple[object, ...]]:
    """The events of `data` as our parser reads them, without where they came from."""
    events = parse_calendar(data, source="calendar", source_ref="", default_tz=UTC)
    return Counter(tuple(dataclasses.astuple(dataclasses.replace(e, source_ref="")))
                   for e in events if e.uid)


def test_real_world_calendars_come_through_the_link_without_losing_an_event() -> None:
    assert len(CALENDARS) > 50, "the icalendar wheel ships its test calendars"
    read = with_events = 0
    with IcsServer() as link:
        for path in CALENDARS:
            link.publish(path.read_bytes())
            try:
                whole = _events(path.read_bytes())
            except ParseError:
                whole = None
            try:
                changes = IcsLinkCalendarSource(link.url).changes(None)
            except Unavailable:
                # Only what cannot be read, holds no event, or is no VCALENDAR is refused.
                calendar = path.read_bytes().lstrip(b"\xef\xbb\xbf").startswith(
                    b"BEGIN:VCALENDAR")
                assert whole is None or not whole or not calendar, path.name
                continue
            read += 1
            through: Counter[tuple[object, ...]] = Counter()
            for item in changes.items:
                through += _events(item.data)
            if whole is not None:
                assert through == whole, path.name
                with_events += bool(whole)
            assert len({item.ref for item in changes.items}) == len(changes.items)
    assert read > 60 and with_events > 30, (read, with_events)


# --- the demo story through a calendar link ---------------------------------------------


def _one_feed(folder: Path) -> bytes:
    """The vdir's events as one published calendar, as Google serves a secret address."""
    feed = icalendar.Calendar()
    feed.add("VERSION", "2.0")
    feed.add("PRODID", "-//test//published//EN")
    zones: dict[str, object] = {}
    for path in sorted(folder.glob("*.ics")):
        for calendar in icalendar.Calendar.from_ical(path.read_bytes(), multiple=True):
            for zone in calendar.walk("VTIMEZONE"):
                zones.setdefault(str(zone["TZID"]), zone)
            for event in calendar.walk("VEVENT"):
                feed.add_component(event)
    for zone in zones.values():
        feed.subcomponents.insert(0, zone)
    return bytes(feed.to_ical())


def test_the_demo_story_through_a_calendar_link_gives_the_same_plan_and_drafts(
        tmp_path: Path) -> None:
    local, remote = tmp_path / "local", tmp_path / "remote"
    reference = demo_cycle(prepare(local))
    config = prepare(remote)
    with IcsServer() as link:
        link.publish(_one_feed(remote / "calendar" / "personal"))
        shutil.rmtree(remote / "calendar")
        with config.open("a", encoding="utf-8") as out:
            out.write(f'\n[sources]\ncalendar = "ics-url"\n[ics_url]\nurl = "{link.url}"\n')
        report = demo_cycle(config)
        assert report.plans and plan_summary(report) == plan_summary(reference)
        assert drafts_in(remote) == drafts_in(local) and len(drafts_in(local)) == 5
        again = demo_cycle(config)
        assert again.outcome.created == [] and again.outcome.changes == 0
        assert link.served == Counter({200: 1, 304: 1})
