"""Real-world corpora through our parsers: they may refuse a file, never crash on it.

The corpora are read where they are installed (icalendar's own test calendars, CPython's
email test messages); nothing is copied into this repository. Each file is its own test,
so a regression names the file; a summary test checks the overall yield.
"""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from radiosilence.connectors.base import RawItem
from radiosilence.model import CalEvent, Mail
from radiosilence.parse.calendar import ParseError, parse_calendar
from radiosilence.parse.mail import parse_mail

TZ = ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

ICS_ROOT = Path(icalendar.__file__).parent / "tests"
ICS_FILES = sorted(ICS_ROOT.rglob("*.ics"))
MAIL_ROOT = Path(email.__file__).parent.parent / "test" / "test_email" / "data"
MAIL_FILES = sorted(p for p in MAIL_ROOT.glob("*") if p.is_file()) if MAIL_ROOT.is_dir() else []


def _id(path: Path) -> str:
    return path.name if path.parent in (ICS_ROOT, MAIL_ROOT) else str(path.relative_to(ICS_ROOT))


def _calendar_outcome(path: Path) -> list[CalEvent] | ParseError:
    try:
        return parse_calendar(
            path.read_bytes(), source="calendar", source_ref=path.name, default_tz=TZ
        )
    except ParseError as exc:
        return exc


def _mail_outcome(path: Path) -> Mail | ParseError:
    item = RawItem(ref=path.name, folder="INBOX", data=path.read_bytes())
    try:
        return parse_mail(
            item,
            own_addresses=frozenset({"me@example.org"}),
            sent_folders=frozenset({"Sent"}),
            drafts_folder="Drafts",
            default_tz=TZ,
            received=RECEIVED,
        )
    except ParseError as exc:
        return exc


@pytest.mark.parametrize("path", ICS_FILES, ids=[_id(p) for p in ICS_FILES])
def test_icalendar_corpus_file(path: Path) -> None:
    outcome = _calendar_outcome(path)
    if isinstance(outcome, ParseError):
        assert str(outcome) and "\n" not in str(outcome)
        return
    for event in outcome:
        assert isinstance(event, CalEvent)
        assert event.uid
        assert event.start.utcoffset() is not None and event.end.utcoffset() is not None
        assert event.end >= event.start
        assert event.sequence >= 0


def _has_complete_vevent(data: bytes) -> bool:
    """A VEVENT block with UID and DTSTART lines: what can yield an event at all."""
    blocks = re.findall(rb"(?ims)^BEGIN:VEVENT\r?$.*?^END:VEVENT", data)
    return any(
        re.search(rb"(?im)^UID[;:]", b) and re.search(rb"(?im)^DTSTART[;:]", b) for b in blocks
    )


def test_icalendar_corpus_yield() -> None:
    assert ICS_FILES, f"no .ics files under {ICS_ROOT}"
    outcomes = [_calendar_outcome(p) for p in ICS_FILES]
    readable = sum(isinstance(o, list) for o in outcomes)
    with_events = sum(isinstance(o, list) and len(o) > 0 for o in outcomes)
    eligible = sum(_has_complete_vevent(p.read_bytes()) for p in ICS_FILES)
    print(
        f"icalendar corpus: {len(ICS_FILES)} files, {readable} read, {with_events} with events,"
        f" {len(ICS_FILES) - readable} refused, {eligible} hold a VEVENT with UID and DTSTART"
    )
    assert readable >= 100
    # Most of the corpus is fixtures without UID (RFC 5545 3.6.1 requires it; we skip such
    # events), or VTODO / VTIMEZONE / VALARM only: 100 files with events is not there to
    # be had (icalendar 7.3: 83 files qualify). Every file that could yield one must.
    assert with_events >= eligible - 5
    assert with_events >= 75


@pytest.mark.skipif(not MAIL_FILES, reason=f"CPython email test data not installed ({MAIL_ROOT})")
@pytest.mark.parametrize("path", MAIL_FILES, ids=[_id(p) for p in MAIL_FILES])
def test_email_corpus_file(path: Path) -> None:
    outcome = _mail_outcome(path)
    if isinstance(outcome, ParseError):
        assert str(outcome) and "\n" not in str(outcome)
        return
    assert isinstance(outcome, Mail)
    assert outcome.id
    assert outcome.date.utcoffset() is not None
    assert len(outcome.body) <= 200_000
    assert all(a.email == a.email.lower() and "@" in a.email for a in outcome.to + outcome.cc)


@pytest.mark.skipif(not MAIL_FILES, reason=f"CPython email test data not installed ({MAIL_ROOT})")
def test_email_corpus_yield() -> None:
    outcomes = [_mail_outcome(p) for p in MAIL_FILES]
    parsed = sum(isinstance(o, Mail) for o in outcomes)
    refused = len(MAIL_FILES) - parsed
    print(f"email corpus: {len(MAIL_FILES)} files, {parsed} parsed, {refused} refused")
    assert parsed >= 0.9 * len(MAIL_FILES)
