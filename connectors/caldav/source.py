"""A CalDAV account's calendars as a CalendarSource (Fastmail, iCloud, Nextcloud, Radicale).

Each cycle lists the calendars under the account's calendar home in one PROPFIND (Depth 1)
and reads further only the calendars whose ctag or sync-token moved: an idle cycle is that
one request. A calendar that changed is listed with RFC 6578 sync-collection from the last
token where the server offers it, else by a PROPFIND of its etags compared with the cursor's;
the objects whose etag changed are fetched with calendar-multiget, in batches. Objects that
hold no VEVENT (tasks, journals) are left out.

The cursor is JSON: `{"v": 1, "home": href, "calendars": {href: {"ctag", "token",
"etags": {object href: etag}}}}`. Refs are the object hrefs (paths on the server), stable per
object. A calendar no longer listed (deleted, renamed out of `calendars`) has its objects
reported removed; a calendar that fails on its own is logged, counted in `skipped`, and its
objects kept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from radiosilence.connectors.base import (
    CalendarSource,
    Changes,
    CursorExpired,
    NotFound,
    RawItem,
)
from radiosilence.connectors.caldav.dav import CollectionInfo, Dav, Listing, SyncTokenRefused

log = logging.getLogger(__name__)

CURSOR_VERSION = 1


class CalDavCalendarSource(CalendarSource):
    """The events of a CalDAV account's calendars (`calendars`: display names; all when
    empty), incrementally by ctag, sync-token and etag; refs are object hrefs."""

    def __init__(self, dav: Dav, calendars: Sequence[str] = ()) -> None:
        self.dav = dav
        self.names = [name.casefold() for name in calendars]
        self._home = ""  # found once per instance, or taken from the cursor

    def changes(self, cursor: str | None) -> Changes:
        """Return the objects added or changed since `cursor` (all when None) and the refs
        of those deleted since. Raises CursorExpired for a cursor not written here;
        AuthNeeded, RateLimited or Unavailable when the server cannot be read."""
        before = _load_cursor(cursor)
        started = self.dav.requests
        home = self._find_home(before.get("home", ""))
        chosen = self._choose(self._collections(home))
        old: dict[str, Any] = before.get("calendars", {})
        items: list[RawItem] = []
        removed: list[str] = []
        state: dict[str, Any] = {}
        skipped = 0
        for info in chosen:
            previous = old.get(info.href)
            try:
                state[info.href] = self._calendar(info, previous, items, removed)
            except NotFound:
                log.warning("calendar %r vanished while being read; skipping it", info.name)
                skipped += 1
                if previous is not None:
                    state[info.href] = previous
        for href, previous in old.items():
            if href not in state:  # deleted, or no longer among the chosen calendars
                removed.extend(sorted(previous.get("etags", {})))
        out = {"v": CURSOR_VERSION, "home": home, "calendars": state}
        log.debug("caldav: %d calendars, %d changed objects, %d removed, %d requests",
                  len(chosen), len(items), len(removed), self.dav.requests - started)
        return Changes(items=items, removed=removed, cursor=json.dumps(out, sort_keys=True),
                       skipped=skipped)

    def _find_home(self, remembered: str) -> str:
        if not self._home:
            self._home = self.dav.use_home(remembered) if remembered else self.dav.home()
        return self._home

    def _collections(self, home: str) -> list[CollectionInfo]:
        try:
            return self.dav.collections(home)
        except NotFound:
            # The home remembered in the cursor moved: find it again from the account URL.
            self._home = self.dav.home()
            return self.dav.collections(self._home)

    def _choose(self, found: list[CollectionInfo]) -> list[CollectionInfo]:
        calendars = [c for c in found if c.is_calendar
                     and (not c.components or "VEVENT" in c.components)]
        if not self.names:
            return calendars
        chosen = [c for c in calendars if c.name.casefold() in self.names]
        missing = set(self.names) - {c.name.casefold() for c in chosen}
        if missing:
            log.warning("caldav: no calendar named %s; the account has %s",
                        ", ".join(sorted(repr(m) for m in missing)),
                        ", ".join(repr(c.name) for c in calendars) or "none")
        return chosen

    def _calendar(self, info: CollectionInfo, previous: dict[str, Any] | None,
                  items: list[RawItem], removed: list[str]) -> dict[str, Any]:
        """Read one calendar's changes into `items` and `removed`; return its new state."""
        if previous is not None and _unchanged(info, previous):
            return previous
        etags: dict[str, str] = dict(previous["etags"]) if previous else {}
        listing = self._listing(info, previous)
        for href in listing.gone:
            if etags.pop(href, None) is not None:
                removed.append(href)
        wanted = sorted(h for h, tag in listing.etags.items() if not tag or etags.get(h) != tag)
        fetched = self.dav.multiget(info.href, wanted) if wanted else {}
        missing = [href for href in wanted if href not in fetched]
        for href in wanted:
            if href not in fetched:
                continue
            etag, data = fetched[href]
            etags[href] = etag or listing.etags[href]
            if b"BEGIN:VEVENT" in data.upper():
                items.append(RawItem(ref=href, folder="", data=data))
        if listing.complete:  # whatever it lacks was deleted
            for href in sorted(set(etags) - set(listing.etags)):
                etags.pop(href)
                removed.append(href)
        token = listing.token or info.sync_token
        if missing:
            # Listed but not delivered (deleted meanwhile, or a server hiccup): keep the old
            # markers, so that the next cycle lists this calendar again and settles it.
            log.info("calendar %r: %d listed objects did not come; reading them next time",
                     info.name, len(missing))
            old = previous or {}
            return {"ctag": old.get("ctag", ""), "token": old.get("token", ""), "etags": etags}
        return {"ctag": info.ctag, "token": token, "etags": etags}

    def _listing(self, info: CollectionInfo, previous: dict[str, Any] | None) -> Listing:
        """The changed members by sync-collection where offered, else every member."""
        if info.sync_token:
            token = previous.get("token", "") if previous else ""
            try:
                return self.dav.sync(info.href, token)
            except SyncTokenRefused:
                log.info("calendar %r: the server forgot our sync-token; listing it whole",
                         info.name)
        return Listing(etags=self.dav.etags(info.href))


def _unchanged(info: CollectionInfo, previous: dict[str, Any]) -> bool:
    """True when the server's change markers are those we saw last time (and it has one)."""
    if info.sync_token:
        return info.sync_token == previous.get("token")
    return bool(info.ctag) and info.ctag == previous.get("ctag")


def _load_cursor(cursor: str | None) -> dict[str, Any]:
    if cursor is None:
        return {}
    try:
        doc = json.loads(cursor)
        ok = (doc["v"] == CURSOR_VERSION and isinstance(doc["home"], str)
              and isinstance(doc["calendars"], dict)
              and all(isinstance(c.get("etags"), dict) for c in doc["calendars"].values()))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CursorExpired("caldav cursor is unreadable") from exc
    if not ok:
        raise CursorExpired("caldav cursor has an unknown format")
    return dict(doc)
