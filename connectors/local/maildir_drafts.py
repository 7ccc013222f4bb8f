"""Drafts in the Maildir's Drafts folder: the draft sink of the local mail connector.

Each draft is one file, delivered the Maildir way (written in tmp/, then linked into cur/
with the "D" flag), and found again by our key header. Replacing writes the new file before
unlinking the old one, so a crash leaves two copies at worst, never none: the apply step
removes a leftover copy whose content is exactly what we wrote.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from radiosilence.connectors.base import (
    DRAFT_KEY_HEADER,
    DraftSink,
    SetupNeeded,
    StoredDraft,
    Unavailable,
    draft_key,
)
from radiosilence.connectors.local.maildir import (
    ATTEMPTS,
    HEADER_LIMIT,
    MAILDIR_SUBDIRS,
    NAME_TIME,
    accounts,
    discover_folders,
    find_drafts_folder,
    guarded,
    is_maildir,
    split_info,
)
from radiosilence.fsutil import PRIVATE_FILE, ensure_private_dir

log = logging.getLogger(__name__)

_counter = itertools.count()  # per process, shared by all sinks: part of the unique name


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
        return guarded(self.root, lambda: self._find_once(key))

    def find_all(self, key: str) -> list[StoredDraft]:
        """Return every draft whose key header is `key`, oldest first; Unavailable on errors."""
        return guarded(self.root, lambda: self._find_all_once(key))

    def get(self, ref: str) -> StoredDraft | None:
        """Return the draft `ref` as it stands, None when gone; Unavailable when unreadable."""
        return guarded(self.root, lambda: _load_or_none(ref, self._locate(ref)))

    def put(self, raw: bytes, key: str, replace: str | None = None,
            thread_hint: str = "") -> str:
        """Write `raw` as a new draft (flag D, in cur/), then remove `replace`; return its ref.
        Raises ValueError when `raw` lacks our key header with `key`, Unavailable on errors."""
        if draft_key(raw) != key:
            raise ValueError(f"draft does not carry {DRAFT_KEY_HEADER} with the key given")
        # tries=1: creating a draft is never retried blindly (it may exist after an error).
        ref = guarded(self.root, lambda: _deliver(self._folder_for_writing(), raw), tries=1)
        if replace is not None and replace != ref:
            self.delete(replace)  # only now that the new draft is safe; see the class doc
        return ref

    def delete(self, ref: str) -> None:
        """Remove the draft `ref`; one already gone is fine. Raises Unavailable on I/O errors."""
        guarded(self.root, lambda: self._unlink_all(ref))

    def _unlink_all(self, ref: str) -> None:
        while (path := self._locate(ref)) is not None:
            path.unlink()  # FileNotFoundError (renamed meanwhile): guarded looks again

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
        if self._folder is None or not is_maildir(self._folder):
            found = find_drafts_folder(discover_folders(self.root), self.drafts_folder,
                                       self.root)
            self._folder = found[1] if found else None
        return self._folder

    def _folder_for_writing(self) -> Path:
        """Return the Drafts maildir with cur/new/tmp present, creating what is missing (0700)."""
        folder = self._existing_folder()
        if folder is None:
            folder = self._new_folder()
            ensure_private_dir(folder)
        for sub in MAILDIR_SUBDIRS:
            if not (folder / sub).is_dir():  # the user's existing dirs are left as they are
                ensure_private_dir(folder / sub)
        self._folder = folder
        return folder


    def _new_folder(self) -> Path:
        """Where a missing Drafts folder goes: Maildir++ when the root is itself INBOX
        (hierarchy separator "."), else verbatim. Refused (SetupNeeded) when the mail is
        kept per account: a Drafts folder beside the accounts is one no mail client shows."""
        if is_maildir(self.root):
            folder = self.root / ("." + self.drafts_folder.replace("/", "."))
        else:
            names = accounts(discover_folders(self.root))
            if names and "/" not in self.drafts_folder:
                raise SetupNeeded(
                    f"{self.root} keeps mail per account ({', '.join(names)}) and has no "
                    f"{self.drafts_folder} folder: set maildir.drafts_folder to "
                    f'"{names[0]}/{self.drafts_folder}" (created if missing), or create that '
                    "folder in your mail client")
            folder = self.root / self.drafts_folder
        log.warning("creating the Drafts folder %s: no folder named %s was found in %s; "
                    "check that your mail client shows it", folder, self.drafts_folder,
                    self.root)
        return folder


def _deliver(folder: Path, raw: bytes) -> str:
    """Write `raw` into `folder` as a draft; return the unique part of its name.

    The delivery protocol of cr.yp.to/proto/maildir.html: create in tmp/ under a unique name,
    fsync, then rename. The file goes to cur/ with info ":2,D" (flag Draft), not to new/, as
    a client storing a message it already knows (IMAP APPEND with \\Draft) does.
    """
    for _ in range(ATTEMPTS):
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
    match = NAME_TIME.match(unique)
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
        return handle.read(HEADER_LIMIT)
