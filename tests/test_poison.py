"""One hostile item never stops the cycle: a Date past the last representable day, and file
names that are not UTF-8 in the Maildir and in the calendar folder. The scan exits 0, every
other follow-up is drafted, and the next scan does too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.connectors.base import RawItem
from radiosilence.parse.mail import parse_mail

FAR_FUTURE = b"""\
From: Rita Reyes <rita@lumenlabs.example>
To: sam.rivera@example.net
Subject: About your interview
Date: Fri, 31 Dec 9999 23:59:59 -1200
Message-ID: <far-future@lumenlabs.example>

We will get back to you about the interview next week.
"""


def scan(config: Path, now: str = DEMO_NOW) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "radiosilence", "--config", str(config),
                           "scan", "--now", now], capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return prepare(tmp_path / "demo")


def test_a_date_past_the_last_day_falls_back_to_the_delivery_time() -> None:
    received = datetime(2026, 3, 18, 9, 0, tzinfo=UTC)
    mail = parse_mail(RawItem("INBOX/x", "INBOX", FAR_FUTURE), own_addresses=frozenset(),
                      sent_folders=frozenset(), drafts_folder="Drafts", default_tz=UTC,
                      received=received)
    assert mail.date == received


def test_a_far_future_date_does_not_stop_the_scan(demo: Path) -> None:
    root = demo.parent
    (root / "mail" / "new" / "1800000000.M1P1.far").write_bytes(FAR_FUTURE)
    for now in (DEMO_NOW, "2026-03-18T17:10:00+00:00"):
        done = scan(demo, now)
        assert done.returncode == 0, done.stderr
    assert "did create 0" in done.stdout and "Traceback" not in done.stderr


def test_names_that_are_not_utf8_do_not_stop_the_scan(demo: Path) -> None:
    root = demo.parent
    bad = os.fsencode(root / "mail" / "new") + b"/1800000001.M2P1.\xff\xfe"
    with open(bad, "wb") as handle:
        handle.write(FAR_FUTURE.replace(b"9999 23:59:59 -1200", b"2026 10:00:00 +0000")
                     .replace(b"Fri, 31 Dec", b"Wed, 18 Mar").replace(b"far-future", b"odd"))
    calendar = root / "calendar" / "personal"
    first = sorted(calendar.glob("*.ics"))[0]
    shutil.copy(first, os.fsencode(calendar) + b"/copy\xff.ics")
    done = scan(demo)
    assert done.returncode == 0, done.stderr
    assert "did create 5" in done.stdout, done.stdout
    again = scan(demo, "2026-03-18T17:10:00+00:00")
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr


def _calendar(events: str) -> bytes:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{events}"
            "END:VCALENDAR\r\n").encode()


def _vevent(uid: str, extra: str = "") -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260301T000000Z\r\n"
            "DTSTART:20260318T140000Z\r\nDTEND:20260318T150000Z\r\nSUMMARY:Interview\r\n"
            f"{extra}END:VEVENT\r\n")


def test_one_calendar_file_is_read_within_bounds(caplog: pytest.LogCaptureFixture) -> None:
    from radiosilence.parse import calendar as ics
    from radiosilence.parse.limits import DEFAULT_LIMITS as limits

    crowd = "".join(f"ATTENDEE;CN=P {i}:mailto:p{i}@example.com\r\n" for i in range(5000))
    (event,) = ics.parse_calendar(_calendar(_vevent("crowd@x", crowd)), source="c",
                                  source_ref="crowd.ics", default_tz=UTC)
    assert len(event.attendees) == limits.attendees_per_event
    many = "".join(_vevent(f"e{i}@x") for i in range(limits.events_per_item + 500))
    events = ics.parse_calendar(_calendar(many), source="c", source_ref="many.ics",
                                default_tz=UTC)
    assert len(events) == limits.events_per_item
    long_text = "DESCRIPTION:" + "agenda " * 250_000 + "\r\n"
    (event,) = ics.parse_calendar(_calendar(_vevent("long@x", long_text)), source="c",
                                  source_ref="long.ics", default_tz=UTC)
    assert len(event.description) == limits.description_chars
    said = [r.message for r in caplog.records]
    assert any("crowd.ics" in m and "5000 attendees" in m for m in said), said
    assert any("many.ics" in m and "only the first 2000" in m for m in said), said


def test_an_unreadable_item_is_remembered_and_not_read_again_until_it_changes(
        demo: Path, caplog: pytest.LogCaptureFixture) -> None:
    from radiosilence.config.settings import load_settings
    from radiosilence.wiring import open_engine

    calendars = [p for p in (demo.parent / "calendar").iterdir() if p.is_dir()]
    bad = calendars[0] / "broken.ics"
    bad.write_bytes(b"BEGIN:VCALENDAR\r\nthis is no calendar\r\n")
    engine = open_engine(load_settings(demo))
    now = datetime.fromisoformat(DEMO_NOW)

    def warned() -> list[str]:
        said = [r.message for r in caplog.records
                if r.levelname == "WARNING" and "broken.ics" in r.message]
        caplog.clear()
        return said

    engine.syncer.run(now)
    assert len(warned()) == 1 and len(engine.store.unreadable()) == 1
    engine.store.set_cursor("calendar", None, now)  # the source hands every file over again
    engine.syncer.run(now)
    assert warned() == []  # the same bytes: not parsed again
    bad.write_bytes(b"BEGIN:VCALENDAR\r\nstill no calendar\r\n")
    engine.store.set_cursor("calendar", None, now)
    engine.syncer.run(now)
    assert len(warned()) == 1 and len(engine.store.unreadable()) == 2
    engine.store.close()
