"""The three small interfaces every connector implements, and the errors they raise.

Only our own dataclasses cross these interfaces: raw bytes in `RawItem`s going in, RFC 5322
bytes going out. No client object of any provider leaves its connector; provider errors are
translated once, inside the connector, into the exceptions below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from typing import Protocol

from radiosilence.mailformat import unfold_header

DRAFT_KEY_HEADER = "X-Radiosilence-Key"


def draft_key(raw: bytes) -> str:
    """The value of our key header in `raw` (only the headers are parsed), or ''."""
    value = BytesHeaderParser().parsebytes(raw).get(DRAFT_KEY_HEADER)
    return unfold_header(str(value)) if value is not None else ""


def same_folder(a: str, b: str) -> bool:
    """Folder names compare case-insensitively, "/" like "." ("[Gmail].Sent Mail" is
    "[Gmail]/Sent Mail"): Maildir++ separates levels with dots, other layouts with slashes."""
    return a.replace("/", ".").casefold() == b.replace("/", ".").casefold()


def account_folder(name: str, wanted: str) -> bool:
    """Whether folder `name` is `wanted` one level down, in an account's folder: mbsync's
    per-account layout keeps "personal/Sent" and "personal/Drafts" beside "work/..."."""
    account, _, rest = name.partition("/")
    return bool(account and rest) and same_folder(rest, wanted)


@dataclass(frozen=True)
class RawItem:
    """An item as a source delivers it: the bytes of one message or one .ics file."""

    ref: str  # stable within its source, e.g. "INBOX/1700000000.M1P2.host"
    folder: str  # "INBOX", "Sent", ... ; "" for calendar items
    data: bytes
    flags: str = ""  # Maildir info flags ("S", "RS", "D") or labels
    received: datetime | None = None  # delivery time, for mail that lacks a Date header
    thread: str = ""  # the provider's thread id (Gmail threadId); "" for Maildir


@dataclass(frozen=True)
class Changes:
    """What a source reports since a cursor."""

    items: list[RawItem]
    removed: list[str]  # refs that disappeared since the cursor
    cursor: str  # opaque; hand it back on the next call
    skipped: int = 0  # items the source could not read (already logged)


class ConnectorError(Exception):
    """Base of the errors a connector may raise; each subclass has one meaning."""


class AuthNeeded(ConnectorError):
    """Credentials are missing, expired or revoked: the user must run `radiosilence auth`."""


class CursorExpired(ConnectorError):
    """The cursor is too old for an incremental sync: call `changes(None)` for a full scan."""


class RateLimited(ConnectorError):
    """The provider asked us to slow down; `retry_after` is in seconds when it said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(ConnectorError):
    """The item named does not exist (any more)."""


class Unavailable(ConnectorError):
    """The source cannot be reached right now; try again later."""


class Refused(AuthNeeded):
    """The server refused the password or the link the config names (no `radiosilence auth`
    can fix it); the message is one line that says what to change."""


class SetupNeeded(ConnectorError):
    """The connector cannot go on without a choice only the user can make (say, which of
    several accounts' Drafts folders to write to); the message names the option to set."""


@dataclass(frozen=True)
class Verdict:
    """What a triage says of a message from its headers alone.

    keep: read the whole message. Otherwise, with `words`: read it only when its text holds
    one of them (any case, as a substring); without words: leave it out. Whatever the
    verdict, a source keeps a message carrying a calendar invitation (text/calendar or an
    .ics part), which headers cannot show.
    """

    keep: bool
    words: tuple[str, ...] = ()


KEEP = Verdict(True)
DROP = Verdict(False)
# The header fields a triage may read; an IMAP source fetches these and no others.
TRIAGE_FIELDS = ("From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID",
                 "In-Reply-To", "References")


class Triage(Protocol):
    """Decides from headers which messages a source reads whole (headers first).

    The policy is not the connector's: it comes from understand/recruiting.py, through
    wiring. A source calls `judge` once per `changes()` call with the headers of all the new
    messages and their folder names, in any order (an iterable, read once; each head as
    mailformat.header_fields gives it: lower-case name -> raw value, holding at least the
    TRIAGE_FIELDS present): a reply is judged by the whole batch. It returns one verdict per
    message, in the same order.
    """

    def judge(self, heads: Iterable[tuple[Mapping[str, str], str]]) -> list[Verdict]: ...


class MailSource(ABC):
    """Messages of a mailbox, incrementally."""

    @abstractmethod
    def changes(self, cursor: str | None) -> Changes:
        """Return the messages added or changed since `cursor` (all of them when None).

        `Changes.items` hold the raw RFC 5322 bytes with `folder` set to the folder name
        ("INBOX", "Sent", ...). `Changes.removed` lists refs gone since the cursor where the
        source can tell. Items that cannot be read are logged, counted in `skipped`, and left
        out. Raises CursorExpired when `cursor` is no longer usable, Unavailable when the
        mailbox cannot be read at all.
        """


class CalendarSource(ABC):
    """Events of one or more calendars, incrementally."""

    @abstractmethod
    def changes(self, cursor: str | None) -> Changes:
        """Return the calendar objects added or changed since `cursor` (all when None).

        Each item's `data` is one iCalendar object (bytes) and its `ref` is stable for that
        object, so that a later change to the same object carries the same ref.
        `Changes.removed` lists the refs of objects deleted since the cursor. Raises
        CursorExpired when the cursor is too old, Unavailable when nothing can be read.
        """


@dataclass(frozen=True)
class StoredDraft:
    """A draft as the sink holds it now."""

    ref: str  # the sink's id for the draft, stable while the draft exists
    key: str  # the value of our X-Radiosilence-Key header ("" if it has none)
    raw: bytes  # the message as it stands, possibly edited by the user


class DraftSink(ABC):
    """The Drafts folder: put, find, read and delete drafts that carry our key."""

    @abstractmethod
    def find(self, key: str) -> StoredDraft | None:
        """Return the draft stamped with `key`, or None. Used to heal a crash between
        creating a draft and recording it."""

    @abstractmethod
    def find_all(self, key: str) -> list[StoredDraft]:
        """Return every draft stamped with `key`, oldest first (normally one; more only
        after a replace was interrupted between writing the new draft and removing the old)."""

    @abstractmethod
    def get(self, ref: str) -> StoredDraft | None:
        """Return the draft `ref` as it stands now, or None when it is gone (sent or deleted
        by the user)."""

    @abstractmethod
    def put(self, raw: bytes, key: str, replace: str | None = None,
            thread_hint: str = "") -> str:
        """Store `raw` (RFC 5322 bytes carrying our key header) as a draft; return its ref.

        With `replace`, the draft of that ref is replaced by this one (the returned ref may
        differ). `thread_hint` is the provider's id of the conversation the draft answers
        (Gmail needs it besides In-Reply-To to thread a draft); sinks without threads
        ignore it. Never sends anything.
        """

    @abstractmethod
    def delete(self, ref: str) -> None:
        """Remove the draft `ref`. Deleting a draft that is already gone is not an error."""
