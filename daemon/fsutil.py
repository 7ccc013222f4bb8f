"""Private, atomic file writes: every file we write goes through here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed, the leaf 0700.

    A folder that already exists keeps its mode: it may be one the user chose and shares
    (their home, a synced folder), and changing it behind their back would surprise them.
    """
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        os.chmod(path, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    return path


def remove_stale_temporaries(folder: Path, older_than_seconds: float, now: float) -> int:
    """Delete temporary files `atomic_write` left behind when its process was killed
    mid-write (".<name>.<random>.tmp"), once older than a writer could still be using them.
    Returns how many were removed."""
    removed = 0
    for path in folder.glob(".*.tmp"):
        try:
            if path.is_file() and now - path.stat().st_mtime > older_than_seconds:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another process finished or cleaned it meanwhile
    return removed


def atomic_write(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half.

    The temporary file lives in the same folder, so the final rename stays on one file
    system and is atomic (POSIX rename(2)); it is fsynced first so a crash cannot leave an
    empty file behind the new name.
    """
    ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_if_changed(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> bool:
    """`atomic_write` unless `path` already holds `data`; True if it wrote. Skipping identical
    content keeps the file's mtime, and so any ETag or Last-Modified derived from it."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write(path, data, mode=mode)
    return True
