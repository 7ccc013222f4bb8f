"""Events radiosilence owns in a calendar the person owns (reminders with their alarms, so the
person's own devices ring on time): found, written and deleted over CalDAV.

It touches only its own events. Each carries the marker property `X-RADIOSILENCE-KEY` and
lives at an href derived from its UID alone, so that a retry after a crash (between the PUT
and the caller's record of it) writes the same resource again instead of a second event:
a new event is PUT with `If-None-Match: *`, a known one with `If-Match: <etag>`; when either
precondition fails, the resource there is read back and overwritten or deleted only if it
carries our marker. `owned()` lists by the marker, never the person's own events, even in a
calendar they share with us.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from icalendar import Calendar

from radiosilence.connectors.base import NotFound, Refused, Unavailable
from radiosilence.connectors.caldav.dav import (
    CALDAV,
    DAV,
    Dav,
    Forbidden,
    body_of,
    multistatus,
    prop_text,
    xml_text,
)

log = logging.getLogger(__name__)

MARKER = "X-RADIOSILENCE-KEY"
_ICS = {"Content-Type": "text/calendar; charset=utf-8"}

_QUERY = f"""<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="{DAV}" xmlns:c="{CALDAV}"><d:prop><d:getetag/><c:calendar-data/>
</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">{{having}}
</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"""
_HAVING_MARKER = f'<c:prop-filter name="{MARKER}"/>'

_MKCALENDAR = f"""<?xml version="1.0" encoding="utf-8"?>
<c:mkcalendar xmlns:d="{DAV}" xmlns:c="{CALDAV}"><d:set><d:prop>
<d:displayname>{{name}}</d:displayname><c:supported-calendar-component-set>
<c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"""


@dataclass(frozen=True)
class OwnedEvent:
    """One of our events as the server holds it now."""

    uid: str
    key: str  # the marker's value
    href: str
    etag: str
    data: bytes


class CalDavEventWriter:
    """Our events in the calendar shown as `calendar_name` (created when missing)."""

    def __init__(self, dav: Dav, calendar_name: str) -> None:
        self.dav = dav
        self.name = calendar_name
        self._href = ""

    def calendar(self) -> str:
        """The calendar's href: found by display name (case-insensitive) under the account's
        calendar home, else created there with MKCALENDAR. Raises Refused, naming what to
        create, when the server will not create it."""
        if self._href:
            return self._href
        home = self.dav.home()
        for info in self.dav.collections(home):
            # A task list of the same name is no home for events (iCloud calls its own
            # task list "Reminders").
            holds_events = not info.components or "VEVENT" in info.components
            if info.is_calendar and holds_events and \
                    info.name.casefold() == self.name.casefold():
                self._href = info.href
                return self._href
        home_path = urlsplit(self.dav.absolute(home)).path.rstrip("/")
        href = f"{home_path}/{_slug(self.name) or 'radiosilence'}/"
        body = _MKCALENDAR.format(name=xml_text(self.name))
        try:
            status = self.dav.request("MKCALENDAR", href, body,
                                      ok=(201, 405, 409, 415, 501)).status
        except Forbidden:
            status = 403
        if status != 201:
            raise Refused(f"{self.dav.label}: the server would not create the calendar "
                          f"{self.name!r} ({status}): create a calendar named {self.name!r} "
                          "in your calendar app, then run again")
        log.info("created the calendar %r for reminders", self.name)
        self._href = href
        return href

    def owned(self) -> dict[str, OwnedEvent]:
        """Our events in the calendar, by UID (the person's own are never listed). One
        REPORT, filtered at the server by the marker where it can, and here in any case."""
        calendar = self.calendar()
        try:
            response = self.dav.request("REPORT", calendar, _QUERY.format(having=_HAVING_MARKER),
                                        {"Depth": "1"}, ok=(207,))
        except Unavailable:  # a server that cannot filter by a property: filter here
            response = self.dav.request("REPORT", calendar, _QUERY.format(having=""),
                                        {"Depth": "1"}, ok=(207,))
        found: dict[str, OwnedEvent] = {}
        for href, prop, status in multistatus(response.tree):
            data = prop_text(prop, CALDAV, "calendar-data", strip=False).encode("utf-8")
            uid, key = _uid_and_key(data) if status == 200 and data else ("", "")
            if uid and key:
                found[uid] = OwnedEvent(uid, key, href, prop_text(prop, DAV, "getetag"), data)
        return found

    def href(self, uid: str) -> str:
        """Where the event `uid` lives: a name from the UID alone, so that a retry writes
        the same resource."""
        return f"{self.calendar()}rs-{hashlib.sha256(uid.encode()).hexdigest()[:40]}.ics"

    def put(self, uid: str, key: str, ics: bytes, etag: str = "") -> str:
        """Write `ics` (one VCALENDAR whose VEVENTs all have UID `uid`) as our event `uid`,
        stamped with the marker `key`; return the new etag ("" when the server gives none).
        `etag` is the one last seen ("" for an event believed new). Never overwrites an
        event that lacks our marker: raises Refused then."""
        body = stamp(ics, uid, key).decode("utf-8")
        href = self.href(uid)
        condition = {"If-Match": etag} if etag else {"If-None-Match": "*"}
        response = self.dav.request("PUT", href, body, {**_ICS, **condition},
                                    ok=(200, 201, 204, 412))
        if response.status == 412:  # there after all (a retry), or changed since `etag`
            current = self._current(href)
            if current is not None and not current.key:
                raise Refused(f"{self.dav.label}: an event not written by radiosilence sits "
                              f"where reminder {uid!r} belongs; it was left alone")
            # Ours (overwrite that version) or deleted meanwhile (create it); a third
            # writer racing us makes this fail as Unavailable, and the next cycle retries.
            again = {"If-Match": current.etag} if current is not None else \
                {"If-None-Match": "*"}
            response = self.dav.request("PUT", href, body, {**_ICS, **again},
                                        ok=(200, 201, 204))
        return str(response.headers.get("ETag", "") or "")

    def delete(self, uid: str) -> bool:
        """Delete our event `uid`; False when it was not there (or is not ours, which is
        then left alone)."""
        href = self.href(uid)
        for _attempt in range(2):  # a change between the read and the delete: look again
            current = self._current(href)
            if current is None or not current.key:
                return False
            status = self.dav.request("DELETE", href, headers={"If-Match": current.etag},
                                      ok=(200, 204, 404, 412)).status
            if status != 412:
                return status != 404
        raise Unavailable(f"{self.dav.label}: reminder {uid!r} keeps changing; "
                          "deleting it next time")

    def _current(self, href: str) -> OwnedEvent | None:
        try:
            response = self.dav.request("GET", href, ok=(200,))
        except NotFound:
            return None
        data = body_of(response)
        uid, key = _uid_and_key(data)
        return OwnedEvent(uid, key, href, str(response.headers.get("ETag", "")), data)


def stamp(ics: bytes, uid: str, key: str) -> bytes:
    """`ics` with the marker `key` on each VEVENT; ValueError unless every VEVENT has UID
    `uid` and there is at least one."""
    calendar = Calendar.from_ical(ics)
    events = list(calendar.walk("VEVENT"))
    if not events or any(str(event.get("UID", "")) != uid for event in events):
        raise ValueError(f"the event to write must hold VEVENTs with UID {uid!r} only")
    for event in events:
        event.pop(MARKER, None)
        event.add(MARKER, key)
    return bytes(calendar.to_ical())


def _uid_and_key(data: bytes) -> tuple[str, str]:
    """(UID, marker) of the first VEVENT in `data`; ("", "") when unreadable."""
    try:
        calendar: Any = Calendar.from_ical(data)
    except Exception:  # whatever icalendar raises: not ours to read, so not ours
        return "", ""
    for event in calendar.walk("VEVENT"):
        return str(event.get("UID", "")), str(event.get(MARKER, ""))
    return "", ""


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40]

