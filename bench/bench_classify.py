"""How fast `classify` labels mail: messages per second on one core, over the test corpus.

    python bench/bench_classify.py [--seconds 5]

Classifies every message of tests/corpus/messages.jsonl (pinned to one CPU where the OS
allows it), over and over until about `--seconds` have passed, and prints the rate, the
time per message and the slowest message. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path

from radiosilence.understand.classify.classifier import classify

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "messages.jsonl"

Message = tuple[str, str, dict[str, str], str, date]


def load() -> list[tuple[str, Message]]:
    messages = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        headers = {k.lower(): v for k, v in record["headers"].items()}
        messages.append((record["id"], (
            record["subject"], record["body"], headers, parseaddr(record["from"])[1].lower(),
            datetime.fromisoformat(record["date"]).date())))
    return messages


def one_pass(messages: list[tuple[str, Message]]) -> float:
    start = time.perf_counter()
    for _, message in messages:
        classify(*message)
    return time.perf_counter() - start


def slowest(messages: list[tuple[str, Message]], rounds: int = 20) -> tuple[str, float]:
    timings = []
    for ident, message in messages:
        start = time.perf_counter()
        for _ in range(rounds):
            classify(*message)
        timings.append(((time.perf_counter() - start) / rounds, ident))
    worst, ident = max(timings)
    return ident, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0)
    options = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    messages = load()
    one_pass(messages)  # warm up: compiled patterns, caches
    passes: list[float] = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall_start < options.seconds:
        passes.append(one_pass(messages))
    cpu = time.process_time() - cpu_start
    total = len(messages) * len(passes)
    ident, worst = slowest(messages)
    print(f"corpus: {len(messages)} messages, {len(passes)} passes, {total} classifications")
    print(f"wall: {sum(passes):.2f} s, cpu: {cpu:.2f} s (one core)")
    print(f"rate: {total / sum(passes):,.0f} messages/s "
          f"(best pass {len(messages) / min(passes):,.0f}/s, "
          f"median pass {len(messages) / statistics.median(passes):,.0f}/s)")
    print(f"per message: {1e6 * sum(passes) / total:.0f} µs on average, "
          f"slowest {1e6 * worst:.0f} µs ({ident})")


if __name__ == "__main__":
    main()
