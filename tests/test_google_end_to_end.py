"""The demo's story through Gmail and Google Calendar (the loopback emulator) must come out
as it does through Maildir and vdir: same interviews, states and follow-ups, and drafts that
Gmail threads into the right conversations. Crashes, rate limits and a revoked token too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.config.settings import load_settings
from radiosilence.engine import CycleReport
from radiosilence.wiring import open_engine
from tests.google_emulator import Emulator
from tests.story import demo_cycle, plan_summary

NOW = datetime.fromisoformat(DEMO_NOW)


def _seed_from_sample(sample: Path, seed: Path) -> None:
    """The demo's Maildir and vdir as the emulator's seed: mail/<LABEL>/*.eml, calendar/<id>/."""
    for folder, label in ((sample / "mail" / "cur", "INBOX"),
                          (sample / "mail" / ".Sent" / "cur", "SENT")):
        target = seed / "mail" / label
        target.mkdir(parents=True)
        for number, path in enumerate(sorted(folder.iterdir())):
            shutil.copyfile(path, target / f"{number:03d}.eml")
    calendar = seed / "calendar" / "primary"
    calendar.mkdir(parents=True)
    for path in (sample / "calendar" / "personal").glob("*.ics"):
        shutil.copyfile(path, calendar / path.name)


def _google_config(root: Path, base: str, extra: str = "") -> Path:
    config = root / "google.toml"
    config.write_text(
        '[user]\naddresses = ["sam.rivera@example.net"]\nname = "Sam Rivera"\n'
        'timezone = "Europe/London"\n[sources]\nmail = "gmail"\ncalendar = "google"\n'
        f'[google]\napi_endpoint = "{base}"\nanonymous = true\n'
        '[paths]\nstate_dir = "gstate"\n' + extra, encoding="utf-8")
    return config


@pytest.fixture
def story(tmp_path: Path) -> tuple[Path, CycleReport]:
    """The demo story through Maildir/vdir: the reference to compare with."""
    local = tmp_path / "local"
    config = prepare(local)
    report = open_engine(load_settings(config)).cycle(NOW)
    return local, report


@pytest.fixture
def emulator(story: tuple[Path, CycleReport], tmp_path: Path) -> Emulator:
    seed = tmp_path / "seed"
    _seed_from_sample(story[0], seed)
    with Emulator() as emu:
        emu.load_seed(seed)
        yield emu


def _base(emu: Emulator) -> str:
    return str(emu.base_url)


def test_the_story_through_google_matches_the_local_one(
        story: tuple[Path, CycleReport], emulator: Emulator, tmp_path: Path) -> None:
    report = demo_cycle(_google_config(tmp_path, _base(emulator)))
    assert plan_summary(report) == plan_summary(story[1])
    assert sorted(report.outcome.created) == sorted(story[1].outcome.created)
    assert len(emulator.gmail.drafts) == len(story[1].outcome.created) == 5
    assert emulator.sends == []


def test_follow_ups_land_in_the_right_gmail_threads(emulator: Emulator, tmp_path: Path) -> None:
    demo_cycle(_google_config(tmp_path, _base(emulator)))
    by_message_id = {m.rfc822_id.strip("<> "): m for m in emulator.gmail.messages.values()}
    replies = 0
    for draft_id in emulator.gmail.drafts:
        parsed = message_from_bytes(emulator.gmail.draft_raw(draft_id), policy=policy.default)
        key = str(parsed["X-Radiosilence-Key"])
        if not key.startswith(("nudge/", "final/")):
            assert not parsed["In-Reply-To"]  # thank-you notes start their own conversation
            continue
        replies += 1
        answered = by_message_id[str(parsed["In-Reply-To"]).strip("<> ")]
        decision = emulator.gmail.draft_threading[draft_id]
        # Gmail's three rules all held, so the draft joined the conversation it answers.
        assert decision["joined"] and decision["threadId"] == answered.thread_id, decision
        assert str(parsed["Subject"]).startswith("Re: ")
        assert not str(parsed["Subject"]).startswith("Re: Re:")
    assert replies == 2


def test_a_second_cycle_and_a_restart_create_nothing(emulator: Emulator, tmp_path: Path) -> None:
    config = _google_config(tmp_path, _base(emulator))
    demo_cycle(config)
    emulator.reset_counters()
    again = demo_cycle(config)
    assert again.outcome.created == [] and again.outcome.changes == 0
    assert len(emulator.gmail.drafts) == 5


def test_rate_limits_and_server_errors_give_the_same_drafts(
        story: tuple[Path, CycleReport], emulator: Emulator, tmp_path: Path) -> None:
    emulator.faults.add("gmail.users.messages.get", 429, times=3, retry_after=0.01,
                        reason="rateLimitExceeded")
    emulator.faults.add("gmail.users.messages.list", 503, times=2, reason="backendError")
    emulator.faults.add("calendar.events.list", 500, times=1, reason="backendError")
    config = _google_config(tmp_path, _base(emulator))
    report = demo_cycle(config)
    assert sorted(report.outcome.created) == sorted(story[1].outcome.created)
    assert emulator.sends == []


def test_a_crash_after_drafts_create_does_not_duplicate(emulator: Emulator,
                                                        tmp_path: Path) -> None:
    config = _google_config(tmp_path, _base(emulator))
    engine = open_engine(load_settings(config))
    real_put = engine.sink.put
    calls = {"n": 0}

    class Crash(BaseException):
        pass

    def put_then_die(raw: bytes, key: str, replace: str | None = None,
                     thread_hint: str = "") -> str:
        ref = real_put(raw, key, replace=replace, thread_hint=thread_hint)
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash  # the draft exists in Gmail; our record of it was never written
        return ref

    engine.sink.put = put_then_die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        engine.cycle(NOW)
    engine.store.close()
    report = demo_cycle(config)
    keys = [str(message_from_bytes(emulator.gmail.draft_raw(d), policy=policy.default)
                ["X-Radiosilence-Key"]) for d in emulator.gmail.drafts]
    assert len(keys) == len(set(keys)) == 5
    assert len(report.outcome.adopted) == 1


def test_a_revoked_token_stops_with_one_line(emulator: Emulator, tmp_path: Path) -> None:
    base = _base(emulator)
    config = _google_config(tmp_path, base).read_text(encoding="utf-8").replace(
        "anonymous = true\n", "")
    state = tmp_path / "gstate"
    state.mkdir(mode=0o700)
    (state / "google-token.json").write_text(
        '{"token": null, "refresh_token": "r1", "client_id": "c", "client_secret": "s", '
        f'"token_uri": "{base}token", "scopes": []}}', encoding="utf-8")
    (tmp_path / "google.toml").write_text(config, encoding="utf-8")
    emulator.revoke_token()
    done = subprocess.run(
        [sys.executable, "-m", "radiosilence", "--config", str(tmp_path / "google.toml"),
         "scan", "--now", DEMO_NOW], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip().splitlines() == [
        "radiosilence: authorisation expired or revoked: run `radiosilence auth`"]
