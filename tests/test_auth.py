"""`radiosilence auth` for real: the installed-app flow against the emulator's token endpoint.

The test plays the browser: it reads the consent address the command prints, and sends the
redirect Google would send to the local port with a code, which the command then exchanges.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from tests.google_emulator import Emulator


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(tmp_path: Path, secrets: Path | None, port: int) -> Path:
    config = tmp_path / "config.toml"
    line = f'client_secrets = "{secrets}"\n' if secrets else ""
    config.write_text(
        '[user]\naddresses = ["sam@example.net"]\n[sources]\nmail = "gmail"\n'
        f'calendar = "google"\n[google]\n{line}auth_port = {port}\n'
        '[paths]\nstate_dir = "state"\n', encoding="utf-8")
    return config


def test_auth_stores_a_private_token(tmp_path: Path) -> None:
    with Emulator() as emu:
        base = str(emu.base_url)
        secrets = tmp_path / "client.json"
        secrets.write_text(json.dumps({"installed": {
            "client_id": "client-1", "client_secret": "secret-1",
            "auth_uri": base + "auth", "token_uri": base + "token",
            "redirect_uris": ["http://localhost"]}}), encoding="utf-8")
        port = _free_port()
        config = _config(tmp_path, secrets, port)
        # oauthlib insists on https; the emulator is plain http on loopback.
        env = {**os.environ, "OAUTHLIB_INSECURE_TRANSPORT": "1",
               "OAUTHLIB_RELAX_TOKEN_SCOPE": "1", "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "radiosilence", "--config", str(config), "auth"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            assert process.stdout is not None
            consent = ""
            for line in process.stdout:
                if line.startswith(base + "auth"):
                    consent = line.strip()
                    break
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(consent).query)
            assert set(query["scope"][0].split()) == {
                "https://www.googleapis.com/auth/gmail.readonly",
                "https://www.googleapis.com/auth/gmail.compose",
                "https://www.googleapis.com/auth/calendar.events.readonly"}
            redirect = query["redirect_uri"][0] + "?" + urllib.parse.urlencode(
                {"state": query["state"][0], "code": "code-1", "scope": query["scope"][0]})
            with urllib.request.urlopen(redirect, timeout=30) as answer:
                assert b"authorised" in answer.read()
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err
    token = tmp_path / "state" / "google-token.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert json.loads(token.read_text())["refresh_token"]
    assert "secret-1" not in out + err and "code-1" not in err


def test_auth_without_a_client_file_says_what_to_do(tmp_path: Path) -> None:
    config = _config(tmp_path, None, _free_port())
    done = subprocess.run([sys.executable, "-m", "radiosilence", "--config", str(config),
                           "auth"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "google.client_secrets" in line and str(config) in line
