"""One writer at a time on a state, and one service per state.

Every command that writes (a cycle of `scan` or `run`, `note`, `ignore`, `track`, `label`,
`reset`; `status`, `plan` and `review` too, since they sync first) holds `StateLock`: an
exclusive flock(2) on the folder of the database, taken before the database is opened, so
schema migrations run under it too. It is held on an open descriptor of the folder itself,
not on a lock file, so deleting a file cannot let a second writer in; and the kernel drops it
when the process dies, even by SIGKILL, so a crash never leaves a stale lock behind. A second
writer waits a bounded time (RADIOSILENCE_LOCK_WAIT seconds, default 60) for the first to
finish, then says who holds it in one line.

`run` also holds `ServiceLock` for its whole life (a flock on the database file), so a second
service on the same state is refused at once while the first is between cycles.
"""

from __future__ import annotations

import fcntl
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from radiosilence.fsutil import ensure_private_dir

HOLDER_FILE = "radiosilence.lock"  # who holds the write lock: for messages only
SERVICE_FILE = "radiosilence.pid"  # which process runs the service: for messages only
WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.05


class AlreadyRunning(Exception):
    """Another radiosilence holds the lock of this state folder."""


def wait_seconds() -> float:
    """How long a writer waits for another one (RADIOSILENCE_LOCK_WAIT, seconds)."""
    try:
        return max(0.0, float(os.environ.get("RADIOSILENCE_LOCK_WAIT", WAIT_SECONDS)))
    except ValueError:
        return WAIT_SECONDS


class StateLock:
    """The write lock of the state whose database lives in `folder`. `acquire` and `release`
    may alternate (the service takes it for each cycle); the descriptor stays open until
    `close`, so the lock is always on the same folder even if it is renamed meanwhile."""

    def __init__(self, folder: Path, command: str, wait: float | None = None) -> None:
        self.folder = folder
        self.command = command
        self.wait = wait_seconds() if wait is None else wait
        self.fd: int | None = None
        self.held = False

    def acquire(self) -> None:
        """Take the lock, waiting up to `wait` seconds; AlreadyRunning names the holder."""
        if self.fd is None:
            ensure_private_dir(self.folder)
            self.fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise AlreadyRunning(
                        f"{self.folder}: the state is busy: {_holder(self.folder / HOLDER_FILE)}"
                        f" holds it; waited {self.wait:g} s, try again when it is done"
                    ) from None
                time.sleep(_POLL_SECONDS)  # flock has no timeout of its own
        self.held = True
        _describe(self.folder / HOLDER_FILE, self.command)

    def release(self) -> None:
        if self.fd is not None and self.held:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # drops the lock with the descriptor
            self.fd, self.held = None, False

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class ServiceLock:
    """One `radiosilence run` per state: an exclusive flock on the database file, held
    for the life of the service. Take it with the StateLock held, after the database is
    opened (so the file exists and is the one the marker vouches for)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.info = database.parent / SERVICE_FILE
        self.fd: int | None = None

    def acquire(self) -> None:
        # The descriptor is never closed while SQLite has the file open: closing any
        # descriptor of a file drops the process's POSIX locks on it, SQLite's included.
        fd = os.open(self.database, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(f"another radiosilence is running on {self.database.parent}: "
                                 f"{_holder(self.info)}") from None
        self.fd = fd
        _describe(self.info, "run")

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def service_holder(database: Path) -> str | None:
    """Who runs the service on `database` ("pid N (...)"), or None when none does."""
    try:
        fd = os.open(database, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        # Held only for this probe; and never while this process has SQLite on the file.
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(database.parent / SERVICE_FILE)
    finally:
        os.close(fd)
    return None


def _describe(path: Path, command: str) -> None:
    """Say who holds a lock, for the message of the next one who asks. Best effort: the
    lock is what counts, and a full disk must not stop a writer here."""
    stamp = datetime.now(UTC).strftime("%H:%M:%S UTC")
    try:
        path.write_text(f"pid {os.getpid()} (`radiosilence {command}`, since {stamp})\n",
                        encoding="utf-8")
    except OSError:
        pass


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip() or "pid ?"
    except OSError:
        return "pid ?"
