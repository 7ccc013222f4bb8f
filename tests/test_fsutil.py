"""Private, atomic writes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from radiosilence.fsutil import atomic_write, ensure_private_dir, remove_stale_temporaries


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_write_makes_private_folders_and_files(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "feed.ics"
    atomic_write(target, b"one")
    assert target.read_bytes() == b"one"
    assert _mode(target) == 0o600 and _mode(target.parent) == 0o700
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["feed.ics"]


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    ensure_private_dir(shared)
    atomic_write(shared / "feed.ics", b"x")
    assert _mode(shared) == 0o755 and _mode(shared / "feed.ics") == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.txt"
    atomic_write(target, b"old")
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.txt"]


def test_stale_temporaries_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    import os
    import time

    old = tmp_path / ".radiosilence.ics.abc123.tmp"
    fresh = tmp_path / ".radiosilence.ics.def456.tmp"
    keep = tmp_path / "radiosilence.ics"
    for path in (old, fresh, keep):
        path.write_bytes(b"x")
    now = time.time()
    os.utime(old, (now - 7200, now - 7200))
    os.utime(keep, (now - 7200, now - 7200))
    assert remove_stale_temporaries(tmp_path, 3600, now) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, keep.name])
