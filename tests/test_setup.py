"""`radiosilence setup` in a subprocess, with flags as a script would give them: it tests
the mailbox and calendar (a real Radicale for CalDAV), writes a 0600 config without the
password, says what it found and what to run next; a refusal is one line and no config."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from radiosilence.cli.demo import prepare
from tests.caldav_rigs import PASSWORD, USER, Radicale
from tests.test_caldav import _upload

NOW = "2026-03-18T17:00:00+00:00"


def setup(config: Path, *flags: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "radiosilence", "--config", str(config), "setup", "--now", NOW,
         *map(str, flags)], capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=120, check=False)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """The demo's mailbox and calendar, without its config."""
    root = tmp_path / "sample"
    prepare(root)
    (root / "config.toml").unlink()
    return root


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale") as server:
        yield server


def _secret(folder: Path, password: str) -> Path:
    path = folder / "caldav-password"
    path.write_text(password + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def test_a_local_maildir_is_tested_and_its_config_written(sample: Path, tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "config.toml"
    done = setup(config, "--provider", "maildir", "--email", "sam.rivera@example.net",
                 "--maildir", sample / "mail", "--vdir", sample / "calendar",
                 "--state-dir", tmp_path / "state", "--timezone", "Europe/London")
    assert done.returncode == 0, done.stderr
    assert "Found 17 recruiting messages and 10 interviews in the last 60 days." in done.stdout
    assert f"Next: radiosilence --config {config} scan --dry-run" in done.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    scan = subprocess.run([sys.executable, "-m", "radiosilence", "--config", str(config),
                           "scan", "--dry-run", "--now", NOW], capture_output=True, text=True,
                          timeout=120, check=False)
    assert scan.returncode == 0 and "would create 5" in scan.stdout, scan.stdout + scan.stderr


def test_a_caldav_calendar_is_tested_against_the_server(sample: Path, tmp_path: Path,
                                                        radicale: Radicale) -> None:
    _upload(sample / "calendar" / "personal", radicale)
    config = tmp_path / "cfg" / "config.toml"
    secret = _secret(tmp_path, PASSWORD)
    done = setup(config, "--provider", "maildir", "--email", "sam.rivera@example.net",
                 "--maildir", sample / "mail", "--calendar", "caldav",
                 "--calendar-url", radicale.url, "--username", USER,
                 "--password-file", secret, "--state-dir", tmp_path / "state")
    assert done.returncode == 0, done.stderr
    assert "and 10 interviews in the last 60 days" in done.stdout, done.stdout
    text = config.read_text()
    assert PASSWORD not in text and f'password_file = "{secret}"' in text
    assert radicale.requests["PROPFIND"] >= 1


def test_a_refused_password_is_one_line_and_writes_nothing(sample: Path, tmp_path: Path,
                                                           radicale: Radicale) -> None:
    _upload(sample / "calendar" / "personal", radicale)
    config = tmp_path / "cfg" / "config.toml"
    done = setup(config, "--provider", "maildir", "--email", "sam.rivera@example.net",
                 "--maildir", sample / "mail", "--calendar", "caldav",
                 "--calendar-url", radicale.url, "--username", USER,
                 "--password-file", _secret(tmp_path, "wrong"), "--state-dir", tmp_path / "s")
    assert done.returncode == 3, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "refused" in line and "wrong" not in line
    assert not config.exists()


def test_without_a_terminal_a_missing_answer_names_what_is_needed(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    done = setup(config)
    assert done.returncode == 2
    assert done.stderr.strip() == ("radiosilence: setup needs --provider: one of fastmail, "
                                   "gmail, gmail-api, icloud, imap, maildir")
    done = setup(config, "--provider", "fastmail", "--email", "sam@example.org")
    assert done.returncode == 2
    assert "setup needs: app password" in done.stderr
    assert not config.exists()
