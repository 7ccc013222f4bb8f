"""Local mail in Maildir folders, as mbsync, offlineimap, lieer, getmail or Dovecot keep it.

Layouts, also mixed: Maildir++ (the root is INBOX, subfolders are dot-prefixed siblings:
`.Sent` -> "Sent", `.Archive.2024` -> "Archive.2024") and verbatim (mbsync, lieer: `INBOX/`,
`Archive/2024/` -> "Archive/2024"; hidden directories such as `.notmuch` are no folders). A
folder is a directory holding `cur` or `new`; `tmp` may be missing (git drops empty dirs).

The source's cursor is JSON, `{"v": 1, "thresholds": {"<cur|new dir relative to root>": ns}}`:
per subdir, the wall time its last scan started; a scan returns the files whose st_ctime_ns is
at least that minus a little slack (see `ctime.py` for both: why ctime, and the slack).
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from radiosilence.connectors.base import (
    Changes,
    CursorExpired,
    MailSource,
    RawItem,
    SetupNeeded,
    Triage,
    Unavailable,
    account_folder,
    same_folder,
)
from radiosilence.connectors.local.ctime import changed_since
from radiosilence.mailformat import header_fields

log = logging.getLogger(__name__)
T = TypeVar("T")

INBOX = "INBOX"
CURSOR_VERSION = 1
# new/ before cur/: a message a client moves new -> cur during the scan is then seen in cur/,
# or, moved after cur/ was listed, comes back next time by its bumped ctime.
_SCANNED = ("new", "cur")
MAILDIR_SUBDIRS = ("cur", "new", "tmp")
# Info follows the unique name as ":2,FLAGS" (cr.yp.to/proto/maildir.html); "!" stands in for
# ":" on file systems that forbid colons (mbsync's InfoDelimiter, Windows tools).
_INFO_SEPARATORS = (":2,", "!2,")
_MB = 1024 * 1024
HEADER_LIMIT = 256 * 1024  # bytes of headers read looking for our key
ATTEMPTS = 3  # a client renaming drafts while we look: scan again this often
NAME_TIME = re.compile(r"^(\d+)(?:\.M(\d+))?")
# Raw bytes that mean "an invitation may be in here": parse_mail's calendar part types and
# file names. Words can hide from a raw search only behind a transfer encoding or a wide
# charset; then the text parts are decoded to look.
_CALENDAR_MARKS = (b"text/calendar", b"application/ics", b".ics")
_HIDING_MARKS = (b"base64", b"quoted-printable", b"utf-16", b"utf-32")


def discover_folders(root: Path) -> dict[str, Path]:
    """Return {folder name: directory} of every Maildir folder under `root`, both layouts.
    Raises Unavailable when `root` is missing or cannot be listed."""
    if not root.is_dir():
        raise Unavailable(f"mail folder {root} does not exist or is not a folder: "
                          "mount it, or correct maildir.path in the config")
    folders: dict[str, Path] = {}
    _walk(root, "", folders)
    return folders


def find_drafts_folder(folders: dict[str, Path], wanted: str,
                       root: Path) -> tuple[str, Path] | None:
    """The (name, directory) of the Drafts folder among `folders`: `wanted` itself, else
    the one account folder of that name ("personal/Drafts", mbsync's per-account layout);
    None when there is none. Raises SetupNeeded when several accounts have one."""
    exact = [(name, path) for name, path in folders.items() if same_folder(name, wanted)]
    if exact:
        return exact[0]
    nested = sorted((name, path) for name, path in folders.items()
                    if account_folder(name, wanted))
    if len(nested) > 1:
        names = ", ".join(f'"{name}"' for name, _ in nested)
        raise SetupNeeded(f"{root} holds several {wanted} folders ({names}): set "
                          f"maildir.drafts_folder to the one to write drafts to")
    return nested[0] if nested else None


def accounts(folders: dict[str, Path]) -> list[str]:
    """The account folders of a per-account layout: top-level names with an INBOX inside."""
    return sorted({name.partition("/")[0] for name in folders
                   if account_folder(name, INBOX)})


def _walk(path: Path, name: str, folders: dict[str, Path]) -> None:
    """Add `path` (if a maildir; the root is INBOX) and its folders to `folders`."""
    if is_maildir(path):
        _add_folder(folders, name or INBOX, path)
    try:
        children = _child_dirs(path)
    except OSError as exc:
        if not name:
            raise Unavailable(f"cannot list mail folder {path}: {exc.strerror}") from exc
        log.warning("cannot list %s, its subfolders are not read: %s", path, exc.strerror)
        return
    for child in children:
        if not child.name.startswith("."):
            _walk(child, f"{name}/{child.name}" if name else child.name, folders)
        elif not name and is_maildir(child):
            # Maildir++: a dot-prefixed maildir beside INBOX is a subfolder named by the rest
            # of its name, dots included. Other hidden directories (.notmuch) are not folders.
            _add_folder(folders, child.name[1:], child)


def _child_dirs(path: Path) -> list[Path]:
    """Return the subdirectories of `path` but cur/new/tmp, sorted; raises OSError. Links
    are not followed, so a link loop cannot make discovery endless."""
    with os.scandir(path) as entries:
        return sorted(Path(e.path) for e in entries
                      if e.is_dir(follow_symlinks=False) and e.name not in MAILDIR_SUBDIRS)


def is_maildir(path: Path) -> bool:
    """Whether `path` holds cur/ or new/; False when it cannot be looked into (is_dir raises
    PermissionError there), so that listing it fails next and says Unavailable or skips it."""
    try:
        return (path / "cur").is_dir() or (path / "new").is_dir()
    except OSError:
        return False


def _add_folder(folders: dict[str, Path], name: str, path: Path) -> None:
    if name in folders:
        log.warning("two folders named %r (%s, %s): reading the first", name, folders[name], path)
    folders.setdefault(name, path)


def split_info(name: str) -> tuple[str, str]:
    """Return (unique part, flags) of a Maildir file name; flags are '' without info. The
    unique part is stable: flag changes rename "u:2,S" to "u:2,RS" (cr.yp.to/proto/maildir)."""
    for separator in _INFO_SEPARATORS:
        unique, found, flags = name.rpartition(separator)
        if found:
            return unique, flags
    return name, ""


class MaildirSource(MailSource):
    """The messages of a local Maildir tree, incrementally by ctime."""

    def __init__(self, root: Path, skip_folders: Iterable[str], drafts_folder: str,
                 max_message_bytes: int, triage: Triage | None = None,
                 read_bytes: int | None = None) -> None:
        self.root = Path(root)
        # Drafts are never mail to understand, ours or the user's unfinished ones.
        self._skip = [*skip_folders, drafts_folder]
        self._drafts_folder = drafts_folder
        self.max_message_bytes = max_message_bytes
        # Of a message only its start is read (the parser reads no further anyway): a
        # 25 MB attachment then never sits in memory.
        self.read_bytes = read_bytes or max_message_bytes
        self.triage = triage  # headers first: only what it may keep is returned

    def changes(self, cursor: str | None) -> Changes:
        """Return the messages whose files appeared or changed since `cursor` (all when None).

        Refs are "<folder>/<unique part>"; `removed` is always empty (not tracked for mail).
        Raises CursorExpired for a cursor not written here, Unavailable when root is unreadable.
        """
        previous = _load_cursor(cursor)
        items: list[RawItem] = []
        thresholds: dict[str, int] = {}
        skipped = 0
        for name, path in self._folders().items():
            for directory in (path / sub for sub in _SCANNED if (path / sub).is_dir()):
                key = directory.relative_to(self.root).as_posix()
                started = time.time_ns()
                try:
                    if key in previous and not _entries_changed(directory, previous[key]):
                        thresholds[key] = previous[key]  # what changed since is read then
                        continue
                    found = self._scan(name, directory, previous.get(key, 0))
                except OSError as exc:
                    log.warning("cannot list %s: %s", directory, exc.strerror)
                    skipped += 1
                    if key in previous:  # keep the old threshold: nothing is lost meanwhile
                        thresholds[key] = previous[key]
                    continue
                thresholds[key] = started
                items.extend(item for item in found if item is not None)
                skipped += found.count(None)
        cursor_out = json.dumps({"v": CURSOR_VERSION, "thresholds": thresholds}, sort_keys=True)
        if self.triage is not None:
            items = triaged(items, self.triage)
        return Changes(items=items, removed=[], cursor=cursor_out, skipped=skipped)

    def _folders(self) -> dict[str, Path]:
        folders = discover_folders(self.root)
        if not folders:
            log.warning("no Maildir folder (a directory with cur/ or new/) under %s", self.root)
        drafts = find_drafts_folder(folders, self._drafts_folder, self.root)
        skip = [*self._skip, *([drafts[0]] if drafts else [])]
        return {name: path for name, path in folders.items()
                if not any(same_folder(name, other) for other in skip)}

    def _scan(self, folder: str, directory: Path, threshold: int) -> list[RawItem | None]:
        """Return the messages in `directory` changed since `threshold` (less the slack), None
        for each file skipped (logged). Raises OSError when the directory cannot be listed."""
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
        found: list[RawItem | None] = []
        for entry in entries:
            # A file renamed by a mail client meanwhile is passed over: its new name has a
            # fresh ctime, so this scan or the next one finds it.
            with suppress(FileNotFoundError):
                st = entry.stat()
                if changed_since(st.st_ctime_ns, threshold):
                    found.append(self._read(folder, entry, st))
        return found

    def _read(self, folder: str, entry: os.DirEntry[str], st: os.stat_result) -> RawItem | None:
        """Return the message in `entry`, None (logged) when it is none we read; raises
        FileNotFoundError when the file vanished (moved: not unreadable)."""
        unique, flags = split_info(entry.name)
        where = f"{folder}/{entry.name}"
        if entry.name.startswith(".") or not unique or not stat.S_ISREG(st.st_mode):
            log.info("skipping %s: not a message file", where)
            return None
        limit = self.max_message_bytes
        if st.st_size > limit:
            log.warning("skipping %s: message too large (%.1f MB > %.1f MB limit)",
                     where, st.st_size / _MB, limit / _MB)
            return None
        try:
            with open(entry.path, "rb") as handle:
                # Asking for the size stat gave, not for the limit: read(n) sets n bytes
                # aside first, which for 20,000 small files costs more than reading them.
                data = handle.read(min(st.st_size, self.read_bytes) + 1)
                if st.st_size < len(data) <= self.read_bytes:  # grew since stat: read on
                    data += handle.read(self.read_bytes + 1 - len(data))
        except FileNotFoundError:
            raise
        except OSError as exc:
            log.warning("skipping %s: cannot read it: %s", where, exc.strerror)
            return None
        if len(data) > limit:  # grew since stat
            log.warning("skipping %s: message too large (> %.1f MB limit)", where, limit / _MB)
            return None
        return RawItem(ref=f"{folder}/{unique}", folder=folder, data=data, flags=flags,
                       received=_delivered(unique, st))


def _entries_changed(directory: Path, threshold: int) -> bool:
    """Whether a message may have come, gone or been renamed in `directory` since the scan
    at `threshold`: each of those bumps the directory's ctime. Messages are never rewritten
    in place (cr.yp.to/proto/maildir.html), so an idle cycle need not stat them all."""
    return changed_since(directory.stat().st_ctime_ns, threshold)


def triaged(items: list[RawItem], triage: Triage) -> list[RawItem]:
    """The items `triage` may keep, judged from their headers; a body is looked into only
    when the triage asks for words, and decoded only when the raw bytes cannot tell."""
    # A generator: the fields of each message are judged and let go, never all held at once.
    verdicts = triage.judge((header_fields(item.data), item.folder) for item in items)
    kept = []
    for item, verdict in zip(items, verdicts, strict=True):
        lowered = item.data.lower()
        if verdict.keep or any(mark in lowered for mark in _CALENDAR_MARKS) or (
                verdict.words and _holds_any(item.data, lowered, verdict.words)):
            kept.append(item)
    return kept


def _holds_any(data: bytes, lowered: bytes, words: tuple[str, ...]) -> bool:
    """Whether the message's text may hold one of `words` (lower case): yes when its raw
    bytes do; else, only behind an encoding, by decoding its text parts."""
    if any(word in lowered for word in _needles(words)):
        return True
    if not any(mark in lowered for mark in _HIDING_MARKS):
        return False
    try:
        msg = BytesParser(policy=policy.default).parsebytes(data)
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                text = str(part.get_content()).lower()
                if any(word in text for word in words):
                    return True
    except Exception:  # an unreadable part: read the message whole, Sync decides
        return True
    return False


@lru_cache(maxsize=8)  # the raw search asks of every message, with the same few words
def _needles(words: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(word.encode() for word in words)


def _delivered(unique: str, st: os.stat_result) -> datetime:
    """When the message arrived: Maildir names start with the delivery time in seconds
    (cr.yp.to/proto/maildir.html); other names fall back to the file's mtime."""
    head = unique.partition(".")[0]
    seconds = int(head) if head.isdigit() and len(head) <= 11 else st.st_mtime
    return datetime.fromtimestamp(seconds, tz=UTC)


def _load_cursor(cursor: str | None) -> dict[str, int]:
    """Return the thresholds in `cursor` ({} for None); raise CursorExpired when unreadable."""
    if cursor is None:
        return {}
    try:
        doc = json.loads(cursor)
        found = doc["thresholds"] if doc["v"] == CURSOR_VERSION else None
    except (ValueError, TypeError, KeyError) as exc:  # not JSON, not an object, no such key
        raise CursorExpired("maildir cursor is unreadable") from exc
    if not isinstance(found, dict) or not all(
            isinstance(k, str) and type(v) is int for k, v in found.items()):
        raise CursorExpired("maildir cursor has an unknown format")
    return found


def guarded(root: Path, action: Callable[[], T], tries: int = ATTEMPTS) -> T:
    """Return `action()`, run again when a file vanished under it (a client renamed a draft
    meanwhile). I/O errors become Unavailable, once, at the connector's boundary; so does a
    folder that keeps changing: answering "no draft" could make the caller create a second.
    """
    try:
        for _ in range(tries - 1):
            with suppress(FileNotFoundError):
                return action()
        return action()
    except OSError as exc:
        raise Unavailable(f"mail folder {root}: {exc.strerror or exc}") from exc
