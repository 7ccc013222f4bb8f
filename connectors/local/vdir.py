"""Local calendars in a vdir, as vdirsyncer writes them and khal reads them.

A vdir (vdirsyncer.pimutils.org, "The Vdir Storage Format") is a directory of calendars, one
subdirectory each, holding one iCalendar object per `.ics` file, usually named `<uid>.ics`.
A root holding `.ics` files itself (one calendar, no subfolders) is read too. Dotfiles and
other files (`color`, `displayname`, vdirsyncer's temporary `<uid>.ics<random>`) are ignored.
This connector does not parse iCalendar: it hands the bytes over.

The cursor is JSON, `{"v": 1, "threshold": ns, "refs": [...]}`: the wall time the last scan
started and the refs it saw. A scan returns the files unseen before or whose st_ctime_ns is at
least the threshold minus a little slack (`ctime.py`; vdirsyncer writes a temp file, then
renames or links it to its name: both give a fresh ctime), and reports refs gone in `removed`.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from radiosilence.connectors.base import (
    CalendarSource,
    Changes,
    CursorExpired,
    RawItem,
    Unavailable,
)
from radiosilence.connectors.local.ctime import changed_since

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
_SUFFIX = ".ics"


@dataclass
class _Listing:
    files: dict[str, Path] = field(default_factory=dict)  # ref -> path of every .ics file
    kept: set[str] = field(default_factory=set)  # refs in calendars that could not be listed
    skipped: int = 0


class VdirCalendarSource(CalendarSource):
    """The calendar objects of a vdir, incrementally by ctime; refs are paths under root."""

    def __init__(self, root: Path, max_bytes: int = 2 * 1024 * 1024) -> None:
        self.root = Path(root)
        # Of a larger file only max_bytes + 1 are read: the parser then skips it as too
        # large (and logs it) without the whole of it ever being in memory.
        self.max_bytes = max_bytes

    def changes(self, cursor: str | None) -> Changes:
        """Return the objects added or changed since `cursor` (all when None) and the refs
        of those deleted since. Items have `folder` "" and `ref` like "work/<uid>.ics".

        Raises CursorExpired for a cursor not written here, Unavailable when the root is
        missing or cannot be listed.
        """
        threshold, seen_before = _load_cursor(cursor)
        started = time.time_ns()
        listing = self._list(seen_before)
        items: list[RawItem] = []
        for ref, path in sorted(listing.files.items()):
            try:
                item = _read(ref, path, threshold if ref in seen_before else None,
                             self.max_bytes)
            except OSError as exc:
                log.warning("skipping calendar object %s: cannot read it: %s", ref, exc.strerror)
                listing.skipped += 1
                continue
            if item is not None:
                items.append(item)
        seen = set(listing.files) | listing.kept
        cursor_out = json.dumps(
            {"v": CURSOR_VERSION, "threshold": started, "refs": sorted(seen)})
        return Changes(items=items, removed=sorted(seen_before - seen), cursor=cursor_out,
                       skipped=listing.skipped)

    def _list(self, seen_before: set[str]) -> _Listing:
        """Return the .ics files under root (root itself and one level of calendars).

        Raises Unavailable when root cannot be listed; a calendar that cannot be listed is
        logged, counted, and its refs kept so that they are not reported removed.
        """
        if not self.root.is_dir():
            raise Unavailable(f"calendar folder {self.root} does not exist or is not a folder: "
                              "mount it, or correct vdir.path in the config")
        listing = _Listing()
        try:
            calendars = _add_files(self.root, "", listing)
        except OSError as exc:
            raise Unavailable(f"cannot list calendar folder {self.root}: {exc.strerror}") from exc
        for calendar in calendars:
            try:
                _add_files(self.root / calendar, f"{calendar}/", listing)
            except OSError as exc:
                log.warning("cannot list calendar %s: %s", calendar, exc.strerror)
                listing.skipped += 1
                listing.kept |= {ref for ref in seen_before if ref.startswith(f"{calendar}/")}
        return listing


def _add_files(directory: Path, prefix: str, listing: _Listing) -> list[str]:
    """Add the .ics files of `directory` to `listing` as `prefix + name`; return the names of
    its subdirectories (not hidden). Raises OSError when the directory cannot be listed."""
    subdirs = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                subdirs.append(entry.name)
            elif entry.name.lower().endswith(_SUFFIX) and entry.is_file():
                listing.files[prefix + entry.name] = Path(entry.path)
    return sorted(subdirs)


def _read(ref: str, path: Path, threshold: int | None, max_bytes: int) -> RawItem | None:
    """Return the object in `path` (at most max_bytes + 1 of it) when unseen (`threshold`
    None) or changed since `threshold`; None when unchanged or deleted since listing. Raises
    OSError when unreadable.
    """
    try:
        if threshold is not None and not changed_since(path.stat().st_ctime_ns, threshold):
            return None
        with path.open("rb") as handle:
            return RawItem(ref=ref, folder="", data=handle.read(max_bytes + 1))
    except FileNotFoundError:
        return None  # deleted meanwhile: the next scan reports it removed


def _load_cursor(cursor: str | None) -> tuple[int, set[str]]:
    """Return (threshold, refs seen) from `cursor`, (0, empty) for None; raises CursorExpired
    when the cursor is unreadable."""
    if cursor is None:
        return 0, set()
    try:
        doc = json.loads(cursor)
        version, threshold, refs = doc["v"], doc["threshold"], doc["refs"]
    except (ValueError, TypeError, KeyError) as exc:  # not JSON, not an object, no such key
        raise CursorExpired("vdir cursor is unreadable") from exc
    if version != CURSOR_VERSION or type(threshold) is not int or not isinstance(refs, list) \
            or not all(isinstance(ref, str) for ref in refs):
        raise CursorExpired("vdir cursor has an unknown format")
    return threshold, set(refs)
