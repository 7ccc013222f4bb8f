"""What is special to the CalDAV source, against a real Radicale (tests/caldav_rigs.py): the
requests an idle cycle costs, counted at the server; choosing calendars by name; a wrong
password, a server away, a forgotten sync-token, a deleted calendar; settings and wiring;
and the demo story through Maildir + CalDAV against the same story through Maildir + vdir.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import quote

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.cli.errors import EXIT_AUTH, explain
from radiosilence.config.settings import ConfigError, load_settings
from radiosilence.connectors.base import AuthNeeded, RateLimited, Refused, Unavailable
from radiosilence.connectors.caldav.dav import CollectionInfo, Dav, Listing
from radiosilence.connectors.caldav.source import CalDavCalendarSource
from radiosilence.wiring import open_engine
from tests.caldav_rigs import PASSWORD, USER, DiscoveryHost, Radicale
from tests.contract.calendar_source import ics
from tests.story import demo_cycle, plan_summary

NOW = datetime.fromisoformat(DEMO_NOW)
TODO = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\n"
        b"UID:todo-1@example.com\r\nDTSTAMP:20240506T120000Z\r\nSUMMARY:Buy milk\r\n"
        b"END:VTODO\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale") as server:
        yield server


def _source(server: Radicale, *names: str, password: str = PASSWORD) -> CalDavCalendarSource:
    return CalDavCalendarSource(Dav(server.url, USER, password), names)


def _uids(items: list[bytes]) -> set[str]:
    return {line.split(b":", 1)[1].strip().decode() for data in items
            for line in data.splitlines() if line.startswith(b"UID:")}


@pytest.fixture
def account(radicale: Radicale) -> Radicale:
    """Two event calendars (120 events in "Work", more than one multiget batch) and a
    task list holding a task, as a Fastmail or Nextcloud account looks."""
    radicale.make_calendar("work", "Work")
    radicale.make_calendar("home", "Home")
    radicale.make_calendar("tasks", "Tasks", components=("VTODO",))
    for number in range(120):
        radicale.put("work", f"e{number}.ics", ics(f"e{number}@example.com", f"Event {number}"))
    radicale.put("home", "dentist.ics", ics("dentist@example.com", "Dentist"))
    radicale.put("tasks", "todo.ics", TODO)
    return radicale


def test_an_idle_cycle_is_one_request_warm_or_after_a_restart(account: Radicale) -> None:
    source = _source(account)
    first = source.changes(None)
    assert len(first.items) == 121
    account.requests.clear()
    idle = source.changes(first.cursor)
    assert (idle.items, idle.removed) == ([], [])
    assert dict(account.requests) == {"PROPFIND": 1}  # the calendar list with its ctags
    account.requests.clear()
    restarted = _source(account).changes(idle.cursor)  # a new process, the stored cursor
    assert (restarted.items, restarted.removed) == ([], [])
    assert dict(account.requests) == {"PROPFIND": 1}


def test_a_change_reads_only_the_calendar_and_the_object_that_changed(
        account: Radicale) -> None:
    source = _source(account)
    cursor = source.changes(None).cursor
    account.put("work", "e7.ics", ics("e7@example.com", "Event 7, moved".replace(",", "\\,")))
    account.requests.clear()
    later = source.changes(cursor)
    assert [item.ref for item in later.items] == ["/sam/work/e7.ics"]
    # The list, one sync-collection and one multiget; "Home" and "Tasks" are not read.
    assert dict(account.requests) == {"PROPFIND": 1, "REPORT": 2}


def test_without_sync_collection_an_idle_cycle_is_still_one_request(
        account: Radicale) -> None:
    account.sync_collection = False
    source = _source(account)
    first = source.changes(None)
    assert len(first.items) == 121 and '"token": ""' in first.cursor
    account.requests.clear()
    assert source.changes(first.cursor).items == []
    assert dict(account.requests) == {"PROPFIND": 1}
    account.delete("work", "e5.ics")
    account.put("home", "dentist.ics", ics("dentist@example.com", "Dentist at ten"))
    account.requests.clear()
    later = source.changes(first.cursor)
    assert [i.ref for i in later.items] == ["/sam/home/dentist.ics"]
    assert later.removed == ["/sam/work/e5.ics"]
    # The list, then per changed calendar its etags and one multiget where something changed.
    assert dict(account.requests) == {"PROPFIND": 3, "REPORT": 1}


def test_calendars_are_chosen_by_display_name_and_tasks_are_left_out(
        account: Radicale, caplog: pytest.LogCaptureFixture) -> None:
    everything = _source(account).changes(None)
    assert "todo-1@example.com" not in _uids([i.data for i in everything.items])
    assert "dentist@example.com" in _uids([i.data for i in everything.items])
    with caplog.at_level(logging.WARNING):
        home = _source(account, "home", "Holidays").changes(None)
    assert _uids([i.data for i in home.items]) == {"dentist@example.com"}
    assert "'holidays'" in caplog.text and "'Work'" in caplog.text  # what exists instead
    # Dropping a calendar from the config reports its events removed, once.
    narrower = _source(account, "Home").changes(everything.cursor)
    assert len(narrower.removed) == 120 and all("/work/" in r for r in narrower.removed)


def test_a_deleted_calendar_reports_its_events_removed(account: Radicale) -> None:
    source = _source(account)
    cursor = source.changes(None).cursor
    assert account.http("DELETE", account.calendar_url("home")) in (200, 204)
    later = source.changes(cursor)
    assert later.removed == ["/sam/home/dentist.ics"] and later.items == []


def test_calendars_on_another_host_than_the_account_url_are_read_there(
        account: Radicale) -> None:
    with DiscoveryHost(home=account.url + USER + "/") as front:
        source = CalDavCalendarSource(Dav(front.url, USER, PASSWORD))
        first = source.changes(None)
        assert len(first.items) == 121
        assert dict(front.requests) == {"/": 1, "/1234/principal/": 1}
        account.put("home", "dentist.ics", ics("dentist@example.com", "Dentist at ten"))
        # A restart: the home comes from the cursor, the account URL is not asked again.
        later = CalDavCalendarSource(Dav(front.url, USER, PASSWORD)).changes(first.cursor)
        assert [item.ref for item in later.items] == ["/sam/home/dentist.ics"]
        assert sum(front.requests.values()) == 2


def test_a_forgotten_sync_token_falls_back_to_comparing_etags(account: Radicale) -> None:
    source = _source(account)
    first = source.changes(None)
    forged = first.cursor.replace("http://radicale.org/ns/sync/", "http://radicale.org/ns/sync/0")
    account.put("home", "dentist.ics", ics("dentist@example.com", "Dentist at ten"))
    account.delete("work", "e3.ics")
    later = _source(account).changes(forged)
    assert [item.ref for item in later.items] == ["/sam/home/dentist.ics"]
    assert later.removed == ["/sam/work/e3.ics"]


def test_a_wrong_password_is_one_line_with_the_remedy(radicale: Radicale) -> None:
    with pytest.raises(Refused) as caught:
        _source(radicale, password="wrong-secret").changes(None)
    message, code = explain(caught.value)
    assert isinstance(caught.value, AuthNeeded) and code == EXIT_AUTH
    assert "401" in message and "[caldav] username" in message and "app password" in message
    assert "wrong-secret" not in message and "\n" not in message


def test_even_at_debug_the_log_holds_neither_password_nor_event_text(
        account: Radicale, caplog: pytest.LogCaptureFixture) -> None:
    account.put("home", "secret.ics", ics("s@example.com", "Final round at Brightloom"))
    with caplog.at_level(logging.DEBUG):
        source = _source(account)
        source.changes(source.changes(None).cursor)
        with pytest.raises(Refused):
            _source(account, password="wrong-secret").changes(None)
    assert caplog.records  # something was logged, at DEBUG, by someone
    for secret in (PASSWORD, "wrong-secret", "Brightloom"):
        assert secret not in caplog.text


def test_a_server_asking_to_slow_down_is_rate_limited_with_its_delay(
        account: Radicale) -> None:
    source = _source(account)
    cursor = source.changes(None).cursor
    account.throttled = True
    account.requests.clear()
    with pytest.raises(RateLimited) as caught:
        source.changes(cursor)
    assert caught.value.retry_after == 7
    assert dict(account.requests) == {"PROPFIND": 1}  # no sleeping and retrying in a cycle
    account.throttled = False
    assert source.changes(cursor).items == []


def test_a_server_that_is_not_there_is_unavailable() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = CalDavCalendarSource(Dav(f"http://127.0.0.1:{port}/", USER, PASSWORD))
    with pytest.raises(Unavailable, match="cannot reach the server"):
        source.changes(None)


# --- settings and wiring ---------------------------------------------------------------


def _config(root: Path, server: Radicale, extra: str = "", url: str = "") -> Path:
    """`root`/config.toml (the demo's, when there is one) reading the calendar over CalDAV,
    the password in a 0600 file."""
    secret = root / "caldav-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    config = root / "config.toml"
    if not config.exists():
        config.write_text('[user]\naddresses = ["sam@example.net"]\n[paths]\n'
                          'state_dir = "state"\n[maildir]\npath = "mail"\n', encoding="utf-8")
    with config.open("a", encoding="utf-8") as out:
        out.write(f'\n[sources]\ncalendar = "caldav"\n[caldav]\nurl = "{url or server.url}"\n'
                  f'username = "{USER}"\npassword_file = "{secret}"\n{extra}')
    return config


def test_wiring_builds_the_caldav_source_with_the_password_from_the_file(
        radicale: Radicale, tmp_path: Path) -> None:
    engine = open_engine(load_settings(_config(tmp_path, radicale, 'calendars = ["Work"]\n')))
    try:
        source = engine.syncer.calendar
        assert isinstance(source, CalDavCalendarSource) and source.names == ["work"]
        assert source.dav.client.password in (PASSWORD, PASSWORD.encode())
    finally:
        engine.store.close()


@pytest.mark.parametrize("url", ["http://caldav.example.com/dav/", "", "ftp://x/"])
def test_a_server_address_in_the_clear_or_empty_is_a_config_error(
        radicale: Radicale, tmp_path: Path, url: str) -> None:
    config = _config(tmp_path, radicale, url=url or " ")
    with pytest.raises(ConfigError, match=r"caldav\.url: "):
        open_engine(load_settings(config))


def test_scan_with_a_refused_password_stops_with_one_line_and_exit_3(
        radicale: Radicale, tmp_path: Path) -> None:
    config = _config(tmp_path, radicale)
    (tmp_path / "caldav-password").write_text("revoked-app-password\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "radiosilence", "--config", str(config), "scan", "--now",
         DEMO_NOW], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == EXIT_AUTH, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the username or password (401)" in lines[0]
    assert "revoked-app-password" not in done.stderr + done.stdout


# --- the demo story through CalDAV -----------------------------------------------------


def _upload(calendar: Path, server: Radicale) -> None:
    server.make_calendar("personal", "Personal")
    for path in sorted(calendar.glob("*.ics")):
        server.put("personal", quote(path.name), path.read_bytes())


def drafts_in(root: Path) -> list[tuple[str, str, str, str]]:
    """(key, To, Subject, body) of every draft the cycle wrote into the Maildir."""
    found = []
    for path in sorted((root / "mail" / ".Drafts" / "cur").iterdir()):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = mail.get_body(("plain",))
        found.append((str(mail["X-Radiosilence-Key"]), str(mail["To"]), str(mail["Subject"]),
                      body.get_content() if body is not None else ""))
    return sorted(found)


def test_the_demo_story_through_caldav_gives_the_same_plan_and_drafts(
        radicale: Radicale, tmp_path: Path) -> None:
    local, remote = tmp_path / "local", tmp_path / "remote"
    reference = demo_cycle(prepare(local))
    config = prepare(remote)
    _upload(remote / "calendar" / "personal", radicale)
    shutil.rmtree(remote / "calendar")  # nothing may come from the vdir any more
    _config(remote, radicale)
    report = demo_cycle(config)
    assert report.plans and plan_summary(report) == plan_summary(reference)
    assert sorted(report.outcome.created) == sorted(reference.outcome.created)
    assert drafts_in(remote) == drafts_in(local) and len(drafts_in(local)) == 5
    # The next cycle reads nothing new and changes nothing.
    radicale.requests.clear()
    again = demo_cycle(config)
    assert again.outcome.created == [] and again.outcome.changes == 0
    assert dict(radicale.requests) == {"PROPFIND": 1}


# --- what a real server rarely does: a scripted one ------------------------------------


class ScriptedDav(Dav):
    """A server whose answers the test sets: one calendar, a sync-token, what a multiget
    delivers. Only the source's reading of the answers is under test here."""

    def __init__(self) -> None:
        super().__init__("https://dav.example.com/", "u", "p", client=object())
        self.token = "t1"
        self.listings: list[Listing] = []
        self.delivered: dict[str, tuple[str, bytes]] = {}

    def home(self) -> str:
        return self.use_home("https://dav.example.com/home/")

    def collections(self, home: str) -> list[CollectionInfo]:
        return [CollectionInfo("/home/cal/", "Cal", True, "", self.token, ("VEVENT",))]

    def sync(self, href: str, token: str) -> Listing:
        return self.listings.pop(0)

    def multiget(self, calendar: str, hrefs: list[str]) -> dict[str, tuple[str, bytes]]:
        return {h: self.delivered[h] for h in hrefs if h in self.delivered}


def test_an_object_listed_but_not_delivered_is_asked_for_again() -> None:
    dav = ScriptedDav()
    a, b = ics("a@example.com", "A"), ics("b@example.com", "B")
    dav.listings = [Listing(etags={"/home/cal/a.ics": "1", "/home/cal/b.ics": "1"},
                            token="t1", complete=True)]
    dav.delivered = {"/home/cal/a.ics": ("1", a)}  # b went missing in the reply
    source = CalDavCalendarSource(dav)
    first = source.changes(None)
    assert [item.ref for item in first.items] == ["/home/cal/a.ics"]
    # The next cycle lists the calendar again although its token did not move...
    dav.listings = [Listing(etags={"/home/cal/a.ics": "1", "/home/cal/b.ics": "1"},
                            token="t1", complete=True)]
    dav.delivered["/home/cal/b.ics"] = ("1", b)
    second = source.changes(first.cursor)
    assert [item.ref for item in second.items] == ["/home/cal/b.ics"]  # ...and only b
    assert source.changes(second.cursor).items == []  # settled: nothing listed any more


def test_a_truncated_sync_reports_nothing_removed_that_it_did_not_see() -> None:
    dav = ScriptedDav()
    dav.listings = [Listing(etags={f"/home/cal/{n}.ics": "1" for n in "ab"}, token="t1")]
    dav.delivered = {f"/home/cal/{n}.ics": ("1", ics(f"{n}@x", n)) for n in "ab"}
    source = CalDavCalendarSource(dav)
    cursor = source.changes(None).cursor
    dav.token = "t3"  # the server starts over from nothing and truncates its answer
    dav.listings = [Listing(etags={"/home/cal/a.ics": "2"}, token="t2", complete=False)]
    dav.delivered["/home/cal/a.ics"] = ("2", ics("a@x", "a2"))
    later = source.changes(cursor)
    assert [item.ref for item in later.items] == ["/home/cal/a.ics"] and later.removed == []
