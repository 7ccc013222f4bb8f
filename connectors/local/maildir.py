"""Local mail in Maildir folders, as mbsync, offlineimap, lieer, getmail or Dovecot keep it.

Layouts, also mixed: Maildir++ (the root is INBOX, subfolders are dot-prefixed siblings:
`.Sent` -> "Sent", `.Archive.2024` -> "Archive.2024") and verbatim (mbsync, lieer: `INBOX/`,
`Archive/2024/` -> "Archive/2024"; hidden directories such as `.notmuch` are no folders). A
folder is a directory holding `cur` or `new`; `tmp` may be missing (git drops empty dirs).

The source's cursor is JSON, `{"v": 1, "thresholds": {"<cur|new dir relative to root>": ns}}`:
per subdir, the wall time its last scan started; a scan returns the files whose st_ctime_ns is
at least that minus CTIME_SLACK_NS. ctime, not mtime: offlineimap sets mtime to the message's
date, while delivery (create), a flag change (rename) and utime all bump ctime.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import socket
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from radiosilence.connectors.base import (
    DRAFT_KEY_HEADER,
    CursorExpired,
    DraftSink,
    MailSource,
    StoredDraft,
    Unavailable,
    draft_key,
)
from radiosilence.fsutil import PRIVATE_FILE, ensure_private_dir
from radiosilence.model import Changes, RawItem, same_folder

log = logging.getLogger(__name__)
T = TypeVar("T")

INBOX = "INBOX"
CURSOR_VERSION = 1
# The kernel stamps ctime from a coarse clock (a tick behind time.time_ns()), some file systems
# in whole seconds: the slack makes sure no file written during the previous scan is missed.
# Files in the window come twice, which stable refs make harmless to consumers.
CTIME_SLACK_NS = 2_000_000_000
# new/ before cur/: a message a client moves new -> cur during the scan is then seen in cur/,
# or, moved after cur/ was listed, comes back next time by its bumped ctime.
_SCANNED = ("new", "cur")
_MAILDIR_SUBDIRS = ("cur", "new", "tmp")
# Info follows the unique name as ":2,FLAGS" (cr.yp.to/proto/maildir.html); "!" stands in for
# ":" on file systems that forbid colons (mbsync's InfoDelimiter, Windows tools).
_INFO_SEPARATORS = (":2,", "!2,")
_MB = 1024 * 1024
_HEADER_LIMIT = 256 * 1024  # bytes of headers read looking for our key
_ATTEMPTS = 3  # a client renaming drafts while we look: scan again this often
_NAME_TIME = re.compile(r"^(\d+)(?:\.M(\d+))?")
_counter = itertools.count()  # per process, shared by all sinks: part of the unique name


def discover_folders(root: Path) -> dict[str, Path]:
    """Return {folder name: directory} of every Maildir folder under `root`, both layouts.
    Raises Unavailable when `root` is missing or cannot be listed."""
    if not root.is_dir():
        raise Unavailable(f"mail folder {root} does not exist or is not a folder")
    folders: dict[str, Path] = {}
    _walk(root, "", folders)
    return folders


def _walk(path: Path, name: str, folders: dict[str, Path]) -> None:
    """Add `path` (if a maildir; the root is INBOX) and its folders to `folders`."""
    if _is_maildir(path):
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
        elif not name and _is_maildir(child):
            # Maildir++: a dot-prefixed maildir beside INBOX is a subfolder named by the rest
            # of its name, dots included. Other hidden directories (.notmuch) are not folders.
            _add_folder(folders, child.name[1:], child)


def _child_dirs(path: Path) -> list[Path]:
    """Return the subdirectories of `path` but cur/new/tmp, sorted; raises OSError. Links
    are not followed, so a link loop cannot make discovery endless."""
    with os.scandir(path) as entries:
        return sorted(Path(e.path) for e in entries
                      if e.is_dir(follow_symlinks=False) and e.name not in _MAILDIR_SUBDIRS)


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


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
                 max_message_bytes: int) -> None:
        self.root = Path(root)
        # Drafts are never mail to understand, ours or the user's unfinished ones.
        self._skip = [*skip_folders, drafts_folder]
        self.max_message_bytes = max_message_bytes

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
        return Changes(items=items, removed=[], cursor=cursor_out, skipped=skipped)

    def _folders(self) -> dict[str, Path]:
        folders = discover_folders(self.root)
        if not folders:
            log.warning("no Maildir folder (a directory with cur/ or new/) under %s", self.root)
        return {name: path for name, path in folders.items()
                if not any(same_folder(name, skip) for skip in self._skip)}

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
                if st.st_ctime_ns >= threshold - CTIME_SLACK_NS:
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
                data = handle.read(limit + 1)
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


class MaildirDraftSink(DraftSink):
    """Drafts as files in the Drafts maildir, delivered per cr.yp.to/proto/maildir.html.

    A ref is the unique part of the file name, stable when the user's client changes flags.
    `put(replace=...)` writes the new draft before removing the old one: a crash in between
    leaves two drafts with the same key, and `find` then returns the oldest (with a warning).
    """

    def __init__(self, root: Path, drafts_folder: str) -> None:
        self.root = Path(root)
        self.drafts_folder = drafts_folder
        self._folder: Path | None = None

    def find(self, key: str) -> StoredDraft | None:
        """Return the oldest draft whose key header is `key`, or None; Unavailable on errors."""
        return _guarded(self.root, lambda: self._find_once(key))

    def find_all(self, key: str) -> list[StoredDraft]:
        """Return every draft whose key header is `key`, oldest first; Unavailable on errors."""
        return _guarded(self.root, lambda: self._find_all_once(key))

    def get(self, ref: str) -> StoredDraft | None:
        """Return the draft `ref` as it stands, None when gone; Unavailable when unreadable."""
        return _guarded(self.root, lambda: _load_or_none(ref, self._locate(ref)))

    def put(self, raw: bytes, key: str, replace: str | None = None,
            thread_hint: str = "") -> str:
        """Write `raw` as a new draft (flag D, in cur/), then remove `replace`; return its ref.
        Raises ValueError when `raw` lacks our key header with `key`, Unavailable on errors."""
        if draft_key(raw) != key:
            raise ValueError(f"draft does not carry {DRAFT_KEY_HEADER} with the key given")
        # tries=1: creating a draft is never retried blindly (it may exist after an error).
        ref = _guarded(self.root, lambda: _deliver(self._folder_for_writing(), raw), tries=1)
        if replace is not None and replace != ref:
            self.delete(replace)  # only now that the new draft is safe; see the class doc
        return ref

    def delete(self, ref: str) -> None:
        """Remove the draft `ref`; one already gone is fine. Raises Unavailable on I/O errors."""
        _guarded(self.root, lambda: self._unlink_all(ref))

    def _unlink_all(self, ref: str) -> None:
        while (path := self._locate(ref)) is not None:
            path.unlink()  # FileNotFoundError (renamed meanwhile): _guarded looks again

    def _find_all_once(self, key: str) -> list[StoredDraft]:
        if not key:  # a user's own draft has no key and is never ours
            return []
        matches = sorted((_age(unique, path), unique, path) for unique, path in self._drafts()
                         if draft_key(_head(path)) == key)
        found = (_load_or_none(unique, path) for _, unique, path in matches)
        return [draft for draft in found if draft is not None]

    def _find_once(self, key: str) -> StoredDraft | None:
        matches = self._find_all_once(key)
        if len(matches) > 1:
            log.warning("%d drafts in %s carry the same key (an interrupted replace?); "
                        "using the oldest, %s", len(matches), self._folder, matches[0].ref)
        return matches[0] if matches else None

    def _locate(self, ref: str) -> Path | None:
        return next((path for unique, path in self._drafts() if unique == ref), None)

    def _drafts(self) -> Iterator[tuple[str, Path]]:
        """Yield (unique part, path) of each message file in the Drafts folder's cur and new."""
        folder = self._existing_folder()
        for directory in [] if folder is None else [folder / "cur", folder / "new"]:
            if not directory.is_dir():
                continue
            with os.scandir(directory) as entries:
                names = sorted(e.name for e in entries
                               if not e.name.startswith(".") and e.is_file())
            for name in names:
                yield split_info(name)[0], directory / name

    def _existing_folder(self) -> Path | None:
        """Return the Drafts maildir if there is one; raises Unavailable when root is missing."""
        if self._folder is None or not _is_maildir(self._folder):
            folders = discover_folders(self.root)
            self._folder = next((path for name, path in folders.items()
                                 if same_folder(name, self.drafts_folder)), None)
        return self._folder

    def _folder_for_writing(self) -> Path:
        """Return the Drafts maildir with cur/new/tmp present, creating what is missing (0700)."""
        folder = self._existing_folder()
        if folder is None:
            # Maildir++ when the root is itself INBOX (hierarchy separator "."), else verbatim.
            if _is_maildir(self.root):
                folder = self.root / ("." + self.drafts_folder.replace("/", "."))
            else:
                folder = self.root / self.drafts_folder
            ensure_private_dir(folder)
        for sub in _MAILDIR_SUBDIRS:
            if not (folder / sub).is_dir():  # the user's existing dirs are left as they are
                ensure_private_dir(folder / sub)
        self._folder = folder
        return folder


def _deliver(folder: Path, raw: bytes) -> str:
    """Write `raw` into `folder` as a draft; return the unique part of its name.

    The delivery protocol of cr.yp.to/proto/maildir.html: create in tmp/ under a unique name,
    fsync, then rename. The file goes to cur/ with info ":2,D" (flag Draft), not to new/, as
    a client storing a message it already knows (IMAP APPEND with \\Draft) does.
    """
    for _ in range(_ATTEMPTS):
        unique = _unique_name()
        tmp = folder / "tmp" / unique
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        except FileExistsError:
            continue  # the spec: if tmp/name exists, try again with another name
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), PRIVATE_FILE)  # 0600 whatever the umask
                handle.write(raw)
                handle.flush()
                os.fsync(handle.fileno())  # the data is on disk before the name appears
            os.rename(tmp, folder / "cur" / f"{unique}:2,D")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fd = os.open(folder / "cur", os.O_RDONLY)  # and the new name survives a crash too
        os.fsync(fd)
        os.close(fd)
        return unique
    raise Unavailable(f"no free file name in {folder / 'tmp'}")


def _unique_name() -> str:
    """Return a new unique name "<sec>.M<usec>P<pid>Q<n>.<host>" (cr.yp.to/proto/maildir.html,
    with the host's "/" and ":" written "\\057" and "\\072" as it says)."""
    now = time.time_ns()
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
    return f"{now // 10**9}.M{now // 1000 % 10**6}P{os.getpid()}Q{next(_counter)}.{host}"


def _age(unique: str, path: Path) -> int:
    """Return when a draft was written, in microseconds: from its name when that starts with
    the delivery time, as the spec asks of unique names; else from its mtime."""
    match = _NAME_TIME.match(unique)
    if match:
        return int(match[1]) * 10**6 + int(match[2] or 0)
    return path.stat().st_mtime_ns // 1000


def _load_or_none(ref: str, path: Path | None) -> StoredDraft | None:
    """Return the draft in `path` (None for None); raises FileNotFoundError if it vanished."""
    if path is None:
        return None
    raw = path.read_bytes()
    return StoredDraft(ref=ref, key=draft_key(raw), raw=raw)


def _head(path: Path) -> bytes:
    """Return the start of the file `path`, enough for the headers; the body is not read."""
    with open(path, "rb") as handle:
        return handle.read(_HEADER_LIMIT)


def _guarded(root: Path, action: Callable[[], T], tries: int = _ATTEMPTS) -> T:
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
