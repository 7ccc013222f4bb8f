"""Mail from an IMAP server, incrementally by UID per folder, headers first.

The cursor is JSON, `{"v": 1, "folders": {NAME: {"validity": V, "next": N, "count": C,
"modseq": M, "uids": "1:40,42"}}}`: per watched folder its UIDVALIDITY, UIDNEXT, message
count, HIGHESTMODSEQ (0 without CONDSTORE) and the UIDs seen. A cycle with nothing new costs
one STATUS per folder (plus one LIST for the account); a changed UIDVALIDITY means the folder
is read again from scratch, its old refs reported removed. From scratch, with `since`, only
mail delivered since that day is read; the older UIDs are recorded as seen.

Refs are "FOLDER/UIDVALIDITY/UID", stable as long as the server keeps its UIDs. Nothing here
sets \\Seen: bodies and headers are fetched with BODY.PEEK.

With a triage (connectors/base.py), new messages are judged from TRIAGE_FIELDS and their
BODYSTRUCTURE; the server is asked (UID SEARCH ... BODY word) which undecided ones hold the
words; only the kept ones are fetched whole.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from imapclient import IMAPClient

from radiosilence.connectors.base import (
    TRIAGE_FIELDS,
    Changes,
    CursorExpired,
    MailSource,
    RawItem,
    Triage,
)
from radiosilence.connectors.imap.folders import Folders, discover
from radiosilence.connectors.imap.session import ImapSession
from radiosilence.connectors.imap.uids import chunks, compact, expand
from radiosilence.mailformat import header_fields

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
CHUNK = 200  # UIDs per FETCH: bounded command lines and responses
SEARCH_CHUNK = 5000  # UIDs per SEARCH: its answer is short, and UID ranges compact well
_MB = 1024 * 1024
_HEAD = "BODY.PEEK[HEADER.FIELDS ({})]".format(" ".join(f.upper() for f in TRIAGE_FIELDS))
_FLAG_LETTERS = {"\\draft": "D", "\\flagged": "F", "\\answered": "R", "\\seen": "S",
                 "\\deleted": "T"}  # Maildir's letters, which parse_mail reads


@dataclass
class FolderState:
    validity: int
    next: int
    count: int
    modseq: int
    uids: set[int]

    def dump(self) -> dict[str, Any]:
        return {"validity": self.validity, "next": self.next, "count": self.count,
                "modseq": self.modseq, "uids": compact(self.uids)}


@dataclass
class _Found:
    """A new message, before we know whether to read it whole."""

    folder: str
    label: str
    validity: int
    uid: int
    size: int
    received: datetime | None
    flags: str
    head: dict[str, str] | None = None
    calendar: bool = False

    @property
    def ref(self) -> str:
        return f"{self.folder}/{self.validity}/{self.uid}"


@dataclass
class _Cycle:
    """What one changes() call gathers."""

    found: list[_Found] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: int = 0


class ImapMailSource(MailSource):
    """The watched folders of one IMAP account (see folders.py for which ones)."""

    def __init__(self, session: ImapSession, max_message_bytes: int,
                 folders: Sequence[str] = (), triage: Triage | None = None,
                 since: Callable[[], date] | None = None,
                 read_bytes: int | None = None) -> None:
        self.session = session
        self.max_message_bytes = max_message_bytes
        # Of a message only its start is fetched (a partial FETCH, RFC 3501 6.4.5): the
        # parser reads no further, and a 25 MB attachment never comes over.
        self.read_bytes = read_bytes
        self.override = tuple(folders)
        self.triage = triage
        # A folder read from scratch reads only mail delivered since this day (SEARCH SINCE,
        # by delivery date): years of All Mail never come over, not even their headers.
        self.since = since

    def changes(self, cursor: str | None) -> Changes:
        """Return the messages new since `cursor` (all when None) and the refs gone.
        Raises CursorExpired for a cursor not written here, Unavailable when the server cannot
        be reached or refuses, AuthNeeded when it refuses the login."""
        previous = _load_cursor(cursor)
        return self.session.run(lambda client: self._changes(client, previous))

    def _changes(self, client: IMAPClient, previous: dict[str, FolderState]) -> Changes:
        folders = discover(client)
        cycle = _Cycle()
        states: dict[str, FolderState] = {}
        for name in folders.watched(self.override):
            states[name] = self._look(client, folders, name, previous.get(name), cycle)
        for name, old in previous.items():
            if name not in states:  # the folder is gone or no longer watched
                cycle.removed.extend(f"{name}/{old.validity}/{uid}" for uid in sorted(old.uids))
        items = self._read(client, cycle)
        self.session.leave(client)  # so that the next cycle's STATUS sees expunges too
        cursor = json.dumps({"v": CURSOR_VERSION,
                             "folders": {n: s.dump() for n, s in states.items()}},
                            sort_keys=True)
        return Changes(items=items, removed=cycle.removed, cursor=cursor,
                       skipped=cycle.skipped)

    def _look(self, client: IMAPClient, folders: Folders, name: str,
              old: FolderState | None, cycle: _Cycle) -> FolderState:
        """Return the folder's new state, adding its new messages and removed refs to
        `cycle`. Unchanged (same UIDVALIDITY, UIDNEXT, count): one STATUS, nothing more."""
        condstore = client.has_capability("CONDSTORE")
        what = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", *(["HIGHESTMODSEQ"] if condstore else [])]
        status = client.folder_status(name, what)
        validity, nxt = int(status[b"UIDVALIDITY"]), int(status[b"UIDNEXT"])
        count, modseq = int(status[b"MESSAGES"]), int(status.get(b"HIGHESTMODSEQ", 0))
        if old is not None and (old.validity, old.next, old.count) == (validity, nxt, count):
            # A change of HIGHESTMODSEQ alone is a flag change: nothing we read.
            return FolderState(validity, nxt, count, modseq, old.uids)
        if old is not None and old.validity != validity:
            log.info("UIDVALIDITY of %s changed: reading it again", name)
            cycle.removed.extend(f"{name}/{old.validity}/{uid}" for uid in sorted(old.uids))
            old = None
        self._select(client, name)
        known = old.uids if old is not None else set()
        fresh: set[int] | None = None
        if old is None:
            current = set(client.search("ALL"))
            if self.since is not None and current:
                fresh = current & set(client.search(["SINCE", self.since()]))
        else:
            added = {u for u in client.search(["UID", f"{old.next}:*"]) if u >= old.next}
            current = known | added
            if len(current) != count:  # something was expunged: ask for the whole list
                current = set(client.search("ALL"))
                gone = sorted(known - current)
                cycle.removed.extend(f"{name}/{validity}/{uid}" for uid in gone)
        new = current - known if fresh is None else fresh
        self._envelopes(client, name, folders.label(name), validity, new, cycle)
        return FolderState(validity, nxt, count, modseq, current)

    def _select(self, client: IMAPClient, name: str) -> None:
        self.session.select(client, name, readonly=True)  # EXAMINE: no flag can change

    def _envelopes(self, client: IMAPClient, folder: str, label: str, validity: int,
                   uids: set[int], cycle: _Cycle) -> None:
        """Fetch size, date and flags of `uids` (and headers and structure for a triage)."""
        wanted = ["RFC822.SIZE", "INTERNALDATE", "FLAGS"]
        if self.triage is not None:
            wanted += [_HEAD, "BODYSTRUCTURE"]
        for batch in chunks(uids, CHUNK):
            for uid, data in sorted(client.fetch(batch, wanted).items()):
                found = _Found(folder, label, validity, uid, int(data.get(b"RFC822.SIZE", 0)),
                               data.get(b"INTERNALDATE"), _flags(data.get(b"FLAGS", ())))
                if self.triage is not None:
                    found.head = header_fields(_header_bytes(data))
                    found.calendar = _has_calendar(data.get(b"BODYSTRUCTURE"))
                cycle.found.append(found)

    def _read(self, client: IMAPClient, cycle: _Cycle) -> list[RawItem]:
        """The kept messages, whole, in the order found."""
        small = []
        for found in cycle.found:
            if found.size > self.max_message_bytes:
                log.warning("skipping %s: message too large (%.1f MB > %.1f MB limit)",
                            found.ref, found.size / _MB, self.max_message_bytes / _MB)
                cycle.skipped += 1
            else:
                small.append(found)
        wanted = small if self.triage is None else self._judged(client, small, cycle)
        bodies: dict[str, bytes] = {}
        for folder in dict.fromkeys(f.folder for f in wanted):
            self._select(client, folder)
            uids = [f.uid for f in wanted if f.folder == folder]
            for batch in chunks(uids, CHUNK):
                for uid, data in client.fetch(batch, [self._body_part()]).items():
                    body = data.get(b"BODY[]", data.get(b"BODY[]<0>"))
                    if body is not None:
                        bodies[f"{folder}/{uid}"] = body
        items = []
        for found in wanted:
            data = bodies.get(f"{found.folder}/{found.uid}")
            if data is None:  # expunged between the two fetches: next cycle says removed
                continue
            items.append(RawItem(ref=found.ref, folder=found.label, data=data,
                                 flags=found.flags, received=found.received))
        return items

    def _body_part(self) -> str:
        """The whole message, or its first read_bytes + 1 (one more: the parser then knows
        the message went on, and says it read only the start)."""
        if self.read_bytes is None:
            return "BODY.PEEK[]"
        return f"BODY.PEEK[]<0.{self.read_bytes + 1}>"

    def _judged(self, client: IMAPClient, found: list[_Found], cycle: _Cycle) -> list[_Found]:
        """The messages the triage keeps, or whose text holds its words (the server says)."""
        assert self.triage is not None
        verdicts = self.triage.judge([(item.head or {}, item.label) for item in found])
        kept: set[int] = set()
        asks: dict[tuple[str, tuple[str, ...]], list[_Found]] = {}
        for item, verdict in zip(found, verdicts, strict=True):
            if verdict.keep or item.calendar:
                kept.add(id(item))
            elif verdict.words:
                asks.setdefault((item.folder, verdict.words), []).append(item)
        for (folder, words), items in asks.items():
            self._select(client, folder)
            by_uid = {item.uid: item for item in items}
            for batch in chunks(by_uid, SEARCH_CHUNK):
                hits = client.search(["UID", compact(batch), *_any_word(words)])
                kept.update(id(by_uid[uid]) for uid in hits if uid in by_uid)
        return [item for item in found if id(item) in kept]


def _any_word(words: tuple[str, ...]) -> list[str]:
    """SEARCH keys true when the body holds any of `words`: OR BODY a OR BODY b BODY c."""
    keys: list[str] = []
    for word in words[:-1]:
        keys += ["OR", "BODY", word]
    return [*keys, "BODY", words[-1]]


def _header_bytes(data: dict[bytes, Any]) -> bytes:
    for key, value in data.items():
        if key.startswith(b"BODY[HEADER") and isinstance(value, bytes):
            return value
    return b""


def _has_calendar(structure: Any) -> bool:
    """Whether a BODYSTRUCTURE shows a text/calendar or application/ics part, or a part
    named *.ics (as parse_mail finds invitations)."""
    if structure is None:
        return False
    if getattr(structure, "is_multipart", False):
        return any(_has_calendar(part) for part in structure[0])
    kind = b"/".join(p if isinstance(p, bytes) else b"" for p in structure[:2]).lower()
    return kind in (b"text/calendar", b"application/ics") or ".ics" in repr(structure).lower()


def _flags(flags: Sequence[bytes | str]) -> str:
    letters = {_FLAG_LETTERS.get((f.decode() if isinstance(f, bytes) else f).lower(), "")
               for f in flags}
    return "".join(sorted(letters - {""}))


def _load_cursor(cursor: str | None) -> dict[str, FolderState]:
    """Return the folder states in `cursor` ({} for None); CursorExpired when unreadable."""
    if cursor is None:
        return {}
    try:
        doc = json.loads(cursor)
        if doc["v"] != CURSOR_VERSION:
            raise ValueError("unknown version")
        return {str(name): FolderState(int(s["validity"]), int(s["next"]), int(s["count"]),
                                       int(s["modseq"]), expand(str(s["uids"])))
                for name, s in doc["folders"].items()}
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CursorExpired("imap cursor is unreadable") from exc
