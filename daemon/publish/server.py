"""Serve the reminder feed over HTTP, at a URL whose path holds a secret token.

Calendar apps subscribe to a URL and poll it; they cannot log in, so the URL is the secret
(as with Google's and Apple's "secret address"): `/<token>/radiosilence.ics`. Every miss gets
the same 404, so a wrong token cannot be told from a wrong path. The feed file is read fresh
for each request (the daemon replaces it atomically between cycles) and revalidated with
ETag / If-None-Match and Last-Modified / If-Modified-Since (RFC 9110 8.8, 13.1). The body is
always sent as is: no gzip and no content negotiation (DESIGN.md section 6).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from radiosilence.fsutil import PRIVATE_FILE, atomic_write, ensure_private_dir
from radiosilence.publish.page_routes import MAX_FORM_BYTES, Correct, page_get, page_post


@dataclass(frozen=True)
class PageSite:
    """The status page the server also serves: its folder, the nonce secret and what
    applies a correction."""

    folder: Path
    secret: bytes
    correct: Correct | None = None

log = logging.getLogger(__name__)

TOKEN_FILE = "feed-token"
FEED_NAME = "radiosilence.ics"
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet, 256 bits. A file
# holding anything else (a stray edit, a partial copy) is replaced by a new token.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,256}")  # 22 characters already carry 132 bits
_NOT_FOUND = b"not found\n"
_LOG_SECRETS = re.compile(r"[A-Za-z0-9_-]{20,}")  # anything token-like, in case of a near miss
_LOG_QUERY = re.compile(r"\?[^\s\"]*")
_LOG_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
RETRY_AFTER_SECONDS = 60
MAX_CONNECTIONS = 32  # calendar apps poll now and then: a few at a time is plenty
# A request's line and headers together: real clients send about 1 KB; the stdlib alone
# would take 100 header lines of 64 KB each, buffered, per connection.
MAX_HEAD_BYTES = 16 * 1024
# However slowly a client sends them, its line and headers must be in within this time.
HEAD_DEADLINE_SECONDS = 20.0
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nServer: radiosilence\r\nRetry-After: 60\r\n"
         b"Content-Length: 0\r\nConnection: close\r\n\r\n")
_RETRY = ("Retry-After", str(RETRY_AFTER_SECONDS))
_NO_STORE = ("Cache-Control", "no-store")


def load_or_create_token(state_dir: Path) -> str:
    """Return the feed token kept in `state_dir/feed-token` (0600, folder 0700), made on
    first use; an empty or corrupt file gets a new one (subscribed apps need the new URL).
    Raises OSError when the file exists but cannot be read (say, permissions): replacing a
    token that is only unreadable would silently break every subscription."""
    ensure_private_dir(state_dir)
    path = state_dir / TOKEN_FILE
    try:
        token = path.read_bytes().decode("ascii", "replace").strip()
    except FileNotFoundError:
        token = None
    if token is not None and _TOKEN.fullmatch(token):
        if path.stat().st_mode & 0o077:
            log.warning("%s was readable by others; making it private (0600)", path)
            os.chmod(path, PRIVATE_FILE)
        return token
    if token is not None:  # never log the old content: it may be most of a token
        log.warning("%s is empty or corrupt; making a new feed token (calendar apps "
                    "subscribed to the old URL must be given the new one)", path)
    token = secrets.token_urlsafe(32)
    atomic_write(path, (token + "\n").encode("ascii"), mode=PRIVATE_FILE)
    log.info("new feed token written to %s", path)
    return token


def feed_urls(host: str, port: int, token: str) -> tuple[str, str]:
    """Return the feed's http:// URL and the same address as webcal:// (Apple's scheme).
    A client cannot connect to 0.0.0.0 or ::, so those become loopback addresses."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    rest = f"{f'[{host}]' if ':' in host else host}:{port}/{token}/{FEED_NAME}"
    return f"http://{rest}", f"webcal://{rest}"


def subscribe_help(url: str, webcal: str) -> str:
    """Return a short paragraph on subscribing to the feed from the common calendar apps."""
    return (f"Subscribe to your follow-up reminders at {url} and keep that address private: "
            "whoever has it can read them. Apple Calendar: File > New Calendar Subscription, "
            f"paste {webcal}; alerts are removed unless you untick that option. Thunderbird: "
            "New Calendar > On the Network, paste the http address; it shows the alarms. "
            "Outlook: Add calendar > Subscribe from web (or From internet), paste the http "
            "address. Google Calendar fetches feeds from its own servers, so it needs a "
            "publicly reachable https address: put this server behind a reverse proxy with TLS "
            "and give Google that address (Other calendars > + > From URL). Google refreshes "
            "subscriptions only every several hours and ignores alarms, so a reminder can "
            "arrive late; the drafts in your mailbox stay the primary signal for thank-you notes.")


class FeedServer:
    """The feed's HTTP server, run in a daemon thread. Binds 127.0.0.1:8765 by default."""

    def __init__(self, feed_path: Path, token: str, host: str = "127.0.0.1",
                 port: int = 8765, page: PageSite | None = None) -> None:
        if not _TOKEN.fullmatch(token):
            raise ValueError("the feed token must be 22 or more URL-safe base64 characters")
        self.feed_path, self.host, self.port, self._token = feed_path, host, port, token
        self.page = page
        self._httpd: _FeedHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> tuple[str, int]:
        """Bind, serve in a daemon thread, return the bound (host, port); port 0 picks one.
        Raises OSError when the address cannot be bound, RuntimeError if already started."""
        if self._httpd is not None:
            raise RuntimeError("feed server already started")
        httpd = _FeedHTTPServer((self.host, self.port), self.feed_path, self._token,
                                self.page)
        self.host, self.port = str(httpd.server_address[0]), int(httpd.server_address[1])
        self._httpd, self._thread = httpd, threading.Thread(
            target=httpd.serve_forever, args=(0.1,), name="radiosilence-feed", daemon=True)
        self._thread.start()
        log.info("serving the reminder feed on %s", self.url.replace(self._token, "<token>"))
        return self.host, self.port

    def stop(self) -> None:
        """Stop serving, close the listening socket and open connections; safe to repeat."""
        if (httpd := self._httpd) is None or (thread := self._thread) is None:
            return
        httpd.shutdown()  # returns once serve_forever has left its loop
        httpd.close_connections()  # wake handlers blocked on idle keep-alive clients
        httpd.server_close()  # closes the listener and joins the handler threads
        thread.join()
        self._httpd = self._thread = None
        log.info("feed server stopped")

    @property
    def url(self) -> str:
        """The feed's http URL (with the token: never log it); bound address once started."""
        return feed_urls(self.host, self.port, self._token)[0]


class _FeedHTTPServer(ThreadingHTTPServer):
    """One thread per connection, at most MAX_CONNECTIONS at once (a connection beyond is
    answered 503 and closed); remembers open connections so stop() can close them."""

    daemon_threads = True
    # The listen backlog (listen(2)) holds what the kernel accepts before we do: no more
    # than we would serve at once, so a flood waits in our cap, not in a deep queue.
    request_queue_size = MAX_CONNECTIONS

    def __init__(self, address: tuple[str, int], feed_path: Path, token: str,
                 page: PageSite | None = None) -> None:
        self.feed_path, self.token, self.page = feed_path, token, page
        self._open, self._lock = set[socket.socket](), threading.Lock()
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _FeedHandler)

    def server_bind(self) -> None:
        # Skips HTTPServer's socket.getfqdn(): a DNS lookup that can stall, for CGI only.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            full = len(self._open) >= MAX_CONNECTIONS
            if not full:
                self._open.add(request)
        if full:  # no thread for it: a short answer, then the connection is closed
            try:
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._open.discard(request)

    def close_connections(self) -> None:
        with self._lock:
            for request in self._open:
                try:
                    request.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed by the client

    def handle_error(self, request: Any, client_address: Any) -> None:  # not stderr
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("feed client went away")
        else:
            log.warning("feed server: unexpected error in a request", exc_info=True)


class _FeedHandler(BaseHTTPRequestHandler):
    server: _FeedHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive: apps poll, proxies reuse connections
    server_version = "radiosilence"
    sys_version = ""
    timeout = 10  # seconds a silent client may hold its thread (socket timeout per read)
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed ACK

    def version_string(self) -> str:  # just "radiosilence": no version to look up CVEs by
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.head = _HeadBudget(self.rfile, self.connection)
        self.rfile = self.head  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        # A fresh budget and deadline for each request's line and headers; the body of a
        # form is bounded by MAX_FORM_BYTES instead.
        self.head.start(MAX_HEAD_BYTES, HEAD_DEADLINE_SECONDS, self.timeout)
        super().handle_one_request()

    def parse_request(self) -> bool:
        if self.head.exceeded:  # the request line alone was past the budget
            self.close_connection = True
            self.requestline, self.command = "<too long>", "GET"
            self.request_version = "HTTP/1.1"
            self._reply(414, b"request target too long\n")
            return False
        parsed = super().parse_request()
        if self.head.exceeded:  # cut off: what was read is not the whole head
            self.close_connection = True
            self._reply(431, b"request header fields too large\n")
            return False
        self.head.stop()
        if not parsed:
            return False
        if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # a body we will not read must not become a request
        if self.command == "POST" and self.server.page is not None:
            return True  # only the page's forms; do_POST reads the body itself
        if self.command not in ("GET", "HEAD"):
            self.close_connection = True
            self._reply(405, b"method not allowed\n", [("Allow", "GET, HEAD")])
        return self.command in ("GET", "HEAD")

    def do_GET(self) -> None:
        # The target as sent: self.path has "//" collapsed by the stdlib (bpo-43223).
        path, _, _query = self.requestline.split()[1].partition("?")
        if path == "/healthz":
            self._health()
        elif self._is_feed_path(path):
            self._feed()
        elif (rest := self._page_rest(path)) is not None and self.server.page is not None \
                and (answer := page_get(self.server.page.folder, rest)) is not None:
            self._reply(answer.status, answer.body, answer.headers, answer.content_type)
        else:
            self._reply(404, _NOT_FOUND)

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        path = self.requestline.split()[1].partition("?")[0]
        self.close_connection = True  # one form, one connection: nothing read twice
        try:
            size = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._reply(411, b"length required\n")
        if size > MAX_FORM_BYTES or "Transfer-Encoding" in self.headers:
            return self._reply(413, b"too large\n")
        body = self.rfile.read(size)
        site, rest = self.server.page, self._page_rest(path)
        answer = None if site is None or rest is None else page_post(
            rest, {k.lower(): v for k, v in self.headers.items()}, body, site.secret,
            site.correct)
        if answer is None:
            return self._reply(404, _NOT_FOUND)
        self._reply(answer.status, answer.body, answer.headers, answer.content_type)

    def _page_rest(self, path: str) -> str | None:
        """What follows "/<token>/" in `path`, or None without the token. Compared raw,
        never percent-decoded: %2F, "..", "//" and friends simply do not match; the token in
        constant time (its length is not secret)."""
        head, slash, rest = path.removeprefix("/").partition("/")
        if not path.startswith("/") or not slash:
            return None
        if not hmac.compare_digest(head.encode("utf-8", "replace"),
                                   self.server.token.encode("ascii")):
            return None
        return rest

    def _is_feed_path(self, path: str) -> bool:
        return self._page_rest(path) == FEED_NAME

    def _feed(self) -> None:
        loaded = self._load()
        if loaded is None:
            return self._reply(503, b"the feed has not been written yet\n", [_RETRY])
        data, mtime = loaded
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'  # 128 bits: ample here
        headers = [("ETag", etag), ("Last-Modified", formatdate(mtime, usegmt=True)),
                   ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")]
        if self._not_modified(etag, int(mtime)):
            self._reply(304, b"", headers)
        else:
            self._reply(200, data, headers, "text/calendar; charset=utf-8")

    def _health(self) -> None:
        # Answered without the token, so it says nothing about the feed but whether it is
        # there: not how many reminders it holds, nor how old it is.
        if self._load() is None:
            return self._reply(503, b"no feed yet\n", [_NO_STORE, _RETRY])
        self._reply(200, b"ok\n", [_NO_STORE])

    def _load(self) -> tuple[bytes, float] | None:
        """The feed's bytes and mtime from one open file (so they agree); None if unreadable."""
        try:
            with open(self.server.feed_path, "rb") as handle:
                return handle.read(), os.fstat(handle.fileno()).st_mtime
        except FileNotFoundError:
            return None  # before the first cycle
        except OSError as exc:
            log.warning("cannot read the feed %s: %s", self.server.feed_path, exc)
            return None

    def _not_modified(self, etag: str, mtime: int) -> bool:
        """RFC 9110 13.2.2: If-None-Match (weak comparison, 13.1.2) wins over
        If-Modified-Since. Last-Modified has one-second resolution, so a rewrite within the
        second of a fetch is caught only by the ETag, which calendar clients send."""
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [tag.strip() for tag in match.split(",")]
            return any(tag == "*" or tag.removeprefix("W/") == etag for tag in tags)
        try:
            since = parsedate_to_datetime(self.headers.get("If-Modified-Since", ""))
        except (TypeError, ValueError, IndexError, OverflowError):
            return False  # absent or not a valid HTTP-date: ignored (RFC 9110 13.1.3)
        return since.replace(tzinfo=since.tzinfo or UTC).timestamp() >= mtime

    def _reply(self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None,
               content_type: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        for name, value in headers or []:
            self.send_header(name, value)
        if self.close_connection:  # a 405, a body we did not read, or the client asked
            self.send_header("Connection", "close")
        if status != 304:  # RFC 9110 15.4.5: a 304 has no content and no Content-Type
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        level = logging.WARNING if isinstance(code, int) and code >= 500 else logging.DEBUG
        log.log(level, "%s %s", self._redact(f'"{self.requestline}"'), code)

    def log_error(self, format: str, *args: Any) -> None:  # 400/414/431, timeouts; no stderr
        level = logging.DEBUG if format.startswith("Request timed out") else logging.WARNING
        log.log(level, "feed request: %s", self._redact(format % args))  # idle: routine

    log_message = log_error

    def _redact(self, text: str) -> str:  # no token, no forged lines, no megabyte lines
        text = _LOG_QUERY.sub("?<query>", text.replace(self.server.token, "<token>"))
        return _LOG_SECRETS.sub("<redacted>", text).translate(_LOG_CONTROL)[:300]


class _HeadBudget:
    """The connection's reader, counting the bytes of a request's line and headers as they
    arrive: past the budget or the deadline it reads nothing more (the request ends there
    and is refused), so an endless header is never buffered and a trickling client never
    holds its thread for long."""

    def __init__(self, raw: Any, connection: socket.socket) -> None:
        self.raw, self.connection = raw, connection
        self.left: int | None = None  # None: not counting (the body)
        self.budget = 0
        self.deadline = 0.0
        self.timeout = 10.0
        self.exceeded = False

    def start(self, budget: int, seconds: float, timeout: float) -> None:
        self.left, self.deadline, self.timeout = budget, time.monotonic() + seconds, timeout
        self.budget, self.exceeded = budget, False

    def stop(self) -> None:
        self.left = None
        self.connection.settimeout(self.timeout)

    def readline(self, size: int = -1) -> bytes:
        if self.left is None:
            return bytes(self.raw.readline(size))
        remaining = self.deadline - time.monotonic()
        if self.left <= 0 or remaining <= 0:
            self.exceeded = True
            return b""
        self.connection.settimeout(min(self.timeout, remaining))
        first = self.left == self.budget
        limit = self.left + 1 if size < 0 else min(size, self.left + 1)
        line = bytes(self.raw.readline(limit))
        self.left -= len(line)
        if self.left < 0:
            self.exceeded = True
            # The request line is handed on, cut, so that it gets its answer (414);
            # a header line ends the headers here, and parse_request answers 431.
            return line if first else b""
        return line

    def read(self, size: int = -1) -> bytes:
        return bytes(self.raw.read(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)
