"""Passwords for mail and calendar servers: from a command the person names, or from a file
only they can read. Never from the config text itself, and never written to a log.

Errors are `ConfigError`s with one line that names the option and the remedy but never the
password, nor what the command printed on its standard output.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from radiosilence.config.settings import ConfigError

COMMAND_TIMEOUT_SECONDS = 60  # long enough to type a passphrase into a pinentry dialog


@dataclass(frozen=True)
class PasswordSource:
    """Where one server's password comes from; `section` names the config section
    ("imap", "caldav") for the messages."""

    section: str
    command: str = ""  # e.g. "pass show mail/imap": its first output line is the password
    file: Path | None = None  # a 0600 file whose first line is the password

    def read(self) -> str:
        if self.command and self.file is not None:
            raise self._error("set password_command or password_file, not both")
        if self.command:
            return _from_command(self.command, self._error)
        if self.file is not None:
            return _from_file(self.file, self._error)
        raise self._error("no password: set password_command (e.g. \"pass show mail/imap\") "
                          "or password_file (a file only you can read)")

    def _error(self, what: str) -> ConfigError:
        return ConfigError([f"{self.section}: {what}"])


def _first_line(text: str) -> str:
    lines = text.splitlines()
    return lines[0] if lines else ""


def _from_command(command: str, make: Callable[[str], ConfigError]) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as problem:
        raise make(f"password_command: cannot split it into words ({problem})") from None
    if not argv:
        raise make("password_command is empty")
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    except FileNotFoundError:
        raise make(f"password_command: {argv[0]!r} not found") from None
    except subprocess.TimeoutExpired:
        raise make(f"password_command: no answer within {COMMAND_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        # Standard error explains the failure ("not in the password store"); standard output
        # might hold the secret, so it is never shown.
        said = _first_line(done.stderr).strip()[:200]
        raise make(f"password_command exited with {done.returncode}"
                   + (f": {said}" if said else ""))
    password = _first_line(done.stdout)
    if not password:
        raise make("password_command printed no password on its first line")
    return password


def _from_file(path: Path, make: Callable[[str], ConfigError]) -> str:
    try:
        info = os.stat(path)
    except OSError as problem:
        raise make(f"password_file {path}: {problem.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise make(f"password_file {path}: not a regular file")
    if info.st_mode & 0o077:
        raise make(f"password_file {path}: readable by others (mode "
                   f"{stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {path}`")
    try:
        password = _first_line(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise make(f"password_file {path}: cannot be read ({problem})") from None
    if not password:
        raise make(f"password_file {path}: its first line is empty")
    return password
