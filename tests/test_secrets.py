"""Passwords come from a command or a private file, and their errors never show the secret."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from radiosilence.config.secrets import PasswordSource
from radiosilence.config.settings import ConfigError


def _script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "secret.py"
    script.write_text(body)
    return f"{sys.executable} {script}"


def test_the_first_line_a_command_prints_is_the_password(tmp_path: Path) -> None:
    command = _script(tmp_path, "print('s3cret word')\nprint('url: imap.example.org')\n")
    assert PasswordSource("imap", command=command).read() == "s3cret word"


def test_a_failing_command_says_its_error_but_never_its_output(tmp_path: Path) -> None:
    command = _script(tmp_path, "import sys\nprint('hunter2')\n"
                      "sys.stderr.write('Error: mail/imap is not in the password store.\\n')\n"
                      "sys.exit(1)\n")
    with pytest.raises(ConfigError) as raised:
        PasswordSource("imap", command=command).read()
    message = str(raised.value)
    assert message.startswith("imap: password_command exited with 1")
    assert "not in the password store" in message
    assert "hunter2" not in message


def test_a_missing_program_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'no-such-pass-program' not found"):
        PasswordSource("caldav", command="no-such-pass-program show x").read()


def test_a_private_file_gives_its_first_line(tmp_path: Path) -> None:
    secret = tmp_path / "imap-password"
    secret.write_text("app-password-1234\n")
    os.chmod(secret, 0o600)
    assert PasswordSource("imap", file=secret).read() == "app-password-1234"


def test_a_file_others_can_read_is_refused_with_the_remedy(tmp_path: Path) -> None:
    secret = tmp_path / "imap-password"
    secret.write_text("app-password-1234\n")
    os.chmod(secret, 0o644)
    with pytest.raises(ConfigError) as raised:
        PasswordSource("imap", file=secret).read()
    assert f"chmod 600 {secret}" in str(raised.value)
    assert "app-password" not in str(raised.value)


def test_no_source_or_both_sources_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no password"):
        PasswordSource("imap").read()
    with pytest.raises(ConfigError, match="not both"):
        PasswordSource("imap", command="true", file=tmp_path / "x").read()


def test_an_empty_first_line_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "empty"
    secret.write_text("\nsecond\n")
    os.chmod(secret, 0o600)
    with pytest.raises(ConfigError, match="first line is empty"):
        PasswordSource("imap", file=secret).read()
