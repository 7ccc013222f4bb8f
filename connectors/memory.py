"""In-memory twins of the three connectors: the same contracts, held in dictionaries.

For tests of everything above the connectors (apply, the engine) that want real behaviour
without files or servers, and as the smallest reading of each contract. A twin's state lives
in a `Memory...` object; each source or sink built over it is a new instance over the same
state, as a new process would see the same mailbox. `unavailable = True` makes every call
raise Unavailable, as an outage would.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from radiosilence.connectors.base import (
    CalendarSource,
    Changes,
    CursorExpired,
    DraftSink,
    MailSource,
    RawItem,
    StoredDraft,
    Unavailable,
    draft_key,
)


@dataclass
class _Log:
    """Items in the order they were written; a cursor is a position in that order."""

    entries: list[tuple[str, RawItem | None]] = field(default_factory=list)  # None: removed
    unavailable: bool = False

    def changes(self, cursor: str | None, name: str) -> Changes:
        if self.unavailable:
            raise Unavailable(f"the in-memory {name} is unavailable")
        start = _position(cursor, len(self.entries), name)
        latest: dict[str, RawItem | None] = {}
        for ref, item in self.entries[start:]:
            latest[ref] = item
        items = [item for item in latest.values() if item is not None]
        removed = [ref for ref, item in latest.items() if item is None and start > 0]
        return Changes(items=items, removed=removed,
                       cursor=json.dumps({"v": 1, "at": len(self.entries)}))


def _position(cursor: str | None, end: int, name: str) -> int:
    if cursor is None:
        return 0
    try:
        doc = json.loads(cursor)
        at = doc["at"] if doc.get("v") == 1 else -1
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise CursorExpired(f"unreadable {name} cursor") from error
    if not isinstance(at, int) or not 0 <= at <= end:
        raise CursorExpired(f"{name} cursor from another store")
    return at


class MemoryMailbox(_Log):
    """Mail as a list of deliveries; `deliver` adds one to a folder."""

    def deliver(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> str:
        ref = f"{folder}/{len(self.entries) + 1}"
        self.entries.append((ref, RawItem(ref=ref, folder=folder, data=raw, flags=flags)))
        return ref

    def source(self) -> MemoryMailSource:
        return MemoryMailSource(self)


class MemoryMailSource(MailSource):
    def __init__(self, mailbox: MemoryMailbox) -> None:
        self.mailbox = mailbox

    def changes(self, cursor: str | None) -> Changes:
        """Every message delivered since `cursor`; `removed` stays empty (as for Maildir)."""
        changes = self.mailbox.changes(cursor, "mailbox")
        return Changes(items=changes.items, removed=[], cursor=changes.cursor)


class MemoryCalendar(_Log):
    """Calendar objects by ref; `put` adds or changes one, `remove` deletes it."""

    def put(self, ref: str, ics: bytes) -> None:
        self.entries.append((ref, RawItem(ref=ref, folder="", data=ics)))

    def remove(self, ref: str) -> None:
        self.entries.append((ref, None))

    def source(self) -> MemoryCalendarSource:
        return MemoryCalendarSource(self)


class MemoryCalendarSource(CalendarSource):
    def __init__(self, calendar: MemoryCalendar) -> None:
        self.calendar = calendar

    def changes(self, cursor: str | None) -> Changes:
        """Objects added or changed since `cursor`, and the refs removed since."""
        return self.calendar.changes(cursor, "calendar")


@dataclass
class MemoryDrafts:
    """A Drafts folder: ref -> bytes, in the order written."""

    drafts: dict[str, bytes] = field(default_factory=dict)
    unavailable: bool = False
    _refs: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def sink(self) -> MemoryDraftSink:
        return MemoryDraftSink(self)

    def new_ref(self) -> str:
        return f"draft-{next(self._refs)}"


class MemoryDraftSink(DraftSink):
    def __init__(self, folder: MemoryDrafts) -> None:
        self.folder = folder

    def _drafts(self) -> dict[str, bytes]:
        if self.folder.unavailable:
            raise Unavailable("the in-memory Drafts folder is unavailable")
        return self.folder.drafts

    def find(self, key: str) -> StoredDraft | None:
        found = self.find_all(key)
        return found[0] if found else None

    def find_all(self, key: str) -> list[StoredDraft]:
        drafts = self._drafts()
        if not key:  # a user's own draft has no key and is never ours
            return []
        return [StoredDraft(ref, key, raw) for ref, raw in drafts.items()
                if draft_key(raw) == key]

    def get(self, ref: str) -> StoredDraft | None:
        raw = self._drafts().get(ref)
        return StoredDraft(ref, draft_key(raw), raw) if raw is not None else None

    def put(self, raw: bytes, key: str, replace: str | None = None,
            thread_hint: str = "") -> str:
        """Store `raw` under a new ref, then drop `replace`: the order a crash-safe replace
        needs (for a moment both exist, never neither)."""
        if draft_key(raw) != key:
            raise ValueError("draft does not carry the key given")
        drafts = self._drafts()
        ref = self.folder.new_ref()
        drafts[ref] = raw
        if replace is not None:
            drafts.pop(replace, None)
        return ref

    def delete(self, ref: str) -> None:
        self._drafts().pop(ref, None)
