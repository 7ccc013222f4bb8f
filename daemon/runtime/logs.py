"""Logging to stderr, the way journald wants it when systemd runs us."""

from __future__ import annotations

import logging
import os
import sys

# syslog(3) priorities; journald reads a "<N>" prefix on each stderr line as the priority.
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
             logging.CRITICAL: 2}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record is emitted, not when the handler
    was made: whoever swaps stderr (a test, a redirection) never leaves us a closed file."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


class _JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"<{_PRIORITY.get(record.levelno, 6)}>{super().format(record)}"


def stderr_is_journal() -> bool:
    """True when stderr is the journal: $JOURNAL_STREAM names its device and inode
    (systemd.exec(5)), so a redirected stderr of a child does not count."""
    stream = os.environ.get("JOURNAL_STREAM", "")
    device, _, inode = stream.partition(":")
    try:
        info = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError):
        return False
    return stream != "" and f"{info.st_dev}:{info.st_ino}" == f"{device}:{inode}"


def configure_logging(level: str, *, service: bool) -> None:
    """One stderr handler; no timestamps under journald (it adds its own)."""
    handler = _StderrHandler()
    if stderr_is_journal():
        handler.setFormatter(_JournalFormatter("%(name)s: %(message)s"))
    elif service:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
