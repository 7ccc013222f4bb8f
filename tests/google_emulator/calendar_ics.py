"""iCalendar (RFC 5545) VEVENTs to Calendar v3 Event JSON, and recurring-event expansion.

Google's mapping, as seen in exported calendars: the Event `id` is the iCalUID without its
"@google.com" suffix for events Google created, instances of a recurring event have the id
"<masterId>_<YYYYMMDDTHHMMSSZ>" (all-day: "<masterId>_<YYYYMMDD>") with `recurringEventId` and
`originalStartTime`, and `recurrence` holds the RRULE/EXRULE/RDATE/EXDATE lines verbatim.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from dateutil.rrule import rruleset, rrulestr
from icalendar.cal import Component

PARTSTAT = {
    "NEEDS-ACTION": "needsAction",
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "tentative",
}
RECURRENCE_PROPS = ("RRULE", "EXRULE", "RDATE", "EXDATE")
MAX_INSTANCES = 1000


def event_id_for_uid(uid: str) -> str:
    """A valid Event id (base32hex, 5-1024 chars) for an iCalUID."""
    head, _, domain = uid.rpartition("@")
    if domain == "google.com" and re.fullmatch(r"[a-v0-9]{5,1024}", head):
        return head
    digest = hashlib.sha1(uid.encode("utf-8")).digest()
    return base64.b32hexencode(digest).decode("ascii").lower().rstrip("=")[:26]


def instance_id(master_id: str, original: date | datetime) -> str:
    if isinstance(original, datetime):
        return f"{master_id}_{original.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    return f"{master_id}_{original.strftime('%Y%m%d')}"


def rfc3339(when: datetime) -> str:
    text = when.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def edt(value: date | datetime) -> dict:
    """An EventDateTime for a date (all-day) or a datetime (naive means UTC)."""
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    out = {"dateTime": rfc3339(value)}
    key = getattr(value.tzinfo, "key", None)
    if key is None and value.utcoffset() == timedelta(0):
        key = "UTC"
    if key:
        out["timeZone"] = key
    return out


def parse_edt(value: dict, default_tz: tzinfo = UTC) -> datetime:
    """An EventDateTime as an aware datetime (all-day: midnight in `default_tz`)."""
    if "dateTime" in value:
        when = value["dateTime"]
        if isinstance(when, datetime):
            return when if when.tzinfo else when.replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(when.replace("Z", "+00:00"))
        if not parsed.tzinfo:
            return parsed.replace(tzinfo=zone(value.get("timeZone")))
        # Keep the named zone so that recurrences keep their wall-clock time across DST.
        return parsed.astimezone(zone(value["timeZone"])) if value.get("timeZone") else parsed
    day = value["date"]
    day = day if isinstance(day, date) else date.fromisoformat(day)
    return datetime(day.year, day.month, day.day, tzinfo=default_tz)


def zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _address(value: object) -> str:
    return re.sub(r"(?i)^mailto:", "", str(value)).strip()


def _people(vevent: Component, owner: str) -> dict:
    out: dict = {}
    org = vevent.get("ORGANIZER")
    org_email = _address(org).lower() if org is not None else ""
    if org is not None:
        out["organizer"] = {"email": _address(org)}
        if org.params.get("CN"):
            out["organizer"]["displayName"] = str(org.params["CN"])
        if org_email == owner.lower():
            out["organizer"]["self"] = True
    attendees = vevent.get("ATTENDEE") or []
    attendees = attendees if isinstance(attendees, list) else [attendees]
    people = []
    for att in attendees:
        person: dict = {"email": _address(att)}
        if att.params.get("CN"):
            person["displayName"] = str(att.params["CN"])
        partstat = str(att.params.get("PARTSTAT", "")).upper()
        person["responseStatus"] = PARTSTAT.get(partstat, "needsAction")
        if str(att.params.get("CUTYPE", "")).upper() in ("ROOM", "RESOURCE"):
            person["resource"] = True
        if str(att.params.get("ROLE", "")).upper() == "OPT-PARTICIPANT":
            person["optional"] = True
        if person["email"].lower() == org_email:
            person["organizer"] = True
        if person["email"].lower() == owner.lower():
            person["self"] = True
        people.append(person)
    if people:
        out["attendees"] = people
    return out


def _recurrence_lines(vevent: Component) -> list[str]:
    text = re.sub(r"\r?\n[ \t]", "", vevent.to_ical().decode("utf-8", "replace"))
    depth, lines = 0, []
    for line in text.splitlines():
        if line.startswith("BEGIN:"):
            depth += 1
        elif line.startswith("END:"):
            depth -= 1
        elif depth == 1 and re.split(r"[;:]", line, maxsplit=1)[0].upper() in RECURRENCE_PROPS:
            lines.append(line)
    return lines


def vevent_to_event(vevent: Component, owner: str) -> dict:
    """One VEVENT as Calendar v3 Event JSON (without server-filled fields such as etag)."""
    uid = str(vevent.get("UID") or "")
    start = vevent.decoded("DTSTART")
    if "DTEND" in vevent:
        end = vevent.decoded("DTEND")
    elif "DURATION" in vevent:
        end = start + vevent.decoded("DURATION")
    else:
        end = start + timedelta(days=1) if not isinstance(start, datetime) else start
    status = str(vevent.get("STATUS", "CONFIRMED")).lower()
    event: dict = {
        "id": event_id_for_uid(uid) if uid else "",
        "iCalUID": uid,
        "status": status if status in ("confirmed", "tentative", "cancelled") else "confirmed",
        "start": edt(start),
        "end": edt(end),
        "sequence": int(vevent.get("SEQUENCE", 0)),
    }
    for prop in ("SUMMARY", "DESCRIPTION", "LOCATION"):
        key = prop.lower()
        if vevent.get(prop) is not None:
            event[key] = str(vevent.get(prop))
    for prop, key in (("CREATED", "created"), ("LAST-MODIFIED", "updated")):
        if prop in vevent:
            event[key] = rfc3339(vevent.decoded(prop).astimezone(UTC))
    if "updated" not in event and "DTSTAMP" in vevent:
        event["updated"] = rfc3339(vevent.decoded("DTSTAMP").astimezone(UTC))
    if str(vevent.get("TRANSP", "")).upper() == "TRANSPARENT":
        event["transparency"] = "transparent"
    conference = str(vevent.get("X-GOOGLE-CONFERENCE", ""))
    if conference.startswith("https://meet.google.com/"):
        event["hangoutLink"] = conference
    event.update(_people(vevent, owner))
    recurrence = _recurrence_lines(vevent)
    if recurrence:
        event["recurrence"] = recurrence
    if "RECURRENCE-ID" in vevent:
        original = vevent.decoded("RECURRENCE-ID")
        event["recurringEventId"] = event["id"]
        event["id"] = instance_id(event["id"], original)
        event["originalStartTime"] = edt(original)
    return event


def events_from_ics(data: bytes, owner: str) -> list[dict]:
    """Every VEVENT of an iCalendar object, masters before their modified instances."""
    calendar = icalendar.Calendar.from_ical(data)
    events = [vevent_to_event(v, owner) for v in calendar.walk("VEVENT")]
    return sorted(events, key=lambda e: "recurringEventId" in e)


def _dates(line: str, default_tz: tzinfo) -> list[datetime]:
    head, _, values = line.partition(":")
    params = dict(p.split("=", 1) for p in head.split(";")[1:] if "=" in p)
    tz = zone(params["TZID"]) if "TZID" in params else default_tz
    out = []
    for value in values.split(","):
        value = value.strip()
        if re.fullmatch(r"\d{8}", value):
            out.append(datetime.strptime(value, "%Y%m%d").replace(tzinfo=default_tz))
        elif value.endswith("Z"):
            out.append(datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
        elif value:
            out.append(datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=tz))
    return out


def _rule(line: str, dtstart: datetime):
    value = line.partition(":")[2]
    # dateutil insists on a UTC UNTIL when DTSTART is aware (RFC 5545 3.3.10 says the same).
    value = re.sub(r"UNTIL=(\d{8})(?=;|$)", r"UNTIL=\1T235959Z", value)
    value = re.sub(r"UNTIL=(\d{8}T\d{6})(?=;|$)", r"UNTIL=\1Z", value)
    return rrulestr(value, dtstart=dtstart)


def expand(master: dict, lo: datetime, hi: datetime, limit: int = MAX_INSTANCES) -> list[dict]:
    """The instances of a recurring `master` that overlap [lo, hi), as Event JSON."""
    all_day = "date" in master["start"]
    start = parse_edt(master["start"])
    duration = parse_edt(master["end"]) - start
    rules = rruleset()
    for line in master.get("recurrence", []):
        name = re.split(r"[;:]", line, maxsplit=1)[0].upper()
        if name == "RRULE":
            rules.rrule(_rule(line, start))
        elif name == "EXRULE":
            rules.exrule(_rule(line, start))
        elif name == "RDATE":
            for when in _dates(line, start.tzinfo or UTC):
                rules.rdate(when)
        elif name == "EXDATE":
            for when in _dates(line, start.tzinfo or UTC):
                rules.exdate(when)
    instances: list[dict] = []
    for when in rules.between(lo - duration, hi, inc=True):
        if len(instances) >= limit:
            break
        if when + duration <= lo and duration:
            continue
        original: date | datetime = when.date() if all_day else when
        inst = copy.deepcopy(master)
        inst.pop("recurrence", None)
        inst["id"] = instance_id(master["id"], original)
        inst["recurringEventId"] = master["id"]
        inst["originalStartTime"] = edt(original) if all_day else _keep_zone(master["start"], when)
        inst["start"] = inst["originalStartTime"]
        end = when + duration
        inst["end"] = edt(end.date()) if all_day else _keep_zone(master["end"], end)
        instances.append(inst)
    return instances


def _keep_zone(template: dict, when: datetime) -> dict:
    out = {"dateTime": rfc3339(when)}
    if "timeZone" in template:
        out["timeZone"] = template["timeZone"]
    return out
