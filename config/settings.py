"""Configuration: one declared schema, read from a TOML file and checked as a whole.

Each option is declared once, as a field of a section dataclass, with its type (a `Kind`), its
default as written in TOML, and its help text; the loader and `describe_options()` read only that.
All problems in a file are raised together, so the user fixes it in one pass.
"""

import logging
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, time
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "radiosilence"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """Unusable configuration; `problems` lists every reason as `FILE: section.key: what`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(self.problems)


@dataclass(frozen=True)
class Kind:
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


def integer(low: int, high: int | None = None) -> Kind:
    return Kind(f"integer {_range_text(low, high)}",
                lambda v, base: _in_range(_expect(v, int, "an integer"), low, high))


def number(low: float, high: float | None = None) -> Kind:
    return Kind(f"number {_range_text(low, high)}",
                lambda v, base: float(_in_range(_expect(v, (int, float), "a number"), low, high)))


def path(optional: bool = False) -> Kind:
    """Expand "~"; relative is relative to the config's folder; "" is None when `optional`."""

    def parse(value: Any, base: Path) -> Path | None:
        if _expect(value, str, "a path") == "" and optional:
            return None
        if value == "":
            raise ValueError("must not be empty")
        return base / Path(value).expanduser()  # joining an absolute path keeps it as is

    return Kind("path" + (' (or "")' if optional else ""), parse)


def choice(*allowed: str) -> Kind:
    def parse(value: Any, base: Path) -> str:
        if _expect(value, str, "a string") not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}; got {value!r}")
        return str(value)

    return Kind(f"one of {', '.join(allowed)}", parse)


_HH_MM = re.compile(r"(\d{1,2}):(\d{2})")
STRING = Kind("string", lambda v, base: _expect(v, str, "a string"))
BOOLEAN = Kind("boolean", lambda v, base: _expect(v, bool, "true or false"))
STRINGS = Kind("list of strings", lambda v, base: tuple(_items(v, str, "strings")))
ADDRESSES = Kind("list of email addresses", _parse_addresses)
BUSINESS_DAYS = Kind(f"list of weekdays ({', '.join(WEEKDAYS)})", _parse_weekdays)
DATES = Kind("list of ISO dates", _parse_dates)
TIME_OF_DAY = Kind('time of day "HH:MM"', _parse_time)
TIMEZONE = Kind("IANA time zone or 'local'", _parse_timezone)


def _option(kind: Kind, default: object, doc: str) -> Any:
    """Declare an option; no dataclass default, so the TOML-form default is parsed like input."""
    return field(metadata={"kind": kind, "default": default, "doc": doc})


@dataclass(frozen=True)
class UserSettings:
    addresses: tuple[str, ...] = _option(ADDRESSES, [], (
        "Your own email addresses. Mail from these is yours, never the employer's reply."))
    name: str = _option(STRING, "", "Your name, used to sign drafts.")
    timezone: ZoneInfo = _option(TIMEZONE, "local", (
        "Time zone for reminders and business days: an IANA name, or 'local' for this machine's."))
    signature: str = _option(STRING, "", (
        "Text (may span lines) appended to every draft; empty means your name."))


@dataclass(frozen=True)
class PolicySettings:
    thank_you_within_hours: int = _option(integer(1), 24, (
        "A thank-you note is due this many hours after the interview ends."))
    thank_you_delay_hours: int = _option(integer(0), 2, (
        "The thank-you reminder lands this many hours after the interview ends."))
    thank_you_expire_days: int = _option(integer(1), 3, (
        "A thank-you note still unsent this many days after the interview is dropped."))
    nudge_after_days: int = _option(integer(1), 7, (
        "Without a stated timeframe, nudge this many days after the interview ends."))
    deadline_grace_business_days: int = _option(integer(0), 2, (
        "With a stated timeframe, nudge this many business days after it passes."))
    final_after_days: int = _option(integer(1), 7, (
        "After a sent nudge and no reply, a final check-in this many days later."))
    max_followups: int = _option(integer(0), 2, "At most this many follow-ups per interview round.")
    min_days_between_followups: int = _option(integer(1), 7, (
        "At least this many days between two follow-ups about the same interview."))
    reply_reminder_business_days: int = _option(integer(0), 1, (
        "When the employer asks you something, remind you after this many business days."))
    give_up_after_days: int = _option(integer(1), 14, (
        "Days a follow-up may stay unsent past its due date before the interview is silent."))
    business_days: tuple[str, ...] = _option(BUSINESS_DAYS, ["mon", "tue", "wed", "thu", "fri"], (
        "Days on which reminders may land and which count as business days."))
    holidays: tuple[date, ...] = _option(DATES, [], "Dates (YYYY-MM-DD) that are no business days.")
    reminder_time: time = _option(TIME_OF_DAY, "09:30", "Local time at which reminders land.")
    interview_threshold: float = _option(number(0.0, 1.0), 0.5, (
        "Confidence (0 to 1) above which an event or invite counts as a job interview."))
    recruiting_window_days: int = _option(integer(1), 120, (
        "Only mail and events from this many days back are considered."))
    track: tuple[str, ...] = _option(STRINGS, [], (
        "Events always taken for interviews: ids as `status --all` shows them (iv-...), or "
        "words in the event's title."))
    ignore: tuple[str, ...] = _option(STRINGS, [], (
        "Events never taken for interviews: ids (iv-...) or words in the title."))


@dataclass(frozen=True)
class DraftsSettings:
    max_new_per_cycle: int = _option(integer(1), 10, (
        "Brake: a cycle that would create more drafts than this stops and says why."))
    templates_dir: Path | None = _option(path(optional=True), "", (
        "Folder of your own templates, overriding the bundled ones of the same name."))


@dataclass(frozen=True)
class FeedSettings:
    path: Path = _option(path(optional=True), "", (
        "Where the .ics reminder feed is written; empty means <state_dir>/radiosilence.ics."))
    name: str = _option(STRING, "Interview follow-ups", "Calendar name shown by calendar apps.")
    refresh_minutes: int = _option(integer(1), 60, "How often calendar apps re-read the feed.")
    event_minutes: int = _option(integer(1), 15, "Length of each reminder event.")
    alarm_minutes_before: int = _option(integer(0), 0, (
        "Alarm this many minutes before a reminder starts (0: at its start)."))
    host: str = _option(STRING, "127.0.0.1", "Address the feed's HTTP server listens on.")
    port: int = _option(integer(1, 65535), 8765, "Port the feed's HTTP server listens on.")


@dataclass(frozen=True)
class SourcesSettings:
    mail: str = _option(choice("maildir", "gmail"), "maildir", "Where mail is read from.")
    calendar: str = _option(choice("vdir", "google"), "vdir", "Where events are read from.")
    max_message_mb: int = _option(integer(1), 25, "Messages larger than this are skipped.")


@dataclass(frozen=True)
class MaildirSettings:
    path: Path = _option(path(), "~/Mail", "Root folder of the local Maildir tree.")
    sent_folders: tuple[str, ...] = _option(STRINGS, [
        "Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail].Sent Mail"], (
        "Folders holding mail you sent."))
    drafts_folder: str = _option(STRING, "Drafts", "Folder where drafts are written.")
    skip_folders: tuple[str, ...] = _option(STRINGS, [
        "Trash", "Junk", "Spam", "[Gmail].Trash", "[Gmail].Spam"], "Folders never read.")


@dataclass(frozen=True)
class VdirSettings:
    path: Path = _option(path(), "~/.calendars", (
        "Folder of calendars, one sub-folder of .ics files each (as vdirsyncer writes)."))


@dataclass(frozen=True)
class PathsSettings:
    state_dir: Path = _option(path(optional=True), "", (
        "Folder for the database and feed; empty means the platform's user data folder."))
    database: Path = _option(path(optional=True), "", (
        "The SQLite state file; empty means <state_dir>/state.sqlite3."))


@dataclass(frozen=True)
class GoogleSettings:
    client_secrets: Path | None = _option(path(optional=True), "", (
        "The OAuth client file (JSON) you downloaded from Google Cloud; `radiosilence auth` "
        "needs it once."))
    token_file: Path | None = _option(path(optional=True), "", (
        "Where the authorisation is kept (0600); empty means <state_dir>/google-token.json."))
    auth_port: int = _option(integer(0, 65535), 8080, (
        "Local port `radiosilence auth` listens on for Google's redirect (forward it over "
        "SSH on a headless machine)."))
    calendars: tuple[str, ...] = _option(STRINGS, ["primary"], (
        "Google calendars to read, by id."))
    api_endpoint: str = _option(STRING, "", (
        "Testing only: send Gmail and Calendar API calls to this base URL instead of Google."))
    anonymous: bool = _option(BOOLEAN, False, (
        "Testing only: call the API without credentials (for a local emulator)."))
    quota_per_minute: int = _option(integer(100), 4800, (
        "Quota units per minute to stay under (Google allows 6,000 per user for new "
        "projects; the margin leaves room for other clients)."))


@dataclass(frozen=True)
class ServiceSettings:
    interval_minutes: float = _option(number(0.01), 5, (
        "How often `radiosilence run` reads new mail and events, plans and writes."))
    housekeeping_time: time = _option(TIME_OF_DAY, "03:30", (
        "Time of day (this machine's clock) of the daily tidy-up: old state pruned, the "
        "database compacted."))


@dataclass(frozen=True)
class LoggingSettings:
    level: str = _option(choice("debug", "info", "warning", "error"), "info", (
        "Least severe log level written."))


@dataclass(frozen=True)
class Settings:
    """The whole validated configuration; build it with `load_settings`."""

    user: UserSettings
    policy: PolicySettings
    drafts: DraftsSettings
    feed: FeedSettings
    sources: SourcesSettings
    maildir: MaildirSettings
    vdir: VdirSettings
    google: GoogleSettings
    paths: PathsSettings
    service: ServiceSettings
    logging: LoggingSettings
    source_file: Path | None

    @property
    def state_dir(self) -> Path:
        """Return the folder holding the database and the feed (paths.state_dir, resolved)."""
        return self.paths.state_dir


Values = dict[str, dict[str, Any]]  # {section: {key: typed value}}
SECTIONS: dict[str, Any] = {f.name: f.type for f in fields(Settings) if is_dataclass(f.type)}

def describe_options() -> list[tuple[str, str, object, str]]:
    """Return (dotted name, type name, default as written in TOML, help) for every option."""
    return [
        (f"{section}.{f.name}", f.metadata["kind"].name, f.metadata["default"], f.metadata["doc"])
        for section, cls in SECTIONS.items()
        for f in fields(cls)
    ]


def default_config_path() -> Path:
    """Return the per-user config file path (it may not exist)."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Return the settings read from `path`, or from `default_config_path()` when None (all
    defaults when that file does not exist). Raises ConfigError listing every problem at once:
    an explicit file missing or unreadable, a TOML syntax error (with its line), an unknown
    section or key, a wrong type or a bad value."""
    source, raw = _read(path)
    label = str(source) if source else "<defaults>"
    base = source.parent if source else Path.cwd()
    problems: list[str] = []
    values = _parse(raw, base, lambda name, what: problems.append(f"{label}: {name}: {what}"))
    if problems:
        raise ConfigError(problems)
    _derive_paths(values)
    log.debug("configuration loaded from %s", label)
    return Settings(**{s: SECTIONS[s](**values[s]) for s in SECTIONS}, source_file=source)


def _read(path: Path | None) -> tuple[Path | None, dict[str, Any]]:
    """Return (absolute file path or None, parsed TOML); raise ConfigError when unusable."""
    if path is None:
        path = default_config_path()
        if not path.exists():
            log.debug("no config file at %s; using the defaults", path)
            return None, {}
    path = path.expanduser().absolute()
    try:
        text = path.read_bytes().decode("utf-8")
        return path, tomllib.loads(text)
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text (TOML files must be UTF-8)"]) from exc
    except tomllib.TOMLDecodeError as exc:
        # tomllib ends with "(at line N, column M)" or "(at end of document)": name a line.
        end = f"end of document, line {max(1, len(text.splitlines()))}"
        message = str(exc).replace("end of document", end)
        raise ConfigError([f"{path}: invalid TOML: {message}"]) from exc


def _parse(raw: dict[str, Any], base: Path, report: Callable[[str, str], None]) -> Values:
    """Return {section: {key: typed value}} for every option: the file's value where given,
    else the default. Each problem is passed to `report(dotted name, message)`."""
    for section in raw:
        if section not in SECTIONS:
            report(section, "unknown section" + _did_you_mean(section, SECTIONS))
        elif not isinstance(raw[section], dict):
            report(section, f"expected a table [{section}], got {raw[section]!r}")
    values: Values = {}
    for section, cls in SECTIONS.items():
        given = raw[section] if isinstance(raw.get(section), dict) else {}
        known = {f.name: f for f in fields(cls)}
        for key in given:
            if key not in known:
                report(f"{section}.{key}", "unknown option" + _did_you_mean(key, known))
        values[section] = {}
        for key, f in known.items():
            try:
                values[section][key] = f.metadata["kind"].parse(
                    given.get(key, f.metadata["default"]), base)
            except ValueError as exc:
                report(f"{section}.{key}", str(exc))
    return values


def _did_you_mean(name: str, candidates: Any) -> str:
    """Return " (did you mean 'x'?)" for a near miss among `candidates`, else ""."""
    close = get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _derive_paths(values: Values) -> None:
    """Fill the paths left empty: state_dir, then the database and feed inside it."""
    paths = values["paths"]
    if paths["state_dir"] is None:
        paths["state_dir"] = platformdirs.user_data_path(APP_NAME)
    if paths["database"] is None:
        paths["database"] = paths["state_dir"] / "state.sqlite3"
    if values["feed"]["path"] is None:
        values["feed"]["path"] = paths["state_dir"] / "radiosilence.ics"
