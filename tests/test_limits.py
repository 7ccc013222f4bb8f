"""The [limits] of the config bound what one message or calendar file may cost: each bound
cuts or skips that item with one logged line, and the rest of the scan goes on."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.config.settings import load_settings
from radiosilence.connectors.base import RawItem
from radiosilence.connectors.local.vdir import VdirCalendarSource
from radiosilence.model import Mail
from radiosilence.parse.calendar import ParseError, parse_calendar
from radiosilence.parse.limits import Limits, TooSlow
from radiosilence.parse.mail import parse_mail
from radiosilence.wiring import limits, open_engine

HEAD = (b"From: Rita <rita@lumenlabs.example>\r\nTo: sam@example.net\r\n"
        b"Subject: Your interview\r\nDate: Tue, 17 Mar 2026 10:00:00 +0000\r\n"
        b"Message-ID: <limits@lumenlabs.example>\r\nMIME-Version: 1.0\r\n")


def _parts(count: int, *, padding: bytes = b"") -> bytes:
    """`count` text parts, then `padding`, then an invitation."""
    body = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nnote %d\r\n" % i
                    for i in range(count))
    invite = b"--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n" + _ics(1)
    return (HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + body
            + padding + invite + b"--b--\r\n")


def _ics(events: int, attendees: int = 1) -> bytes:
    people = b"".join(b"ATTENDEE:mailto:p%d@lumenlabs.example\r\n" % i for i in range(attendees))
    return (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + b"".join(
        b"BEGIN:VEVENT\r\nUID:e%d@t\r\nDTSTAMP:20260301T000000Z\r\n"
        b"DTSTART:20260318T140000Z\r\nDTEND:20260318T150000Z\r\nSUMMARY:Interview\r\n"
        % i + people + b"END:VEVENT\r\n" for i in range(events)) + b"END:VCALENDAR\r\n")


def _read(data: bytes, bounds: Limits) -> Mail:
    return parse_mail(RawItem("INBOX/x", "INBOX", data), own_addresses=frozenset(),
                      sent_folders=frozenset(), drafts_folder="Drafts", default_tz=UTC,
                      limits=bounds)


def test_the_config_sets_every_bound(tmp_path: Path) -> None:
    config = prepare(tmp_path / "demo")
    config.write_text(config.read_text(encoding="utf-8") + (
        "\n[limits]\nmessage_read_mb = 2\nmime_parts = 20\nbody_chars = 5000\n"
        "calendar_item_kb = 64\nevents_per_file = 7\nattendees_per_event = 9\n"
        "description_chars = 300\nseconds_per_item = 3\n"), encoding="utf-8")
    assert limits(load_settings(config)) == Limits(
        message_read_bytes=2 * 1024 * 1024, mime_parts=20, body_chars=5000,
        calendar_item_bytes=64 * 1024, events_per_item=7, attendees_per_event=9,
        description_chars=300, seconds_per_item=3)
    engine = open_engine(load_settings(config))
    assert engine.syncer.options.limits.events_per_item == 7
    assert engine.syncer.calendar.max_bytes == 64 * 1024  # type: ignore[attr-defined]
    assert engine.syncer.mail.read_bytes == 2 * 1024 * 1024  # type: ignore[attr-defined]
    engine.store.close()


def test_mime_parts_past_the_bound_are_not_looked_into(caplog: pytest.LogCaptureFixture) -> None:
    mail = _read(_parts(30), Limits(mime_parts=5))
    assert "note 4" in mail.body and "note 5" not in mail.body
    assert not mail.invites  # the invitation came after the bound
    assert any("more than 5 MIME parts" in r.message for r in caplog.records)
    assert len(_read(_parts(30), Limits()).invites) == 1


def test_only_the_start_of_a_long_message_is_read(caplog: pytest.LogCaptureFixture) -> None:
    padding = b"--b\r\nContent-Type: application/pdf\r\n\r\n" + b"x" * 300_000 + b"\r\n"
    data = _parts(2, padding=padding)
    assert len(_read(data, Limits()).invites) == 1
    caplog.set_level(logging.INFO)
    cut = _read(data, Limits(message_read_bytes=100_000))
    assert "note 1" in cut.body and not cut.invites
    assert any("only its first" in r.message for r in caplog.records)


def test_text_is_kept_up_to_body_chars() -> None:
    data = HEAD + b"Content-Type: text/plain\r\n\r\n" + b"word " * 10_000
    assert len(_read(data, Limits(body_chars=1000)).body) == 1000


def test_an_item_past_its_time_is_skipped_by_the_scan(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(TooSlow):
        _read(_parts(3), Limits(seconds_per_item=-1))
    with pytest.raises(TooSlow):
        parse_calendar(_ics(3), source="c", source_ref="slow.ics", default_tz=UTC,
                       limits=Limits(seconds_per_item=-1))
    config = prepare(tmp_path / "demo")
    engine = open_engine(load_settings(config))
    engine.syncer.options = replace(engine.syncer.options, limits=Limits(seconds_per_item=-1))
    report = engine.syncer.run(datetime.fromisoformat(DEMO_NOW))
    assert report.mail_kept == 0 and report.events_seen == 0  # nothing read, nothing raised
    said = [r.message for r in caplog.records if "took longer than" in r.message]
    assert said and all("skipped" in line for line in said)
    engine.store.close()


def test_calendar_bounds(caplog: pytest.LogCaptureFixture) -> None:
    bounds = Limits(events_per_item=4, attendees_per_event=3, calendar_item_bytes=20_000)
    events = parse_calendar(_ics(10, attendees=6), source="c", source_ref="big.ics",
                            default_tz=UTC, limits=bounds)
    assert len(events) == 4 and all(len(e.attendees) == 3 for e in events)
    with pytest.raises(ParseError, match="larger than the limit"):
        parse_calendar(_ics(200), source="c", source_ref="huge.ics", default_tz=UTC,
                       limits=bounds)
    said = [r.message for r in caplog.records]
    assert any("big.ics holds more than 4 events" in m for m in said), said


def test_a_vdir_file_past_the_size_bound_is_never_read_whole(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "huge.ics").write_bytes(_ics(2) + b" " * 100_000)
    (tmp_path / "work" / "small.ics").write_bytes(_ics(1))
    items = {i.ref: i for i in VdirCalendarSource(tmp_path, max_bytes=4096).changes(None).items}
    assert len(items["work/huge.ics"].data) == 4097  # enough to tell it is too large
    assert items["work/small.ics"].data == _ics(1)
