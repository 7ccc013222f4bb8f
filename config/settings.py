"""Configuration: one declared schema, read from a TOML file and checked as a whole.

Each option is declared once, as a field of a section dataclass, with its type (an
`OptionType` of `options.py`), its default as written in TOML, and its help text; the loader
and `describe_options()` read only that.
All problems in a file are raised together, so the user fixes it in one pass.
"""

import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, time
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import platformdirs

from radiosilence.config.options import (
    ADDRESSES,
    BOOLEAN,
    BUSINESS_DAYS,
    DATES,
    STRING,
    STRINGS,
    TIME_OF_DAY,
    TIMEZONE,
    OptionType,
    choice,
    choices,
    integer,
    number,
    path,
)

log = logging.getLogger(__name__)

APP_NAME = "radiosilence"


class ConfigError(Exception):
    """Unusable configuration; `problems` lists every reason as `FILE: section.key: what`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(self.problems)


def _option(kind: OptionType, default: object, doc: str) -> Any:
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
class RemindersSettings:
    channels: tuple[str, ...] = _option(choices("feed", "caldav", "desktop"), ["feed"], (
        "Where reminders reach you: the feed (a calendar to subscribe to), a calendar of "
        "yours over CalDAV ([reminders.caldav]), desktop notifications while "
        "`radiosilence run` runs in your desktop session."))
    desktop_open: str = _option(STRING, "", (
        "What a click on a desktop notification opens; empty means your drafts folder."))


@dataclass(frozen=True)
class ReminderCalDavSettings:
    url: str = _option(STRING, "", (
        "The CalDAV server holding the reminder calendar, e.g. https://caldav.fastmail.com/dav/."))
    username: str = _option(STRING, "", "The account's user name (often the email address).")
    password_command: str = _option(STRING, "", (
        "A command whose first output line is the password (an app password works)."))
    password_file: Path | None = _option(path(optional=True), "", (
        "A file only you can read (0600) whose first line is the password."))
    calendar: str = _option(STRING, "Interview follow-ups", (
        "The reminder calendar's name; created when missing and the server allows it."))
    lead_minutes: int = _option(integer(0), 0, (
        "A second alarm this many minutes before each reminder (0: only the one at its time)."))


@dataclass(frozen=True)
class SourcesSettings:
    mail: str = _option(choice("maildir", "gmail", "imap"), "maildir", "Where mail is read from.")
    calendar: str = _option(choice("vdir", "google", "caldav", "ics-url"), "vdir", (
        "Where events are read from."))
    max_message_mb: int = _option(integer(1), 25, "Messages larger than this are skipped.")


@dataclass(frozen=True)
class LimitsSettings:
    message_read_mb: int = _option(integer(1), 4, (
        "Of each message only its first this many MB are read."))
    mime_parts: int = _option(integer(10), 1000, "MIME parts of one message looked into.")
    body_chars: int = _option(integer(1000), 200_000, "Characters of a message's text kept.")
    calendar_item_kb: int = _option(integer(16), 2048, (
        "Calendar files (and items) larger than this many KB are skipped."))
    events_per_file: int = _option(integer(1), 2000, "Events of one calendar file read.")
    attendees_per_event: int = _option(integer(1), 500, "Attendees of one event read.")
    description_chars: int = _option(integer(100), 20_000, (
        "Characters of an event's description kept."))
    seconds_per_item: int = _option(integer(1), 10, (
        "A message or calendar file that takes longer than this to read is skipped."))


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
class CalDavSettings:
    url: str = _option(STRING, "", (
        "The CalDAV server's address, e.g. https://caldav.fastmail.com/dav/ (http only for "
        "a server on this machine)."))
    username: str = _option(STRING, "", "The account's user name (often the email address).")
    password_command: str = _option(STRING, "", (
        "A command whose first output line is the password, e.g. \"pass show caldav\"."))
    password_file: Path | None = _option(path(optional=True), "", (
        "A file only you can read (0600) whose first line is the password."))
    calendars: tuple[str, ...] = _option(STRINGS, [], (
        "Calendars to read, by the name the calendar app shows; empty reads them all."))


@dataclass(frozen=True)
class IcsUrlSettings:
    url: str = _option(STRING, "", (
        "The calendar's secret link (https:// or webcal://); it is a password: never logged."))


@dataclass(frozen=True)
class ImapSettings:
    host: str = _option(STRING, "", "The IMAP server, e.g. imap.fastmail.com.")
    port: int = _option(integer(1, 65535), 993, "Its port: 993 for tls, 143 for starttls.")
    security: str = _option(choice("tls", "starttls", "none"), "tls", (
        "tls (implicit TLS), starttls, or none (only for a server on this machine); the "
        "certificate is always verified."))
    username: str = _option(STRING, "", "The login name, usually your address.")
    password_command: str = _option(STRING, "", (
        "A command printing the (app) password on its first line, e.g. \"pass show mail/imap\"."))
    password_file: Path | None = _option(path(optional=True), "", (
        "A file only you can read (0600) whose first line is the password."))
    folders: tuple[str, ...] = _option(STRINGS, [], (
        "Folders to read; empty means All Mail where the server has one, else INBOX and Sent."))


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
    reminders: RemindersSettings
    reminders__caldav: ReminderCalDavSettings
    sources: SourcesSettings
    limits: LimitsSettings
    maildir: MaildirSettings
    vdir: VdirSettings
    google: GoogleSettings
    imap: ImapSettings
    caldav: CalDavSettings
    ics_url: IcsUrlSettings
    paths: PathsSettings
    service: ServiceSettings
    logging: LoggingSettings
    source_file: Path | None

    @property
    def state_dir(self) -> Path:
        """Return the folder holding the database and the feed (paths.state_dir, resolved)."""
        return self.paths.state_dir


Values = dict[str, dict[str, Any]]  # {section: {key: typed value}}
# A section's name in TOML is its field's name, with "__" for a table inside a table:
# `reminders__caldav` is [reminders.caldav].
SECTIONS: dict[str, Any] = {f.name.replace("__", "."): f.type for f in fields(Settings)
                            if is_dataclass(f.type)}

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


def default_settings() -> Settings:
    """Every option at its default, as if the config file were empty."""
    return _build({}, None)


def load_settings(path: Path | None = None) -> Settings:
    """Return the settings read from `path`, or from `default_config_path()` when None (all
    defaults when that file does not exist). Raises ConfigError listing every problem at once:
    an explicit file missing or unreadable, a TOML syntax error (with its line), an unknown
    section or key, a wrong type or a bad value."""
    source, raw = _read(path)
    settings = _build(raw, source)
    log.debug("configuration loaded from %s", source or "<defaults>")
    return settings


def _build(raw: dict[str, Any], source: Path | None) -> Settings:
    label = str(source) if source else "<defaults>"
    base = source.parent if source else Path.cwd()
    problems: list[str] = []
    values = _parse(raw, base, lambda name, what: problems.append(f"{label}: {name}: {what}"))
    if problems:
        raise ConfigError(problems)
    _derive_paths(values)
    return Settings(**{s.replace(".", "__"): SECTIONS[s](**values[s]) for s in SECTIONS},
                    source_file=source)


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
    raw = _lift_subtables(raw)
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


def _lift_subtables(raw: dict[str, Any]) -> dict[str, Any]:
    """[reminders.caldav] arrives as raw["reminders"]["caldav"]: make it raw["reminders.caldav"]
    when that is a section of ours, so that it is checked like any other."""
    lifted = dict(raw)
    for section, table in raw.items():
        if not isinstance(table, dict):
            continue
        inner = {k: v for k, v in table.items() if f"{section}.{k}" in SECTIONS}
        if inner:
            lifted[section] = {k: v for k, v in table.items() if k not in inner}
            lifted.update({f"{section}.{k}": v for k, v in inner.items()})
    return lifted


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
