"""The three contracts on the Google connectors: Gmail source and draft sink, Google
Calendar, each over the loopback emulator with the real client (tests/google_rigs.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest

from radiosilence.connectors.base import CalendarSource, DraftSink, MailSource
from tests.contract.calendar_source import CalendarSourceBackend, CalendarSourceContract
from tests.contract.draft_sink import DraftSinkBackend, DraftSinkContract
from tests.contract.mail_source import MailSourceBackend, MailSourceContract
from tests.google_rigs import (
    NOW,
    Google,
    Rig,
    calendar_emulator,
    gmail_emulator,
    outage,
    timed,
)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with gmail_emulator() as emu:
        assert emu.base_url
        yield Rig(emu, emu.base_url, tmp_path)


class GmailMailbox(MailSourceBackend):
    """A Gmail account: mail arrives labelled INBOX, sent mail is labelled SENT. History ids
    are exact, so `settle` keeps a cursor as it is."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig

    def new(self) -> MailSource:
        return self.rig.source()

    def receive(self, raw: bytes) -> None:
        self.rig.emu.gmail.add_message(raw, labels=("INBOX", "UNREAD"))

    def send(self, raw: bytes) -> None:
        self.rig.emu.gmail.add_message(raw, labels=("SENT",))

    def outage(self) -> AbstractContextManager[None]:
        return outage(self.rig.emu, self.rig.delays)


class GmailDrafts(DraftSinkBackend):
    def __init__(self, rig: Rig) -> None:
        self.rig = rig

    def new(self) -> DraftSink:
        return self.rig.sink()

    def save_own(self, raw: bytes) -> str:
        return str(self.rig.emu.gmail.create_draft(raw)["id"])

    def outage(self) -> AbstractContextManager[None]:
        return outage(self.rig.emu, self.rig.delays)


class GoogleCalendar(CalendarSourceBackend):
    """The primary calendar; a deletion is a cancellation, as Google reports one."""

    def __init__(self, google: Google) -> None:
        self.google = google
        self.emu = google.emu
        self.ids: dict[str, str] = {}

    def new(self) -> CalendarSource:
        return self.google.source()

    def add(self, uid: str, summary: str) -> None:
        start = NOW + timedelta(days=1, hours=len(self.ids))
        event = self.emu.calendar.add_event("primary", timed(start, iCalUID=uid, summary=summary))
        self.ids[uid] = event["id"]

    def change(self, uid: str, summary: str) -> None:
        self.emu.calendar.update_event("primary", self.ids[uid], summary=summary)

    def delete(self, uid: str) -> None:
        self.emu.calendar.cancel_event("primary", self.ids[uid])

    def expire(self, cursor: str) -> str:
        self.emu.calendar.expire_sync_tokens()
        return cursor

    def outage(self) -> AbstractContextManager[None]:
        return outage(self.emu, self.google.sleeps)


class TestGmailMailSource(MailSourceContract):
    @pytest.fixture
    def backend(self, rig: Rig) -> GmailMailbox:
        return GmailMailbox(rig)


class TestGmailDraftSink(DraftSinkContract):
    @pytest.fixture
    def backend(self, rig: Rig) -> GmailDrafts:
        return GmailDrafts(rig)


class TestGoogleCalendarSource(CalendarSourceContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> Iterator[GoogleCalendar]:
        with calendar_emulator(tmp_path) as google:
            yield GoogleCalendar(google)
