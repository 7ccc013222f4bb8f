"""The configuration schema: defaults, validation, and errors that name the file and option."""

import dataclasses
import importlib.resources
import tomllib
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radiosilence.config.options import local_timezone_name
from radiosilence.config.settings import (
    SECTIONS,
    ConfigError,
    Settings,
    describe_options,
    load_settings,
)

BUNDLED = Path(str(importlib.resources.files("radiosilence.config") / "default.toml"))


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the per-user config and data folders into tmp_path (platformdirs reads XDG_*)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return tmp_path


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_for(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


def without_source(settings: Settings) -> Settings:
    return dataclasses.replace(settings, source_file=None)


# --- the bundled default.toml ----------------------------------------------------------------


def test_default_toml_gives_exactly_the_schema_defaults(xdg: Path) -> None:
    from_file = load_settings(BUNDLED)
    assert from_file.source_file == BUNDLED
    assert without_source(from_file) == load_settings(None)


def test_default_toml_lists_every_option_with_its_default() -> None:
    raw = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))

    def table_of(section: str) -> dict:
        table = raw
        for part in section.split("."):  # [reminders.caldav] is a table inside [reminders]
            table = table.get(part, {})
        return table

    for dotted, _type, default, _help in describe_options():
        section, key = dotted.rsplit(".", 1)
        assert key in table_of(section), f"{dotted} missing from default.toml"
        assert table_of(section)[key] == default, dotted
    written = {f"{s}.{k}" for s in SECTIONS for k in table_of(s)
               if not isinstance(table_of(s)[k], dict)}
    assert written == {option[0] for option in describe_options()}


def test_default_toml_documents_every_option_with_a_comment() -> None:
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith(("#", "[")):
            assert lines[number - 1].startswith("#"), f"no comment above: {line}"


def test_describe_options_covers_every_field_with_help() -> None:
    options = describe_options()
    assert len(options) == sum(len(dataclasses.fields(cls)) for cls in SECTIONS.values())
    assert len({name for name, *_ in options}) == len(options)
    assert all(type_name and help_text for _, type_name, _, help_text in options)
    assert ("policy.nudge_after_days", "integer >= 1", 7) in [o[:3] for o in options]


# --- defaults and derived paths --------------------------------------------------------------


def test_no_user_file_means_all_defaults(xdg: Path) -> None:
    settings = load_settings(None)
    assert settings.source_file is None
    assert settings.policy.nudge_after_days == 7
    assert settings.policy.reminder_time == time(9, 30)
    assert settings.policy.business_days == ("mon", "tue", "wed", "thu", "fri")
    assert settings.user.timezone == ZoneInfo(local_timezone_name())
    assert settings.maildir.path == Path("~/Mail").expanduser()
    state = xdg / "xdg-data" / "radiosilence"
    assert settings.state_dir == settings.paths.state_dir == state
    assert settings.paths.database == state / "state.sqlite3"
    assert settings.feed.path == state / "radiosilence.ics"
    assert settings.drafts.templates_dir is None


def test_user_file_in_xdg_config_is_read(xdg: Path) -> None:
    path = write(xdg / "xdg-config" / "radiosilence", "[policy]\nnudge_after_days = 10\n")
    settings = load_settings(None)
    assert settings.source_file == path
    assert settings.policy.nudge_after_days == 10


def test_settings_are_frozen(xdg: Path) -> None:
    settings = load_settings(None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.policy.nudge_after_days = 1  # type: ignore[misc]


def test_relative_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = write(tmp_path / "conf", (
        '[paths]\nstate_dir = "state"\n'
        '[maildir]\npath = "~/Maildir"\n'
        '[vdir]\npath = "/srv/calendars"\n'
        '[drafts]\ntemplates_dir = "../templates"\n'
    ))
    settings = load_settings(path)
    folder = tmp_path / "conf"
    assert settings.state_dir == folder / "state"
    assert settings.paths.database == folder / "state" / "state.sqlite3"
    assert settings.feed.path == folder / "state" / "radiosilence.ics"
    assert settings.drafts.templates_dir == folder / "../templates"
    assert settings.maildir.path == tmp_path / "home" / "Maildir"
    assert settings.vdir.path == Path("/srv/calendars")


def test_explicit_database_and_feed_path_win_over_state_dir(tmp_path: Path) -> None:
    path = write(tmp_path, '[paths]\ndatabase = "db/x.sqlite3"\n[feed]\npath = "/tmp/f.ics"\n')
    settings = load_settings(path)
    assert settings.paths.database == tmp_path / "db" / "x.sqlite3"
    assert settings.feed.path == Path("/tmp/f.ics")


# --- values --------------------------------------------------------------------------------


def test_user_addresses_are_lower_cased_and_deduplicated(tmp_path: Path) -> None:
    path = write(tmp_path, '[user]\naddresses = ["Ada@Example.ORG", " ada@example.org", "b@c.d"]\n')
    assert load_settings(path).user.addresses == ("ada@example.org", "b@c.d")


def test_a_non_address_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, '[user]\naddresses = ["ada"]\n')
    assert problems_for(path) == [f"{path}: user.addresses: 'ada' is not an email address"]


def test_timezone_by_iana_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[user]\ntimezone = "Europe/Berlin"\n')
    assert load_settings(path).user.timezone == ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("zone", ["Mars/Base", "europe/berlin", "Europe", "/etc/localtime", ""])
def test_bad_timezone_is_reported(tmp_path: Path, zone: str) -> None:
    path = write(tmp_path, f'[user]\ntimezone = "{zone}"\n')
    [problem] = problems_for(path)
    assert problem.startswith(f"{path}: user.timezone: unknown time zone")


def test_local_timezone_from_tz_variable() -> None:
    assert local_timezone_name({"TZ": "America/New_York"}, Path("/nonexistent")) == (
        "America/New_York")
    assert local_timezone_name({"TZ": ":Asia/Tokyo"}, Path("/nonexistent")) == "Asia/Tokyo"


def test_local_timezone_from_localtime_symlink(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Pacific/Auckland")  # the target need not exist
    assert local_timezone_name({}, link) == "Pacific/Auckland"
    assert local_timezone_name({"TZ": "not a zone"}, link) == "Pacific/Auckland"


def test_local_timezone_falls_back_to_utc(tmp_path: Path) -> None:
    plain_file = write(tmp_path, "", name="localtime")
    assert local_timezone_name({}, plain_file) == "UTC"
    assert local_timezone_name({}, tmp_path / "missing") == "UTC"


@pytest.mark.parametrize("text, expected", [
    ('"09:30"', time(9, 30)), ('"7:05"', time(7, 5)), ('"23:59"', time(23, 59)),
    ("08:15:00", time(8, 15)),
])
def test_good_time_of_day(tmp_path: Path, text: str, expected: time) -> None:
    path = write(tmp_path, f"[policy]\nreminder_time = {text}\n")
    assert load_settings(path).policy.reminder_time == expected


@pytest.mark.parametrize("text", ['"24:00"', '"09:60"', '"9.30"', '"nine"', '""', "08:15:30"])
def test_bad_time_of_day_is_reported(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, f"[policy]\nreminder_time = {text}\n")
    [problem] = problems_for(path)
    assert problem.startswith(f'{path}: policy.reminder_time: expected a time of day "HH:MM"')


def test_holidays_as_toml_dates_or_strings(tmp_path: Path) -> None:
    path = write(tmp_path, '[policy]\nholidays = ["2026-01-01", 2025-12-25]\n')
    assert load_settings(path).policy.holidays == (date(2025, 12, 25), date(2026, 1, 1))


def test_business_days_are_checked_and_case_insensitive(tmp_path: Path) -> None:
    path = write(tmp_path, '[policy]\nbusiness_days = ["Sun", "MON"]\n')
    assert load_settings(path).policy.business_days == ("mon", "sun")
    for bad in ('["mon", "funday"]', "[]"):
        path = write(tmp_path, f"[policy]\nbusiness_days = {bad}\n")
        [problem] = problems_for(path)
        assert problem.startswith(f"{path}: policy.business_days: expected one or more of mon")


# --- errors ----------------------------------------------------------------------------------


def test_unknown_key_and_unknown_section_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, '[user]\nnmae = "Ada"\n[polcy]\nnudge_after_days = 3\n[extra]\n')
    assert problems_for(path) == [
        f"{path}: polcy: unknown section (did you mean 'policy'?)",
        f"{path}: extra: unknown section",
        f"{path}: user.nmae: unknown option (did you mean 'name'?)",
    ]


def test_a_section_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, 'user = "Ada"\n')
    assert problems_for(path) == [f"{path}: user: expected a table [user], got 'Ada'"]


def test_several_bad_values_are_all_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "[policy]\nnudge_after_days = 0\ninterview_threshold = 1.5\n"
        '[feed]\nport = 70000\n[sources]\nmail = "pop3"\n'
        '[logging]\nlevel = "loud"\n[vdir]\npath = ""\n'
    ))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    expected = [
        f"{path}: policy.nudge_after_days: must be >= 1, got 0",
        f"{path}: policy.interview_threshold: must be between 0.0 and 1.0, got 1.5",
        f"{path}: feed.port: must be between 1 and 65535, got 70000",
        f"{path}: sources.mail: must be one of maildir, gmail, imap; got 'pop3'",
        f"{path}: vdir.path: must not be empty",
        f"{path}: logging.level: must be one of debug, info, warning, error; got 'loud'",
    ]
    assert caught.value.problems == expected
    assert str(caught.value) == "\n".join(expected)


@pytest.mark.parametrize("line, dotted, message", [
    ('nudge_after_days = "7"', "policy.nudge_after_days", "expected an integer, got str '7'"),
    ("max_followups = 2.0", "policy.max_followups", "expected an integer, got float 2.0"),
    ("max_followups = true", "policy.max_followups", "expected an integer, got bool True"),
    ("interview_threshold = false", "policy.interview_threshold", "expected a number"),
    ('business_days = "mon"', "policy.business_days", "expected an array of strings"),
    ("holidays = [1]", "policy.holidays", "expected an array of dates, got int 1"),
    ('holidays = ["2025-02-30"]', "policy.holidays", "'2025-02-30' is not a date"),
    ("reminder_time = 930", "policy.reminder_time", 'expected a time of day "HH:MM"'),
])
def test_wrong_types_are_reported(tmp_path: Path, line: str, dotted: str, message: str) -> None:
    path = write(tmp_path, f"[policy]\n{line}\n")
    [problem] = problems_for(path)
    assert problem.startswith(f"{path}: {dotted}: {message}")


def test_wrong_types_in_other_sections(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[user]\nname = 3\naddresses = "ada@example.org"\n'
        '[maildir]\nsent_folders = ["Sent", 1]\npath = 5\n'
    ))
    assert problems_for(path) == [
        f"{path}: user.addresses: expected an array of strings, got str 'ada@example.org'",
        f"{path}: user.name: expected a string, got int 3",
        f"{path}: maildir.path: expected a path, got int 5",
        f"{path}: maildir.sent_folders: expected an array of strings, got int 1",
    ]


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    [problem] = problems_for(path)
    assert problem.startswith(f"{path}: cannot read")


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[user]\nname = "Ada"\naddresses = [\n"a@b.c" "d@e.f"]\n')
    [problem] = problems_for(path)
    assert problem.startswith(f"{path}: invalid TOML: ")
    assert "line 4" in problem


def test_toml_error_at_end_of_file_still_names_a_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[user]\naddresses = ["a@b.c",\n')
    [problem] = problems_for(path)
    assert problem == f"{path}: invalid TOML: Invalid value (at end of document, line 2)"


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[user]\nname = "\xe9"\n')
    assert problems_for(path) == [f"{path}: not UTF-8 text (TOML files must be UTF-8)"]


def test_a_table_inside_a_table_is_a_section_like_any_other(tmp_path: Path) -> None:
    path = write(tmp_path, '[reminders]\nchannels = ["feed", "caldav"]\n\n'
                           '[reminders.caldav]\nurl = "https://dav.example.org/"\n'
                           'lead_minutes = 10\n')
    settings = load_settings(path)
    assert settings.reminders.channels == ("feed", "caldav")
    assert settings.reminders__caldav.url == "https://dav.example.org/"
    assert settings.reminders__caldav.lead_minutes == 10
    bad = write(tmp_path, '[reminders]\nchannels = ["fax"]\n\n[reminders.caldav]\nurll = "x"\n',
                "bad.toml")
    with pytest.raises(ConfigError) as raised:
        load_settings(bad)
    assert raised.value.problems == [
        f"{bad}: reminders.channels: each must be one of feed, caldav, desktop; got 'fax'",
        f"{bad}: reminders.caldav.urll: unknown option (did you mean 'url'?)"]
