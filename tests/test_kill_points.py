"""Crash consistency proven at every write point of a cycle, not sampled: a `radiosilence
scan` is killed (os._exit, no cleanup) just before its Nth write, for every N until a scan
gets through: each file the Maildir sink creates, renames or unlinks in the Drafts folder
and each COMMIT of the state database. Killing before write N+1 is killing right after
write N, so every gap between two writes is hit. Then also two kills in a row, and a restart
that comes only after the thank-yous stopped being wanted.

After the next clean scan: exactly the drafts a scan without crashes leaves, one per key,
and never a key lost. The writes are seen through Python's audit hooks (PEP 578) and the
database's trace callback (the stdlib's connect wrapped to set it), in the real CLI
process: nothing of ours is replaced.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from radiosilence.cli.demo import prepare
from tests.kill_rig import ARMED, EXITED
from tests.test_crash import LATER, NOW, key_counts

KILLED = EXITED


@pytest.fixture
def story(tmp_path: Path) -> tuple[Path, Path]:
    config = prepare(tmp_path / "demo")
    script = tmp_path / "armed.py"
    script.write_text(ARMED, encoding="utf-8")
    return config, script


def _scan(config: Path, now: str, script: Path | None = None, kill_at: int = 0) -> int:
    env = {**os.environ, "KILL_AT": str(kill_at),
           "DRAFTS": str(config.parent / "mail" / ".Drafts")}
    argv = [sys.executable, str(script)] if script else [sys.executable, "-m", "radiosilence"]
    done = subprocess.run([*argv, "--config", str(config), "scan", "--now", now],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode in (0, KILLED), done.stderr
    return done.returncode


def _reference(tmp_path: Path, moments: tuple[str, ...]) -> Counter[str]:
    config = prepare(tmp_path / "reference")
    for now in moments:
        assert _scan(config, now) == 0
    return key_counts(config.parent)


def _fresh(config: Path) -> None:
    """The story back at its start: a new demo folder in place of the old one."""
    root = config.parent
    subprocess.run(["rm", "-rf", str(root)], check=True)
    prepare(root)


def test_a_kill_at_every_write_point_leaves_exactly_the_drafts_of_a_clean_scan(
        story: tuple[Path, Path], tmp_path: Path) -> None:
    config, script = story
    wanted = _reference(tmp_path, (NOW,))
    assert len(wanted) == 5 and set(wanted.values()) == {1}
    points = 0
    for kill_at in range(1, 200):
        if _scan(config, NOW, script, kill_at) == 0:
            break  # a scan got through: every write point before it was tried
        points += 1
        assert _scan(config, NOW) == 0
        assert key_counts(config.parent) == wanted, f"after a kill before write {kill_at}"
        _fresh(config)
    assert points >= 10, points  # 5 drafts written and recorded: more than ten writes
    print(f"\nkilled at {points} write points; each healed to the clean scan's drafts")


@pytest.mark.parametrize("first", [2, 5, 8])
def test_two_kills_in_a_row_then_a_clean_scan(story: tuple[Path, Path], tmp_path: Path,
                                              first: int) -> None:
    config, script = story
    wanted = _reference(tmp_path, (NOW,))
    assert _scan(config, NOW, script, first) == KILLED
    for second in (1, 2, 3):
        if _scan(config, NOW, script, second) == 0:
            break
    assert _scan(config, NOW) == 0
    assert key_counts(config.parent) == wanted


@pytest.mark.parametrize("kill_at", [2, 4, 6, 9])
def test_a_restart_after_the_follow_ups_expired_leaves_none_of_them(
        story: tuple[Path, Path], tmp_path: Path, kill_at: int) -> None:
    """Killed while writing the thank-yous; the next scan comes only when they have expired:
    what a clean story leaves then, and no orphan thank-you."""
    config, script = story
    wanted = _reference(tmp_path, (NOW, LATER))
    assert _scan(config, NOW, script, kill_at) == KILLED
    assert _scan(config, LATER) == 0
    have = key_counts(config.parent)
    assert have == wanted, (have, wanted)
    # The Brightloom thank-yous the killed scan was writing have expired: none is left.
    assert not [k for k in have if "brightloom" in k and k.startswith("thank-you/")]
