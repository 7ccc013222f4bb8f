"""How fast the feed's HTTP server answers, over loopback, serving the demo's feed.

    python bench/bench_feed.py [--requests 1000] [--seconds 60]

Runs `radiosilence demo` once into a temporary folder, starts a FeedServer on 127.0.0.1
(a free port), then makes sequential GETs of the feed: first all on one keep-alive
connection (as a reverse proxy would), then each on a new connection (as most calendar
apps poll), then revalidations that get 304. Prints p50 / p99 / max latency in milliseconds
and requests per second; asserts nothing. Each run stops at --requests or after --seconds.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from radiosilence.publish.server import FeedServer, load_or_create_token

MAX_REQUESTS = 100_000


def demo_feed(root: Path) -> Path:
    target = root / "demo"
    subprocess.run([sys.executable, "-m", "radiosilence", "demo", "--dir", str(target)],
                   check=True, capture_output=True, timeout=300)
    return target / "feed" / "radiosilence.ics"


def timed(count: int, seconds: float, one: Callable[[], int]) -> tuple[list[float], float]:
    """Call `one` up to `count` times within `seconds`; return latencies (ms) and wall time."""
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    while len(latencies) < count and time.perf_counter() < deadline:
        before = time.perf_counter()
        one()
        latencies.append((time.perf_counter() - before) * 1000)
    return latencies, time.perf_counter() - started


def report(label: str, latencies: list[float], wall: float, expected: int) -> None:
    if not latencies:
        print(f"{label}: no request completed")
        return
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(f"{label:<28} {len(latencies):>6} requests  p50 {statistics.median(ordered):6.3f} ms"
          f"  p99 {p99:6.3f} ms  max {ordered[-1]:7.3f} ms  {len(latencies) / wall:8.0f} req/s"
          + ("" if len(latencies) == expected else "  (stopped by the time limit)"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit per run")
    args = parser.parse_args()
    count = max(1, min(args.requests, MAX_REQUESTS))
    with tempfile.TemporaryDirectory(prefix="radiosilence-bench-") as tmp:
        feed = demo_feed(Path(tmp))
        server = FeedServer(feed, load_or_create_token(Path(tmp) / "state"), port=0)
        host, port = server.start()
        path = "/" + server.url.split("/", 3)[3]
        size = feed.stat().st_size
        try:
            print(f"feed: {size} bytes, {feed.read_bytes().count(b'BEGIN:VEVENT')} events; "
                  f"server on {host}:{port}; Python {sys.version.split()[0]}")
            keep = http.client.HTTPConnection(host, port, timeout=10)

            def keepalive(headers: dict[str, str] | None = None) -> int:
                keep.request("GET", path, headers=headers or {})
                response = keep.getresponse()
                response.read()
                return response.status

            def fresh() -> int:
                conn = http.client.HTTPConnection(host, port, timeout=10)
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    response.read()
                    return response.status
                finally:
                    conn.close()

            keepalive()  # warm up, and learn the ETag
            keep.request("HEAD", path)
            head = keep.getresponse()
            head.read()
            etag = head.getheader("ETag") or ""
            runs: list[tuple[str, Callable[[], int]]] = [
                ("GET, one keep-alive conn", keepalive),
                ("GET, new conn each", fresh),
                ("304 revalidation, keep-alive", lambda: keepalive({"If-None-Match": etag})),
            ]
            for label, one in runs:
                latencies, wall = timed(count, args.seconds, one)
                report(label, latencies, wall, count)
            keep.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
