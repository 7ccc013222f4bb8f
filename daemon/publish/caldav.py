"""Reminders written into a calendar the person owns, over CalDAV, each with a DISPLAY alarm
at its time: the person's phone and computer sync that calendar within minutes and ring on
their own, where a subscribed feed arrives hours late and its alarms are ignored.

No local record is needed to stay idempotent: each event carries the hash of what it shows
(`X-RADIOSILENCE-HASH`), and every cycle starts from the server's list of our events (one
REPORT). An event whose hash matches is left alone; one that changed is written again with
its SEQUENCE raised; one no longer wanted is deleted. A kill between a PUT and anything
after it leaves the event there, found and matched by the next cycle, never a second one.

An outage or a refused password is one line in the log; the channel tries again after a
pause that doubles with each failure (from one cycle's worth up to an hour), and drafts and
the other channels never wait for it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from icalendar import Alarm, Calendar, Event

from radiosilence.connectors.base import ConnectorError
from radiosilence.publish.channels import ReminderChannel
from radiosilence.publish.feed import PRODID, Reminder, reminder_digest

log = logging.getLogger(__name__)

HASH = "X-RADIOSILENCE-HASH"
# Not the feed's namespace: a person may subscribe to the feed and keep this calendar too,
# and an app that sees one UID in two calendars may show only one of them.
_NAMESPACE = uuid.UUID("3b0f7c52-8a55-4c1e-9a0f-2f6d2d0c7a41")
FIRST_PAUSE, LONGEST_PAUSE = timedelta(minutes=2), timedelta(hours=1)


class Owned(Protocol):
    key: str
    etag: str
    data: bytes


class EventWriter(Protocol):
    """What the channel needs of `connectors.caldav.writer.CalDavEventWriter`."""

    def owned(self) -> dict[str, Any]: ...

    def put(self, uid: str, key: str, ics: bytes, etag: str = "") -> str: ...

    def delete(self, uid: str) -> bool: ...


def caldav_uid(key: str) -> str:
    return f"{uuid.uuid5(_NAMESPACE, key)}@radiosilence"


class CalDavChannel(ReminderChannel):
    name = "caldav"

    def __init__(self, writer: EventWriter, lead_minutes: int = 0) -> None:
        self.writer = writer
        self.lead_minutes = lead_minutes
        self._said = ""  # the last trouble logged, not repeated every cycle
        self._failures = 0
        self._next_try: datetime | None = None

    def publish(self, reminders: Sequence[Reminder], now: datetime) -> None:
        if self._next_try is not None and now < self._next_try:
            return
        try:
            written, removed = self._reconcile(reminders, now)
        except ConnectorError as error:  # outage, rate limit, refused password
            self._failures += 1
            pause = min(FIRST_PAUSE * 2 ** (self._failures - 1), LONGEST_PAUSE)
            if retry := getattr(error, "retry_after", None):
                pause = max(pause, timedelta(seconds=retry))
            self._next_try = now + pause
            if str(error) != self._said:
                log.warning("reminder calendar not updated: %s (trying again in %d min)",
                            error, pause.total_seconds() // 60)
                self._said = str(error)
            return
        self._said, self._failures, self._next_try = "", 0, None
        if written or removed:
            log.info("reminder calendar: %d events written, %d removed", written, removed)

    def _reconcile(self, reminders: Sequence[Reminder], now: datetime) -> tuple[int, int]:
        owned = self.writer.owned()
        wanted = {caldav_uid(r.key): r for r in reminders}
        written = 0
        for uid, reminder in wanted.items():
            digest = reminder_digest(reminder, self.lead_minutes)
            old = owned.get(uid)
            if old is not None and _stored(old.data, HASH) == digest:
                continue
            sequence = int(_stored(old.data, "SEQUENCE") or -1) + 1 if old is not None else 0
            self.writer.put(uid, _marker(reminder.key),
                            self._event(reminder, uid, sequence, digest, now),
                            old.etag if old is not None else "")
            written += 1
        removed = sum(self.writer.delete(uid) for uid in owned.keys() - wanted.keys())
        return written, removed

    def _event(self, reminder: Reminder, uid: str, sequence: int, digest: str,
               now: datetime) -> bytes:
        start = reminder.start.astimezone(UTC)
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", now.astimezone(UTC))
        event.add("sequence", sequence)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=max(reminder.minutes, 1)))
        event.add("summary", reminder.summary)
        event.add("description", reminder.description)
        event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: never busy time
        event.add(HASH, digest)
        for minutes in sorted({0, self.lead_minutes}):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", reminder.summary)
            alarm.add("trigger", timedelta(minutes=-minutes))
            event.add_component(alarm)
        calendar = Calendar()
        calendar.add("version", "2.0")
        calendar.add("prodid", PRODID)
        calendar.add_component(event)
        return bytes(calendar.to_ical())


def _marker(key: str) -> str:
    """The marker's value: which follow-up, without the addresses a key holds."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def _stored(data: bytes, name: str) -> str:
    try:
        calendar: Any = Calendar.from_ical(data)
    except Exception:  # unreadable: treated as changed, so it is written again
        return ""
    for event in calendar.walk("VEVENT"):
        return str(event.get(name, ""))
    return ""
