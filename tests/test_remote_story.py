"""The whole remote path against real servers: the demo story through IMAP (Dovecot) and
CalDAV (Radicale) gives the plan and drafts it gives through Maildir and vdir, and
`radiosilence setup` in a subprocess tests both and writes a config that works."""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.config.settings import load_settings
from radiosilence.wiring import open_engine
from tests.caldav_rigs import PASSWORD as CALDAV_PASSWORD
from tests.caldav_rigs import USER as CALDAV_USER
from tests.caldav_rigs import Radicale
from tests.imap_rigs import PASSWORD as IMAP_PASSWORD
from tests.imap_rigs import (  # noqa: F401 (the fixture)
    Dovecot,
    dovecot_fixture,
    drafts_on_server,
    load_maildir,
    new_user,
)
from tests.story import plan_summary
from tests.test_caldav import _upload

NOW = datetime.fromisoformat(DEMO_NOW)


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale") as server:
        yield server


def _secret(path: Path, password: str) -> Path:
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _remote(tmp_path: Path, dovecot: Dovecot, radicale: Radicale) -> tuple[Path, str]:
    """The demo's mail in a Dovecot user, its calendar in Radicale; nothing local left."""
    root = tmp_path / "remote"
    prepare(root)
    user = new_user()
    assert load_maildir(dovecot, user, root / "mail") > 10
    _upload(root / "calendar" / "personal", radicale)
    return root, user


def test_the_story_through_imap_and_caldav_matches_the_local_one(
        tmp_path: Path, dovecot: Dovecot, radicale: Radicale) -> None:  # noqa: F811
    local = open_engine(load_settings(prepare(tmp_path / "local"))).cycle(NOW)
    root, user = _remote(tmp_path, dovecot, radicale)
    config = root / "remote.toml"
    config.write_text(
        '[user]\naddresses = ["sam.rivera@example.net"]\nname = "Sam Rivera"\n'
        'timezone = "Europe/London"\n[sources]\nmail = "imap"\ncalendar = "caldav"\n'
        f'[imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{user}"\n'
        f'password_file = "{_secret(root / "imap-password", IMAP_PASSWORD)}"\n'
        f'[caldav]\nurl = "{radicale.url}"\nusername = "{CALDAV_USER}"\n'
        f'password_file = "{_secret(root / "caldav-password", CALDAV_PASSWORD)}"\n'
        '[paths]\nstate_dir = "rstate"\n', encoding="utf-8")
    report = open_engine(load_settings(config)).cycle(NOW)
    assert report.plans and plan_summary(report) == plan_summary(local)
    assert sorted(report.outcome.created) == sorted(local.outcome.created)
    assert sorted(key for key, _ in drafts_on_server(dovecot, user)) == \
        sorted(local.outcome.created)


def test_setup_tests_imap_and_caldav_and_writes_a_working_config(
        tmp_path: Path, dovecot: Dovecot, radicale: Radicale) -> None:  # noqa: F811
    """One user name and one app password for mail and calendar, as Fastmail and iCloud
    give them."""
    root = tmp_path / "remote"
    prepare(root)
    assert load_maildir(dovecot, CALDAV_USER, root / "mail") > 10
    _upload(root / "calendar" / "personal", radicale)
    (tmp_path / "radicale" / "users").write_text(f"{CALDAV_USER}:{IMAP_PASSWORD}\n")
    secret = _secret(tmp_path / "app-password", IMAP_PASSWORD)
    config = tmp_path / "cfg" / "config.toml"
    done = subprocess.run(
        [sys.executable, "-m", "radiosilence", "--config", str(config), "setup",
         "--now", DEMO_NOW, "--provider", "imap", "--email", "sam.rivera@example.net",
         "--imap-host", "127.0.0.1", "--imap-port", str(dovecot.port),
         "--imap-security", "none", "--username", CALDAV_USER, "--password-file", str(secret),
         "--calendar", "caldav", "--calendar-url", radicale.url,
         "--state-dir", str(tmp_path / "state"), "--timezone", "Europe/London"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recruiting messages and 10 interviews in the last 60 days" in done.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert IMAP_PASSWORD not in config.read_text()
    scan = subprocess.run([sys.executable, "-m", "radiosilence", "--config", str(config),
                           "scan", "--now", DEMO_NOW], capture_output=True, text=True,
                          timeout=180, check=False)
    assert scan.returncode == 0 and "did create 5" in scan.stdout, scan.stdout + scan.stderr
    assert len(drafts_on_server(dovecot, CALDAV_USER)) == 5
