"""One logged-in IMAP connection, with every IMAP and socket error translated once.

`ImapAccount` says where and who (the password is handed in by wiring, never logged);
`ImapSession` keeps one connection open across cycles and opens it again when the server
dropped it. `run(action)` is the one place where IMAPClient's and the socket's errors become
the exceptions of connectors/base.py.
"""

from __future__ import annotations

import imaplib
import ipaddress
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from radiosilence.connectors.base import AuthNeeded, ConnectorError, Unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

SECURITY = ("tls", "starttls", "none")
TIMEOUT_SECONDS = 60.0  # a server that says nothing for a minute is treated as down


@dataclass(frozen=True)
class ImapAccount:
    """Where the mailbox is and who logs in. `security`: "tls" (implicit TLS, port 993),
    "starttls" (upgrade on 143) or "none" (refused unless the host is loopback)."""

    host: str
    username: str
    password: str = field(repr=False)  # never in a repr, a log line or an error
    port: int = 993
    security: str = "tls"
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ValueError(f"imap security must be one of {', '.join(SECURITY)}")
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError("imap security \"none\" sends the password in clear text: "
                             "allowed only for a server on this machine (127.0.0.1, ::1)")

    @property
    def where(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine: "localhost" or a loopback address."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def connect(account: ImapAccount) -> IMAPClient:
    """Return a logged-in client. Raises AuthNeeded for a refused LOGIN, Unavailable for the
    rest (no route, TLS failure, a server that hangs up)."""
    context = account.ssl_context or ssl.create_default_context()  # verifies host and chain

    def open_and_login() -> IMAPClient:
        client = IMAPClient(account.host, port=account.port, ssl=account.security == "tls",
                            ssl_context=context, timeout=TIMEOUT_SECONDS)
        try:
            if account.security == "starttls":
                client.starttls(ssl_context=context)
            client.login(account.username, account.password)
        except BaseException:
            _quietly_close(client)
            raise
        client.normalise_times = False  # INTERNALDATE with its zone, not naive local time
        return client

    return translated(account, open_and_login)


def translated(account: ImapAccount, action: Callable[[], T]) -> T:
    """Return `action()`, with IMAP and socket errors as connectors/base.py exceptions."""
    try:
        return action()
    except ConnectorError:
        raise
    except LoginError as exc:
        raise AuthNeeded(f"the IMAP server {account.host} refused the login of "
                         f"{account.username}: check the username and the app password") from exc
    except ssl.SSLCertVerificationError as exc:
        raise Unavailable(f"IMAP server {account.host}: its TLS certificate cannot be "
                          f"verified ({exc.verify_message})") from exc
    except (IMAPClientAbortError, OSError, EOFError) as exc:  # TimeoutError is an OSError
        raise Unavailable(f"IMAP server {account.where} cannot be reached: "
                          f"{_reason(exc)}") from exc
    except IMAPClientError as exc:  # a NO or BAD to a command: the server refuses it now
        raise Unavailable(f"IMAP server {account.where} refused a command: "
                          f"{_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]  # server texts are short; never the whole of an odd response


def _quietly_close(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except (OSError, imaplib.IMAP4.error):
        pass


class ImapSession:
    """One connection for as long as it lasts: opened on first use, opened again after the
    server dropped it. A source and a sink of one account may share a session."""

    def __init__(self, account: ImapAccount) -> None:
        self.account = account
        self._client: IMAPClient | None = None
        # (folder, read-only, UIDVALIDITY) selected on the connection now: a folder stays
        # selected between calls (the server keeps it current), so it is not selected again.
        self._selected: tuple[str, bool, int] | None = None

    def select(self, client: IMAPClient, folder: str, readonly: bool) -> int:
        """Select `folder` (EXAMINE when `readonly`) unless it already is; return its
        UIDVALIDITY."""
        now = self._selected
        if now is not None and now[0] == folder and (now[1] == readonly or not now[1]):
            return now[2]
        validity = int(client.select_folder(folder, readonly=readonly)[b"UIDVALIDITY"])
        self._selected = (folder, readonly, validity)
        return validity

    def leave(self, client: IMAPClient) -> None:
        """Unselect a folder selected read-only: STATUS on a selected folder may answer from
        a stale view (RFC 3501 6.3.10), so a source leaves what it read before its next
        STATUS. A writable one (Drafts, which no STATUS reads) stays selected."""
        if self._selected is None or not self._selected[1]:
            return
        if client.has_capability("UNSELECT"):
            client.unselect_folder()
        else:
            client.close_folder()  # selected read-only (EXAMINE): CLOSE expunges nothing
        self._selected = None

    def run(self, action: Callable[[IMAPClient], T], retry: bool = True) -> T:
        """Return `action(client)`. With `retry`, an action that failed because the old
        connection was gone is run once more on a new one; pass False for anything not safe
        to repeat (an APPEND)."""
        fresh = self._client is None
        client = self._connected()
        try:
            return translated(self.account, lambda: action(client))
        except Unavailable:
            self.close()
            if fresh or not retry:
                raise
        log.info("IMAP connection to %s was lost: connecting again", self.account.host)
        client = self._connected()
        try:
            return translated(self.account, lambda: action(client))
        except Unavailable:
            self.close()
            raise

    def _connected(self) -> IMAPClient:
        if self._client is None:
            self._client = connect(self.account)
        return self._client

    def close(self) -> None:
        """Log out (best effort) and forget the connection."""
        client, self._client = self._client, None
        self._selected = None
        if client is None:
            return
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error, EOFError):
            _quietly_close(client)
