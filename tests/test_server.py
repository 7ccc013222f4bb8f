"""The feed's HTTP server, over real sockets on 127.0.0.1, serving a feed the demo really wrote.

Nothing is mocked. The served bytes are then read by three parsers that share no code
(icalendar, vobject, and ical.js under Node, the parser behind Thunderbird), which must agree
on every reminder: UID, SUMMARY, DTSTART, SEQUENCE and the alarm.
"""

from __future__ import annotations

import hashlib
import http.client
import inspect
import json
import logging
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from radiosilence.config.settings import FeedSettings
from radiosilence.fsutil import atomic_write
from radiosilence.publish import server as server_module
from radiosilence.publish.feed import FeedOptions, Reminder, render_feed, write_feed
from radiosilence.publish.server import (
    FeedServer,
    feed_urls,
    load_or_create_token,
    subscribe_help,
)

ROOT = Path(__file__).resolve().parent.parent
JS_DIR = ROOT / "tests" / "js"
NPM_HINT = "run `npm ci --prefix tests/js` (needs Node.js and npm) to install ical.js"
FEED = "radiosilence.ics"


@dataclass
class Served:
    host: str
    port: int
    token: str
    feed: Path
    server: FeedServer

    @property
    def feed_path(self) -> str:
        return f"/{self.token}/{FEED}"


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_feed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The feed `radiosilence demo` writes, by running the real CLI once."""
    target = tmp_path_factory.mktemp("demo") / "run"
    result = subprocess.run(
        [sys.executable, "-m", "radiosilence", "demo", "--dir", str(target)],
        capture_output=True, text=True, encoding="utf-8", timeout=180, check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 0, result.stderr
    data = (target / "feed" / FEED).read_bytes()
    assert data.count(b"BEGIN:VEVENT") >= 3, "the demo feed should hold several reminders"
    return data


@pytest.fixture
def served(tmp_path: Path, demo_feed: bytes) -> Any:
    """A FeedServer on a free port over a private copy of the demo feed (tests may rewrite it)."""
    feed = tmp_path / "feed" / FEED
    atomic_write(feed, demo_feed)
    token = load_or_create_token(tmp_path / "state")
    server = FeedServer(feed, token, port=0)
    host, port = server.start()
    yield Served(host, port, token, feed, server)
    server.stop()


def fetch(s: Served, path: str, method: str = "GET",
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection: (status, headers with lower-case names, body)."""
    conn = http.client.HTTPConnection(s.host, s.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def raw(s: Served, data: bytes) -> bytes:
    """Send raw bytes, return everything the server answers until it closes."""
    with socket.create_connection((s.host, s.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def assert_still_serving(s: Served) -> None:
    status, _, body = fetch(s, s.feed_path)
    assert status == 200 and body == s.feed.read_bytes()


# --- the feed, its headers and revalidation ----------------------------------------------


def test_feed_is_served_with_validators(served: Served) -> None:
    status, headers, body = fetch(served, served.feed_path)
    assert status == 200
    assert body == served.feed.read_bytes()
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["content-length"] == str(len(body))
    assert headers["cache-control"] == "no-cache"
    assert headers["etag"].startswith('"') and headers["etag"].endswith('"')
    assert headers["etag"].strip('"') == hashlib.sha256(body).hexdigest()[:32]
    assert headers["last-modified"] == formatdate(served.feed.stat().st_mtime, usegmt=True)
    assert "content-encoding" not in headers


def test_server_header_reveals_no_version(served: Served) -> None:
    for path in (served.feed_path, "/nothing", "/healthz"):
        _, headers, _ = fetch(served, path)
        assert headers["server"] == "radiosilence"
    answer = raw(served, b"GET / HTTP/9.9\r\n\r\n")  # the stdlib's own error page
    assert b"Python" not in answer and b"BaseHTTP" not in answer


@pytest.mark.parametrize("condition", [
    "{etag}", "W/{etag}", '"nope", {etag}', 'W/"nope",W/{etag} , "other"', "*"])
def test_if_none_match_gives_304_without_body(served: Served, condition: str) -> None:
    _, first, _ = fetch(served, served.feed_path)
    status, headers, body = fetch(served, served.feed_path, headers={
        "If-None-Match": condition.format(etag=first["etag"])})
    assert (status, body) == (304, b"")
    assert headers["etag"] == first["etag"]
    assert "content-type" not in headers


def test_if_modified_since(served: Served) -> None:
    _, first, _ = fetch(served, served.feed_path)
    modified = first["last-modified"]
    status, _, body = fetch(served, served.feed_path, headers={"If-Modified-Since": modified})
    assert (status, body) == (304, b"")
    later = formatdate(served.feed.stat().st_mtime + 3600, usegmt=True)
    assert fetch(served, served.feed_path, headers={"If-Modified-Since": later})[0] == 304
    earlier = formatdate(served.feed.stat().st_mtime - 10, usegmt=True)
    assert fetch(served, served.feed_path, headers={"If-Modified-Since": earlier})[0] == 200
    assert fetch(served, served.feed_path, headers={"If-Modified-Since": "yesterday"})[0] == 200
    # RFC 9110 13.2.2: If-None-Match, when sent, decides alone.
    both = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert fetch(served, served.feed_path, headers=both)[0] == 200


def test_rewritten_feed_gets_a_new_etag(served: Served) -> None:
    _, old, old_body = fetch(served, served.feed_path)
    changed = old_body.replace(b"SEQUENCE:0", b"SEQUENCE:1", 1)
    assert changed != old_body
    assert write_feed(served.feed, changed)
    status, new, body = fetch(served, served.feed_path, headers={"If-None-Match": old["etag"]})
    assert (status, body) == (200, changed)
    assert new["etag"] != old["etag"]
    assert fetch(served, served.feed_path, headers={"If-None-Match": new["etag"]})[0] == 304


def test_each_response_is_one_whole_version_while_the_file_is_replaced(served: Served) -> None:
    versions = [served.feed.read_bytes(), served.feed.read_bytes() + b"\r\n"]
    stop = threading.Event()

    def rewrite() -> None:
        i = 0
        while not stop.wait(0.001):
            atomic_write(served.feed, versions[i % 2])
            i += 1

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        conn = http.client.HTTPConnection(served.host, served.port, timeout=10)
        for _ in range(100):
            conn.request("GET", served.feed_path)
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200 and body in versions
            assert response.getheader("ETag") == f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        conn.close()
    finally:
        stop.set()
        writer.join()


def test_head_sends_headers_only(served: Served) -> None:
    size = str(len(served.feed.read_bytes()))
    conn = http.client.HTTPConnection(served.host, served.port, timeout=10)
    conn.request("HEAD", served.feed_path)
    head = conn.getresponse()
    assert (head.status, head.read(), head.getheader("Content-Length")) == (200, b"", size)
    # Had HEAD sent a body, it would now be read as the start of this response.
    conn.request("GET", served.feed_path)
    get = conn.getresponse()
    assert get.status == 200 and get.read() == served.feed.read_bytes()
    conn.close()


def test_no_compression_or_negotiation(served: Served) -> None:
    status, headers, body = fetch(served, served.feed_path, headers={
        "Accept-Encoding": "gzip, deflate, br", "Accept": "application/json"})
    assert status == 200 and body == served.feed.read_bytes()
    assert "content-encoding" not in headers and "vary" not in headers
    assert headers["content-type"] == "text/calendar; charset=utf-8"


def test_missing_feed_is_503_with_retry_after(served: Served) -> None:
    served.feed.unlink()
    for path in (served.feed_path, "/healthz"):
        status, headers, _ = fetch(served, path)
        assert status == 503 and int(headers["retry-after"]) > 0
    atomic_write(served.feed, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert fetch(served, served.feed_path)[0] == 200


# --- misses, methods, hostile requests ---------------------------------------------------


def miss_paths(token: str) -> list[str]:
    near = ("A" if token[0] != "A" else "B") + token[1:]
    return [
        f"/{near}/{FEED}", f"/{token.upper()}/{FEED}", f"/{token[:-1]}/{FEED}",
        f"/{token}x/{FEED}", "/", f"/{FEED}", f"/{token}", f"/{token}/", f"/{token}/other.ics",
        f"/{token}/{FEED}/", f"/{token}/../{token}/{FEED}", f"/../{token}/{FEED}",
        f"/{token}/%2E%2E/{FEED}", f"/{token}%2F{FEED}", f"/{token}%2f{FEED}",
        f"//{token}/{FEED}", f"/{token}//{FEED}", f"/x/{token}/{FEED}",
        f"/{FEED}?token={token}", f"/?{token}", f"/{FEED}?{token}", "/healthz/",
        f"/%{token}/{FEED}", f"http://127.0.0.1/{token}/{FEED}", "*",
    ]


def test_every_miss_is_the_same_404(served: Served) -> None:
    reference = fetch(served, "/no-such-thing")
    assert reference[0] == 404
    ignore = {"date"}
    for path in miss_paths(served.token):
        status, headers, body = fetch(served, path)
        assert (status, body) == (404, reference[2]), path
        assert {k: v for k, v in headers.items() if k not in ignore} == {
            k: v for k, v in reference[1].items() if k not in ignore}, path
        assert fetch(served, path, method="HEAD")[2] == b"", path


def test_query_on_the_right_path_is_served(served: Served) -> None:
    assert fetch(served, served.feed_path + "?nocache=1")[0] == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"])
def test_other_methods_are_405(served: Served, method: str) -> None:
    status, headers, _ = fetch(served, served.feed_path, method=method)
    assert status == 405 and headers["allow"] == "GET, HEAD"
    assert_still_serving(served)


@pytest.mark.parametrize("request_bytes, allowed", [
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {414}),
    (b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", {431, 400}),
    (b"GET /healthz HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n", {431, 400}),
    # The stdlib reads a header line without a colon leniently; it must not crash.
    (b"GET /healthz HTTP/1.1\r\nConnection: close\r\nbroken line\r\n\r\n", {200, 400}),
    # A TLS ClientHello sent to plain http: no HTTP version, so an HTTP/0.9-style error page.
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n", {400}),
], ids=["long-line", "long-header", "many-headers", "bad-header", "tls-hello"])
def test_hostile_requests_get_a_4xx_not_a_crash(
        served: Served, capfd: pytest.CaptureFixture[str], request_bytes: bytes,
        allowed: set[int]) -> None:
    answer = raw(served, request_bytes)
    code = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer) or re.search(rb"Error code: (\d{3})", answer)
    assert code and int(code[1]) in allowed, answer[:200]
    assert b"Traceback" not in answer
    assert_still_serving(served)
    assert capfd.readouterr().err == ""  # logging only, never the stdlib's stderr lines


def test_silent_client_is_dropped(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    # The handler's timeout is 10 s; shortened here so the test stays quick.
    monkeypatch.setattr(server_module._FeedHandler, "timeout", 0.5)
    started = time.monotonic()
    with socket.create_connection((served.host, served.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # and then nothing more
        assert sock.recv(1024) == b""
    assert time.monotonic() - started < 5
    assert_still_serving(served)


def test_stop_is_prompt_with_idle_keepalive_clients(served: Served) -> None:
    conn = http.client.HTTPConnection(served.host, served.port, timeout=10)
    conn.request("GET", served.feed_path)
    conn.getresponse().read()  # the connection now idles, held open by keep-alive
    started = time.monotonic()
    served.server.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(OSError):
        fetch(served, served.feed_path)
    conn.close()
    served.server.stop()  # a second stop is harmless


# --- health, token, defaults, logs -------------------------------------------------------


def test_healthz_says_only_ok(served: Served) -> None:
    """Answered without the token: not how many reminders the feed holds, nor its age."""
    status, headers, body = fetch(served, "/healthz")
    assert (status, body) == (200, b"ok\n")
    assert headers["content-type"].startswith("text/plain")


def test_connections_beyond_the_cap_are_turned_away_and_the_backlog_fits_it(
        served: Served) -> None:
    from radiosilence.publish.server import MAX_CONNECTIONS, _FeedHTTPServer

    assert _FeedHTTPServer.request_queue_size == MAX_CONNECTIONS
    idle = []
    try:
        for _ in range(MAX_CONNECTIONS):  # each holds a handler thread, saying nothing
            sock = socket.create_connection((served.host, served.port), timeout=10)
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
            idle.append(sock)
        answer = raw(served, b"GET /healthz HTTP/1.1\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 503") and b"Retry-After" in answer, answer
    finally:
        for sock in idle:
            sock.close()
    served.server._httpd.close_connections()  # type: ignore[union-attr]
    assert_still_serving(served)


def test_token_file_is_private_and_stable(tmp_path: Path) -> None:
    state = tmp_path / "state"
    token = load_or_create_token(state)
    assert len(token) >= 43 and len(token) * 6 >= 128
    assert stat.S_IMODE((state / "feed-token").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert load_or_create_token(state) == token
    assert load_or_create_token(state) == token
    assert token != load_or_create_token(tmp_path / "other")


@pytest.mark.parametrize("content", [b"", b"\n", b"\xff\xfe\x00 not a token", b"short"])
def test_corrupt_token_file_is_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                        content: bytes) -> None:
    path = tmp_path / "feed-token"
    atomic_write(path, content)
    with caplog.at_level(logging.WARNING, logger="radiosilence.publish.server"):
        token = load_or_create_token(tmp_path)
    assert len(token) >= 43 and path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "corrupt" in caplog.text and token not in caplog.text
    assert load_or_create_token(tmp_path) == token


def test_binds_loopback_by_default(tmp_path: Path) -> None:
    params = inspect.signature(FeedServer).parameters
    settings = {f.name: f.metadata["default"] for f in fields(FeedSettings)}
    assert params["host"].default == settings["host"] == "127.0.0.1"
    assert params["port"].default == settings["port"]
    server = FeedServer(tmp_path / FEED, load_or_create_token(tmp_path), port=0)
    host, port = server.start()
    try:
        assert host == "127.0.0.1" and port > 0
        assert server.url.startswith(f"http://127.0.0.1:{port}/")
    finally:
        server.stop()


def test_bad_token_is_refused() -> None:
    with pytest.raises(ValueError):
        FeedServer(Path(FEED), "short")


def test_token_is_never_logged(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    near = ("A" if served.token[0] != "A" else "B") + served.token[1:]
    with caplog.at_level(logging.DEBUG, logger="radiosilence.publish.server"):
        fetch(served, served.feed_path)
        fetch(served, f"/{near}/{FEED}")
        fetch(served, f"/{FEED}?token={served.token}")
        raw(served, f"GET /{served.token}/{FEED} HTTP/1.1\r\nX: {'a' * 70_000}\r\n\r\n".encode())
        served.server.stop()
    assert "<token>" in caplog.text
    assert served.token not in caplog.text and near not in caplog.text
    assert served.token[:20] not in caplog.text


def test_feed_urls_and_help() -> None:
    url, webcal = feed_urls("127.0.0.1", 8765, "T" * 43)
    assert url == f"http://127.0.0.1:8765/{'T' * 43}/{FEED}"
    assert webcal == f"webcal://127.0.0.1:8765/{'T' * 43}/{FEED}"
    assert feed_urls("::1", 80, "t")[0] == f"http://[::1]:80/t/{FEED}"
    assert feed_urls("0.0.0.0", 80, "t")[0] == f"http://127.0.0.1:80/t/{FEED}"
    text = subscribe_help(url, webcal)
    assert url in text and webcal in text
    for word in ("Google", "https", "reverse proxy", "Apple", "Outlook", "Thunderbird", "drafts"):
        assert word in text


# --- three independent readers of the served bytes ---------------------------------------


def node_or_fail() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"Node.js is not installed: {NPM_HINT}")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.fail(f"tests/js/node_modules is missing: {NPM_HINT}")
    return node


def read_icaljs(data: bytes) -> dict[str, tuple[Any, ...]]:
    result = subprocess.run([node_or_fail(), str(JS_DIR / "parse_feed.mjs")], input=data,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return {
        item["uid"]: (item["summary"], datetime.fromisoformat(item["start"]), item["sequence"],
                      [(a["action"], icalendar.vDuration.from_ical(a["trigger"]))
                       for a in item["alarms"]])
        for item in json.loads(result.stdout)
    }


def read_icalendar(data: bytes) -> dict[str, tuple[Any, ...]]:
    calendar = icalendar.Calendar.from_ical(data)  # bytes: a str may be taken for a path
    events: dict[str, tuple[Any, ...]] = {}
    for event in calendar.walk("VEVENT"):
        assert not event.errors, event.errors
        alarms = [(str(a["ACTION"]), a.decoded("TRIGGER")) for a in event.walk("VALARM")]
        events[str(event["UID"])] = (str(event["SUMMARY"]), event.decoded("DTSTART"),
                                     int(event.decoded("SEQUENCE")), alarms)
    return events


def read_vobject(data: bytes) -> dict[str, tuple[Any, ...]]:
    calendar = vobject.readOne(data.decode("utf-8"))
    calendar.validate(raiseException=True)
    events: dict[str, tuple[Any, ...]] = {}
    for event in calendar.vevent_list:
        alarms = [(a.action.value, a.trigger.value) for a in getattr(event, "valarm_list", [])]
        events[event.uid.value] = (event.summary.value, event.dtstart.value,
                                   int(event.sequence.value), alarms)
    return events


def normalise(events: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    """Datetimes to UTC (each library has its own UTC tzinfo), so values compare equal."""
    out = {}
    for uid, (summary, start, sequence, alarms) in events.items():
        assert isinstance(start, datetime) and start.utcoffset() == timedelta(0), (uid, start)
        out[uid] = (summary, start.astimezone(UTC), sequence,
                    [(action, trigger) for action, trigger in alarms])
    return out


def assert_three_parsers_agree(data: bytes) -> dict[str, tuple[Any, ...]]:
    """Read `data` with all three libraries; return icalendar's reading once all agree."""
    reference = normalise(read_icalendar(data))
    assert len(reference) == data.count(b"BEGIN:VEVENT") >= 3
    for uid, (summary, _start, _sequence, alarms) in reference.items():
        assert uid.endswith("@radiosilence") and summary
        assert alarms and all(isinstance(t, timedelta) for _, t in alarms)
    readers = {"vobject": read_vobject, "ical.js": read_icaljs}
    for name, reader in readers.items():
        other = normalise(reader(data))
        assert other.keys() == reference.keys(), name
        for uid, values in reference.items():
            assert other[uid] == values, (name, uid)
    return reference


def test_three_parsers_agree_on_the_served_feed(served: Served) -> None:
    status, _, data = fetch(served, served.feed_path)
    assert status == 200
    assert_three_parsers_agree(data)


def test_three_parsers_agree_on_a_varied_feed(served: Served) -> None:
    """Non-zero alarms, a local-time start, a point-in-time event, non-ASCII text, a
    long folded description and a bumped SEQUENCE: what the demo feed does not show."""
    london = ZoneInfo("Europe/London")
    now = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)
    options = FeedOptions(name="Interview follow-ups", refresh_minutes=60,
                          alarm_minutes_before=15)
    reminders = [
        Reminder("a", "Danke an Zoë Müller — Café ☕", "ü" * 200,
                 datetime(2026, 3, 30, 9, 30, tzinfo=london), 15),  # BST: 08:30Z
        Reminder("b", "Check in with Quillstone; ask, politely", "",
                 datetime(2026, 3, 20, 9, 0, tzinfo=UTC), 0),
        Reminder("c", "Thank Hannah", "line one\nline two, with \\ and ;",
                 datetime(2026, 3, 19, 10, 0, tzinfo=london), 30),
    ]
    first, records = render_feed(reminders, {}, now, options)
    moved = [*reminders[:2], replace(reminders[2], minutes=45)]
    data, _ = render_feed(moved, records, now + timedelta(hours=1), options)
    write_feed(served.feed, data)
    status, _, served_bytes = fetch(served, served.feed_path)
    assert status == 200 and served_bytes == data
    events = assert_three_parsers_agree(served_bytes)
    by_summary = {values[0]: values for values in events.values()}
    assert by_summary["Danke an Zoë Müller — Café ☕"][1] == datetime(2026, 3, 30, 8, 30,
                                                                     tzinfo=UTC)
    assert by_summary["Thank Hannah"][2] == 1  # SEQUENCE bumped by the change
    assert all(values[3] == [("DISPLAY", timedelta(minutes=-15))] for values in events.values())


def test_icaljs_reader_rejects_garbage() -> None:
    result = subprocess.run([node_or_fail(), str(JS_DIR / "parse_feed.mjs")],
                            input=b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", capture_output=True,
                            timeout=60, check=False)
    assert result.returncode != 0 and b"parse_feed:" in result.stderr


def test_oversized_headers_are_refused_before_they_are_buffered(tmp_path: Path) -> None:
    """40 connections each sending 6 MB of headers in lines just under the stdlib's 64 KB
    limit, to a real `radiosilence serve`: each is refused after about 16 KB, so the
    server's peak memory stays near its start (the stdlib alone keeps up to 100 such lines,
    6.4 MB, per connection)."""
    import subprocess
    import sys
    import threading

    from tests.test_service import make_demo

    config, port = make_demo(tmp_path / "demo")
    process = subprocess.Popen([sys.executable, "-m", "radiosilence", "--config", str(config),
                                "serve"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:  # ready when it accepts: polling the port, not sleeping a guess
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        start_peak = _peak_kib(process.pid)
        line = b"X-Big: " + b"a" * 60_000 + b"\r\n"

        def attack() -> None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\n" + line * 100)
            except OSError:
                pass  # refused and closed before we were done: the point

        threads = [threading.Thread(target=attack) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        growth = (_peak_kib(process.pid) - start_peak) / 1024
        print(f"\npeak memory growth under 40 x 6 MB of headers: {growth:.1f} MiB")
        assert growth < 40, growth
    finally:
        process.terminate()
        process.wait(10)


def _peak_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1])  # type: ignore[index]


def test_a_client_trickling_its_headers_is_cut_off(served: Served,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A byte now and then, each within the read timeout: the deadline for the whole head
    (20 s; 1 s here) still ends it."""
    monkeypatch.setattr(server_module, "HEAD_DEADLINE_SECONDS", 1.0)
    started = time.monotonic()
    with socket.create_connection((served.host, served.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        answer = b""
        for _ in range(40):
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sock.settimeout(0.2)
            try:
                answer = sock.recv(1024)
            except TimeoutError:
                continue
            break
    assert time.monotonic() - started < 5
    assert answer.startswith(b"HTTP/1.1 431") or answer == b"", answer[:80]
    assert_still_serving(served)
