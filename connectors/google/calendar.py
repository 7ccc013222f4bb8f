"""Google Calendar as a CalendarSource: events.list with sync tokens, each event handed over as
one iCalendar object, so the pipeline reads Google events exactly like vdir files.

Sync (developers.google.com/calendar/api/guides/sync): a full sync per calendar lists the
events from `window_days` ago on, over all pages; the `nextSyncToken` on its last page is
bound to that query. Later calls send only that token (the API answers 400 when a syncToken
comes with timeMin, timeMax, q, orderBy or updatedMin) and get every change since, deletions
included. 410 Gone means the token expired: the whole source raises CursorExpired and the
pipeline starts over with `changes(None)` (DESIGN.md section 4).

The cursor is JSON `{calendarId: nextSyncToken}`. A configured calendar missing from it is
read in full; a calendar in it that is no longer configured expires the whole cursor, so that
the pipeline drops that calendar's mirrored events.

`singleEvents=True` expands series into instances: each instance has its own id (the ref) and
the series' iCalUID with RECURRENCE-ID from `originalStartTime` (RFC 5545 3.8.4.4), which is
what parse_calendar and the interview detector key on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

from radiosilence.connectors.base import CalendarSource, Changes, CursorExpired, NotFound, RawItem
from radiosilence.connectors.google.api import Caller

log = logging.getLogger(__name__)

METHOD = "calendar.events.list"
PAGE_SIZE = 250  # the API's default; it allows up to 2500, but smaller pages retry cheaply
PRODID = "-//radiosilence//Google Calendar connector//EN"

# Event resource "attendees[].responseStatus" -> RFC 5545 3.2.12 PARTSTAT.
_PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE",
             "needsAction": "NEEDS-ACTION"}
_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}


class GoogleCalendarSource(CalendarSource):
    """The events of some Google calendars, incrementally by sync token; refs are
    "<calendarId>/<event id>"."""

    def __init__(self, service: Any, caller: Caller, calendars: Sequence[str],
                 window_days: int, now: Callable[[], datetime]) -> None:
        self.service = service
        self.caller = caller
        self.calendars = list(dict.fromkeys(calendars))
        self.window_days = window_days
        self.now = now

    def changes(self, cursor: str | None) -> Changes:
        """Return the events added, changed or cancelled since `cursor` (all events from
        `window_days` ago on when None) and the refs of events deleted since.

        An event deleted with only its id left comes in `removed`; one cancelled with its
        details comes as an item with STATUS:CANCELLED. Events that cannot be converted are
        logged and counted in `skipped`. Raises CursorExpired when the cursor is unreadable,
        names a calendar no longer configured, or Google answers 410 for a token; AuthNeeded,
        RateLimited and Unavailable as the Caller translates them.
        """
        tokens = _load_cursor(cursor, self.calendars)
        items: list[RawItem] = []
        removed: list[str] = []
        out: dict[str, str] = {}
        skipped = 0
        for calendar_id in self.calendars:
            try:
                part = self._calendar(calendar_id, tokens.get(calendar_id))
            except NotFound:
                # Deleted or unshared: the others still count. Keep the old token, so that
                # a calendar that comes back continues where it was.
                log.warning("calendar %s not found; skipping it", calendar_id)
                skipped += 1
                if calendar_id in tokens:
                    out[calendar_id] = tokens[calendar_id]
                continue
            items += part.items
            removed += part.removed
            skipped += part.skipped
            if part.cursor:
                out[calendar_id] = part.cursor
        return Changes(items=items, removed=removed, cursor=json.dumps(out, sort_keys=True),
                       skipped=skipped)

    def _calendar(self, calendar_id: str, token: str | None) -> Changes:
        """One calendar's changes; `cursor` of the result is its next sync token or ''."""
        items: list[RawItem] = []
        removed: list[str] = []
        skipped = 0
        next_token = ""
        for page in self._pages(calendar_id, token):
            default_zone = str(page.get("timeZone") or "")
            for event in _list(page.get("items")):
                ref = f"{calendar_id}/{event.get('id', '')}" if isinstance(event, dict) \
                    else f"{calendar_id}/?"
                try:
                    outcome = _classify(event)
                    if outcome == "removed":
                        if token is not None:  # a full sync has nothing to remove
                            removed.append(ref)
                        continue
                    if outcome == "broken":
                        log.warning("skipping calendar event %s: no id or start time", ref)
                        skipped += 1
                        continue
                    items.append(RawItem(ref=ref, folder="",
                                         data=to_ical(event, default_zone, self.now())))
                except Exception as error:  # noqa: BLE001 - one odd event must not cost the rest
                    log.warning("skipping calendar event %s: %s", ref, type(error).__name__)
                    skipped += 1
            next_token = str(page.get("nextSyncToken") or next_token)
        if not next_token:
            log.warning("calendar %s gave no sync token; it will be read in full next time",
                        calendar_id)
        return Changes(items=items, removed=removed, cursor=next_token, skipped=skipped)

    def _pages(self, calendar_id: str, token: str | None) -> Iterator[dict[str, Any]]:
        """Every page of one events.list query. list_next repeats the first request's
        parameters with the new pageToken, as the API requires of page requests."""
        events = self.service.events()
        if token is None:
            since = self.now().astimezone(UTC) - timedelta(days=self.window_days)
            request = events.list(calendarId=calendar_id, singleEvents=True,
                                  timeMin=since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                  maxResults=PAGE_SIZE)
        else:
            # Nothing else may accompany syncToken; deleted events come anyway (showDeleted
            # is implied), and singleEvents must match the query the token came from.
            request = events.list(calendarId=calendar_id, syncToken=token, singleEvents=True,
                                  maxResults=PAGE_SIZE)
        while request is not None:
            page = self.caller.call(request, METHOD)
            if not isinstance(page, dict):
                return
            yield page
            request = events.list_next(request, page)


def _load_cursor(cursor: str | None, calendars: Sequence[str]) -> dict[str, str]:
    """The sync token per calendar, {} for None; CursorExpired when the cursor is unreadable
    or names a calendar no longer configured (its events must leave the store)."""
    if cursor is None:
        return {}
    try:
        tokens = json.loads(cursor)
    except ValueError as error:
        raise CursorExpired("Google Calendar cursor is unreadable") from error
    if not isinstance(tokens, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in tokens.items()):
        raise CursorExpired("Google Calendar cursor has an unknown format")
    if set(tokens) - set(calendars):
        raise CursorExpired("the configured calendars changed")
    return tokens


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _classify(event: Any) -> str:
    """"removed" for a deletion (cancelled, only the id left: the API's minimal form),
    "broken" for an event we cannot place in time, else "item"."""
    if not isinstance(event, dict) or not event.get("id"):
        return "broken"
    if event.get("status") == "cancelled" and not isinstance(event.get("start"), dict):
        return "removed"
    return "item" if isinstance(event.get("start"), dict) else "broken"


# --- Event resource -> iCalendar (developers.google.com/calendar/api/v3/reference/events) ----


def to_ical(event: dict[str, Any], default_zone: str, now: datetime) -> bytes:
    """One VCALENDAR holding one VEVENT for a Calendar v3 Event (no METHOD: this is the
    calendar's copy, not an iTIP message). `default_zone` is the calendar's time zone, for
    times that come without an offset. Raises ValueError when the event has no start."""
    start = _when(event.get("start"), default_zone)
    if start is None:
        raise ValueError("event without a start")
    vevent = Event()
    vevent.add("uid", str(event.get("iCalUID") or event["id"]))
    # DTSTAMP is required (RFC 5545 3.8.7.2); `updated` is when Google last changed it.
    vevent.add("dtstamp", _instant(event.get("updated")) or now.astimezone(UTC))
    vevent.add("dtstart", start)
    end = _when(event.get("end"), default_zone)
    if end is not None:
        vevent.add("dtend", end)
    if event.get("recurringEventId"):
        original = _when(event.get("originalStartTime"), default_zone)
        if original is not None:
            vevent.add("recurrence-id", original)
    if isinstance(event.get("sequence"), int):
        vevent.add("sequence", max(0, event["sequence"]))
    status = _STATUS.get(str(event.get("status", "")))
    if status:
        vevent.add("status", status)
    for name in ("summary", "description", "location"):
        if isinstance(event.get(name), str) and event[name]:
            vevent.add(name, event[name])
    organizer = _address(event.get("organizer"))
    if organizer is not None:
        vevent.add("organizer", organizer)
    for attendee in _list(event.get("attendees")):
        address = _address(attendee, attendee=True)
        if address is not None:
            vevent.add("attendee", address)
    conference = _conference(event)
    if conference:
        vevent.add("x-google-conference", conference)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(vevent)
    return bytes(calendar.to_ical())


def _when(value: Any, default_zone: str) -> date | datetime | None:
    """An EventDateTime as a DATE (all-day `date`) or DATE-TIME in its `timeZone`.

    Times are written with the IANA TZID and no VTIMEZONE: readers (icalendar, so our
    parse_calendar) resolve IANA names themselves, while a generated VTIMEZONE is some 3 KB
    per event and ends in 2038. A zone name Python does not know keeps the offset Google gave.
    """
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("dateTime"), str):
        moment = datetime.fromisoformat(value["dateTime"])
        zone = _zone(str(value.get("timeZone") or default_zone))
        if moment.tzinfo is None:
            # Google always sends an offset; without one the calendar's zone applies, and
            # without that the time stays floating (read in the user's zone downstream).
            return moment.replace(tzinfo=zone) if zone else moment
        return moment.astimezone(zone) if zone else moment.astimezone(UTC)
    if isinstance(value.get("date"), str):
        return date.fromisoformat(value["date"])
    return None


def _zone(name: str) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return None


def _instant(value: Any) -> datetime | None:
    """An RFC 3339 timestamp ("2024-05-01T09:00:00.000Z") as aware UTC, None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _address(person: Any, attendee: bool = False) -> vCalAddress | None:
    """ORGANIZER or ATTENDEE (RFC 5545 3.8.4.1, 3.8.4.3) with CN, and for attendees CUTYPE,
    ROLE and PARTSTAT. The user's own entry (`self`) is kept: the pipeline knows the user's
    addresses and leaves them out itself."""
    if not isinstance(person, dict) or not isinstance(person.get("email"), str):
        return None
    email = person["email"].strip()
    if "@" not in email:
        return None
    address = vCalAddress(f"mailto:{email}")
    name = person.get("displayName")
    if isinstance(name, str) and name.strip():
        address.params["CN"] = name.strip()
    if attendee:
        # Rooms and other resources are `resource: true`; they get no thank-you note.
        address.params["CUTYPE"] = "RESOURCE" if person.get("resource") else "INDIVIDUAL"
        address.params["ROLE"] = "OPT-PARTICIPANT" if person.get("optional") else \
            "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = _PARTSTAT.get(str(person.get("responseStatus")),
                                                   "NEEDS-ACTION")
    return address


def _conference(event: dict[str, Any]) -> str:
    """The meeting link: Meet's hangoutLink, else the video entry point of conferenceData
    (third-party add-ons such as Zoom put theirs there)."""
    if isinstance(event.get("hangoutLink"), str) and event["hangoutLink"]:
        return str(event["hangoutLink"])
    data = event.get("conferenceData")
    entries = data.get("entryPoints") if isinstance(data, dict) else None
    for entry in _list(entries):
        if isinstance(entry, dict) and entry.get("entryPointType") == "video" \
                and isinstance(entry.get("uri"), str) and entry["uri"]:
            return str(entry["uri"])
    return ""
