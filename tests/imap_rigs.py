"""A real Dovecot for the IMAP tests, and a counting, cuttable proxy in front of it.

`Dovecot` runs `dovecot -F -c CONF` as our child on a free loopback port, with a throwaway
config and Maildir under a temp folder (../shared/PROVIDERS.md); it is ready when the port
greets "* OK", and SIGTERM stops it. Every username gets its own empty mailbox, so one server
serves a whole test module: a test takes a fresh user.

`Proxy` (tests/imap_proxy.py) stands between our code and Dovecot: it counts commands and
bytes, and can be cut.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from radiosilence.connectors.base import draft_key
from radiosilence.connectors.imap.session import ImapAccount, ImapSession
from tests.imap_proxy import Proxy

PASSWORD = "secret"
START_SECONDS = 30.0
_users = itertools.count(1)

CONFIG_23 = """\
protocols = imap
listen = 127.0.0.1
base_dir = {tmp}/run
state_dir = {tmp}/state
instance_name = rs-test-{port}
log_path = /dev/stderr
info_log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {login_user}
default_internal_group = {group}
mail_location = maildir:~/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
}}
"""

CONFIG_24 = """\
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
protocols = imap
listen = 127.0.0.1
base_dir = {tmp}/run
state_dir = {tmp}/state
instance_name = rs-test-{port}
log_path = /dev/stderr
info_log_path = /dev/stderr
ssl = no
auth_allow_cleartext = yes
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {login_user}
default_internal_group = {group}
mail_driver = maildir
mail_path = ~/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
service imap-login {{
  inet_listener imap {{
    listen = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb static {{
  password = {password}
}}
userdb static {{
  fields {{
    uid = {uid}
    gid = {gid}
    home = {tmp}/mail/%{{user}}
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
}}
"""


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dovecot_version() -> tuple[int, int]:
    done = subprocess.run(["dovecot", "--version"], capture_output=True, text=True, check=True)
    major, minor = re.match(r"(\d+)\.(\d+)", done.stdout.strip()).groups()  # type: ignore
    return int(major), int(minor)


class Dovecot:
    """A Dovecot of our own; `start()`, then `stop()` (the fixture in conftest does both)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def config_text(self) -> str:
        as_root = os.geteuid() == 0
        # As root the userdb may not hand out uid 0: mail belongs to nobody (PROVIDERS.md).
        uid, gid = (65534, 65534) if as_root else (os.getuid(), os.getgid())
        login_user = "nobody" if as_root else os.environ.get("USER", "nobody")
        group = "nogroup" if as_root else str(os.getgid())
        template = CONFIG_24 if dovecot_version() >= (2, 4) else CONFIG_23
        return template.format(tmp=self.tmp, port=self.port, password=PASSWORD, uid=uid,
                               gid=gid, login_user=login_user, group=group)

    def start(self) -> Dovecot:
        for sub in ("run", "state", "mail"):
            (self.tmp / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(self.tmp / "mail", 65534, 65534)
            os.chmod(self.tmp, 0o755)
        conf = self.tmp / "dovecot.conf"
        conf.write_text(self.config_text(), encoding="utf-8")
        log = open(self.tmp / "dovecot.log", "wb")  # noqa: SIM115 (kept open for the child)
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(conf)], stdout=log,
                                        stderr=subprocess.STDOUT)
        self._await_greeting()
        return self

    def _await_greeting(self) -> None:
        """Return once the port greets "* OK"; fail when Dovecot exits or never listens."""
        assert self.process is not None
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
                    if conn.recv(256).startswith(b"* OK"):
                        return
            except OSError:
                pass
            try:  # waits on the child, not the clock: a Dovecot that died ends this at once
                code = self.process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError(f"dovecot exited with {code}:\n{self.log()}")
        raise RuntimeError(f"dovecot did not greet on port {self.port}:\n{self.log()}")

    def log(self) -> str:
        return (self.tmp / "dovecot.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def mailbox(self, user: str) -> Path:
        return self.tmp / "mail" / user / "Maildir"


def new_user() -> str:
    return f"user{next(_users)}-{os.getpid()}"


def account(port: int, user: str) -> ImapAccount:
    return ImapAccount(host="127.0.0.1", port=port, username=user, password=PASSWORD,
                       security="none")


def session(port: int, user: str) -> ImapSession:
    return ImapSession(account(port, user))


def admin(server: Dovecot, user: str) -> IMAPClient:
    """A client straight to Dovecot (not through the proxy): the world outside our code."""
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=30)
    client.login(user, PASSWORD)
    return client


def appended_uid(answer: bytes) -> tuple[int, int]:
    """(UIDVALIDITY, UID) from an APPEND answer carrying APPENDUID (Dovecot has UIDPLUS)."""
    match = re.search(rb"\[APPENDUID (\d+) (\d+)\]", answer)
    assert match, answer
    return int(match[1]), int(match[2])


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """A started Dovecot in a folder of its own, stopped and removed after. Not under
    pytest's tmp_path: that is 0700 root's, and the mail belongs to nobody (as root)."""
    if not dovecot_available():
        why = "dovecot is not installed (apt-get install dovecot-imapd; see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(why)  # CI installs it: a silent skip would hide a broken step
        pytest.skip(why)
    folder = Path(tempfile.mkdtemp(prefix="rs-dovecot-"))
    server = Dovecot(folder)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


# Named fixtures: a test module imports `dovecot_fixture` and asks for `dovecot`.
@pytest.fixture(scope="module", name="dovecot")
def dovecot_fixture() -> Iterator[Dovecot]:
    """One Dovecot for the module's tests, which use a fresh user each (an empty mailbox).
    Imported into each module, a fixture is that module's own whatever its scope: as a
    session fixture, every module's server ran on until the session ended."""
    with running_dovecot() as server:
        yield server


@pytest.fixture(name="proxy")
def proxy_fixture(dovecot: Dovecot) -> Iterator[Proxy]:
    front = Proxy(dovecot.port)
    yield front
    front.close()


def load_maildir(server: Dovecot, user: str, root: Path) -> int:
    """Copy a Maildir++ tree's INBOX and .Sent into the user's INBOX and Sent, as a mail
    program syncing up would: flags and delivery times kept. Returns the messages copied."""
    client = admin(server, user)
    copied = 0
    try:
        for folder, directory in (("INBOX", root), ("Sent", root / ".Sent")):
            for sub in ("new", "cur"):
                for path in sorted((directory / sub).glob("*")):
                    if not path.is_file() or path.name.startswith("."):
                        continue
                    flags = _maildir_flags(path.name)
                    seconds = int(path.name.partition(".")[0])
                    client.append(folder, path.read_bytes(), flags=flags,
                                  msg_time=datetime.fromtimestamp(seconds, tz=UTC))
                    copied += 1
    finally:
        client.logout()
    return copied


def _maildir_flags(name: str) -> tuple[bytes, ...]:
    letters = name.rpartition(":2,")[2] if ":2," in name else ""
    table = {"S": b"\\Seen", "R": b"\\Answered", "F": b"\\Flagged", "D": b"\\Draft"}
    return tuple(table[c] for c in letters if c in table)


def drafts_on_server(server: Dovecot, user: str) -> list[tuple[str, bytes]]:
    """(key, raw) of every draft in the user's Drafts folder not marked \\Deleted."""
    client = admin(server, user)
    try:
        client.select_folder("Drafts", readonly=True)
        uids = client.search(["NOT", "DELETED"])
        fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        found = []
        for uid in sorted(fetched):
            raw = fetched[uid][b"BODY[]"]
            found.append((draft_key(raw), raw))
        return found
    finally:
        client.logout()


def imap_config(root: Path, port: int, user: str, extra: str = "") -> Path:
    """A config over the demo folder `root` (from `prepare`) reading mail from the IMAP user
    and the calendar from the demo's vdir; the password in a 0600 file."""
    secret = root / "imap-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    config = root / "imap.toml"
    config.write_text(
        '[user]\naddresses = ["sam.rivera@example.net"]\nname = "Sam Rivera"\n'
        'timezone = "Europe/London"\n[sources]\nmail = "imap"\ncalendar = "vdir"\n'
        f'[imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'username = "{user}"\npassword_file = "{secret}"\n'
        '[vdir]\npath = "calendar"\n[paths]\nstate_dir = "istate"\n'
        '[feed]\npath = "ifeed/radiosilence.ics"\n' + extra, encoding="utf-8")
    return config
