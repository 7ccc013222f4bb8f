"""Parse iCalendar data (a vdir file or an invite inside a mail) into `CalEvent`s.

Pure: bytes in, dataclasses out. icalendar does the tokenising; this module turns its
components into our model and absorbs its quirks (DESIGN.md section 6):

- `from_ical()` reads a str without newlines as a file path, so only bytes go in.
- Broken property values land in `component.errors` as `vBroken` (a str) instead of
  raising; every accessor here copes with a `vBroken` where it expects a typed value.
- An unknown TZID gives a naive datetime; naive means "read in the user's zone".
- Windows zone names ("W. Europe Standard Time") are mapped by icalendar itself to an
  Olson zone, so they come back aware.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, ComponentFactory, TypesFactory
from icalendar.parser.ical import CalendarIcalParser
from icalendar.prop import vBroken

from radiosilence.model import Attendee, CalEvent
from radiosilence.parse.limits import DEFAULT_LIMITS, Deadline, Limits

logger = logging.getLogger(__name__)

# Our choice, not the RFC's: RFC 5545 3.6.1 makes a timed VEVENT without DTEND or DURATION
# end at its start, but an interview always has a length and a zero-length event would end
# before anyone could attend it. One hour is the common interview slot.
DEFAULT_TIMED_LENGTH = timedelta(hours=1)

_MAILTO = re.compile(r"^\s*mailto:", re.IGNORECASE)

# Meeting links we recognise inside LOCATION / DESCRIPTION; subdomains allowed
# (company.zoom.us, company.webex.com). Stops at whitespace and the usual delimiters.
_CONFERENCE_LINK = re.compile(
    r"https://(?:[\w-]+\.)*"
    r"(?:meet\.google\.com|zoom\.us|teams\.microsoft\.com|teams\.live\.com|webex\.com)"
    r"(?:[/?#][^\s<>\"'\]\)]*)?",
    re.IGNORECASE,
)


class ParseError(ValueError):
    """The input as a whole is not readable; the message is one line without content."""


def parse_calendar(
    data: bytes, *, source: str, source_ref: str, default_tz: tzinfo,
    limits: Limits = DEFAULT_LIMITS, deadline: Deadline | None = None,
) -> list[CalEvent]:
    """Return one `CalEvent` per VEVENT that has a UID and a DTSTART.

    `data` may hold several VCALENDARs (or bare VEVENTs); each event carries the METHOD of
    its own calendar. Floating times, unknown TZIDs and all-day dates are read in
    `default_tz`; every returned time is aware UTC. Raises `ParseError` when the input
    cannot be read at all or is past `limits` (size, time); icalendar's own exceptions
    never escape. Of a file past limits.events_per_item, the first events are read.
    """
    if len(data) > limits.calendar_item_bytes:
        raise ParseError(f"larger than the limit of {limits.calendar_item_bytes // 1024} KB "
                         "(limits.calendar_item_kb)")
    deadline = deadline or limits.deadline()
    events: list[CalEvent] = []
    components = _components(_first_events(bytes(data), limits, source_ref), source_ref)
    pairs = _vevents(components, source, source_ref, default_tz)[:limits.events_per_item]
    for ctx, vevent in pairs:
        deadline.check(source_ref)
        try:
            event = _event(vevent, ctx, limits)
        except Exception as exc:
            # One strange event must not cost the others in the same file, and whatever
            # icalendar raises while we read its values must not escape (our contract).
            logger.warning(
                "skipped an unreadable VEVENT in %s (%s)", source_ref, type(exc).__name__
            )
            continue
        if event is not None:
            events.append(event)
    return events


_VEVENT_START = re.compile(rb"^BEGIN:VEVENT\r?$", re.M | re.I)


def _first_events(data: bytes, limits: Limits, source_ref: str) -> bytes:
    """`data` cut before its VEVENT past limits.events_per_item, the calendar closed again:
    icalendar would build every event of the file before any could be dropped."""
    starts = _VEVENT_START.finditer(data)
    cut = next(itertools.islice(starts, limits.events_per_item, None), None)
    if cut is None:
        return data
    logger.warning("%s holds more than %d events: only the first %d are read", source_ref,
                   limits.events_per_item, limits.events_per_item)
    return data[:cut.start()] + b"END:VCALENDAR\r\n"


def _components(data: bytes, source_ref: str) -> list[Any]:
    """The top-level components, or ParseError with a reason that quotes no content."""
    if not data.strip():
        raise ParseError("empty iCalendar data")
    components: list[Any]
    try:
        components = Calendar.from_ical(data, multiple=True)
    except Exception as exc:
        # icalendar raises ValueError for most bad input but other types too (IndexError,
        # UnicodeError, ...); all of them mean "not readable" to us. Its messages quote the
        # input, which may be private, so only the type goes into ours; the cause is chained.
        try:
            components = _TolerantParser(data, ComponentFactory(), TypesFactory.instance()).parse()
        except Exception:
            raise ParseError(f"not readable as iCalendar ({type(exc).__name__})") from exc
        logger.info("read %s leniently (%s)", source_ref, type(exc).__name__)
    if not components:
        # icalendar drops a component that never ENDs, so a truncated file lands here.
        raise ParseError("no complete iCalendar component in the data")
    return components


class _TolerantParser(CalendarIcalParser):
    """The second try after icalendar refused a file.

    icalendar tolerates bad values only inside VEVENT/VTODO/...; one bad line in the
    VCALENDAR, a VALARM (a mistyped TRIGGER) or a VTIMEZONE makes it refuse the whole file,
    and with it an interview. Here such lines are recorded in `component.errors` and
    dropped; inside tolerant components icalendar's own vBroken handling still applies.
    """

    def handle_line_parse_error(self, exception: Exception) -> None:
        if self.component is None:
            raise exception
        self.component.errors.append((None, str(exception)))

    def handle_property(self, name: str, params: Any, vals: str, line: Any) -> None:
        if self.component is not None:  # text outside any component is dropped
            super().handle_property(name, params, vals, line)

    def handle_property_parse_error(
        self, exception: Exception, name: str, params: Any, val: str, line: Any
    ) -> None:
        component = self.component
        if component is not None and component.ignore_exceptions:
            super().handle_property_parse_error(exception, name, params, val, line)
        elif component is not None:
            component.errors.append((name, str(exception)))


@dataclass
class _Context:
    """What every event of one VCALENDAR shares."""

    method: str
    source: str
    source_ref: str
    default_tz: tzinfo
    vtimezones: dict[str, Any] = field(default_factory=dict)  # TZID -> VTIMEZONE
    built: dict[str, tzinfo | None] = field(default_factory=dict)

    def own_zone(self, tzid: str) -> tzinfo | None:
        """This file's own definition of a TZID that is no real zone name.

        icalendar caches such a VTIMEZONE process-wide under its TZID the first time it
        sees it and never replaces it, so Outlook's "Customized Time Zone" from one sender
        would be applied to the next sender's invite (found while writing these tests).
        """
        key = tzid.strip("/")
        if key not in self.built:
            component = self.vtimezones.get(key)
            try:
                self.built[key] = component.to_tz(lookup_tzid=False) if component else None
            except Exception:  # a broken VTIMEZONE: keep what icalendar decided
                self.built[key] = None
        return self.built[key]


def _vevents(
    components: list[Any], source: str, source_ref: str, default_tz: tzinfo
) -> list[tuple[_Context, Any]]:
    """(context of the enclosing calendar, VEVENT) pairs; VEVENTs outside a VCALENDAR
    (a bare VEVENT file, an X- wrapper) get METHOD ''. ParseError when no calendar at all."""
    pairs: list[tuple[_Context, Any]] = []
    for component in components:
        if component.errors:
            logger.debug("%d unreadable properties in %s", len(component.errors), source_ref)
        is_calendar = component.name == "VCALENDAR"
        method = _text(component, "METHOD").strip().upper() if is_calendar else ""
        ctx = _Context(method, source, source_ref, default_tz)
        for vtimezone in component.walk("VTIMEZONE"):
            ctx.vtimezones.setdefault(_text(vtimezone, "TZID").strip("/"), vtimezone)
        pairs.extend((ctx, vevent) for vevent in component.walk("VEVENT"))
    if not pairs and not any(c.name == "VCALENDAR" for c in components):
        raise ParseError("no VCALENDAR or VEVENT in the data")
    return pairs


def _event(vevent: Any, ctx: _Context, limits: Limits) -> CalEvent | None:
    uid = _text(vevent, "UID").strip()
    if not uid:
        logger.info("skipped a VEVENT without UID in %s", ctx.source_ref)
        return None
    start_value = _dt_value(vevent, "DTSTART", ctx)
    start = _to_utc(start_value, ctx.default_tz)
    if start is None:
        logger.info("skipped a VEVENT without a usable DTSTART in %s", ctx.source_ref)
        return None
    description = _text(vevent, "DESCRIPTION")[:limits.description_chars]
    location = _text(vevent, "LOCATION")
    return CalEvent(
        uid=uid,
        recurrence_id=_recurrence_id(vevent, ctx),
        sequence=_sequence(vevent),
        method=ctx.method,
        status=_text(vevent, "STATUS").strip().upper(),
        summary=_text(vevent, "SUMMARY"),
        description=description,
        location=location,
        start=start,
        end=_end(vevent, start_value, start, ctx),
        all_day=not isinstance(start_value, datetime),
        organizer=_first_person(vevent, "ORGANIZER"),
        attendees=_attendees(vevent, ctx.source_ref, limits.attendees_per_event),
        conference_url=_conference_url(vevent, location, description),
        source=ctx.source,
        source_ref=ctx.source_ref,
    )


# --- property access that tolerates vBroken values and repeated properties ----------------


def _prop(component: Any, name: str) -> Any:
    """The first value of property `name`, or None; repeated properties come as a list."""
    value = component.get(name)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _props(component: Any, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(component: Any, name: str) -> str:
    value = _prop(component, name)
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _dt_value(component: Any, name: str, ctx: _Context) -> date | timedelta | None:
    """The date, datetime or duration of a property; None when missing or broken."""
    value = _prop(component, name)
    # vBroken turns every attribute access into an exception, so test the type first.
    if value is None or isinstance(value, vBroken):
        return None
    dt = getattr(value, "dt", None)
    if isinstance(dt, datetime) and dt.tzinfo is not None and not isinstance(dt.tzinfo, ZoneInfo):
        # Not a real zone name (those come back as ZoneInfo, Windows names included):
        # the zone came from a VTIMEZONE, and icalendar may have used another file's.
        tzid = value.params.get("TZID")
        own = ctx.own_zone(str(tzid)) if tzid else None
        return dt.replace(tzinfo=own) if own is not None else dt
    return dt if isinstance(dt, date | timedelta) else None


# --- times ---------------------------------------------------------------------------------


def _to_utc(value: object, default_tz: tzinfo) -> datetime | None:
    """Aware UTC for a DATE or DATE-TIME value; None for anything else.

    RFC 5545 3.3.5: a DATE-TIME without TZID or "Z" is floating (local wherever it is
    read); icalendar also hands back a naive value when the TZID is unknown. Both are read
    in `default_tz`. A DATE (3.3.4) starts at 00:00 of that day in `default_tz`.
    """
    try:
        if isinstance(value, datetime):
            if value.utcoffset() is None:
                value = value.replace(tzinfo=default_tz)
            return value.astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, time(0), tzinfo=default_tz).astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 or 9999 pushed past the range by an offset
        return None
    return None


def _end(vevent: Any, start_value: Any, start: datetime, ctx: _Context) -> datetime:
    """DTEND, else DTSTART + DURATION, else our default length (RFC 5545 3.6.1).

    A missing, broken, zero or negative length gets the default too: one day for an
    all-day event, DEFAULT_TIMED_LENGTH otherwise.
    """
    end = _to_utc(_dt_value(vevent, "DTEND", ctx), ctx.default_tz)
    if end is None:
        duration = _dt_value(vevent, "DURATION", ctx)
        if isinstance(duration, timedelta):
            end = _add(start, duration)
    if end is not None and end > start:
        return end
    if not isinstance(start_value, datetime):
        # Next day's local midnight, not start + 24 h: a DST change makes a day 23 or 25 h.
        next_day = _to_utc(start_value + timedelta(days=1), ctx.default_tz)
        return next_day or start + timedelta(days=1)
    return start + DEFAULT_TIMED_LENGTH


def _add(start: datetime, length: timedelta) -> datetime | None:
    try:
        return start + length
    except OverflowError:
        return None


def _recurrence_id(vevent: Any, ctx: _Context) -> str:
    """UTC ISO string of RECURRENCE-ID (RFC 5545 3.8.4.4), '' when the event has none.

    A broken value keeps its raw text: it still marks one occurrence, and turning it into
    '' would make the occurrence look like the whole series.
    """
    value = _prop(vevent, "RECURRENCE-ID")
    if value is None:
        return ""
    if isinstance(value, vBroken):
        return str(value).strip()
    moment = _to_utc(_dt_value(vevent, "RECURRENCE-ID", ctx), ctx.default_tz)
    return moment.isoformat() if moment else ""


def _sequence(vevent: Any) -> int:
    """SEQUENCE (RFC 5545 3.8.7.4) as an int; 0 when missing or not a number.

    Real invites carry values like 14000000000000, past the RFC's 32-bit range: icalendar
    then keeps the raw text as vBroken, so read the text, not the typed value.
    """
    value = _prop(vevent, "SEQUENCE")
    if value is None:
        return 0
    try:
        return max(0, int(str(value).strip()))
    except ValueError:
        return 0


# --- people --------------------------------------------------------------------------------


def _person(value: Any) -> Attendee | None:
    """An ORGANIZER or ATTENDEE (RFC 5545 3.8.4.1 / 3.8.4.3) with the 3.2 parameters."""
    email = _MAILTO.sub("", str(value)).strip().strip("<>").strip().lower()
    local, _, domain = email.rpartition("@")
    if not local or not domain:  # "invalid:nomail", a bare name, an empty value
        return None
    params = value.params if hasattr(value, "params") else {}
    return Attendee(
        email=email,
        name=_param(params, "CN", "").strip(),
        cutype=_param(params, "CUTYPE", "INDIVIDUAL").upper(),
        role=_param(params, "ROLE", "REQ-PARTICIPANT").upper(),
        partstat=_param(params, "PARTSTAT", "NEEDS-ACTION").upper(),
    )


def _param(params: Any, name: str, default: str) -> str:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    text = str(value).strip() if value is not None else ""
    return text or default


def _first_person(vevent: Any, name: str) -> Attendee | None:
    for value in _props(vevent, name):
        person = _person(value)
        if person is not None:
            return person
    return None


def _attendees(vevent: Any, source_ref: str, most: int) -> tuple[Attendee, ...]:
    """Every ATTENDEE with an address, the first one kept when an address repeats; at most
    `most` (a list that long is a mailing list's invitation, not an interview)."""
    seen: dict[str, Attendee] = {}
    values = _props(vevent, "ATTENDEE")
    if len(values) > most:
        logger.warning("an event in %s lists %d attendees: only the first %d are read",
                       source_ref, len(values), most)
    for value in values[:most]:
        person = _person(value)
        if person is not None and person.email not in seen:
            seen[person.email] = person
    return tuple(seen.values())


def _conference_url(vevent: Any, location: str, description: str) -> str:
    """Google's own property, then URL (RFC 5545 3.8.4.6), then a known meeting link."""
    for name in ("X-GOOGLE-CONFERENCE", "URL"):
        url = _text(vevent, name).strip()
        if url:
            return url
    for text in (location, description):
        match = _CONFERENCE_LINK.search(text)
        if match:
            return match.group(0).rstrip(".,;:!?")
    return ""
