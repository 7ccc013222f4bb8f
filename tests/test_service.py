"""The real `radiosilence run` as a subprocess: sd_notify, the feed over HTTP, new mail,
signals, the instance lock, and hard kills at random points.

Synchronisation is by the service's own sd_notify messages on a socket the test binds
(READY, then one STATUS per cycle), never by sleeping.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

import icalendar
import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare

STORY_NOW = DEMO_NOW
WAIT = 60.0  # the longest any single expectation may take before the test fails


class Notifications:
    """The datagram socket systemd would listen on; collects what the service says."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.path = path
        self.seen: list[str] = []

    def next(self, deadline: float) -> str:
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            message = self.sock.recv(4096).decode()
        except TimeoutError:
            raise AssertionError(f"no notification in time; so far: {self.seen}") from None
        self.seen.append(message)
        return message

    def wait_for(self, needle: str, count: int = 1) -> list[str]:
        """Block until `count` messages containing `needle` have arrived; return them."""
        deadline = time.monotonic() + WAIT
        found: list[str] = []
        while len(found) < count:
            message = self.next(deadline)
            if needle in message:
                found.append(message)
        return found

    def close(self) -> None:
        self.sock.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_demo(root: Path, interval: float = 0.02) -> tuple[Path, int]:
    """A prepared demo folder whose service cycles every `interval` minutes on its own port."""
    config = prepare(root)
    port = free_port()
    text = config.read_text(encoding="utf-8")
    feed = '[feed]\npath = "feed/radiosilence.ics"\n'
    assert feed in text
    text = text.replace(feed, f"{feed}port = {port}\n")
    config.write_text(text + f"\n[service]\ninterval_minutes = {interval}\n", encoding="utf-8")
    return config, port


def start(config: Path, notify: Notifications, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "2000000",
           "PYTHONUNBUFFERED": "1"}
    env.pop("WATCHDOG_PID", None)
    return subprocess.Popen(
        [sys.executable, "-m", "radiosilence", "--config", str(config), "run",
         "--now", STORY_NOW, *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def stop(process: subprocess.Popen[bytes], *, ask: bool = True) -> tuple[int, str]:
    """Ask the service to stop (unless `ask` is False: wait for it to stop by itself);
    return its exit code and what it wrote to stderr."""
    if ask and process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, err.decode(errors="replace")


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def feed_path(root: Path) -> str:
    token = (root / "state" / "feed-token").read_text().strip()
    return f"/{token}/radiosilence.ics"


def draft_keys(root: Path) -> Counter[str]:
    keys: Counter[str] = Counter()
    for path in (root / "mail" / ".Drafts" / "cur").glob("*"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        keys[message["X-Radiosilence-Key"]] += 1
    return keys


NEW_INVITE = """\
From: "Wren Talent" <wren@tidewater.example>
To: sam.rivera@example.net
Subject: Interview confirmed: Tidewater - Data Engineer
Date: Wed, 18 Mar 2026 11:00:00 +0000
Message-ID: <tidewater-invite-1@tidewater.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Looking forward to the interview today.

--b1
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
METHOD:REQUEST
BEGIN:VEVENT
UID:tidewater-1@tidewater.example
DTSTAMP:20260318T110000Z
DTSTART:20260318T140000Z
DTEND:20260318T150000Z
SUMMARY:Interview: Sam Rivera <> Tidewater (Data Engineer)
ORGANIZER;CN=Wren Talent:mailto:wren@tidewater.example
ATTENDEE;CN=Odile Brandt:mailto:odile.brandt@tidewater.example
ATTENDEE;CN=Sam Rivera:mailto:sam.rivera@example.net
END:VEVENT
END:VCALENDAR

--b1--
"""


def deliver(root: Path, name: str, text: str) -> None:
    tmp = root / "mail" / "tmp" / name
    tmp.write_text(text, encoding="utf-8")
    tmp.rename(root / "mail" / "new" / name)


@pytest.fixture
def notify(tmp_path: Path) -> Notifications:
    listener = Notifications(tmp_path / "notify.sock")
    yield listener
    listener.close()


def test_the_service_serves_notices_and_reacts(tmp_path: Path, notify: Notifications) -> None:
    root = tmp_path / "demo"
    config, port = make_demo(root)
    process = start(config, notify)
    try:
        notify.wait_for("READY=1")  # serving; the first sync runs after this
        assert "10 interviews" in notify.wait_for("interviews")[0]
        first = get(port, feed_path(root))
        assert first.status == 200
        assert first.getheader("Content-Type") == "text/calendar; charset=utf-8"
        etag = first.getheader("ETag")
        calendar = icalendar.Calendar.from_ical(first.body)  # type: ignore[attr-defined]
        assert len(calendar.walk("VEVENT")) >= 5
        assert get(port, feed_path(root), {"If-None-Match": etag}).status == 304
        assert get(port, "/" + "0" * 43 + "/radiosilence.ics").status == 404
        assert notify.wait_for("WATCHDOG=1")

        deliver(root, "1773831600.M1P1.test", NEW_INVITE)
        notify.wait_for("STATUS=", count=2)  # a whole cycle began after the delivery
        assert draft_keys(root)["thank-you/" + _iv("tidewater-1@tidewater.example")
                                + "/odile.brandt@tidewater.example/0"] == 1
        changed = get(port, feed_path(root), {"If-None-Match": etag})
        assert changed.status == 200 and changed.getheader("ETag") != etag
        summaries = [str(e["SUMMARY"]) for e in
                     icalendar.Calendar.from_ical(changed.body).walk("VEVENT")]  # type: ignore[attr-defined]
        assert any("Tidewater" in s for s in summaries)

        # A broken config on SIGHUP is reported and the old one kept.
        good = config.read_text(encoding="utf-8")
        config.write_text(good + "\n[policy]\nnudge_after_days = -1\n", encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        notify.wait_for("STATUS=", count=2)
        assert process.poll() is None
        assert get(port, feed_path(root)).status == 200
        config.write_text(good, encoding="utf-8")
    finally:
        began = time.monotonic()
        code, err = stop(process)
    assert code == 0, err
    assert time.monotonic() - began < 10
    assert "config not reloaded" in err and "nudge_after_days" in err
    assert any("STOPPING=1" in m for m in notify.seen) or "STOPPING=1" in notify.wait_for(
        "STOPPING=1")[0]
    assert "Sam" not in err and "Thank you" not in err  # no bodies in logs


def _iv(uid: str) -> str:
    from radiosilence.understand.interviews import interview_id

    return interview_id(uid)


def test_a_second_instance_says_who_holds_the_lock(tmp_path: Path,
                                                     notify: Notifications) -> None:
    root = tmp_path / "demo"
    config, _ = make_demo(root)
    first = start(config, notify)
    try:
        notify.wait_for("READY=1")
        for leftover in (root / "state").glob("*.lock"):  # a note of who holds it, only
            leftover.unlink()
        second = subprocess.run(
            [sys.executable, "-m", "radiosilence", "--config", str(config), "run",
             "--now", STORY_NOW], capture_output=True, text=True, timeout=WAIT, check=False)
        assert second.returncode == 7, second.stderr
        assert f"pid {first.pid}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
        # The service's own port is not a problem for check-config.
        check = subprocess.run(
            [sys.executable, "-m", "radiosilence", "--config", str(config), "check-config"],
            capture_output=True, text=True, timeout=WAIT, check=False)
        assert check.returncode == 0, check.stderr
        assert f"pid {first.pid}" in check.stdout and "port was not checked" in check.stdout
        # Nor can the state be reset under its feet: it would go on writing the old file.
        reset = subprocess.run(
            [sys.executable, "-m", "radiosilence", "--config", str(config), "reset"],
            capture_output=True, text=True, timeout=WAIT, check=False)
        assert reset.returncode == 7 and "stop it" in reset.stderr, reset.stderr
        assert (root / "state" / "state.sqlite3").exists()
    finally:
        code, err = stop(first)
    assert code == 0, err


def test_hard_kills_at_random_points_lose_and_duplicate_nothing(
        tmp_path: Path, notify: Notifications) -> None:
    root = tmp_path / "demo"
    config, _ = make_demo(root, interval=0.01)  # a cycle every 0.6 s: kills land mid-cycle
    rng = random.Random(20260318)
    for _ in range(12):
        process = start(config, notify)
        notify.wait_for("STATUS=")  # the service is working (startup or a cycle) ...
        # ... and dies at a random point from here. (Not synchronisation: the chaos itself.)
        time.sleep(rng.uniform(0.0, 0.6))
        process.kill()
        process.wait(timeout=WAIT)
    final = subprocess.run(
        [sys.executable, "-m", "radiosilence", "--config", str(config), "scan", "--now",
         STORY_NOW], capture_output=True, text=True, timeout=WAIT, check=False)
    assert final.returncode == 0, final.stderr
    keys = draft_keys(root)
    assert keys and all(count == 1 for count in keys.values()), keys
    fresh = tmp_path / "fresh"
    fresh_config = prepare(fresh)
    subprocess.run([sys.executable, "-m", "radiosilence", "--config", str(fresh_config),
                    "scan", "--now", STORY_NOW], check=True, capture_output=True, timeout=WAIT)
    assert set(keys) == set(draft_keys(fresh)), "a follow-up was lost or invented"
    feed = (root / "feed" / "radiosilence.ics").read_bytes()
    events = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert len(events) == len(icalendar.Calendar.from_ical(
        (fresh / "feed" / "radiosilence.ics").read_bytes()).walk("VEVENT"))


def test_a_full_notify_queue_never_freezes_the_service(tmp_path: Path) -> None:
    # A supervisor that stops reading: fill its queue before the service even starts.
    path = tmp_path / "stuck.sock"
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stuck.bind(str(path))
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as filler:
        filler.setblocking(False)
        with pytest.raises(BlockingIOError):
            for _ in range(100_000):
                filler.sendto(b"X=1", str(path))
    root = tmp_path / "demo"
    config, port = make_demo(root)
    config.write_text(config.read_text(encoding="utf-8") + '\n[logging]\nlevel = "info"\n',
                      encoding="utf-8")
    env = {**os.environ, "NOTIFY_SOCKET": str(path), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "radiosilence", "--config", str(config), "run", "--now",
         STORY_NOW], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        assert process.stderr is not None
        # READY cannot get through the full queue; the log line says the service is up.
        for line in iter(process.stderr.readline, b""):
            if b"serving the feed" in line:
                break
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
        stuck.close()
    assert process.returncode == 0


def test_an_outage_is_retried_without_exiting(tmp_path: Path, notify: Notifications) -> None:
    root = tmp_path / "demo"
    config, port = make_demo(root)
    process = start(config, notify)
    try:
        notify.wait_for("interviews")  # the first cycle wrote the feed
        (root / "mail").rename(root / "mail-away")  # the mailbox disappears (unmounted disk)
        failed = notify.wait_for("STATUS=waiting to retry")[0]
        assert "does not exist" in failed or "Unavailable" in failed
        assert process.poll() is None
        assert get(port, feed_path(root)).status == 200  # still serving the last feed
        (root / "mail-away").rename(root / "mail")
        notify.wait_for("interviews")  # a later cycle succeeded again
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert "trying again in" in err


def test_logs_carry_journald_priorities_when_stderr_is_the_journal(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    config, _ = make_demo(root)
    config.write_text(config.read_text(encoding="utf-8") + '\n[logging]\nlevel = "info"\n',
                      encoding="utf-8")
    read_end, write_end = os.pipe()
    info = os.fstat(write_end)
    env = {**os.environ, "JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"}
    env.pop("NOTIFY_SOCKET", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "radiosilence", "--config", str(config), "run", "--now",
         STORY_NOW], env=env, stderr=write_end, stdout=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stderr:
        first = stderr.readline().decode()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=WAIT)
    # syslog priority 6 (info) for journald, and no timestamp: journald adds its own.
    assert first.startswith("<6>radiosilence."), first
    assert not any(ch.isdigit() for ch in first.split(":", 1)[0][3:]), first
    assert process.returncode == 0


def test_housekeeping_prunes_old_state_and_orphaned_temporaries(tmp_path: Path) -> None:
    from datetime import datetime, timedelta

    from radiosilence.config.settings import load_settings
    from radiosilence.runtime.service import Clock, Service
    from radiosilence.wiring import open_engine

    config, _ = make_demo(tmp_path / "demo")
    settings = load_settings(config)
    engine = open_engine(settings)
    story = datetime.fromisoformat(STORY_NOW)
    engine.cycle(story)
    drafted = {k for k, a in engine.store.actions().items() if a.status == "drafted"}
    orphan = settings.feed.path.parent / ".radiosilence.ics.x1.tmp"
    orphan.write_bytes(b"half a feed")
    os.utime(orphan, (time.time() - 7200,) * 2)
    # A year later every mail and event is older than twice the recruiting window.
    service = Service(config, settings, engine, Clock(story + timedelta(days=365)), serve=False)
    service.housekeeping()
    assert engine.store.messages() == [] and engine.store.events() == []
    # Drafts that still exist stay recorded: forgetting them could let a second one appear.
    assert {k for k, a in engine.store.actions().items() if a.status == "drafted"} == drafted
    assert not orphan.exists()
    engine.store.close()


def test_housekeeping_keeps_the_last_few_backups(tmp_path: Path) -> None:
    import sqlite3
    from datetime import datetime, timedelta

    from radiosilence.config.settings import load_settings
    from radiosilence.runtime.service import Clock, Service
    from radiosilence.statefile import BACKUPS_KEPT
    from radiosilence.wiring import open_engine

    config, _ = make_demo(tmp_path / "demo")
    settings = load_settings(config)
    engine = open_engine(settings)
    story = datetime.fromisoformat(STORY_NOW)
    engine.cycle(story)
    clock = Clock(story)
    service = Service(config, settings, engine, clock, serve=False)
    for _ in range(BACKUPS_KEPT + 3):  # a day each
        service.housekeeping()
        clock.offset += timedelta(days=1)
    backups = sorted((settings.paths.database.parent / "backups").glob("*.sqlite3"))
    assert len(backups) == BACKUPS_KEPT
    with sqlite3.connect(backups[-1]) as copy:
        kept = {key for (key,) in copy.execute("SELECT key FROM actions")}
    assert kept == set(engine.store.actions())
    engine.store.close()


def test_a_cycle_finding_the_state_busy_waits_then_retries(tmp_path: Path) -> None:
    """`note` or `scan` holding the write lock makes the service's cycle wait a bounded
    time, then try again later: never two writers, never a crash."""
    from datetime import datetime

    from radiosilence.config.settings import load_settings
    from radiosilence.runtime.lock import StateLock
    from radiosilence.runtime.service import Clock, Service
    from radiosilence.wiring import open_engine

    config, _ = make_demo(tmp_path / "demo")
    settings = load_settings(config)
    engine = open_engine(settings)
    folder = settings.paths.database.parent
    service = Service(config, settings, engine, Clock(datetime.fromisoformat(STORY_NOW)),
                      serve=False, lock=StateLock(folder, "run", wait=0.1))
    other = StateLock(folder, "note")  # another descriptor: flock excludes it as a process
    with other:
        service.cycle()
    assert service.retry_at is not None and "busy" in service.summary
    assert engine.store.actions() == {}
    service.cycle()
    assert service.retry_at is None and len(engine.store.actions()) == 5
    other.close()
    service.lock.close()
    engine.store.close()


def test_a_broken_template_stops_the_service_without_restart(tmp_path: Path) -> None:
    """A template error is the user's to fix: exit 2 (not restarted by the unit) with one
    line naming the template, not a retry loop with warnings."""
    config, _ = make_demo(tmp_path / "demo")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "thank-you.txt.j2").write_text("Subject: Thanks\n\n{{ first_name\n")
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[feed]", f'[drafts]\ntemplates_dir = "{templates}"\n\n[feed]'), encoding="utf-8")
    notify = Notifications(tmp_path / "notify.sock")
    try:
        process = start(config, notify)
        code, err = stop(process, ask=False)
    finally:
        notify.close()
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("radiosilence: template thank-you.txt.j2:"), err
    assert "Traceback" not in err and "trying again" not in err


def test_a_bug_is_logged_once_with_its_traceback_then_retried(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging
    from datetime import datetime

    from radiosilence.config.settings import load_settings
    from radiosilence.connectors.memory import MemoryDrafts, MemoryDraftSink
    from radiosilence.runtime.service import Clock, Service
    from radiosilence.wiring import open_engine

    class BrokenSink(MemoryDraftSink):
        def put(self, raw: bytes, key: str, replace: str | None = None,
                thread_hint: str = "") -> str:
            raise KeyError("a bug in a sink")

    config, _ = make_demo(tmp_path / "demo")
    settings = load_settings(config)
    engine = open_engine(settings)
    engine.sink = BrokenSink(MemoryDrafts())
    service = Service(config, settings, engine, Clock(datetime.fromisoformat(STORY_NOW)),
                      serve=False)
    with caplog.at_level(logging.INFO, logger="radiosilence"):
        service.cycle()
        service.cycle()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert "a bug" in errors[0].getMessage()
    retries = [r for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) == 2 and service.retry_at is not None and service.fatal is None
    engine.store.close()
