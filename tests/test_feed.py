"""The reminder feed: valid iCalendar, stable across renders, private on disk."""

from __future__ import annotations

import stat
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar, Event

from radiosilence.publish.feed import (
    UID_NAMESPACE,
    FeedOptions,
    FeedRecord,
    Reminder,
    render_feed,
    write_feed,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=5)
OPTIONS = FeedOptions(name="Radiosilence reminders", refresh_minutes=60, alarm_minutes_before=15)

ADA = Reminder(
    key="thank-you/iv-3f2a9c/ada@example.org/0",
    summary="Thank-you note to Ada Lovelace",
    description="Your draft is in the Drafts folder.",
    start=datetime(2025, 3, 4, 15, 0, tzinfo=UTC),
    minutes=15,
)
ZOE = Reminder(
    key="thank-you/iv-3f2a9c/zoe@example.org/0",
    summary="Thank-you note to Zoë Ðuric",
    description="Ŝtrange chars: ÅÄÖ, 日本語, emoji 📅; commas, and semicolons; too",
    start=datetime(2025, 3, 4, 16, 0, tzinfo=UTC),
    minutes=15,
)
CHECK_IN = Reminder(
    key="check-in/iv-3f2a9c/hr@example.org/1",
    summary="Check in with Example Corp",
    description="They said they would decide by Friday.",
    start=datetime(2025, 3, 12, 9, 0, tzinfo=UTC),
    minutes=30,
)


def render(
    reminders: list[Reminder],
    previous: dict[str, FeedRecord] | None = None,
    now: datetime = T0,
    options: FeedOptions = OPTIONS,
) -> tuple[bytes, dict[str, FeedRecord]]:
    return render_feed(reminders, previous or {}, now, options)


def events(data: bytes) -> dict[str, Event]:
    """The feed's events by SUMMARY (bytes in: a str without newlines is read as a path)."""
    calendar = Calendar.from_ical(data)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def lines(data: bytes) -> list[str]:
    """Unfolded content lines (RFC 5545 3.1)."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_output_parses_with_icalendar_and_validates_with_vobject() -> None:
    data, _ = render([ADA, ZOE, CHECK_IN])
    calendar = Calendar.from_ical(data)
    assert [c.errors for c in calendar.walk()] == [[]] * len(calendar.walk())
    assert len(calendar.walk("VEVENT")) == 3
    vobject.readOne(data.decode("utf-8")).validate(raiseException=True)


def test_empty_feed_is_still_a_valid_calendar() -> None:
    data, records = render([])
    assert records == {}
    assert Calendar.from_ical(data).walk("VEVENT") == []
    vobject.readOne(data.decode("utf-8")).validate(raiseException=True)


def test_calendar_properties() -> None:
    data, _ = render([ADA])
    content = lines(data)
    assert "VERSION:2.0" in content
    assert "PRODID:-//radiosilence//radiosilence//EN" in content
    assert "CALSCALE:GREGORIAN" in content
    assert "NAME:Radiosilence reminders" in content
    assert "X-WR-CALNAME:Radiosilence reminders" in content
    assert "X-PUBLISHED-TTL:PT60M" in content


def test_refresh_interval_carries_value_duration() -> None:
    data, _ = render([ADA])
    (line,) = [x for x in lines(data) if x.startswith("REFRESH-INTERVAL")]
    assert "VALUE=DURATION" in line
    assert line == "REFRESH-INTERVAL;VALUE=DURATION:PT60M"
    parsed = Calendar.from_ical(data)["REFRESH-INTERVAL"]
    assert parsed.dt == timedelta(minutes=60)


def test_no_method_and_no_calendar_uid() -> None:
    data, _ = render([ADA, ZOE])
    assert not any(x.startswith("METHOD") for x in lines(data))
    calendar = Calendar.from_ical(data)
    assert "METHOD" not in calendar
    assert "UID" not in calendar


def test_output_uses_crlf_only() -> None:
    data, _ = render([ADA, ZOE])
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_uids_are_uuid5_of_the_key_and_leak_nothing() -> None:
    data, records = render([ADA, ZOE, CHECK_IN])
    for reminder in (ADA, ZOE, CHECK_IN):
        uid = records[reminder.key].uid
        assert uid == f"{uuid.uuid5(UID_NAMESPACE, reminder.key)}@radiosilence"
        assert uuid.UUID(uid.split("@")[0]).version == 5
        for part in reminder.key.replace("@", "/").split("/"):
            if len(part) > 2:  # "0" or "1" may occur in any hex string
                assert part not in uid
        assert str(events(data)[reminder.summary]["UID"]) == uid
    for part in ("ada", "example.org", "iv-3f2a9c", "thank-you"):
        assert part not in "".join(x for x in lines(data) if x.startswith("UID"))


def test_new_reminders_start_at_sequence_zero() -> None:
    _, records = render([ADA, ZOE])
    assert {r.sequence for r in records.values()} == {0}
    assert {r.changed_at for r in records.values()} == {T0}


def test_same_input_renders_identical_bytes_at_any_now() -> None:
    first, records = render([ADA, ZOE, CHECK_IN], now=T0)
    second, records2 = render([ADA, ZOE, CHECK_IN], records, now=T1)
    third, _ = render([CHECK_IN, ZOE, ADA], records2, now=T1 + timedelta(days=3))
    assert first == second == third
    assert records2 == records


def test_changed_start_bumps_sequence_and_timestamps_of_that_event_only() -> None:
    _, records = render([ADA, ZOE], now=T0)
    moved = replace(ADA, start=ADA.start + timedelta(hours=2))
    data, new = render([moved, ZOE], records, now=T1)
    assert new[ADA.key].sequence == records[ADA.key].sequence + 1
    assert new[ADA.key].changed_at == T1
    assert new[ZOE.key] == records[ZOE.key]
    by_summary = events(data)
    changed, untouched = by_summary[ADA.summary], by_summary[ZOE.summary]
    assert changed["SEQUENCE"] == 1
    assert changed["DTSTAMP"].dt == changed["LAST-MODIFIED"].dt == T1
    assert changed["DTSTART"].dt == moved.start
    assert untouched["SEQUENCE"] == 0
    assert untouched["DTSTAMP"].dt == untouched["LAST-MODIFIED"].dt == T0


def test_each_meaningful_field_and_the_alarm_change_the_hash() -> None:
    _, base = render([ADA])
    variants = [
        (replace(ADA, summary="Other"), OPTIONS),
        (replace(ADA, description="Other"), OPTIONS),
        (replace(ADA, minutes=30), OPTIONS),
        (ADA, replace(OPTIONS, alarm_minutes_before=5)),
    ]
    for reminder, options in variants:
        _, new = render([reminder], base, now=T1, options=options)
        assert new[ADA.key].sequence == 1
        assert new[ADA.key].content_hash != base[ADA.key].content_hash


def test_calendar_name_and_refresh_do_not_bump_events() -> None:
    _, base = render([ADA])
    _, new = render([ADA], base, now=T1, options=replace(OPTIONS, name="Jobs", refresh_minutes=30))
    assert new == base


def test_sequence_keeps_counting_from_previous() -> None:
    previous = {ADA.key: FeedRecord("ignored@radiosilence", "stale", 41, T0)}
    _, new = render([ADA], previous, now=T1)
    assert new[ADA.key].sequence == 42
    assert new[ADA.key].uid != "ignored@radiosilence"


def test_dropped_reminder_is_absent_not_cancelled() -> None:
    _, records = render([ADA, ZOE, CHECK_IN])
    data, new = render([ADA, CHECK_IN], records, now=T1)
    assert ZOE.key not in new
    assert set(events(data)) == {ADA.summary, CHECK_IN.summary}
    assert records[ZOE.key].uid.encode() not in data
    assert b"CANCELLED" not in data


def test_events_sorted_by_start_then_uid() -> None:
    twin = replace(CHECK_IN, key="check-in/other", summary="Twin")
    data, records = render([CHECK_IN, twin, ZOE, ADA])
    calendar = Calendar.from_ical(data)
    order = [(e["DTSTART"].dt, str(e["UID"])) for e in calendar.walk("VEVENT")]
    assert order == sorted(order)
    assert len(order) == 4


def test_valarm_display_with_description_and_trigger() -> None:
    data, _ = render([ADA])
    (alarm,) = events(data)[ADA.summary].walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == ADA.summary
    assert alarm["TRIGGER"].dt == timedelta(minutes=-15)
    assert "TRIGGER:-PT15M" in lines(data)


def test_alarm_at_start_uses_pt0m() -> None:
    data, _ = render([ADA], options=replace(OPTIONS, alarm_minutes_before=0))
    assert "TRIGGER:PT0M" in lines(data)
    vobject.readOne(data.decode("utf-8")).validate(raiseException=True)


def test_times_are_utc() -> None:
    paris = timezone(timedelta(hours=1))
    local = replace(ADA, start=datetime(2025, 3, 4, 16, 0, tzinfo=paris))
    data, records = render([local], now=datetime(2025, 3, 1, 9, 0, tzinfo=paris))
    content = lines(data)
    assert "DTSTART:20250304T150000Z" in content
    assert "DTEND:20250304T151500Z" in content
    assert "DTSTAMP:20250301T080000Z" in content
    assert "LAST-MODIFIED:20250301T080000Z" in content
    assert not any("TZID" in x for x in content)
    assert b"VTIMEZONE" not in data
    # Same instant, other time zone: same content, so no new SEQUENCE.
    assert records[ADA.key].content_hash == render([ADA])[1][ADA.key].content_hash


def test_zero_minute_reminder_has_no_dtend() -> None:
    data, _ = render([replace(ADA, minutes=0)])
    assert not any(x.startswith("DTEND") for x in lines(data))
    vobject.readOne(data.decode("utf-8")).validate(raiseException=True)


def test_non_ascii_round_trips() -> None:
    data, _ = render([ZOE])
    event = events(data)["Thank-you note to Zoë Ðuric"]
    assert str(event["DESCRIPTION"]) == ZOE.description
    parsed = vobject.readOne(data.decode("utf-8"))
    assert parsed.vevent.summary.value == ZOE.summary
    assert parsed.vevent.description.value == ZOE.description


def test_long_description_folds_and_round_trips() -> None:
    text = "Ask about the team's on-call rotation. " * 12 + "Ŝpecial ünïcode tail: 日本語 " * 6
    data, _ = render([replace(ADA, description=text)])
    raw = data.split(b"\r\n")
    assert max(len(line) for line in raw) <= 75  # RFC 5545 3.1: octets, not characters
    assert any(line.startswith(b" ") for line in raw)
    for line in raw:
        line.decode("utf-8")  # never folded inside a multi-byte character
    assert str(events(data)[ADA.summary]["DESCRIPTION"]) == text
    assert vobject.readOne(data.decode("utf-8")).vevent.description.value == text


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        render([ADA, replace(ADA, summary="again")])


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError):
        render([ADA], now=datetime(2025, 3, 1, 8, 0))
    with pytest.raises(ValueError):
        replace(ADA, start=datetime(2025, 3, 4, 15, 0))


def test_bad_options_are_rejected() -> None:
    with pytest.raises(ValueError):
        FeedOptions(name="x", refresh_minutes=0, alarm_minutes_before=15)
    with pytest.raises(ValueError):
        FeedOptions(name="x", refresh_minutes=60, alarm_minutes_before=-1)


def test_write_feed_writes_once_privately(tmp_path: Path) -> None:
    path = tmp_path / "feed" / "reminders.ics"
    data, records = render([ADA, ZOE])
    assert write_feed(path, data) is True
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    mtime = path.stat().st_mtime_ns
    again, _ = render([ADA, ZOE], records, now=T1)
    assert write_feed(path, again) is False
    assert path.stat().st_mtime_ns == mtime
    changed, _ = render([ADA], records, now=T1)
    assert write_feed(path, changed) is True
    assert path.read_bytes() == changed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["reminders.ics"]
