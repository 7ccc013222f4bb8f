"""Whole cycles over real-world and hostile input: items are skipped with a log line, the
cycle goes on, and nothing stored before is lost.

The corpora are read where they are installed (icalendar's shipped test calendars,
CPython's MIME test messages) and copied into a temporary mailbox at test time only.
"""

from __future__ import annotations

import email
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from radiosilence.config.settings import load_settings
from radiosilence.wiring import open_engine

NOW = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)
ICAL_TESTS = Path(icalendar.__file__).parent / "tests"
MIME_TESTS = Path(email.__file__).parent.parent / "test" / "test_email" / "data"

INTERVIEW = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:kept-interview@acme.example\r
DTSTAMP:20260301T090000Z\r
DTSTART:20260317T100000Z\r
DTEND:20260317T110000Z\r
SUMMARY:Interview: Sam <> Acme (Data Engineer)\r
ORGANIZER;CN=Rae Recruiter:mailto:rae@acme.example\r
ATTENDEE;CN=Ivo Interviewer:mailto:ivo@acme.example\r
ATTENDEE;CN=Sam:mailto:sam@example.net\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _mailbox(root: Path) -> Path:
    inbox = root / "mail" / "INBOX"
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True)
    (root / "calendar" / "work").mkdir(parents=True)
    (root / "calendar" / "work" / "kept.ics").write_bytes(INTERVIEW)
    config = root / "config.toml"
    config.write_text(
        '[user]\naddresses = ["sam@example.net"]\nname = "Sam"\ntimezone = "Europe/London"\n'
        '[maildir]\npath = "mail"\n[vdir]\npath = "calendar"\n[paths]\nstate_dir = "state"\n'
        '[sources]\nmax_message_mb = 1\n[drafts]\nmax_new_per_cycle = 50\n', encoding="utf-8")
    return config


def _deliver(inbox: Path, name: str, data: bytes) -> None:
    (inbox / "tmp" / name).write_bytes(data)
    (inbox / "tmp" / name).rename(inbox / "new" / name)


def _add_corpora(root: Path) -> tuple[int, int]:
    inbox = root / "mail" / "INBOX"
    messages = sorted(MIME_TESTS.glob("msg_*.txt"))
    for number, path in enumerate(messages):
        _deliver(inbox, f"17700000{number:02d}.M{number}P1.corpus", path.read_bytes())
    calendars = sorted(ICAL_TESTS.rglob("*.ics"))
    target = root / "calendar" / "corpus"
    target.mkdir()
    for number, path in enumerate(calendars):
        shutil.copyfile(path, target / f"{number:03d}-{path.name}")
    return len(messages), len(calendars)


def _add_hostile(root: Path) -> None:
    inbox = root / "mail" / "INBOX"
    _deliver(inbox, "1.M1P1.huge", b"Subject: interview\n\n" + b"x" * (2 * 1024 * 1024))
    _deliver(inbox, "1.M2P1.junk", bytes(range(256)) * 40)
    _deliver(inbox, "1.M3P1.charset", b"From: a@b.example\nSubject: interview\nDate: Tue, 17 "
             b"Mar 2026 10:00:00 +0000\nContent-Type: text/plain; charset=x-unknown-42\n\n\xff\xfe")
    (inbox / "cur" / ".hidden-index").write_text("not mail")
    calendar = root / "calendar" / "work"
    (calendar / "broken.ics").write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage")
    (calendar / "empty.ics").write_bytes(b"")
    (calendar / "notes.txt").write_text("not a calendar")


@pytest.mark.skipif(not MIME_TESTS.is_dir(), reason="this Python ships without its test suite")
def test_cycle_survives_real_world_and_hostile_input(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    engine = open_engine(load_settings(_mailbox(tmp_path)))
    first = engine.cycle(NOW)
    assert [p.interview.uid for p in first.plans] == ["kept-interview@acme.example"]
    drafts_before = set(first.outcome.created)
    assert drafts_before, "the ended interview should have produced a thank-you draft"

    n_messages, n_calendars = _add_corpora(tmp_path)
    _add_hostile(tmp_path)
    assert n_messages >= 40 and n_calendars >= 100
    with caplog.at_level(logging.WARNING):
        second = engine.cycle(NOW)

    # The interview stored before is still there, its draft neither lost nor doubled.
    uids = {p.interview.uid for p in second.plans}
    assert "kept-interview@acme.example" in uids
    assert not second.outcome.created or set(second.outcome.created).isdisjoint(drafts_before)
    assert set(drafts_before) <= set(engine.store.actions())
    # Hostile items were skipped, each with one log line naming it (never its content).
    text = caplog.text
    assert "1.M1P1.huge" in text and "too large" in text
    assert "broken.ics" in text
    # Mail without a Date header is dated by its Maildir delivery time, not dropped.
    assert "no Date" not in text
    assert "x" * 100 not in text
    # Many real calendars became stored events, most of them not interviews.
    assert len(engine.store.events()) > 100
    assert second.sync.skipped >= 2
    # A third cycle with nothing new changes nothing.
    third = engine.cycle(NOW)
    assert third.outcome.changes == 0
