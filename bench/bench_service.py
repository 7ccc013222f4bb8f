"""The running service: its resident memory when idle, and feed latency over loopback.

    python bench/bench_service.py [--requests 1000]

Starts `radiosilence run` on a copy of the demo sample (its clock set inside the sample's
story), waits for READY and a few cycles over sd_notify, reads VmRSS/VmHWM from /proc, then
fetches the feed `--requests` times on one keep-alive connection and as many times with a new
connection each, and prints p50/p99/max in milliseconds. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from radiosilence.cli.demo import DEMO_NOW, prepare


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(sock: socket.socket, needle: str, count: int) -> None:
    sock.settimeout(60)
    seen = 0
    while seen < count:
        if needle in sock.recv(4096).decode():
            seen += 1


def _memory(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])  # kB
    return fields


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (f"p50 {statistics.median(ordered) * 1000:.2f} ms   p99 {p99 * 1000:.2f} ms   "
            f"max {ordered[-1] * 1000:.2f} ms   {len(ordered) / sum(ordered):.0f} req/s")


def _keep_alive(port: int, path: str, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        connection.request("GET", path)
        connection.getresponse().read()
        samples.append(time.perf_counter() - began)
    connection.close()
    return samples


def _new_connections(port: int, path: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        connection.getresponse().read()
        connection.close()
        samples.append(time.perf_counter() - began)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        config = prepare(root)
        port = _free_port()
        text = config.read_text(encoding="utf-8").replace(
            'path = "feed/radiosilence.ics"\n', f'path = "feed/radiosilence.ics"\nport = {port}\n')
        config.write_text(text + "\n[service]\ninterval_minutes = 0.05\n", encoding="utf-8")
        notify_path = Path(tmp) / "notify.sock"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(notify_path))
            process = subprocess.Popen(
                [sys.executable, "-m", "radiosilence", "--config", str(config), "run",
                 "--now", DEMO_NOW],
                env={**os.environ, "NOTIFY_SOCKET": str(notify_path)},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                _wait(sock, "READY=1", 1)
                _wait(sock, "STATUS=", 3)  # three more cycles: steady state
                memory = _memory(process.pid)
                path = f"/{(root / 'state' / 'feed-token').read_text().strip()}/radiosilence.ics"
                _keep_alive(port, path, 1)  # warm up
                keep = _keep_alive(port, path, args.requests)
                fresh = _new_connections(port, path, args.requests)
            finally:
                process.terminate()
                process.wait(timeout=30)
    print(f"idle RSS {memory['VmRSS'] / 1024:.1f} MiB (peak {memory['VmHWM'] / 1024:.1f} MiB) "
          f"after READY and 3 cycles on the demo sample")
    print(f"feed, {args.requests} requests, one keep-alive connection: {_percentiles(keep)}")
    print(f"feed, {args.requests} requests, a new connection each:    {_percentiles(fresh)}")


if __name__ == "__main__":
    main()
