"""What every CalendarSource must do, whatever holds the calendar (a vdir, Google, ...).

Plug a source in by subclassing `CalendarSourceContract` in a `Test...` class whose one
fixture, `backend`, returns a `CalendarSourceBackend` over an empty calendar. Connector-specific
behaviour (file names, request counts, conversion details) is tested beside the connector,
not here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from datetime import UTC

import pytest

from radiosilence.connectors.base import CalendarSource, Changes, CursorExpired, Unavailable
from radiosilence.model import CalEvent
from radiosilence.parse.calendar import parse_calendar

UIDS = ("interview-a1@example.com", "interview-b2@example.com", "lunch-c3@example.com")


class CalendarSourceBackend(ABC):
    """The calendar behind a source (a vdir, a Google account), changed from outside as the
    user or a sync tool would. Events are named by UID; each has one start and a summary."""

    @abstractmethod
    def new(self) -> CalendarSource:
        """A new source instance over this calendar, as a new process would build it."""

    @abstractmethod
    def add(self, uid: str, summary: str) -> None:
        """Create the event `uid`."""

    @abstractmethod
    def change(self, uid: str, summary: str) -> None:
        """Give the event `uid` a new summary (and whatever else a change bumps)."""

    @abstractmethod
    def delete(self, uid: str) -> None:
        """Delete or cancel the event `uid`."""

    @abstractmethod
    def expire(self, cursor: str) -> str:
        """Return a cursor the source must refuse as too old (it may be `cursor` itself,
        after the backend forgot it)."""

    @abstractmethod
    def outage(self) -> AbstractContextManager[None]:
        """For the `with` block, put the calendar out of reach (a folder gone or unreadable,
        a server answering 503 to everything); after it, the calendar is back as it was."""

    def settle(self, cursor: str) -> str:
        """Return `cursor` as it would be once the changes it covers are in the past (a
        source that may repeat recent items, as vdir does within its ctime slack, moves
        on here). Most backends return it unchanged."""
        return cursor


def ics(uid: str, summary: str) -> bytes:
    """One iCalendar object holding the event `uid`, for backends that store the bytes."""
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20240506T120000Z\r\nDTSTART:20240507T140000Z\r\n"
            f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def events_of(changes: Changes) -> dict[str, CalEvent]:
    """The events of every item by ref; each item must hold exactly one event."""
    found: dict[str, CalEvent] = {}
    for item in changes.items:
        assert isinstance(item.data, bytes) and item.folder == ""
        events = parse_calendar(item.data, source="calendar", source_ref=item.ref,
                                default_tz=UTC)
        assert len(events) == 1, f"{item.ref} holds {len(events)} events"
        found[item.ref] = events[0]
    return found


def ref_of(changes: Changes, uid: str) -> str:
    refs = [ref for ref, event in events_of(changes).items() if event.uid == uid]
    assert len(refs) == 1, f"{uid} in {len(refs)} items"
    return refs[0]


class CalendarSourceContract:
    """The contract of `CalendarSource` (connectors/base.py), for every implementation."""

    @pytest.fixture
    def backend(self) -> CalendarSourceBackend:
        raise NotImplementedError("define a backend fixture returning a CalendarSourceBackend")

    @pytest.fixture
    def first(self, backend: CalendarSourceBackend) -> Changes:
        """The full scan of a calendar holding the three UIDS."""
        for number, uid in enumerate(UIDS):
            backend.add(uid, f"Event {number}")
        return backend.new().changes(None)

    def test_first_call_returns_everything_with_a_cursor(self, first: Changes) -> None:
        events = events_of(first)
        assert sorted(event.uid for event in events.values()) == sorted(UIDS)
        assert {event.summary for event in events.values()} == {"Event 0", "Event 1", "Event 2"}
        assert len(set(events)) == len(first.items)  # one item per ref
        assert isinstance(first.cursor, str) and first.cursor
        assert (first.removed, first.skipped) == ([], 0)

    def test_empty_calendar_gives_nothing_but_a_cursor(
            self, backend: CalendarSourceBackend) -> None:
        changes = backend.new().changes(None)
        assert (changes.items, changes.removed) == ([], [])
        assert isinstance(changes.cursor, str) and changes.cursor

    def test_same_cursor_again_returns_nothing_new(
            self, first: Changes, backend: CalendarSourceBackend) -> None:
        again = backend.new().changes(backend.settle(first.cursor))
        assert (again.items, again.removed) == ([], [])
        assert isinstance(again.cursor, str) and again.cursor

    def test_new_event_shows_up(self, first: Changes, backend: CalendarSourceBackend) -> None:
        backend.add("screen-d4@example.com", "Phone screen")
        later = backend.new().changes(backend.settle(first.cursor))
        assert ref_of(later, "screen-d4@example.com") not in events_of(first)
        assert later.removed == []

    def test_changed_event_comes_back_with_the_same_ref(
            self, first: Changes, backend: CalendarSourceBackend) -> None:
        ref = ref_of(first, UIDS[1])
        cursor = backend.settle(first.cursor)
        backend.change(UIDS[1], "Interview, moved")
        later = backend.new().changes(cursor)
        assert events_of(later)[ref].summary == "Interview, moved"
        assert events_of(later)[ref].uid == UIDS[1]
        # ...and once seen, it is not news any more.
        last = backend.new().changes(backend.settle(later.cursor))
        assert (last.items, last.removed) == ([], [])

    def test_deleted_event_is_reported(
            self, first: Changes, backend: CalendarSourceBackend) -> None:
        ref = ref_of(first, UIDS[0])
        cursor = backend.settle(first.cursor)
        backend.delete(UIDS[0])
        later = backend.new().changes(cursor)
        events = events_of(later)
        assert ref in later.removed or (ref in events and events[ref].cancelled)
        others = {ref_of(first, uid) for uid in UIDS[1:]}
        assert not others & set(later.removed)
        assert all(not events[r].cancelled for r in others & set(events))

    @pytest.mark.parametrize("cursor", ["garbage", "{", "[]"])
    def test_garbage_cursor_expires(self, first: Changes, backend: CalendarSourceBackend,
                                    cursor: str) -> None:
        with pytest.raises(CursorExpired):
            backend.new().changes(cursor)

    def test_expired_cursor_raises_and_a_full_scan_recovers(
            self, first: Changes, backend: CalendarSourceBackend) -> None:
        stale = backend.expire(backend.settle(first.cursor))
        with pytest.raises(CursorExpired):
            backend.new().changes(stale)
        again = backend.new().changes(None)
        assert set(events_of(again)) == set(events_of(first))
        assert {e.uid for e in events_of(again).values()} == set(UIDS)

    def test_out_of_reach_is_unavailable_and_the_cursor_still_works(
            self, first: Changes, backend: CalendarSourceBackend) -> None:
        cursor = backend.settle(first.cursor)
        source = backend.new()
        backend.add("screen-d4@example.com", "Phone screen")
        backend.change(UIDS[1], "Interview, moved")
        backend.delete(UIDS[0])
        with backend.outage():
            for call in (lambda: source.changes(cursor), lambda: source.changes(None),
                         lambda: backend.new().changes(cursor)):
                with pytest.raises(Unavailable):  # nothing else, never "all deleted"
                    call()
        # Back again: the cursor taken before the outage still brings every change since.
        later = backend.new().changes(cursor)
        events = events_of(later)
        assert ref_of(later, "screen-d4@example.com") not in events_of(first)
        assert events[ref_of(first, UIDS[1])].summary == "Interview, moved"
        gone = ref_of(first, UIDS[0])
        assert gone in later.removed or (gone in events and events[gone].cancelled)
