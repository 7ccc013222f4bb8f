"""The loopback emulator and the real Google client over it, as the Gmail and Calendar tests
and the contract plugs (tests/contract/test_google.py) build them. Sleeps go to a list
instead of the clock, so retries cost no time and the delays asked for can be checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials

from radiosilence.connectors.google.api import (
    Caller,
    GoogleConfig,
    build_service,
    load_credentials,
)
from radiosilence.connectors.google.calendar import GoogleCalendarSource
from radiosilence.connectors.google.gmail_drafts import GmailDraftSink
from radiosilence.connectors.google.gmail_source import GmailMailSource
from radiosilence.understand import senders
from radiosilence.understand.recruiting import RECRUITING_WORDS
from tests.google_emulator import Emulator

# --- Gmail ------------------------------------------------------------------------------------


@dataclass
class Rig:
    """Gmail: an emulator, the client and a Caller over it, and the sources and sinks."""

    emu: Emulator
    base: str
    tmp: Path
    delays: list[float] = field(default_factory=list)
    credentials: Any = None

    def __post_init__(self) -> None:
        self.config = GoogleConfig(endpoint=self.base, anonymous=self.credentials is None,
                                   token_file=self.tmp / "token.json", base_delay=0.5)
        self.caller = Caller(self.config, sleep=self.delays.append)
        creds = self.credentials or load_credentials(self.config)
        self.service = build_service("gmail", "v1", self.config, creds)

    def source(self, known: tuple[str, ...] = ("brightloom.example",), window_days: int = 60,
               max_bytes: int = 1024 * 1024) -> GmailMailSource:
        return GmailMailSource(self.service, self.caller, self.base + "batch/gmail/v1",
                               window_days, lambda: known, search_words=RECRUITING_WORDS,
                               relay_domains=senders.RELAY_DOMAINS,
                               max_bytes=max_bytes)

    def sink(self) -> GmailDraftSink:
        return GmailDraftSink(self.service, self.caller)

    def requests(self) -> int:
        return sum(self.emu.counts.values())


@contextmanager
def gmail_emulator() -> Iterator[Emulator]:
    """A recording emulator; on the way out, checks that nothing ever tried to send."""
    emulator = Emulator(record=True)
    emulator.start()
    yield emulator
    emulator.stop()
    assert emulator.sends == []


# --- Google Calendar ----------------------------------------------------------------------------

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)  # the calendar emulator's clock
ME = "me@example.com"


def config(base: str, tmp_path: Path, anonymous: bool = True) -> GoogleConfig:
    return GoogleConfig(endpoint=base, anonymous=anonymous, token_file=tmp_path / "token.json",
                        base_delay=1.0)


class Google:
    """Calendar: an emulator and what a test needs to build sources over it."""

    def __init__(self, emu: Emulator, tmp_path: Path) -> None:
        self.emu = emu
        self.base = emu.base_url or ""
        self.config = config(self.base, tmp_path)
        self.service = build_service("calendar", "v3", self.config, AnonymousCredentials())
        self.sleeps: list[float] = []
        self.caller = Caller(self.config, sleep=self.sleeps.append)

    def source(self, calendars: tuple[str, ...] = ("primary",),
               window_days: int = 30) -> GoogleCalendarSource:
        return GoogleCalendarSource(self.service, self.caller, calendars, window_days,
                                    lambda: NOW)

    @property
    def lists(self) -> int:
        return self.emu.counts["calendar.events.list"]


@contextmanager
def calendar_emulator(tmp_path: Path) -> Iterator[Google]:
    with Emulator(email=ME, clock=lambda: NOW) as emu:
        yield Google(emu, tmp_path)


def timed(start: datetime, minutes: int = 60, **fields: Any) -> dict[str, Any]:
    """An Event body starting at `start` (UTC)."""
    end = start + timedelta(minutes=minutes)
    return {"start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()},
            **fields}


# --- both ---------------------------------------------------------------------------------------


@contextmanager
def outage(emu: Emulator, sleeps: list[float]) -> Iterator[None]:
    """Every API call answers 503 within the block; the Caller retries each a bounded number
    of times, its sleeps going to `sleeps`, which must have grown (retried, not slept)."""
    before = len(sleeps)
    emu.faults.add("*", 503, times=-1)
    try:
        yield
    finally:
        emu.faults.clear()
    assert len(sleeps) > before
