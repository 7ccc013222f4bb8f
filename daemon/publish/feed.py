"""The reminder feed: pending follow-ups as an .ics calendar people subscribe to.

`render_feed` is pure: reminders, what the last render recorded, and `now` go in; the feed
bytes and the new records come out. Its one job beyond formatting is stability. A calendar
app that polls the feed must see the same UID for the same follow-up, a higher SEQUENCE
only when the event really changed, and byte-identical output when nothing changed (so the
file is not rewritten and the HTTP ETag stays put). `write_feed` is the only I/O here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Alarm, Calendar, Event, vDuration

from radiosilence.fsutil import PRIVATE_FILE, write_if_changed

log = logging.getLogger(__name__)

# Fixed for the life of the project: changing it changes every UID, and calendar apps
# would show each reminder twice (old UID kept in their cache, new one added).
UID_NAMESPACE = uuid.UUID("79221a88-c935-401a-a9f3-ff8e6d659c12")
UID_DOMAIN = "radiosilence"
PRODID = "-//radiosilence//radiosilence//EN"


@dataclass(frozen=True)
class Reminder:
    """One pending follow-up, as it should appear in the feed.

    `key` is the follow-up's stable key (it never reaches the feed: it may name people);
    `start` is timezone-aware; `minutes` is the event length (0: a point in time).
    """

    key: str
    summary: str
    description: str
    start: datetime
    minutes: int

    def __post_init__(self) -> None:
        _require_aware(self.start, "Reminder.start")
        if self.minutes < 0:
            raise ValueError(f"Reminder.minutes must be >= 0, got {self.minutes}")


@dataclass(frozen=True)
class FeedRecord:
    """What one render published for one key; the next render's `previous`."""

    uid: str
    content_hash: str
    sequence: int
    changed_at: datetime


@dataclass(frozen=True)
class FeedOptions:
    """Calendar-level settings: display name, polling hint, alarm lead time."""

    name: str
    refresh_minutes: int
    alarm_minutes_before: int

    def __post_init__(self) -> None:
        if self.refresh_minutes <= 0:
            raise ValueError(f"refresh_minutes must be > 0, got {self.refresh_minutes}")
        if self.alarm_minutes_before < 0:
            raise ValueError(f"alarm_minutes_before must be >= 0, got {self.alarm_minutes_before}")


class _Minutes(vDuration):
    """A duration written in whole minutes: PT60M, -PT15M, PT0M.

    icalendar would write PT1H or P0D; both are valid RFC 5545 3.3.6 dur-values, but the
    minute form matches our settings one to one and reads the same in every app.
    """

    def __init__(self, minutes: int, params: dict[str, str] | None = None) -> None:
        super().__init__(timedelta(minutes=minutes), params)
        self.minutes = minutes

    def to_ical(self) -> bytes:
        sign = "-" if self.minutes < 0 else ""
        return f"{sign}PT{abs(self.minutes)}M".encode()


def feed_uid(key: str) -> str:
    """The UID for a follow-up key: a name-based UUID, so no personal data leaks.

    RFC 5545 3.8.4.7 asks for a globally unique, persistent UID; RFC 7986 5.3 recommends
    a UUID and warns against putting identifying data in it.
    """
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@{UID_DOMAIN}"


def reminder_hash(reminder: Reminder, options: FeedOptions) -> str:
    return reminder_digest(reminder, options.alarm_minutes_before)


def reminder_digest(reminder: Reminder, alarm_minutes: int) -> str:
    """sha256 over what a person sees (texts, time, length, the alarm's lead); DTSTAMP and
    SEQUENCE are deliberately left out. Every channel tells a changed reminder by it."""
    payload = [
        reminder.summary,
        reminder.description,
        _utc(reminder.start).isoformat(),
        reminder.minutes,
        alarm_minutes,
    ]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_feed(
    reminders: Iterable[Reminder],
    previous: Mapping[str, FeedRecord],
    now: datetime,
    options: FeedOptions,
) -> tuple[bytes, dict[str, FeedRecord]]:
    """Render the feed and the records to pass as `previous` next time.

    Keys absent from `reminders` are dropped, not cancelled: a dropped event disappears in
    every app, while STATUS:CANCELLED in a subscription is handled differently by each.
    Raises ValueError on duplicate keys or a naive `now`.
    """
    _require_aware(now, "now")
    records: dict[str, FeedRecord] = {}
    items: list[tuple[Reminder, FeedRecord]] = []
    for reminder in reminders:
        if reminder.key in records:
            raise ValueError(f"duplicate reminder key: {reminder.key!r}")
        record = _next_record(reminder, previous.get(reminder.key), now, options)
        records[reminder.key] = record
        items.append((reminder, record))
    # A stable order keeps unchanged input byte-identical.
    items.sort(key=lambda item: (_utc(item[0].start), item[1].uid))
    calendar = _calendar(options)
    for reminder, record in items:
        calendar.add_component(_event(reminder, record, options))
    return calendar.to_ical(), records


def write_feed(path: Path, data: bytes) -> bool:
    """Atomically write `data` to `path` (mode 0600) unless it is already there (so the
    HTTP ETag stays put); returns True if the file was written."""
    if not write_if_changed(path, data, mode=PRIVATE_FILE):
        return False
    log.info("reminder feed written to %s (%d bytes)", path, len(data))
    return True


def _next_record(
    reminder: Reminder, old: FeedRecord | None, now: datetime, options: FeedOptions
) -> FeedRecord:
    """Keep the old record if the content is unchanged; else bump SEQUENCE.

    RFC 5545 3.8.7.4: SEQUENCE starts at 0 and is incremented on each significant revision.
    """
    digest = reminder_hash(reminder, options)
    uid = feed_uid(reminder.key)
    if old is None:
        return FeedRecord(uid, digest, 0, _utc(now))
    if old.content_hash == digest:
        return FeedRecord(uid, digest, old.sequence, _utc(old.changed_at))
    return FeedRecord(uid, digest, old.sequence + 1, _utc(now))


def _calendar(options: FeedOptions) -> Calendar:
    """The VCALENDAR with its properties and no events.

    Built with Calendar(), not Calendar.new(), which would add a random UID per render.
    No METHOD: RFC 5545 3.7.2 ties METHOD to iTIP (RFC 5546); a subscribed feed is not one.
    """
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    # RFC 7986 5.1 NAME; X-WR-CALNAME is the older name Apple and Google still read.
    calendar.add("name", options.name)
    calendar.add("x-wr-calname", options.name)
    # RFC 7986 5.7 requires VALUE=DURATION on REFRESH-INTERVAL; icalendar's
    # refresh_interval setter leaves it out, so the parameter is set here explicitly.
    calendar.add("refresh-interval", _Minutes(options.refresh_minutes, {"VALUE": "DURATION"}))
    # The pre-RFC 7986 polling hint (Apple, Outlook).
    calendar.add("x-published-ttl", _Minutes(options.refresh_minutes))
    return calendar


def _event(reminder: Reminder, record: FeedRecord, options: FeedOptions) -> Event:
    """One VEVENT. DTSTAMP = LAST-MODIFIED = changed_at, so re-rendering changes nothing.

    For a published feed (no METHOD) RFC 5545 3.8.7.2 lets DTSTAMP be the last revision
    time, which is what changed_at is.
    """
    start = _utc(reminder.start)
    event = Event()
    event.add("uid", record.uid)
    event.add("dtstamp", record.changed_at)
    event.add("last-modified", record.changed_at)
    event.add("sequence", record.sequence)
    # RFC 5545 3.3.5 form 2: UTC times end in Z, no TZID and no VTIMEZONE needed.
    event.add("dtstart", start)
    if reminder.minutes:
        # RFC 5545 3.8.2.2: DTEND must be later than DTSTART, so a 0-minute reminder has
        # none; 3.6.1 then makes it end where it starts.
        event.add("dtend", start + timedelta(minutes=reminder.minutes))
    event.add("summary", reminder.summary)
    if reminder.description:
        event.add("description", reminder.description)
    # RFC 5545 3.8.2.7: a reminder is not a meeting, so it must not block free/busy time.
    event.add("transp", "TRANSPARENT")
    event.add_component(_alarm(reminder, options))
    return event


def _alarm(reminder: Reminder, options: FeedOptions) -> Alarm:
    """A DISPLAY alarm; RFC 5545 3.6.6 requires ACTION, TRIGGER and DESCRIPTION for it.

    Google ignores VALARM in subscriptions and Apple strips it by default; Thunderbird
    honours it, and it costs nothing elsewhere.
    """
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", reminder.summary or "radiosilence reminder")
    # RFC 5545 3.8.6.3: a negative duration fires before DTSTART.
    alarm.add("trigger", _Minutes(-options.alarm_minutes_before))
    return alarm


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


def _utc(value: datetime) -> datetime:
    """`value` in UTC with the stdlib UTC tzinfo, whatever tzinfo it came with."""
    return value.astimezone(UTC)
