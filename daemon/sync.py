"""Sync: what changed in the sources since their cursors, parsed, filtered and stored.

A cursor is saved in the same transaction as the data it covers, so a crash never skips
anything: the next cycle reads the same changes again, and storing them twice is harmless.
Items that cannot be parsed are logged (by reference, never by content) and skipped.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import TypeVar

from radiosilence.connectors.base import (
    CalendarSource,
    Changes,
    CursorExpired,
    MailSource,
    RawItem,
)
from radiosilence.model import CalEvent, Mail
from radiosilence.parse.calendar import ParseError as IcsError
from radiosilence.parse.calendar import parse_calendar
from radiosilence.parse.limits import DEFAULT_LIMITS, Limits, TooSlow
from radiosilence.parse.mail import ParseError as MimeError
from radiosilence.parse.mail import parse_mail
from radiosilence.store import Store
from radiosilence.understand.recruiting import looks_recruiting

T = TypeVar("T")

log = logging.getLogger(__name__)


def storable(ref: str) -> str:
    """`ref` as valid UTF-8: a name with bytes that are not UTF-8 (os.fsdecode keeps them as
    surrogates, which SQLite cannot store) gets them as \\xNN escapes, the same each time."""
    return ref.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

_REPLY_DEPTH = 3  # a reply to a reply to a kept mail, all in one batch, is kept too


@dataclass(frozen=True)
class SyncOptions:
    user: frozenset[str]  # the user's own addresses
    timezone: tzinfo  # for dates written without a zone
    sent_folders: frozenset[str]
    drafts_folder: str
    window_days: int  # mail older than this is not kept
    limits: Limits = DEFAULT_LIMITS  # the work one message or calendar item may cost


@dataclass
class SyncReport:
    mail_seen: int = 0
    mail_kept: int = 0
    events_seen: int = 0
    skipped: int = 0


class ItemGuard:
    """Parses one item at a time: a failure is one logged line (never the content) and a
    skip; an item that failed before, byte for byte the same, is not parsed again."""

    def __init__(self, unreadable: set[str]) -> None:
        self.unreadable = unreadable  # digests remembered as unreadable (store.unreadable)
        self.failed: dict[str, str] = {}  # digest -> reason, of the items failing now

    def __call__(self, item: RawItem, kind: str, parse: Callable[[RawItem], T]) -> T | None:
        digest = hashlib.sha256(item.data).hexdigest()[:32]
        if digest in self.unreadable:
            log.debug("skipped %s %s: unreadable, unchanged since", kind, item.ref)
            return None
        try:
            return parse(item)
        except TooSlow as error:  # not remembered: a busy machine may be what was slow
            log.warning("skipped %s %s: %s", kind, item.ref, error)
            return None
        except (MimeError, IcsError) as error:
            reason = str(error)
        except Exception as error:  # any content may be hostile: skip it, go on
            reason = type(error).__name__
        log.warning("skipped %s %s: %s", kind, item.ref, reason)
        self.failed[digest] = reason
        return None


class Sync:
    def __init__(self, store: Store, mail: MailSource, calendar: CalendarSource,
                 options: SyncOptions, heartbeat: Callable[[], None]) -> None:
        self.store = store
        self.mail = mail
        self.calendar = calendar
        self.options = options
        self.heartbeat = heartbeat  # called during long work: a watchdog tells slow from stuck

    def run(self, now: datetime) -> SyncReport:
        """Read what changed since the cursors; keep what is about recruiting."""
        report = SyncReport()
        unreadable = self.store.unreadable()
        self._sync_calendar(now, report, ItemGuard(unreadable))
        self._sync_mail(now, report, ItemGuard(unreadable))
        return report

    def _changes(self, name: str, source: MailSource | CalendarSource) -> tuple[str | None,
                                                                                Changes]:
        """The source's changes since our cursor; everything when the cursor has expired.
        Refs are made storable: a file name that is not UTF-8 is kept, escaped."""
        cursor = self.store.cursor(name)
        try:
            changes = source.changes(cursor)
        except CursorExpired:
            log.warning("%s cursor expired: reading everything again", name)
            cursor, changes = None, source.changes(None)
        return cursor, replace(
            changes, items=[replace(i, ref=storable(i.ref)) for i in changes.items],
            removed=[storable(ref) for ref in changes.removed])

    def _sync_calendar(self, now: datetime, report: SyncReport, guard: ItemGuard) -> None:
        cursor, changes = self._changes("calendar", self.calendar)
        with self.store.transaction():
            if cursor is None:
                self.store.clear_events("calendar")
            for ref in changes.removed:
                self.store.remove_events("calendar", ref)
            for item in changes.items:
                self.heartbeat()
                self.store.remove_events("calendar", item.ref)
                for event in guard(item, "calendar file", self._parse_events) or ():
                    self.store.put_event(event)
                    report.events_seen += 1
            self.store.remember_unreadable(guard.failed, now)
            self.store.set_cursor("calendar", changes.cursor, now)
        report.skipped += changes.skipped

    def _parse_events(self, item: RawItem) -> list[CalEvent]:
        return parse_calendar(item.data, source="calendar", source_ref=item.ref,
                              default_tz=self.options.timezone, limits=self.options.limits)

    def _sync_mail(self, now: datetime, report: SyncReport, guard: ItemGuard) -> None:
        _, changes = self._changes("mail", self.mail)
        mails = [m for m in (guard(item, "message", self._parse_mail)
                             for item in changes.items) if m]
        report.mail_seen += len(changes.items)
        report.skipped += changes.skipped + len(changes.items) - len(mails)
        oldest = now - timedelta(days=self.options.window_days)
        kept = self._recruiting(m for m in mails if m.date >= oldest)
        with self.store.transaction():
            for mail in kept:
                self.store.put_message(mail)
            self.store.remember_unreadable(guard.failed, now)
            self.store.set_cursor("mail", changes.cursor, now)
        report.mail_kept += len(kept)

    def _parse_mail(self, item: RawItem) -> Mail:
        self.heartbeat()
        options = self.options
        return parse_mail(item, own_addresses=options.user, sent_folders=options.sent_folders,
                          drafts_folder=options.drafts_folder, default_tz=options.timezone,
                          received=item.received, limits=options.limits)

    def _recruiting(self, mails: Iterable[Mail]) -> list[Mail]:
        """The mail worth keeping (`looks_recruiting`), and replies to anything kept,
        whatever their words ("Sounds good, thanks!")."""
        known = self.store.contact_addresses()
        candidates = [m for m in mails if not m.draft]
        kept = {m.id: m for m in candidates if looks_recruiting(m, known)}

        def answers_kept(mail: Mail) -> bool:
            refs = [ref for ref in (mail.in_reply_to, *mail.references) if ref]
            return any(ref in kept or self.store.has_message(ref) for ref in refs)

        for _ in range(_REPLY_DEPTH):
            grown = [m for m in candidates if m.id not in kept and answers_kept(m)]
            kept.update((m.id, m) for m in grown)
            if not grown:
                break
        return list(kept.values())
