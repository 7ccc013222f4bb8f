"""The CalendarSource contract against real servers: the CalDAV source against Radicale
(tests/caldav_rigs.py), and the calendar-link source against a loopback HTTP server that
publishes the whole calendar as one .ics file, as Google's secret address does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from radiosilence.connectors.base import CalendarSource
from radiosilence.connectors.caldav.dav import Dav
from radiosilence.connectors.caldav.source import CalDavCalendarSource
from radiosilence.connectors.ics_link import IcsLinkCalendarSource
from tests.caldav_rigs import PASSWORD, USER, IcsServer, Radicale
from tests.contract.calendar_source import CalendarSourceBackend, CalendarSourceContract, ics


class RadicaleCalendar(CalendarSourceBackend):
    """One calendar "Work" of the user's Radicale account, written by another client."""

    def __init__(self, server: Radicale) -> None:
        self.server = server
        server.make_calendar("work", "Work")

    def new(self) -> CalendarSource:
        return CalDavCalendarSource(Dav(self.server.url, USER, PASSWORD))

    def add(self, uid: str, summary: str) -> None:
        # Radicale re-serialises what it stores, so the TEXT value is escaped as RFC 5545
        # 3.3.11 wants; an unescaped comma would end the summary there.
        self.server.put("work", f"{uid}.ics", ics(uid, summary.replace(",", "\\,")))

    change = add

    def delete(self, uid: str) -> None:
        self.server.delete("work", f"{uid}.ics")

    def expire(self, cursor: str) -> str:
        return json.dumps({**json.loads(cursor), "v": 0})

    def outage(self) -> AbstractContextManager[None]:
        return self.server.outage()


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path) as server:
        yield server


class TestCalDavCalendarSource(CalendarSourceContract):
    @pytest.fixture
    def backend(self, radicale: Radicale) -> RadicaleCalendar:
        return RadicaleCalendar(radicale)


class TestCalDavWithoutSyncCollection(CalendarSourceContract):
    """A server with ctags and etags only (no RFC 6578): changes found by comparing etags."""

    @pytest.fixture
    def backend(self, radicale: Radicale) -> RadicaleCalendar:
        radicale.sync_collection = False
        return RadicaleCalendar(radicale)


class LinkedCalendar(CalendarSourceBackend):
    """A calendar published whole at a secret link; every change publishes a new file."""

    def __init__(self, server: IcsServer) -> None:
        self.server = server
        self.events: dict[str, str] = {}
        self._publish()

    def _publish(self) -> None:
        inner = b"".join(_vevent(ics(uid, summary)) for uid, summary in self.events.items())
        self.server.publish(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
                            + inner + b"END:VCALENDAR\r\n")

    def new(self) -> CalendarSource:
        return IcsLinkCalendarSource(self.server.url)

    def add(self, uid: str, summary: str) -> None:
        self.events[uid] = summary.replace(",", "\\,")
        self._publish()

    change = add

    def delete(self, uid: str) -> None:
        del self.events[uid]
        self._publish()

    def expire(self, cursor: str) -> str:
        return json.dumps({**json.loads(cursor), "v": 0})

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.server.status = 503
        try:
            yield
        finally:
            self.server.status = 200


def _vevent(calendar: bytes) -> bytes:
    """The VEVENT block of a one-event calendar."""
    start = calendar.index(b"BEGIN:VEVENT")
    end = calendar.index(b"END:VEVENT") + len(b"END:VEVENT\r\n")
    return calendar[start:end]


class TestIcsLinkCalendarSource(CalendarSourceContract):
    @pytest.fixture
    def backend(self) -> Iterator[LinkedCalendar]:
        with IcsServer() as server:
            yield LinkedCalendar(server)
