"""What the local connector tests and their contract plugs (tests/contract/test_local.py)
share: Maildir folders, and taking a folder out of reach."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest


@cache
def modes_are_enforced() -> bool:
    """False when we read files whatever their mode (root, or CAP_DAC_OVERRIDE)."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_bytes(b"")
        probe.chmod(0)
        try:
            probe.read_bytes()
        except PermissionError:
            return True
        return False


needs_permissions = pytest.mark.skipif(
    not modes_are_enforced(), reason="this process reads files whatever their mode")


def make_maildir(path: Path, subdirs: Iterable[str] = ("cur", "new", "tmp")) -> Path:
    for sub in subdirs:
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def out_of_reach(root: Path) -> Iterator[None]:
    """`root` unreadable (mode 0) within the block where this process honours modes, else
    moved away as an unmounted disk is; back as it was after. Renaming a directory changes
    the ctime of no file inside, so the connector's cursors see nothing new."""
    if modes_are_enforced():
        mode = root.stat().st_mode
        root.chmod(0)
        try:
            yield
        finally:
            root.chmod(mode)
        return
    away = root.with_name(root.name + ".unmounted")
    os.rename(root, away)
    try:
        yield
    finally:
        os.rename(away, root)
