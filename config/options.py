"""The types of config values: each parses what the TOML file says and explains a bad value.

`settings.py` declares every option with one of these; a parser returns the typed value or
raises ValueError with a message that completes "FILE: section.key: ...".
"""

import logging
import os
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OptionType:
    """A value type: `parse(value, config_dir)` returns the typed value or raises ValueError."""

    name: str
    parse: Callable[[Any, Path], Any]


def _expect(value: Any, expected: type | tuple[type, ...], what: str) -> Any:
    """Return `value`; raise ValueError unless it is an `expected` (a boolean is no number)."""
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        raise ValueError(f"expected {what}, got {type(value).__name__} {value!r}")
    return value


def _range_text(low: float, high: float | None) -> str:
    return f">= {low}" if high is None else f"between {low} and {high}"


def _in_range(value: Any, low: float, high: float | None) -> Any:
    """Return `value`; raise ValueError when outside [low, high] (NaN is always outside)."""
    if not (value >= low and (high is None or value <= high)):
        raise ValueError(f"must be {_range_text(low, high)}, got {value!r}")
    return value


def _items(value: Any, item_type: type | tuple[type, ...], what: str) -> list[Any]:
    """Return `value` as a list; raise ValueError unless it is an array of `item_type`."""
    _expect(value, list, f"an array of {what}")
    for item in value:
        if not isinstance(item, item_type):
            raise ValueError(f"expected an array of {what}, got {type(item).__name__} {item!r}")
    return list(value)


def _parse_addresses(value: Any, base: Path) -> tuple[str, ...]:
    """Lower-cased and de-duplicated: the user's own mail must match whatever the case."""
    result = [item.strip().lower() for item in _items(value, str, "strings")]
    if bad := [item for item in result if not re.fullmatch(r"[^@\s]+@[^@\s]+", item)]:
        raise ValueError(f"{bad[0]!r} is not an email address")
    return tuple(dict.fromkeys(result))


def _parse_weekdays(value: Any, base: Path) -> tuple[str, ...]:
    days = [item.strip().lower() for item in _items(value, str, "strings")]
    if not days or set(days) - set(WEEKDAYS):
        raise ValueError(f"expected one or more of {', '.join(WEEKDAYS)}; got {value!r}")
    return tuple(day for day in WEEKDAYS if day in days)


def _parse_dates(value: Any, base: Path) -> tuple[date, ...]:
    """Accept TOML dates (2025-12-25) and ISO date strings ("2025-12-25")."""
    result = set()
    for item in _items(value, (date, str), "dates"):
        try:
            result.add(date.fromisoformat(str(item)))
        except ValueError:
            raise ValueError(f"{item!r} is not a date (YYYY-MM-DD)") from None
    return tuple(sorted(result))


def _parse_time(value: Any, base: Path) -> time:
    """Accept "HH:MM", and a TOML time such as 09:30:00 when it has no seconds."""
    if isinstance(value, time) and not (value.second or value.microsecond or value.tzinfo):
        return value
    match = _HH_MM.fullmatch(_expect(value, str, 'a time of day "HH:MM"'))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f'expected a time of day "HH:MM" (00:00 to 23:59), got {value!r}')
    return time(int(match[1]), int(match[2]))


def local_timezone_name(environ: Mapping[str, str] | None = None,
                        localtime: Path = Path("/etc/localtime")) -> str:
    """Return the machine's IANA zone name: from $TZ, else from the target of the
    /etc/localtime symlink (".../zoneinfo/Europe/Berlin"), else "UTC" with a warning."""
    candidates = [(os.environ if environ is None else environ).get("TZ", "")]
    with suppress(OSError):
        candidates.append(str(localtime.readlink()))
    known = available_timezones()
    for candidate in candidates:
        if (name := candidate.lstrip(":").rpartition("zoneinfo/")[2]) in known:
            return name
    log.warning("cannot tell the local time zone from $TZ or %s; using UTC", localtime)
    return "UTC"


def _parse_timezone(value: Any, base: Path) -> ZoneInfo:
    name = _expect(value, str, "a time zone name")
    name = local_timezone_name() if name == "local" else name
    if name not in available_timezones():
        raise ValueError(f"unknown time zone {name!r}; use an IANA name like 'Europe/Berlin'")
    return ZoneInfo(name)


def integer(low: int, high: int | None = None) -> OptionType:
    return OptionType(f"integer {_range_text(low, high)}",
                lambda v, base: _in_range(_expect(v, int, "an integer"), low, high))


def number(low: float, high: float | None = None) -> OptionType:
    return OptionType(f"number {_range_text(low, high)}",
                lambda v, base: float(_in_range(_expect(v, (int, float), "a number"), low, high)))


def path(optional: bool = False) -> OptionType:
    """Expand "~"; relative is relative to the config's folder; "" is None when `optional`."""

    def parse(value: Any, base: Path) -> Path | None:
        if _expect(value, str, "a path") == "" and optional:
            return None
        if value == "":
            raise ValueError("must not be empty")
        return base / Path(value).expanduser()  # joining an absolute path keeps it as is

    return OptionType("path" + (' (or "")' if optional else ""), parse)


def choices(*allowed: str) -> OptionType:
    """A list of distinct values, each one of `allowed`."""
    def parse(value: Any, base: Path) -> tuple[str, ...]:
        items = tuple(_items(value, str, "strings"))
        if wrong := [item for item in items if item not in allowed]:
            raise ValueError(f"each must be one of {', '.join(allowed)}; got {wrong[0]!r}")
        return tuple(dict.fromkeys(items))

    return OptionType(f"list of {', '.join(allowed)}", parse)


def choice(*allowed: str) -> OptionType:
    def parse(value: Any, base: Path) -> str:
        if _expect(value, str, "a string") not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}; got {value!r}")
        return str(value)

    return OptionType(f"one of {', '.join(allowed)}", parse)


_HH_MM = re.compile(r"(\d{1,2}):(\d{2})")
STRING = OptionType("string", lambda v, base: _expect(v, str, "a string"))
BOOLEAN = OptionType("boolean", lambda v, base: _expect(v, bool, "true or false"))
STRINGS = OptionType("list of strings", lambda v, base: tuple(_items(v, str, "strings")))
ADDRESSES = OptionType("list of email addresses", _parse_addresses)
BUSINESS_DAYS = OptionType(f"list of weekdays ({', '.join(WEEKDAYS)})", _parse_weekdays)
DATES = OptionType("list of ISO dates", _parse_dates)
TIME_OF_DAY = OptionType('time of day "HH:MM"', _parse_time)
TIMEZONE = OptionType("IANA time zone or 'local'", _parse_timezone)
