"""The state the person can trust, through the real command line (subprocesses): one writer
at a time, a user's odd draft never stops a cycle, one hostile invite stops only itself, a
lost or damaged database is refused, and every failure is one line with an exit code."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.cli.errors import EXIT_FILES, EXIT_LOCKED, EXIT_STATE, EXIT_UNAVAILABLE

NOW = DEMO_NOW
LATER = "2026-03-20T10:00:00+00:00"
DEMO_DRAFTS = 5  # the sample's drafts at NOW (daemon/sample/README.md)


def radiosilence(config: Path, *args: str, wait: float | None = None,
                 background: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    if wait is not None:
        env["RADIOSILENCE_LOCK_WAIT"] = str(wait)
    return subprocess.run([sys.executable, "-m", "radiosilence", "--config", str(config),
                           *args], capture_output=True, text=True, env=env, timeout=180,
                          check=False)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def draft_keys(root: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for path in (root / "mail" / ".Drafts").glob("*/*"):
        if path.is_file() and not path.name.startswith("."):
            msg = message_from_bytes(path.read_bytes(), policy=policy.compat32)
            found[str(msg["X-Radiosilence-Key"] or "")] += 1
    return found


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return prepare(tmp_path / "demo")


# --- one writer at a time ------------------------------------------------------------------


def test_eight_concurrent_scans_on_a_fresh_state_give_the_drafts_of_one(config: Path) -> None:
    command = [sys.executable, "-m", "radiosilence", "--config", str(config), "scan",
               "--now", NOW]
    scans = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(8)]
    results = [(scan.wait(timeout=300), scan.stderr.read()) for scan in scans]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0] * 8, results
    keys = draft_keys(config.parent)
    assert len(keys) == DEMO_DRAFTS and set(keys.values()) == {1}, keys


@contextmanager
def holding_the_lock(config: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the state's write lock until the block ends."""
    script = ("import sys; from pathlib import Path; "
              "from radiosilence.runtime.lock import StateLock; "
              "lock = StateLock(Path(sys.argv[1]), 'scan'); lock.acquire(); "
              "print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", script, str(config.parent / "state")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        holder.communicate(timeout=30)


def test_a_second_writer_waits_then_names_the_holder_in_one_line(config: Path) -> None:
    radiosilence(config, "scan", "--now", NOW)
    ident = radiosilence(config, "status", "--json", "--now", NOW).stdout.split('"id": "')[1]
    ident = ident.split('"')[0]
    with holding_the_lock(config) as holder:
        for args in (("scan", "--now", NOW), ("note", ident, "a note"), ("ignore", ident),
                     ("label", "--export")):
            done = radiosilence(config, *args, wait=0.2)
            assert done.returncode == EXIT_LOCKED, done.stderr
            assert f"pid {holder.pid}" in one_line(done) and "busy" in done.stderr


def test_a_deleted_lock_file_lets_no_second_writer_in(config: Path) -> None:
    radiosilence(config, "scan", "--now", NOW)
    with holding_the_lock(config):
        for leftover in (config.parent / "state").glob("*.lock"):
            leftover.unlink()
        done = radiosilence(config, "scan", "--now", LATER, wait=0.2)
        assert done.returncode == EXIT_LOCKED, done.stdout + done.stderr
        assert "busy" in one_line(done)


# --- the person's drafts and a hostile invite ---------------------------------------------


def test_a_raw_utf8_draft_is_kept_and_the_cycle_goes_on(config: Path) -> None:
    root = config.parent
    assert radiosilence(config, "scan", "--now", NOW).returncode == 0
    paths = sorted(p for p in (root / "mail" / ".Drafts" / "cur").glob("*") if p.is_file())
    raw_address, odd_charset = paths[0], paths[1]
    # The person's mail program saved them unencoded: a raw UTF-8 address, and a text
    # in a charset no codec knows.
    edited = re.sub(rb"(?m)^To: .*?(?=\r?$)", "To: Tomás <tomás@brightloom.example>".encode(),
                    raw_address.read_bytes(), count=1)
    raw_address.write_bytes(edited)
    odd = re.sub(rb'charset="?utf-8"?', b"charset=unknown-8bit", odd_charset.read_bytes())
    odd = re.sub(rb"Content-Transfer-Encoding: \w+", b"Content-Transfer-Encoding: 8bit", odd)
    odd = re.sub(rb"(\r?\n\r?\n)", lambda m: m[1] + "Je vous écris\r\n".encode("latin-1"),
                 odd, count=1)
    odd_charset.write_bytes(odd)

    done = radiosilence(config, "scan", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": it is yours now, left alone") == 2, done.stdout
    assert raw_address.read_bytes() == edited and odd_charset.read_bytes() == odd
    assert sum(draft_keys(root).values()) == DEMO_DRAFTS


HOSTILE = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//hostile//EN
BEGIN:VEVENT
UID:hostile-all-hands@acme.example
DTSTAMP:20260310T090000Z
DTSTART:20260318T100000Z
DTEND:20260318T110000Z
SUMMARY:Interview: Sam Rivera <> Acme (Backend Engineer)
ORGANIZER;CN=Rita Recruiter:mailto:rita@acme.example
ATTENDEE;CN=Sam Rivera;PARTSTAT=ACCEPTED:mailto:sam.rivera@example.net
{attendees}END:VEVENT
END:VCALENDAR
"""


def test_a_ten_thousand_attendee_invite_stalls_only_itself(config: Path) -> None:
    root = config.parent
    attendees = "".join(f"ATTENDEE;CN=Person {i};PARTSTAT=ACCEPTED:mailto:p{i}@acme.example\r\n"
                        for i in range(10_000))
    (root / "calendar" / "personal" / "hostile.ics").write_text(
        HOSTILE.replace("\n", "\r\n").format(attendees=attendees), encoding="utf-8")
    done = radiosilence(config, "scan", "--now", NOW)
    assert done.returncode == 0, done.stderr
    held = [line for line in done.stdout.splitlines() if line.startswith("Held back:")]
    # 10,000 attendees are read as the first 500 (parse/calendar.py): 499 besides the person.
    assert len(held) == 1 and "Acme" in held[0], done.stdout
    assert re.search(r"would get 499 drafts", held[0]), held
    keys = draft_keys(root)
    assert len(keys) == DEMO_DRAFTS and not any("acme" in key for key in keys), keys
    status = radiosilence(config, "status", "--now", NOW)
    assert status.returncode == 0 and "Held back:" in status.stdout, status.stdout


# --- a lost or damaged database -----------------------------------------------------------


def state_files(config: Path) -> tuple[Path, Path]:
    state = config.parent / "state"
    return state / "state.sqlite3", state / "state.marker"


@pytest.mark.parametrize("how", ["truncated", "deleted"])
def test_a_lost_database_is_refused_in_one_line_until_reset(config: Path, how: str) -> None:
    root = config.parent
    assert radiosilence(config, "scan", "--now", NOW).returncode == 0
    database, marker = state_files(config)
    for leftover in database.parent.glob("state.sqlite3-*"):
        leftover.unlink()
    if how == "truncated":
        database.write_bytes(b"")
    else:
        database.unlink()
    deleted = sorted(draft_keys(root))[0]
    for path in (root / "mail" / ".Drafts").glob("*/*"):  # the person deletes one draft
        if deleted in path.read_text(errors="replace"):
            path.unlink()

    done = radiosilence(config, "scan", "--now", NOW)
    assert done.returncode == EXIT_STATE
    line = one_line(done)
    assert str(database) in line and str(marker) in line and "radiosilence reset" in line
    assert deleted not in draft_keys(root), "a draft the person deleted came back"

    reset = radiosilence(config, "reset")
    assert reset.returncode == 0 and "moved aside" in reset.stdout, reset.stderr
    assert radiosilence(config, "scan", "--now", NOW).returncode == 0


def test_a_damaged_database_is_one_line_and_the_traceback_only_with_v(config: Path) -> None:
    assert radiosilence(config, "scan", "--now", NOW).returncode == 0
    database, _ = state_files(config)
    radiosilence(config, "backup")  # folds the log in, so the damage below is seen
    for leftover in database.parent.glob("state.sqlite3-*"):
        leftover.unlink()
    data = bytearray(database.read_bytes())
    data[100:8000] = b"\xff" * 7900
    database.write_bytes(bytes(data))
    done = radiosilence(config, "scan", "--now", NOW)
    assert done.returncode == EXIT_STATE
    line = one_line(done)
    assert str(database) in line and "damaged" in line and "backups" in line
    verbose = radiosilence(config, "scan", "--now", NOW, "-v")
    assert verbose.returncode == EXIT_STATE and "Traceback" in verbose.stderr


def test_backup_writes_a_consistent_copy_and_keeps_the_last_few(config: Path) -> None:
    assert radiosilence(config, "scan", "--now", NOW).returncode == 0
    database, _ = state_files(config)
    copies = []
    for _ in range(7):
        done = radiosilence(config, "backup")
        assert done.returncode == 0, done.stderr
        copies.append(Path(done.stdout.strip().rpartition(" ")[2]))
    kept = sorted((database.parent / "backups").glob("*.sqlite3"))
    assert 1 <= len(kept) <= 5 and copies[-1] in kept
    with sqlite3.connect(copies[-1]) as copy, sqlite3.connect(database) as live:
        query = "SELECT key, status FROM actions ORDER BY key"
        assert copy.execute(query).fetchall() == live.execute(query).fetchall()
        assert len(copy.execute(query).fetchall()) == DEMO_DRAFTS


# --- the file system says no ----------------------------------------------------------------


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip()}); a read-only or full folder "
                    "needs a mount when the tests run as root, whom modes do not stop")


def test_a_read_only_state_folder_is_one_line(config: Path) -> None:
    assert radiosilence(config, "scan", "--now", NOW).returncode == 0
    state = config.parent / "state"
    _mount("--bind", str(state), str(state))
    try:
        _mount("-o", "remount,ro,bind", str(state))
        done = radiosilence(config, "scan", "--now", LATER)
    finally:
        subprocess.run(["umount", str(state)], check=True)
    assert done.returncode == EXIT_FILES
    line = one_line(done)
    assert str(state) in line and "read-only" in line and "ReadWritePaths" in line


def test_a_full_disk_is_one_line(config: Path) -> None:
    root = config.parent
    assert radiosilence(config, "scan", "--now", NOW).returncode == 0
    small = root / "small"
    small.mkdir()
    _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small))
    try:
        subprocess.run(["cp", "-a", f"{root / 'state'}/.", str(small)], check=True)
        filler = os.open(small / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(filler, b"\0" * 4096):
                pass
        except OSError:  # full: what the test wants
            pass
        finally:
            os.close(filler)
        text = config.read_text().replace('state_dir = "state"', 'state_dir = "small"')
        config.write_text(text)
        done = radiosilence(config, "scan", "--now", LATER)
    finally:
        subprocess.run(["umount", str(small)], check=True)
    assert done.returncode == EXIT_FILES, done.stderr
    line = one_line(done)
    assert str(small) in line and "disk is full" in line and "free some space" in line


def test_a_lost_database_restored_from_a_backup_is_accepted(config: Path) -> None:
    root = config.parent
    assert radiosilence(config, "scan", "--now", NOW).returncode == 0
    copy = Path(radiosilence(config, "backup").stdout.strip().rpartition(" ")[2])
    database, _ = state_files(config)
    for leftover in database.parent.glob("state.sqlite3*"):
        leftover.unlink()
    deleted = sorted(draft_keys(root))[0]
    for path in (root / "mail" / ".Drafts").glob("*/*"):  # the person deletes one draft
        if deleted in path.read_text(errors="replace"):
            path.unlink()
    assert radiosilence(config, "scan", "--now", NOW).returncode == EXIT_STATE
    shutil.copy(copy, database)
    done = radiosilence(config, "scan", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert deleted not in draft_keys(root), "the restored state knows the draft was ours"
    assert sum(draft_keys(root).values()) == DEMO_DRAFTS - 1


def test_a_missing_mail_folder_is_one_line_naming_the_option(config: Path) -> None:
    mail = config.parent / "mail"
    mail.rename(config.parent / "unmounted")
    done = radiosilence(config, "scan", "--now", NOW)
    assert done.returncode == EXIT_UNAVAILABLE  # for the service: a disk not mounted yet
    line = one_line(done)
    assert str(mail) in line and "maildir.path" in line


def test_commands_run_in_one_process_release_the_lock_in_turn(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A caller running several commands in one process (tests, a wrapper) is not locked
    out by its own earlier command."""
    from radiosilence.cli.main import main

    monkeypatch.setenv("RADIOSILENCE_LOCK_WAIT", "0.2")
    codes = [main(["--config", str(config), "scan", "--now", NOW]) for _ in range(3)]
    assert codes == [0, 0, 0], capsys.readouterr().err
