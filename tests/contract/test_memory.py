"""The three contracts on the in-memory twins of connectors/memory.py: their state is a
`Memory...` object, `new()` a new source or sink over it, an outage `unavailable = True`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from radiosilence.connectors.base import CalendarSource, DraftSink, MailSource
from radiosilence.connectors.memory import MemoryCalendar, MemoryDrafts, MemoryMailbox
from tests.contract.calendar_source import CalendarSourceBackend, CalendarSourceContract, ics
from tests.contract.draft_sink import DraftSinkBackend, DraftSinkContract
from tests.contract.mail_source import MailSourceBackend, MailSourceContract


@contextmanager
def unavailable(state: MemoryMailbox | MemoryCalendar | MemoryDrafts) -> Iterator[None]:
    state.unavailable = True
    try:
        yield
    finally:
        state.unavailable = False


class Mailbox(MailSourceBackend):
    def __init__(self) -> None:
        self.mailbox = MemoryMailbox()

    def new(self) -> MailSource:
        return self.mailbox.source()

    def receive(self, raw: bytes) -> None:
        self.mailbox.deliver(raw)

    def send(self, raw: bytes) -> None:
        self.mailbox.deliver(raw, folder="Sent", flags="S")

    def outage(self) -> AbstractContextManager[None]:
        return unavailable(self.mailbox)


class Drafts(DraftSinkBackend):
    def __init__(self) -> None:
        self.drafts = MemoryDrafts()

    def new(self) -> DraftSink:
        return self.drafts.sink()

    def save_own(self, raw: bytes) -> str:
        ref = self.drafts.new_ref()
        self.drafts.drafts[ref] = raw
        return ref

    def outage(self) -> AbstractContextManager[None]:
        return unavailable(self.drafts)


class Calendar(CalendarSourceBackend):
    """Events stored as "<uid>.ics", as vdirsyncer names them."""

    def __init__(self) -> None:
        self.calendar = MemoryCalendar()

    def new(self) -> CalendarSource:
        return self.calendar.source()

    def add(self, uid: str, summary: str) -> None:
        self.calendar.put(f"{uid}.ics", ics(uid, summary))

    change = add

    def delete(self, uid: str) -> None:
        self.calendar.remove(f"{uid}.ics")

    def expire(self, cursor: str) -> str:
        return json.dumps({**json.loads(cursor), "v": 0})  # as from an older version

    def outage(self) -> AbstractContextManager[None]:
        return unavailable(self.calendar)


class TestMemoryMailSource(MailSourceContract):
    @pytest.fixture
    def backend(self) -> Mailbox:
        return Mailbox()


class TestMemoryDraftSink(DraftSinkContract):
    @pytest.fixture
    def backend(self) -> Drafts:
        return Drafts()


class TestMemoryCalendarSource(CalendarSourceContract):
    @pytest.fixture
    def backend(self) -> Calendar:
        return Calendar()
