"""A calendar's secret link (an https .ics feed) as a CalendarSource.

Google's "secret address in iCal format", Outlook's published calendars and iCloud's public
calendars serve the whole calendar as one file. Each cycle asks for it with If-None-Match /
If-Modified-Since; 304 means nothing changed and nothing is parsed. A new file is split into
one item per UID (every VEVENT of that UID, overrides with RECURRENCE-ID included, with the
calendar's own properties and the VTIMEZONEs those events name), so refs are stable per
event and an event missing from the next file is reported removed. Floating times in a
calendar that names its zone in X-WR-TIMEZONE (Google, Apple) are anchored in that zone.

The link is a password (whoever has it reads the calendar): it never appears in a log line
or an error message, which call it "the calendar link".

The cursor is JSON `{"v": 1, "etag", "modified", "events": {uid: digest}}`; the digest
leaves DTSTAMP out, since Google stamps every event with the time of the download.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from radiosilence.connectors.base import (
    CalendarSource,
    Changes,
    CursorExpired,
    RawItem,
    Refused,
    Unavailable,
)

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
TIMEOUT_SECONDS = 30
MAX_BYTES = 50 * 1024 * 1024  # a decade of a busy calendar is a few MB; more is not a calendar
LINK = "the calendar link"
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_TZID = re.compile(rb";TZID=\"?([^\";:]+)")
_DTSTAMP = re.compile(rb"^DTSTAMP[;:].*$", re.MULTILINE)


def link_url(url: str) -> str:
    """The URL to fetch: webcal:// becomes https://. Raises ValueError (with a message that
    does not quote the link) unless it is https, or http to this machine."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        parts = parts._replace(scheme="https")
    elif scheme == "http" and parts.hostname in _LOOPBACK:
        pass
    elif scheme != "https":
        raise ValueError("the calendar link must start with https:// or webcal://")
    if not parts.hostname:
        raise ValueError("the calendar link has no host name")
    return urlunsplit(parts)


Fetch = Callable[[urllib.request.Request, float], Any]


def _urlopen(request: urllib.request.Request, timeout: float) -> Any:
    return urllib.request.urlopen(request, timeout=timeout)


class IcsLinkCalendarSource(CalendarSource):
    """The events of one .ics link; refs are the events' UIDs."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS,
                 fetch: Fetch = _urlopen) -> None:
        self._url = link_url(url)
        self.timeout = timeout
        self._fetch = fetch

    def __repr__(self) -> str:  # never the link itself
        return "IcsLinkCalendarSource(<the calendar link>)"

    def changes(self, cursor: str | None) -> Changes:
        """Return the events added or changed since `cursor` (all when None), the UIDs gone
        since. Raises CursorExpired for a cursor not written here, Refused for 401, 403,
        404 and 410, Unavailable when the link cannot be read or holds no calendar."""
        before = _load_cursor(cursor)
        fetched = self._get(before)
        if fetched is None:  # 304: the calendar is as it was
            return Changes(items=[], removed=[], cursor=cursor or "")
        body, etag, modified = fetched
        events = split_calendar(body)
        digests = {uid: _digest(data) for uid, data in events.items()}
        old: dict[str, str] = before.get("events", {})
        items = [RawItem(ref=uid, folder="", data=data) for uid, data in events.items()
                 if old.get(uid) != digests[uid]]
        removed = sorted(set(old) - set(events))
        out = {"v": CURSOR_VERSION, "etag": etag, "modified": modified, "events": digests}
        return Changes(items=items, removed=removed, cursor=json.dumps(out, sort_keys=True))

    def _get(self, before: dict[str, Any]) -> tuple[bytes, str, str] | None:
        headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": "radiosilence"}
        if before.get("etag"):
            headers["If-None-Match"] = before["etag"]
        if before.get("modified"):
            headers["If-Modified-Since"] = before["modified"]
        request = urllib.request.Request(self._url, headers=headers)
        try:
            with self._fetch(request, self.timeout) as response:
                body = response.read(MAX_BYTES + 1)
                kind = response.headers.get("Content-Type", "")
                etag = response.headers.get("ETag", "")
                modified = response.headers.get("Last-Modified", "")
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return None
            raise _http_error(error.code) from None
        except TimeoutError:
            raise Unavailable(f"{LINK} did not answer within {self.timeout:g} s") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):  # the connect itself timed out
                raise Unavailable(f"{LINK} did not answer within {self.timeout:g} s") \
                    from None
            reason = getattr(error.reason, "strerror", None) or type(error.reason).__name__
            raise Unavailable(f"cannot reach {LINK}: {reason}") from None
        except (OSError, ValueError) as error:  # a reset connection, a bad chunk
            raise Unavailable(f"cannot read {LINK}: {type(error).__name__}") from None
        _check_calendar(body, kind)
        return body, etag, modified


def _http_error(status: int) -> Exception:
    if status in (401, 403):
        return Refused(f"{LINK} was refused ({status}): it may have been reset or made "
                       "private; copy the current secret link into [ics_url] url")
    if status in (404, 410):
        return Refused(f"{LINK} no longer exists ({status}): copy the current secret link "
                       "into [ics_url] url")
    if status == 429:
        return Unavailable(f"{LINK} answered 429 (too many requests); trying again later")
    return Unavailable(f"{LINK} answered {status}")


def _check_calendar(body: bytes, kind: str) -> None:
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if len(body) > MAX_BYTES:
        raise Unavailable(f"{LINK} returned more than {MAX_BYTES // 2**20} MB: not a calendar")
    if "html" in kind.lower() or start.startswith((b"<!DOCTYPE", b"<HTML", b"<")):
        raise Unavailable(f"{LINK} returned a web page, not a calendar: use the link to the "
                          ".ics file (Google: 'Secret address in iCal format')")
    if not start.startswith(b"BEGIN:VCALENDAR"):
        raise Unavailable(f"{LINK} did not return an iCalendar file")


def split_calendar(body: bytes) -> dict[str, bytes]:
    """UID -> one iCalendar object holding every VEVENT of that UID, the calendar's own
    properties (X-WR-TIMEZONE among them) and the VTIMEZONEs its events name. Events
    without a UID are left out (nothing could follow them from one download to the next).
    Raises Unavailable when the body cannot be read as iCalendar."""
    from icalendar import Calendar

    try:
        calendars = Calendar.from_ical(body, multiple=True)
    except Exception as error:  # icalendar raises ValueError and friends
        raise Unavailable(f"{LINK} returned unreadable iCalendar ({type(error).__name__})") \
            from None
    out: dict[str, bytes] = {}
    for calendar in calendars:
        zones = {str(zone.get("TZID")): zone for zone in calendar.walk("VTIMEZONE")}
        by_uid: dict[str, list[Any]] = {}
        for component in calendar.subcomponents:
            if component.name == "VEVENT" and component.get("UID"):
                by_uid.setdefault(str(component.get("UID")), []).append(component)
        for uid, events in by_uid.items():
            out[uid] = _one_object(calendar, events, zones)
    return out


def _one_object(calendar: Any, events: list[Any], zones: dict[str, Any]) -> bytes:
    from icalendar import Calendar

    zone = _calendar_zone(calendar)
    if zone is not None:
        for event in events:
            _anchor_floating(event, zone)
    single = Calendar()
    for name, value in calendar.property_items(recursive=False, sorted=False)[1:-1]:
        single.add(name, value, encode=False)
    named = {match.decode("utf-8", "replace") for event in events
             for match in _TZID.findall(event.to_ical())}
    for tzid in sorted(named & set(zones)):
        single.add_component(zones[tzid])
    for event in events:
        single.add_component(event)
    return bytes(single.to_ical())


def _calendar_zone(calendar: Any) -> ZoneInfo | None:
    """The calendar-wide zone Google and Apple name in X-WR-TIMEZONE, when it is a real one."""
    name = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    try:
        return ZoneInfo(name) if name else None
    except (ValueError, ZoneInfoNotFoundError):
        return None


def _anchor_floating(event: Any, zone: ZoneInfo) -> None:
    """Times without a zone in a calendar that names one are in that zone (what Google's
    and Apple's own apps do with X-WR-TIMEZONE), not in whatever zone reads them."""
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        value = event.get(name)
        moment = getattr(value, "dt", None)
        if isinstance(moment, datetime) and moment.tzinfo is None:
            event.pop(name)
            event.add(name, moment.replace(tzinfo=zone))


def _digest(data: bytes) -> str:
    return hashlib.sha256(_DTSTAMP.sub(b"", data)).hexdigest()


def _load_cursor(cursor: str | None) -> dict[str, Any]:
    if cursor is None:
        return {}
    try:
        doc = json.loads(cursor)
        ok = (doc["v"] == CURSOR_VERSION and isinstance(doc["etag"], str)
              and isinstance(doc["modified"], str) and isinstance(doc["events"], dict))
    except (ValueError, TypeError, KeyError) as exc:
        raise CursorExpired("calendar link cursor is unreadable") from exc
    if not ok:
        raise CursorExpired("calendar link cursor has an unknown format")
    return dict(doc)
