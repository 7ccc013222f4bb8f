"""One timed process of `bench_classify.py --baseline`: a classifier's CPU rate.

    python bench/classify_rate.py PATH MODULE MESSAGES.json SECONDS

Imports MODULE from the package under PATH (first on the path, so a baseline's old package
and not the installed one), classifies every message of the file once to warm up, then over
and over, pinned to one CPU where the OS allows it, for about SECONDS; prints the messages
classified per second of CPU time. Imports nothing of the project itself, so that it runs
the same against any version of it.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from datetime import date
from pathlib import Path


def main(path: str, module: str, messages: Path, seconds: float) -> None:
    sys.path.insert(0, path)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    loaded = importlib.import_module(module)
    if not str(Path(loaded.__file__ or "").resolve()).startswith(str(Path(path).resolve())):
        sys.exit(f"{module} came from {loaded.__file__}, not from {path}")
    classify = loaded.classify
    mail = [(s, b, h, f, date.fromisoformat(d)) for s, b, h, f, d in json.loads(
        messages.read_text(encoding="utf-8"))]
    for message in mail:
        classify(*message)
    done, cpu, wall = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - wall < seconds:
        for message in mail:
            classify(*message)
        done += len(mail)
    print(f"{done / (time.process_time() - cpu):.1f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), float(sys.argv[4]))
