"""Setup problems as a new user meets them, through the real command line: each is one line
naming the file or option and the remedy, with an exit code the unit does not restart on."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.cli.errors import EXIT_AUTH, EXIT_CONFIG

NOW = DEMO_NOW


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "radiosilence", *map(str, args)],
                          capture_output=True, text=True, timeout=180, check=False,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})})


def lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.strip()]


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    found = lines(done)
    assert len(found) == 1 and "Traceback" not in done.stderr, done.stderr
    return found[0]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = prepare(tmp_path / "demo")
    _set(path, "feed", f"port = {free_port()}")  # check-config probes the port
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _set(config: Path, section: str, line: str) -> None:
    text = config.read_text(encoding="utf-8")
    if f"[{section}]" in text:
        text = text.replace(f"[{section}]", f"[{section}]\n{line}", 1)
    else:
        text += f"\n[{section}]\n{line}\n"
    config.write_text(text, encoding="utf-8")


# --- check-config runs what scan would --------------------------------------------------------


def test_check_config_passes_the_demo(config: Path) -> None:
    done = cli("check-config", "--config", config)
    assert done.returncode == 0 and done.stdout.startswith(f"config OK: {config}"), done.stderr


def test_check_config_names_missing_addresses(config: Path) -> None:
    config.write_text(config.read_text().replace('addresses = ["sam.rivera@example.net"]', ""))
    done = cli("check-config", "--config", config)
    assert done.returncode == EXIT_CONFIG
    assert "user.addresses: empty" in one_line(done)
    assert cli("scan", "--config", config, "--now", NOW).returncode == EXIT_CONFIG


def test_check_config_names_a_missing_maildir_and_calendar(config: Path) -> None:
    shutil.rmtree(config.parent / "mail")
    shutil.rmtree(config.parent / "calendar")
    done = cli("check-config", "--config", config)
    assert done.returncode == EXIT_CONFIG
    found = lines(done)
    assert len(found) == 2 and "maildir.path" in found[0] and "vdir.path" in found[1], found


def test_check_config_without_a_config_file_says_so(tmp_path: Path) -> None:
    done = cli("check-config", env={"XDG_CONFIG_HOME": str(tmp_path / "empty"),
                                    "HOME": str(tmp_path)})
    assert done.returncode == EXIT_CONFIG
    assert "no config file there" in done.stderr and "user.addresses" in done.stderr


def test_check_config_names_a_broken_template(config: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "nudge.txt.j2").write_text("Subject: Hello\n\n{{ first_name\n")
    _set(config, "drafts", f'templates_dir = "{templates}"')
    done = cli("check-config", "--config", config)
    assert done.returncode == EXIT_CONFIG and "template nudge.txt.j2" in one_line(done)


# --- a busy port, a bad client file, a never-authorised account ---------------------------


def test_a_busy_port_is_one_line_for_run_and_check_config(config: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config.write_text(re.sub(r"(?m)^port = \d+$", f"port = {port}", config.read_text()))
        for args in (("run", "--now", NOW), ("check-config",)):
            done = cli("--config", config, *args)
            assert done.returncode == EXIT_CONFIG, (args, done.stderr)
            line = lines(done)[-1]
            assert f"feed.port: cannot listen on 127.0.0.1:{port}" in line, done.stderr
            assert "Traceback" not in done.stderr


def test_a_web_client_file_is_one_line(config: Path, tmp_path: Path) -> None:
    client = tmp_path / "client.json"
    client.write_text(json.dumps({"web": {"client_id": "x", "client_secret": "y"}}))
    _set(config, "google", f'client_secrets = "{client}"')
    done = cli("--config", config, "auth")
    assert done.returncode == EXIT_CONFIG
    line = one_line(done)
    assert str(client) in line and "'web'" in line and "Desktop app" in line


def test_a_never_authorised_gmail_says_so(config: Path) -> None:
    _set(config, "sources", 'mail = "gmail"')
    done = cli("--config", config, "scan", "--now", NOW)
    assert done.returncode == EXIT_AUTH
    line = one_line(done)
    assert "not authorised yet" in line and "radiosilence auth" in line
    assert "expired" not in line and "revoked" not in line
    assert "not authorised yet" in cli("--config", config, "check-config").stderr


# --- the command line --------------------------------------------------------------------


def test_verbose_is_accepted_anywhere_on_the_line(config: Path) -> None:
    for args in (("-v", "status", "--now", NOW), ("status", "-v", "--now", NOW),
                 ("status", "--now", NOW, "--verbose")):
        done = cli("--config", config, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert "DEBUG" in done.stderr, args


def test_note_who_accepts_only_someone_from_that_interview(config: Path) -> None:
    assert cli("--config", config, "scan", "--now", NOW).returncode == 0
    plans = json.loads(cli("--config", config, "status", "--json", "--now", NOW).stdout)
    brightloom = next(p for p in plans if p["company"] == "Brightloom")
    stranger = cli("--config", config, "note", brightloom["id"], "a note",
                   "--who", "megan.holloway@quillstone.example")
    assert stranger.returncode == EXIT_CONFIG
    line = one_line(stranger)
    assert "megan.holloway@quillstone.example" in line
    assert "tomas.ferreira@brightloom.example" in line
    ok = cli("--config", config, "note", brightloom["id"], "a note",
             "--who", "Tomas.Ferreira@brightloom.example")
    assert ok.returncode == 0, ok.stderr


def test_demo_now_keeps_its_moment_in_the_carry_on_line(tmp_path: Path) -> None:
    done = cli("demo", "--dir", tmp_path / "demo", "--now", "2026-03-20T15:50")
    assert done.returncode == 0, done.stderr
    (carry_on,) = [line for line in done.stdout.splitlines() if "Carry on" in line]
    assert carry_on.endswith("--now 2026-03-20T15:50"), carry_on


# --- mbsync's per-account Maildir layout ------------------------------------------------------


def per_account(config: Path, *names: str, drafts: bool = True) -> Path:
    """The demo's mail moved into Mail/<name>/{INBOX,Sent,Drafts} for each account name."""
    mail = config.parent / "mail"
    flat = config.parent / "flat"
    mail.rename(flat)
    for name in names:
        account = mail / name
        shutil.copytree(flat, account / "INBOX", ignore=shutil.ignore_patterns(".*"))
        shutil.copytree(flat / ".Sent", account / "Sent")
        if drafts:
            shutil.copytree(flat / ".Drafts", account / "Drafts")
    shutil.rmtree(flat)
    return mail


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.glob("*/*") if p.is_file()]


def test_drafts_go_to_the_accounts_drafts_folder(config: Path) -> None:
    mail = per_account(config, "personal")
    done = cli("--config", config, "scan", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert len(_files(mail / "personal" / "Drafts")) == 5
    assert not (mail / "Drafts").exists()
    again = cli("--config", config, "scan", "--now", NOW)
    assert "create 0, update 0, remove 0\n" in again.stdout, again.stdout


def test_several_accounts_with_drafts_folders_are_refused(config: Path) -> None:
    mail = per_account(config, "personal", "work")
    done = cli("--config", config, "scan", "--now", NOW)
    assert done.returncode == EXIT_CONFIG
    line = one_line(done)
    assert '"personal/Drafts"' in line and '"work/Drafts"' in line
    assert "maildir.drafts_folder" in line
    assert not _files(mail / "personal" / "Drafts") and not (mail / "Drafts").exists()


def test_an_account_without_drafts_is_refused_naming_the_folder(config: Path) -> None:
    mail = per_account(config, "personal", drafts=False)
    done = cli("--config", config, "scan", "--now", NOW)
    assert done.returncode == EXIT_CONFIG
    assert 'maildir.drafts_folder to "personal/Drafts"' in one_line(done)
    assert not (mail / "Drafts").exists()
    check = cli("--config", config, "check-config")
    assert check.returncode == EXIT_CONFIG and '"personal/Drafts"' in check.stderr


def test_a_drafts_folder_created_at_the_top_is_warned_about(config: Path) -> None:
    shutil.rmtree(config.parent / "mail" / ".Drafts")
    check = cli("--config", config, "check-config")
    assert check.returncode == 0 and "warning:" in check.stdout and "no Drafts folder yet" \
        in check.stdout, check.stdout
    done = cli("--config", config, "scan", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert "creating the Drafts folder" in one_line(done)
