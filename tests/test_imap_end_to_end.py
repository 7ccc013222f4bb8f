"""The demo's story through IMAP (a real Dovecot) and the demo's vdir calendar must come out
as it does through Maildir: same interviews, states and follow-ups, the same drafts, now in
the server's Drafts folder. A process killed between an APPEND and its record leaves one
draft after the next cycle. An idle cycle costs a few commands per watched folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.config.settings import load_settings
from radiosilence.engine import CycleReport
from radiosilence.wiring import open_engine
from tests.imap_rigs import (  # noqa: F401 (the fixtures)
    Dovecot,
    Proxy,
    dovecot_fixture,
    drafts_on_server,
    imap_config,
    load_maildir,
    new_user,
    proxy_fixture,
)
from tests.story import demo_cycle, plan_summary
from tests.test_crash import EXPECTED, HELPER, KILLED, NOTE, TOMAS, kind_and_recipient
from tests.test_crash import NOW as CRASH_NOW

NOW = datetime.fromisoformat(DEMO_NOW)


@pytest.fixture
def story(tmp_path: Path) -> tuple[Path, CycleReport]:
    """The demo story through Maildir/vdir: the reference to compare with."""
    local = tmp_path / "local"
    report = open_engine(load_settings(prepare(local))).cycle(NOW)
    return local, report


@pytest.fixture
def mailbox(dovecot: Dovecot, tmp_path: Path) -> tuple[Path, str]:
    """A fresh demo folder and an IMAP user holding the demo's mail."""
    root = tmp_path / "imap"
    prepare(root)
    user = new_user()
    assert load_maildir(dovecot, user, root / "mail") > 10
    return root, user


def test_the_story_through_imap_matches_the_local_one(
        story: tuple[Path, CycleReport], mailbox: tuple[Path, str], dovecot: Dovecot) -> None:
    root, user = mailbox
    report = demo_cycle(imap_config(root, dovecot.port, user))
    assert plan_summary(report) == plan_summary(story[1])
    assert sorted(report.outcome.created) == sorted(story[1].outcome.created)
    on_server = drafts_on_server(dovecot, user)
    assert sorted(key for key, _ in on_server) == sorted(report.outcome.created)
    assert len(on_server) == 5
    # Headers first kept what the whole-message scan kept: the same messages stored.
    local_store = open_engine(load_settings(story[0] / "config.toml")).store
    imap_store = open_engine(load_settings(root / "imap.toml")).store
    assert sorted(m.id for m in imap_store.messages()) == \
        sorted(m.id for m in local_store.messages())


def test_a_second_cycle_creates_nothing_and_reading_marks_nothing_seen(
        mailbox: tuple[Path, str], dovecot: Dovecot) -> None:
    root, user = mailbox
    config = imap_config(root, dovecot.port, user)
    demo_cycle(config)
    again = demo_cycle(config)
    assert again.outcome.created == [] and again.outcome.changes == 0
    assert len(drafts_on_server(dovecot, user)) == 5


def test_an_idle_cycle_costs_at_most_three_commands_per_folder(
        mailbox: tuple[Path, str], dovecot: Dovecot, proxy: Proxy) -> None:
    root, user = mailbox
    engine = open_engine(load_settings(imap_config(root, proxy.port, user)))
    try:
        engine.cycle(NOW)
        proxy.reset()
        source = engine.syncer.mail
        source.changes(engine.store.cursor("mail"))
        watched = 2  # INBOX and Sent: Dovecot has no All Mail
        assert proxy.total() <= 3 * watched, dict(proxy.commands)
        assert set(proxy.commands) <= {"LIST", "STATUS", "NOOP"}, dict(proxy.commands)
        # The whole idle cycle: that, and one look at each of our 5 drafts, which stay
        # selected between cycles.
        proxy.reset()
        engine.cycle(NOW)
        assert dict(proxy.commands) == {"LIST": 1, "STATUS": 2, "UID FETCH": 5}
    finally:
        engine.store.close()


# Everything a cycle may say to the server: reading, and writing into Drafts. IMAP itself
# cannot send mail; what must never happen is a message put anywhere but Drafts.
_ALLOWED = {"CAPABILITY", "LOGIN", "LIST", "STATUS", "SELECT", "EXAMINE", "UID SEARCH",
            "UID FETCH", "APPEND", "UID STORE", "UID EXPUNGE", "LOGOUT", "NOOP", "ENABLE",
            "UNSELECT", "CLOSE", "ID"}


def test_a_cycle_only_reads_and_writes_drafts(mailbox: tuple[Path, str], proxy: Proxy) -> None:
    root, user = mailbox
    report = demo_cycle(imap_config(root, proxy.port, user))
    assert len(report.outcome.created) == 5
    assert set(proxy.commands) <= _ALLOWED, dict(proxy.commands)
    assert proxy.appended_to == ["Drafts"] * 5
    assert proxy.commands["UID STORE"] == 0  # nothing flagged, \Seen least of all


def _run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *map(str, argv)], capture_output=True, text=True,
                          encoding="utf-8", timeout=180, check=False)


@pytest.mark.parametrize("puts", [1, 3])
def test_a_kill_between_append_and_record_leaves_one_draft(
        mailbox: tuple[Path, str], dovecot: Dovecot, tmp_path: Path, puts: int) -> None:
    root, user = mailbox
    config = imap_config(root, dovecot.port, user)
    helper = tmp_path / "die_after_puts.py"
    helper.write_text(HELPER, encoding="utf-8")
    died = _run(helper, config, CRASH_NOW, str(puts))
    assert died.returncode == KILLED, died.stderr
    assert len(drafts_on_server(dovecot, user)) == puts

    done = _run("-m", "radiosilence", "--config", config, "scan", "--now", CRASH_NOW)
    assert done.returncode == 0, done.stderr
    assert f"create {len(EXPECTED) - puts}," in done.stdout, done.stdout
    counts = Counter(key for key, _ in drafts_on_server(dovecot, user))
    assert all(n == 1 for n in counts.values()), counts
    assert {kind_and_recipient(key) for key in counts} == EXPECTED


def test_a_kill_after_an_update_leaves_one_current_draft(
        mailbox: tuple[Path, str], dovecot: Dovecot, tmp_path: Path) -> None:
    """Killed after his draft was replaced (appended anew, the old copy deleted) but before
    the new ref was recorded: the next cycle adopts the current draft, and nothing doubles."""
    root, user = mailbox
    config = imap_config(root, dovecot.port, user)
    helper = tmp_path / "die_after_puts.py"
    helper.write_text(HELPER, encoding="utf-8")

    def cli(*args: str) -> str:
        done = _run("-m", "radiosilence", "--config", config, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("scan", "--now", CRASH_NOW)
    plans = json.loads(cli("status", "--json", "--now", CRASH_NOW))
    interview = next(p["id"] for p in plans if TOMAS in p["interviewers"])
    cli("note", interview, NOTE, "--who", TOMAS)
    died = _run(helper, config, CRASH_NOW, "1")  # the one put: his draft, updated
    assert died.returncode == KILLED, died.stderr
    assert len(drafts_on_server(dovecot, user)) == 5

    cli("scan", "--now", CRASH_NOW)
    on_server = drafts_on_server(dovecot, user)
    counts = Counter(key for key, _ in on_server)
    assert len(on_server) == 5 and all(n == 1 for n in counts.values()), counts
    (raw,) = [raw for key, raw in on_server if TOMAS in key and key.startswith("thank-you/")]
    assert NOTE.encode() in raw
    again = cli("scan", "--now", CRASH_NOW)
    assert "create 0, update 0, remove 0" in again, again


class _Killed(BaseException):
    """Stands for the process dying: nothing after it runs, nothing catches it."""


def test_a_replace_cut_between_append_and_delete_is_healed(
        mailbox: tuple[Path, str], dovecot: Dovecot) -> None:
    """Killed after the new copy of his draft was appended but before the old one was
    deleted: two copies of one key on the server. The next cycle leaves the current one."""
    root, user = mailbox
    config = imap_config(root, dovecot.port, user)
    now = datetime.fromisoformat(CRASH_NOW)
    _cycle_at(config, now)
    status = _run("-m", "radiosilence", "--config", config, "status", "--json", "--now",
                  CRASH_NOW)
    interview = next(p["id"] for p in json.loads(status.stdout)
                     if TOMAS in p["interviewers"])
    done = _run("-m", "radiosilence", "--config", config, "note", interview, NOTE,
                "--who", TOMAS)
    assert done.returncode == 0, done.stderr

    engine = open_engine(load_settings(config))

    def die(ref: str) -> None:
        raise _Killed(ref)

    engine.sink.delete = die  # type: ignore[method-assign]
    with pytest.raises(_Killed):
        engine.cycle(now)
    engine.store.close()
    assert len(drafts_on_server(dovecot, user)) == 6  # his old and his new draft

    _cycle_at(config, now)
    on_server = drafts_on_server(dovecot, user)
    counts = Counter(key for key, _ in on_server)
    assert len(on_server) == 5 and all(n == 1 for n in counts.values()), counts
    (raw,) = [raw for key, raw in on_server if TOMAS in key and key.startswith("thank-you/")]
    assert NOTE.encode() in raw


def _cycle_at(config: Path, now: datetime) -> CycleReport:
    engine = open_engine(load_settings(config))
    try:
        return engine.cycle(now)
    finally:
        engine.store.close()
