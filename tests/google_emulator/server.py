"""The Emulator: loopback HTTP server, dispatch, counters, quota, faults and auth.

Order of checks for one API call, each answered in Google's error shape: route (404), count
(and record a send attempt), auth (401), refused sends (403), injected fault (delay and/or
error), handler. Quota is charged when the handler runs, whatever it answers; refused and
faulted calls are counted, not charged.
"""

from __future__ import annotations

import copy
import json
import logging
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import batch, fields, routes
from .calendar_api import HANDLERS as CALENDAR_HANDLERS
from .calendar_api import CalendarStore
from .call import Call
from .errors import ApiError, bad_request
from .faults import Faults
from .gmail_api import HANDLERS as GMAIL_HANDLERS
from .gmail_store import GmailStore
from .oauth import OAuthState

logger = logging.getLogger(__name__)

# Quota units per call. The brief's "2026 table" (DESIGN.md section 4) for what we use; the
# rest from developers.google.com/gmail/api/reference/quota. Calendar charges 1 per call.
QUOTA = {
    "gmail.users.getProfile": 1,
    "gmail.users.messages.list": 5,
    "gmail.users.messages.get": 20,
    "gmail.users.messages.modify": 5,
    "gmail.users.messages.trash": 5,
    "gmail.users.messages.untrash": 5,
    "gmail.users.messages.delete": 10,
    "gmail.users.messages.attachments.get": 5,
    "gmail.users.threads.get": 10,
    "gmail.users.threads.list": 10,
    "gmail.users.history.list": 2,
    "gmail.users.drafts.create": 10,
    "gmail.users.drafts.update": 15,
    "gmail.users.drafts.get": 5,
    "gmail.users.drafts.list": 5,
    "gmail.users.drafts.delete": 10,
    "gmail.users.labels.list": 1,
    "gmail.users.labels.get": 1,
}
# Nothing leaves the mailbox: these are refused (403) and recorded in Emulator.sends.
SEND_METHODS = {
    "gmail.users.messages.send",
    "gmail.users.drafts.send",
    "gmail.users.messages.insert",
    "gmail.users.messages.import",
}
JSON_TYPE = "application/json; charset=UTF-8"


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def _error(exc: ApiError) -> Response:
    return Response(exc.code, {"Content-Type": JSON_TYPE, **exc.headers}, exc.to_bytes())


class Emulator:
    """A Gmail v1 + Calendar v3 + OAuth token endpoint on 127.0.0.1 (see package docstring)."""

    def __init__(
        self,
        history_window: int = 1000,
        email: str = "me@example.com",
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
        record: bool = False,
    ) -> None:
        self.lock = threading.RLock()
        self.email = email
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = random.Random(seed)
        self.gmail = GmailStore(self.lock, self.rng, self._now, email, history_window)
        self.calendar = CalendarStore(self.lock, self._now, email)
        self.faults = Faults(self.lock)
        self.oauth = OAuthState()
        self.counts: Counter[str] = Counter()
        self.quota: Counter[str] = Counter()
        self.sends: list[str] = []
        self.record = record
        self.transcript: list[tuple[str, int, object]] = []  # (method id, status, JSON) if record
        self.base_url: str | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _now(self) -> datetime:
        return self.clock()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1:`port` (0: any free port); returns "http://127.0.0.1:PORT/"."""
        if self._server is not None:
            return self.base_url or ""
        self._server = _Server(("127.0.0.1", port), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
            name="google-emulator", daemon=True,
        )
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        return self.base_url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test controls ----------------------------------------------------------------------

    def load_seed(self, root: Path | str) -> dict[str, int]:
        from .seed import load_seed  # noqa: PLC0415 - icalendar only when seeding

        return load_seed(self, Path(root))

    def total_quota(self) -> int:
        with self.lock:
            return sum(self.quota.values())

    def reset_counters(self) -> None:
        with self.lock:
            self.counts.clear()
            self.quota.clear()
            self.transcript.clear()

    def revoke_token(self) -> None:
        """Refresh answers 400 invalid_grant; every API call answers 401."""
        with self.lock:
            self.oauth.revoke()

    def restore_token(self) -> None:
        with self.lock:
            self.oauth.restore()

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.oauth.expire_access_tokens()

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one HTTP request (`target` is the path with its query string)."""
        url = urlsplit(target)
        headers = {k.lower(): v for k, v in headers.items()}
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            if method == "POST" and url.path.rstrip("/") in ("/token", "/oauth2/v4/token"):
                return self._token(body)
            if url.path.startswith("/batch"):
                return self._batch(headers, body)
            return self._call(method, url.path, query, headers, body)
        except ApiError as exc:
            return _error(exc)
        except Exception:  # one bad request must not take the server down
            logger.exception("emulator failed on %s %s", method, url.path)
            return _error(ApiError(500, "Internal error in the emulator", "backendError"))

    def _token(self, body: bytes) -> Response:
        with self.lock:
            self.counts["oauth.token"] += 1
        fault = self.faults.take("oauth.token")
        if fault:
            time.sleep(fault.delay)
            if fault.status >= 400:
                return Response(fault.status, {"Content-Type": JSON_TYPE},
                                json.dumps({"error": fault.reason or "server_error"}).encode())
        with self.lock:
            status, answer = self.oauth.token_endpoint(body)
        return Response(status, {"Content-Type": JSON_TYPE}, json.dumps(answer).encode())

    def _charge(self, method_id: str) -> None:
        prefix = method_id.split(".", 1)[0]
        self.quota[method_id] += QUOTA.get(method_id, 1 if prefix == "calendar" else 5)

    def _call(self, method: str, path: str, query: dict[str, list[str]],
              headers: dict[str, str], body: bytes) -> Response:
        override = headers.get("x-http-method-override")
        if override:  # the client turns long GETs into POST + override + form body
            method = override.upper()
            if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
                    query.setdefault(key, []).extend(values)
                body = b""
        try:
            route, params = routes.resolve(method, path)
        except ApiError:
            with self.lock:
                self.counts["unknown"] += 1
            raise
        mid = route.method_id
        with self.lock:
            self.counts[mid] += 1
            if mid in SEND_METHODS:  # recorded whatever happens next (auth, faults)
                self.sends.append(mid)
            self.oauth.check(headers.get("authorization"))
        try:
            result = self._run(mid, Call(mid, params, query, headers, body, route.upload))
        except ApiError as exc:
            self._log(mid, exc.code, exc.body())
            raise
        if result is None:
            self._log(mid, 204, None)
            return Response(204)
        self._log(mid, 200, result)  # the full answer: partial ones legitimately lack keys
        if query.get("fields"):
            result = fields.apply(result, fields.parse(query["fields"][-1]))
        return Response(200, {"Content-Type": JSON_TYPE}, json.dumps(result).encode())

    def _run(self, mid: str, call: Call) -> dict | None:
        if mid in SEND_METHODS:
            raise ApiError(403, f"{mid} is refused: this emulator never sends mail", "forbidden")
        fault = self.faults.take(mid)
        if fault:
            time.sleep(fault.delay)  # outside the lock: other calls go on meanwhile
            error = fault.error()
            if error:
                raise error
        handler: Callable[[Any, Call], dict | None]
        store: Any
        if mid in GMAIL_HANDLERS:
            handler, store = GMAIL_HANDLERS[mid], self.gmail
        elif mid in CALENDAR_HANDLERS:
            handler, store = CALENDAR_HANDLERS[mid], self.calendar
        else:
            raise ApiError(501, f"{mid} is not emulated", "notImplemented")
        with self.lock:
            self._charge(mid)
            # A copy taken under the lock: stored dicts may change while we serialise.
            return copy.deepcopy(handler(store, call))

    def _log(self, mid: str, status: int, payload: object) -> None:
        if self.record:
            with self.lock:
                self.transcript.append((mid, status, payload))

    def _batch(self, headers: dict[str, str], body: bytes) -> Response:
        with self.lock:
            self.counts["batch"] += 1
            self.oauth.check(headers.get("authorization"))
        fault = self.faults.take("batch")
        if fault:
            time.sleep(fault.delay)
            error = fault.error()
            if error:
                raise error
        if "content-type" not in headers:
            raise bad_request("Batch requests need a multipart/mixed Content-Type")
        answers = []
        for part in batch.parse(headers["content-type"], body):
            if part.path.startswith("/batch"):
                answer = _error(bad_request("Batches cannot be nested"))
            else:
                answer = self._part(part)
            answers.append((part.content_id, answer.status, answer.headers, answer.body))
        content_type, payload = batch.render(answers)
        return Response(200, {"Content-Type": content_type}, payload)

    def _part(self, part: batch.Part) -> Response:
        try:
            return self._call(part.method, part.path, part.query, part.headers, part.body)
        except ApiError as exc:
            return _error(exc)
        except Exception:
            logger.exception("emulator failed on batch part %s %s", part.method, part.path)
            return _error(ApiError(500, "Internal error in the emulator", "backendError"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, emulator: Emulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def close_connections(self) -> None:
        """Drop kept-alive connections so clients notice the server is gone."""
        with self.connections_lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httplib2 expects
    server_version = "GoogleEmulator/1"
    timeout = 60
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK adds
    # ~40 ms to every kept-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        headers = dict(self.headers.items())
        answer = self.server.emulator.handle(self.command, self.path, headers, body)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s " + format, self.client_address[0], *args)
