"""A real CalDAV server for tests: Radicale in-process on a free loopback port, its storage in
a temp folder, with a plain users file (so a wrong password is a real 401), a count of the
requests it answered, and a switch that makes it answer 503 to everything (an outage).

Also a loopback HTTP server for calendar links (`IcsServer`), with ETag / Last-Modified.
The servers are ready when `serve_forever` runs on its thread: the socket is bound and
listening before the thread starts, so a client connecting at once waits in the backlog.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

USER, PASSWORD = "sam", "app-password-1"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass


class _Served:
    """A loopback server (`server`) served on `thread` while used as a context manager."""

    server: Any
    thread: threading.Thread

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class Radicale(_Served):
    """Radicale 3 on 127.0.0.1:<free port>; `url` is the server root (discovery starts
    there). Use as a context manager."""

    def __init__(self, root: Path) -> None:
        import radicale
        import radicale.config

        root.mkdir(parents=True, exist_ok=True)
        users = root / "users"
        users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
        conf = radicale.config.load([])
        conf.update({
            "storage": {"filesystem_folder": str(root / "storage")},
            "auth": {"type": "htpasswd", "htpasswd_filename": str(users),
                     "htpasswd_encryption": "plain"},
            "web": {"type": "none"},
            "logging": {"level": "warning"},
        }, "test", privileged=True)
        self.app = radicale.Application(conf)
        self.requests: Counter[str] = Counter()  # method -> count
        self.down = False
        self.throttled = False  # 429 with Retry-After to everything
        self.sync_collection = True  # False: hide RFC 6578, as a ctag-only server would
        self.refused: set[str] = set()  # methods answered 403, as a server with fixed calendars
        self.server: WSGIServer = make_server("127.0.0.1", 0, self._wsgi,
                                              handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _wsgi(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        self.requests[environ["REQUEST_METHOD"]] += 1
        if self.down:
            start("503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        if self.throttled:
            start("429 Too Many Requests", [("Retry-After", "7"), ("Content-Length", "0")])
            return [b""]
        if environ["REQUEST_METHOD"] in self.refused:
            start("403 Forbidden", [("Content-Length", "0")])
            return [b""]
        if not self.sync_collection:
            self._hide_sync_collection(environ)
        return self.app(environ, start)  # type: ignore[no-any-return]

    @staticmethod
    def _hide_sync_collection(environ: dict[str, Any]) -> None:
        """Ask Radicale for no sync-token, and make sync-collection an unknown report."""
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        body = body.replace(b"<d:sync-token/>", b"")
        if environ["REQUEST_METHOD"] == "REPORT":
            body = body.replace(b"sync-collection", b"no-such-report")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.down = True
        try:
            yield
        finally:
            self.down = False

    def calendar_url(self, name: str) -> str:
        return f"{self.url}{USER}/{name}/"

    def http(self, method: str, url: str, body: bytes = b"",
             headers: dict[str, str] | None = None) -> int:
        """One request as the user's own calendar app would make it; returns the status."""
        auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request = urllib.request.Request(url, data=body or None, method=method, headers={
            "Authorization": f"Basic {auth}", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def make_calendar(self, name: str, display_name: str = "",
                      components: tuple[str, ...] = ("VEVENT",)) -> str:
        shown = f"<d:displayname>{display_name}</d:displayname>" if display_name else ""
        comps = "".join(f'<c:comp name="{c}"/>' for c in components)
        body = ('<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" '
                'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>'
                f"{shown}<c:supported-calendar-component-set>{comps}"
                "</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>")
        status = self.http("MKCALENDAR", self.calendar_url(name), body.encode(),
                           {"Content-Type": "application/xml"})
        assert status == 201, status
        return self.calendar_url(name)

    def put(self, calendar: str, name: str, data: bytes) -> None:
        status = self.http("PUT", f"{self.calendar_url(calendar)}{name}", data,
                           {"Content-Type": "text/calendar; charset=utf-8"})
        assert status in (201, 204), status

    def delete(self, calendar: str, name: str) -> None:
        status = self.http("DELETE", f"{self.calendar_url(calendar)}{name}")
        assert status in (200, 204), status

    def files(self, calendar: str) -> list[Path]:
        """The .ics files Radicale keeps for `calendar` (one per object)."""
        folder = Path(self.app.configuration.get("storage", "filesystem_folder")) / \
            "collection-root" / USER / calendar
        return sorted(folder.glob("*.ics"))


class IcsServer(_Served):
    """A calendar link on loopback: GET /<secret>/basic.ics serves `body` with an ETag and a
    Last-Modified, answers 304 to a matching conditional GET, and counts what it answered."""

    def __init__(self) -> None:
        self.body = b""
        self.content_type = "text/calendar; charset=utf-8"
        self.status = 200
        self.path = "/s3cr3t-token-9f2c/basic.ics"
        self.served: Counter[int] = Counter()  # status -> count
        self.version = 0
        rig = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                rig._answer(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{self.path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def publish(self, body: bytes) -> None:
        self.body = body
        self.version += 1

    def _etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path != self.path:
            return self._send(handler, 404, b"not found", "text/plain")
        if self.status != 200:
            return self._send(handler, self.status, b"<html>no</html>", "text/html")
        if handler.headers.get("If-None-Match") == self._etag():
            return self._send(handler, 304, b"", "")
        self._send(handler, 200, self.body, self.content_type)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes,
              content_type: str) -> None:
        self.served[status] += 1
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        handler.send_header("ETag", self._etag())
        handler.send_header("Last-Modified", formatdate(1700000000 + self.version, usegmt=True))
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


class DiscoveryHost(_Served):
    """The account URL of a provider that keeps calendars on another host (iCloud answers
    on caldav.icloud.com and names pNN-caldav.icloud.com as the calendar home): every
    PROPFIND gets a principal on this host and a calendar home at `home` (absolute)."""

    def __init__(self, home: str) -> None:
        self.home = home
        self.requests: Counter[str] = Counter()  # path -> count
        self.server: WSGIServer = make_server("127.0.0.1", 0, self._wsgi,
                                              handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _wsgi(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        self.requests[environ["PATH_INFO"]] += 1
        body = ('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
                'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>'
                f'{environ["PATH_INFO"]}</d:href><d:propstat><d:prop>'
                "<d:current-user-principal><d:href>/1234/principal/</d:href>"
                "</d:current-user-principal><c:calendar-home-set><d:href>"
                f"{self.home}</d:href></c:calendar-home-set></d:prop>"
                "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
                "</d:multistatus>").encode()
        start("207 Multi-Status", [("Content-Type", "application/xml; charset=utf-8"),
                                   ("Content-Length", str(len(body)))])
        return [body]
