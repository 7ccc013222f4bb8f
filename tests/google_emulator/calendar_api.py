"""Calendar v3: the emulated calendars and the events.list / events.get / calendarList methods.

Incremental sync follows developers.google.com/calendar/api/guides/sync: `nextSyncToken` only
on the last page; a syncToken request returns everything changed since, deleted events
included (status "cancelled"); an invalidated token answers 410 (reason fullSyncRequired);
syncToken cannot be combined with timeMin/timeMax/q/orderBy/updatedMin/iCalUID/extended
properties (events.list reference: "...the following query parameters are not allowed").
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .calendar_ics import event_id_for_uid, expand, parse_edt, rfc3339, zone
from .call import Call
from .errors import ApiError, bad_request, not_found
from .gmail_query import text_match

SYNC_FORBIDDEN = ("timeMin", "timeMax", "q", "orderBy", "updatedMin", "iCalUID",
                  "privateExtendedProperty", "sharedExtendedProperty")
CANCELLED_KEEP = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime",
                  "updated")
HORIZON = timedelta(days=366)  # how far an open-ended recurrence is expanded


def _stamp(when: datetime) -> str:
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _encode(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _decode(token: str, what: str) -> dict:
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        raise bad_request(f"Invalid {what} value.", "invalid") from None
    if not isinstance(state, dict):
        raise bad_request(f"Invalid {what} value.", "invalid")
    return state


def _time_arg(call: Call, name: str) -> datetime | None:
    text = call.arg(name)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"Bad Request: invalid {name}", "badRequest") from None
    if when.tzinfo is None:  # RFC 3339 requires an offset; Google answers 400 without one
        raise bad_request(f"Bad Request: {name} needs a time zone offset", "badRequest")
    return when


class CalendarStore:
    def __init__(self, lock: threading.RLock, clock: Callable[[], datetime], email: str) -> None:
        self.lock, self.clock, self.email = lock, clock, email
        self.calendars: dict[str, dict] = {}
        self.change = 0  # one counter for all calendars; a syncToken remembers its value
        self.epoch = 1  # bumped by expire_sync_tokens(): older tokens answer 410
        self._n = 0

    def _id(self, calendar_id: str) -> str:
        return self.email if calendar_id == "primary" else calendar_id

    def add_calendar(
        self, calendar_id: str, summary: str | None = None, time_zone: str = "UTC"
    ) -> dict:
        with self.lock:
            cid = self._id(calendar_id)
            if cid not in self.calendars:
                self.calendars[cid] = {
                    "id": cid, "summary": summary or cid, "timeZone": time_zone,
                    "primary": cid == self.email, "events": {}, "seq": {},
                }
            return self.calendars[cid]

    def calendar(self, calendar_id: str) -> dict:
        cid = self._id(calendar_id)
        if cid not in self.calendars:
            if cid == self.email:  # the primary calendar always exists
                return self.add_calendar(cid)
            raise not_found("Not Found")
        return self.calendars[cid]

    def events(self, calendar_id: str) -> dict[str, dict]:
        """The stored events of a calendar, by id (for inspection)."""
        return self.calendar(calendar_id)["events"]

    def _touch(self, cal: dict, event: dict) -> None:
        self.change += 1
        cal["seq"][event["id"]] = self.change
        event["etag"] = f'"{3_180_000_000_000_000 + self.change}"'

    def add_event(self, calendar_id: str, event: dict) -> dict:
        """Store an Event (server fields filled in: id, iCalUID, etag, created, updated, ...);
        an existing id is replaced. Returns the stored Event JSON."""
        with self.lock:
            cal = self.add_calendar(calendar_id)
            ev = copy.deepcopy(event)
            for key in ("start", "end", "originalStartTime"):
                if isinstance(ev.get(key, {}).get("dateTime"), datetime):
                    ev[key]["dateTime"] = rfc3339(ev[key]["dateTime"])
            if not ev.get("id"):
                self._n += 1
                ev["id"] = event_id_for_uid(f"emulator-{cal['id']}-{self._n}")
            now = _stamp(self.clock())
            for key in ("created", "updated"):  # one format, so that they sort as strings
                if isinstance(ev.get(key), str):
                    ev[key] = _stamp(parse_edt({"dateTime": ev[key]}))
            ev.setdefault("kind", "calendar#event")
            ev.setdefault("status", "confirmed")
            ev.setdefault("iCalUID", f"{ev.get('recurringEventId', ev['id'])}@google.com")
            ev.setdefault("created", ev.get("updated", now))
            ev.setdefault("updated", now)
            ev.setdefault("sequence", 0)
            ev.setdefault("eventType", "default")
            eid = base64.urlsafe_b64encode(f"{ev['id']} {cal['id']}".encode()).decode()
            ev.setdefault("htmlLink", f"https://www.google.com/calendar/event?eid={eid.rstrip('=')}")
            ev.setdefault("creator", {"email": cal["id"], "self": cal["id"] == self.email})
            ev.setdefault("organizer", {"email": cal["id"], "self": cal["id"] == self.email})
            ev.setdefault("reminders", {"useDefault": True})
            for person in ev.get("attendees", []):
                if person.get("email", "").lower() == self.email.lower():
                    person.setdefault("self", True)
            cal["events"][ev["id"]] = ev
            self._touch(cal, ev)
            return copy.deepcopy(ev)

    def update_event(self, calendar_id: str, event_id: str, **changes) -> dict:
        """Merge `changes` into the event (a None value removes the key); bumps `sequence`
        when the time changes, as Google does."""
        with self.lock:
            cal = self.calendar(calendar_id)
            ev = cal["events"].get(event_id)
            if ev is None:
                raise not_found("Not Found")
            for key, value in changes.items():
                if value is None:
                    ev.pop(key, None)
                else:
                    ev[key] = copy.deepcopy(value)
            if {"start", "end", "recurrence"} & changes.keys() and "sequence" not in changes:
                ev["sequence"] = ev.get("sequence", 0) + 1
            ev["updated"] = _stamp(self.clock())
            self._touch(cal, ev)
            return copy.deepcopy(ev)

    def cancel_event(self, calendar_id: str, event_id: str) -> dict:
        return self.update_event(calendar_id, event_id, status="cancelled")

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.epoch += 1

    # --- listing ----------------------------------------------------------------------------

    def _expanded(
        self, cal: dict, events: list[dict], lo: datetime | None, hi: datetime | None
    ) -> list[dict]:
        """singleEvents=true: recurring masters replaced by their instances; instances that
        were modified or cancelled (stored separately) replace the generated ones."""
        stored = {e["id"] for e in cal["events"].values() if "recurringEventId" in e}
        out = []
        for ev in events:
            if not ev.get("recurrence") or ev.get("status") == "cancelled":
                out.append(ev)
                continue
            start = parse_edt(ev["start"])
            low = lo or start
            high = hi or max(self.clock(), start) + HORIZON
            out += [i for i in expand(ev, low, high) if i["id"] not in stored]
        return out

    def _overlaps(self, ev: dict, lo: datetime | None, hi: datetime | None, tz: str) -> bool:
        if "start" not in ev:
            return True
        start = parse_edt(ev["start"], zone(tz))
        end = parse_edt(ev.get("end", ev["start"]), zone(tz))
        if ev.get("recurrence") and ev.get("status") != "cancelled":  # any instance will do
            return bool(expand(ev, lo or start, hi or max(self.clock(), start) + HORIZON, 1))
        after_lo = lo is None or end > lo or (start >= lo and end == start)  # zero-length events
        return after_lo and (hi is None or start < hi)

    @staticmethod
    def _text(ev: dict) -> str:
        people = [ev.get("organizer", {})] + ev.get("attendees", [])
        words = [ev.get(k, "") for k in ("summary", "description", "location")]
        words += [p.get(k, "") for p in people for k in ("email", "displayName")]
        return " ".join(words)

    def list_events(self, call: Call) -> dict:
        cal = self.calendar(call.path["calendarId"])
        token = call.arg("syncToken")
        if token and any(call.arg(name) for name in SYNC_FORBIDDEN):
            bad = [name for name in SYNC_FORBIDDEN if call.arg(name)]
            raise bad_request(f"Sync token cannot be used with {', '.join(bad)}.", "invalid")
        single = call.bool_arg("singleEvents")
        order = call.arg("orderBy")
        if order not in (None, "startTime", "updated"):
            raise bad_request(f"Invalid value for orderBy: {order}", "invalid")
        if order == "startTime" and not single:
            raise bad_request(
                "The requested ordering is not available for the particular query.", "invalid"
            )
        page_token = call.arg("pageToken")
        page = _decode(page_token, "page token") if page_token else {}
        snapshot = int(page.get("s", self.change))
        lo, hi = _time_arg(call, "timeMin"), _time_arg(call, "timeMax")
        updated_min = _time_arg(call, "updatedMin")
        # Changes after the first page wait for the next sync (its token starts at snapshot).
        events = [e for e in cal["events"].values() if cal["seq"][e["id"]] <= snapshot]
        if token:
            try:
                state = _decode(token, "sync token")
            except ApiError:
                state = {}  # Google answers a mangled token like an expired one
            if state.get("e") != self.epoch or state.get("c") != cal["id"]:
                raise ApiError(410, reason="fullSyncRequired")
            since = int(state.get("s", 0))
            events = [e for e in events if since < cal["seq"][e["id"]]]
        else:
            if not (call.bool_arg("showDeleted") or updated_min):
                events = [e for e in events if e.get("status") != "cancelled"]
            if updated_min:
                events = [e for e in events if parse_edt({"dateTime": e["updated"]}) >= updated_min]
            if call.arg("iCalUID"):
                events = [e for e in events if e.get("iCalUID") == call.arg("iCalUID")]
        if single:
            events = self._expanded(cal, events, lo, hi)
        events = [e for e in events if self._overlaps(e, lo, hi, cal["timeZone"])]
        terms = (call.arg("q") or "").split()  # every term must match, in any order
        if terms:
            events = [e for e in events if all(text_match(t, self._text(e)) for t in terms)]
        if order == "startTime":
            events.sort(key=lambda e: (parse_edt(e["start"]), e["id"]))
        elif order == "updated":
            events.sort(key=lambda e: (e["updated"], e["id"]))
        size = call.int_arg("maxResults", 250, 2500)
        offset = int(page.get("o", 0))
        items = [self._shape(e) for e in events[offset: offset + size]]
        out: dict = {
            "kind": "calendar#events", "etag": f'"{3_180_000_000_000_000 + snapshot}"',
            "summary": cal["summary"], "description": "",
            "updated": max((e["updated"] for e in events), default=_stamp(self.clock())),
            "timeZone": cal["timeZone"], "accessRole": "owner", "defaultReminders": [],
        }
        if offset + size < len(events):
            out["nextPageToken"] = _encode({"o": offset + size, "s": snapshot})
        else:
            out["nextSyncToken"] = _encode({"c": cal["id"], "s": snapshot, "e": self.epoch})
        out["items"] = items
        return out

    @staticmethod
    def _shape(ev: dict) -> dict:
        if ev.get("status") == "cancelled":  # deleted events carry only what identifies them
            return {k: ev[k] for k in CANCELLED_KEEP if k in ev}
        return ev

    def get_event(self, call: Call) -> dict:
        cal = self.calendar(call.path["calendarId"])
        event_id = call.path["eventId"]
        if event_id in cal["events"]:
            return cal["events"][event_id]
        master_id, _, stamp = event_id.rpartition("_")
        master = cal["events"].get(master_id)
        if master and master.get("recurrence"):
            start = parse_edt(master["start"])
            for inst in expand(master, start, max(self.clock(), start) + HORIZON * 5):
                if inst["id"] == event_id:
                    return inst
        raise not_found("Not Found")

    def calendar_entry(self, cal: dict) -> dict:
        entry = {
            "kind": "calendar#calendarListEntry",
            "etag": f'"{1_700_000_000_000_000 + len(cal["events"])}"',
            "id": cal["id"], "summary": cal["summary"], "timeZone": cal["timeZone"],
            "colorId": "14", "backgroundColor": "#9fe1e7", "foregroundColor": "#000000",
            "selected": True, "accessRole": "owner", "defaultReminders": [],
        }
        if cal["primary"]:
            entry["primary"] = True
        return entry

    def calendar_list(self, call: Call) -> dict:
        self.calendar("primary")
        cals = sorted(self.calendars.values(), key=lambda c: (not c["primary"], c["id"]))
        return {
            "kind": "calendar#calendarList", "etag": f'"{self.change}"',
            "nextSyncToken": _encode({"calendarList": self.change}),
            "items": [self.calendar_entry(c) for c in cals],
        }

    def calendar_get(self, call: Call) -> dict:
        return self.calendar_entry(self.calendar(call.path["calendarId"]))


HANDLERS: dict[str, Callable[[CalendarStore, Call], dict | None]] = {
    "calendar.events.list": CalendarStore.list_events,
    "calendar.events.get": CalendarStore.get_event,
    "calendar.calendarList.list": CalendarStore.calendar_list,
    "calendar.calendarList.get": CalendarStore.calendar_get,
}
