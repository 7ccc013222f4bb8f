"""Errors as the user sees them: one line with the remedy, and an exit code a service
manager can act on ("fix your setup" is not restarted; "try again" is)."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from radiosilence.apply.reconcile import BrakeError
from radiosilence.config.settings import ConfigError
from radiosilence.connectors.base import (
    AuthNeeded,
    ConnectorError,
    Refused,
    SetupNeeded,
    Unavailable,
)
from radiosilence.render import TemplateProblem
from radiosilence.runtime.lock import AlreadyRunning
from radiosilence.store import SchemaError, StateLost

# Exit codes, documented here and in the systemd units, whose RestartPreventExitStatus=
# lists those a restart cannot fix: 2 config, 3 authorisation, 4 schema newer than this
# program, 7 another radiosilence holds the state, 8 state database lost or damaged,
# 9 a file or folder that cannot be written (read-only, full disk, missing). 1 is a bug,
# 5 the draft brake, 6 a source that is away (both retried by a restart).
EXIT_CONFIG, EXIT_AUTH, EXIT_SCHEMA, EXIT_BRAKE, EXIT_UNAVAILABLE, EXIT_LOCKED = 2, 3, 4, 5, 6, 7
EXIT_STATE, EXIT_FILES = 8, 9
MIN_FREE_BYTES = 1 << 20  # below this a "disk I/O error" of SQLite is a full disk


class UsageProblem(Exception):
    """A command-line value that cannot be used (bad --now, unknown interview id)."""


def explain(error: Exception, database: Path | None = None) -> tuple[str, int]:
    """The one-line message and exit code for an error; `database`, the state file, is
    named when SQLite's own message names no file."""
    if isinstance(error, ConfigError):
        return str(error), EXIT_CONFIG
    if isinstance(error, TemplateProblem | UsageProblem):
        return str(error), EXIT_CONFIG
    if isinstance(error, Refused):  # a password or link of the config: its own remedy
        return str(error), EXIT_AUTH
    if isinstance(error, SetupNeeded):
        return str(error), EXIT_CONFIG
    if isinstance(error, AuthNeeded):
        text = str(error) or "authorisation expired or revoked"
        return (text if "radiosilence auth" in text
                else f"{text}: run `radiosilence auth`"), EXIT_AUTH
    if isinstance(error, StateLost):
        return str(error), EXIT_STATE
    if isinstance(error, SchemaError):
        return str(error), EXIT_SCHEMA
    if isinstance(error, AlreadyRunning):
        return str(error), EXIT_LOCKED
    if isinstance(error, BrakeError):
        return f"stopped: {error}", EXIT_BRAKE
    if isinstance(error, Unavailable | ConnectorError):
        return f"source unavailable: {error}", EXIT_UNAVAILABLE
    if isinstance(error, sqlite3.Error) and database is not None:
        return _database_problem(error, database)
    if isinstance(error, OSError) and error.errno in _FILE_PROBLEMS:
        return _file_problem(error, database), EXIT_FILES
    return f"unexpected error: {error} (run with -v for details)", 1


_FILE_PROBLEMS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                  errno.EROFS: "it is on a read-only file system",
                  errno.EACCES: "permission denied", errno.EPERM: "permission denied",
                  errno.ENOENT: "it does not exist", errno.ENOTDIR: "a folder on its path "
                  "is a file"}
_REMEDY = {errno.ENOSPC: "free some space and run it again",
           errno.EDQUOT: "free some space and run it again",
           errno.ENOENT: "create it, or correct the path in the config"}


def _file_problem(error: OSError, database: Path | None) -> str:
    code = error.errno or 0
    where = error.filename or (database.parent if database else "the state folder")
    remedy = _REMEDY.get(code, "make it writable for this user (in the systemd unit: "
                               "ReadWritePaths=), or choose another folder in the config")
    return f"cannot write {where}: {_FILE_PROBLEMS[code]}; {remedy}"


def _database_problem(error: sqlite3.Error, database: Path) -> tuple[str, int]:
    """SQLite says "disk I/O error" for a full disk in WAL mode and names no file: look."""
    text = str(error).lower()
    folder = database.parent
    if "malformed" in text or "not a database" in text:
        return (f"{database}: the state database is damaged ({error}): restore a copy "
                f"from {folder / 'backups'}, or run `radiosilence reset` to start over "
                "knowing that deleted drafts may come back"), EXIT_STATE
    if "full" in text or _free_bytes(folder) < MIN_FREE_BYTES:
        return _file_problem(OSError(errno.ENOSPC, "", str(database)), None), EXIT_FILES
    if "readonly" in text or "read-only" in text or not os.access(folder, os.W_OK) or \
            _read_only(folder):
        return _file_problem(OSError(errno.EROFS, "", str(folder)), None), EXIT_FILES
    if "unable to open" in text:
        return _file_problem(OSError(errno.ENOENT, "", str(database)), None), EXIT_FILES
    return (f"{database}: {error}; check the disk and the folder, then run it again "
            "(-v for details)"), 1


def _free_bytes(folder: Path) -> int:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return MIN_FREE_BYTES
    return stats.f_bavail * stats.f_frsize


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
