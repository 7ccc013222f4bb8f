"""How well and how fast `classify` labels mail.

    python bench/bench_classify.py [--seconds 5]

Prints the per-category precision/recall table, accuracy and expected calibration error for
the holdout part of the real corpus (../shared/corpus; never trained or tuned on), its tune
part and the written corpus (tests/corpus; both trained on, so no measure of new mail), and
the misses by category as counts. Then the speed: every message of the real and the written
corpus classified over and over (pinned to one CPU where the OS allows it) until about
`--seconds` have passed: the rate, the time per message, the slowest message, and the rate
of the model's scorer alone; then, in the same run, the CPU rate with and without the
prefilter (`prefilter.plain`: every pattern as written on every text); and, in the same
run, against the rules-only classifier that stood before the learned model (`--baseline`,
a commit of this repository, read with git): both in fresh processes on the same messages,
taking turns, so that a slower or busier machine slows both alike. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from radiosilence.understand.classify.classifier import classify, prepare  # noqa: E402
from radiosilence.understand.classify.learned import MODEL_FILE, load_model  # noqa: E402
from radiosilence.understand.classify.prefilter import plain  # noqa: E402
from tests import classifier_scores as scores  # noqa: E402
from tests import real_corpus  # noqa: E402

Messages = list[tuple[str, str, scores.Message]]
# The rules-only classifier, as it stood before the learned model, and the module holding
# its `classify`: the speed the model was to keep.
BASELINE = "7c963ff:radiosilence.classify"
_TURNS = 3  # rounds of (baseline, current), each a fresh process


def quality() -> Messages:
    holdout = scores.real_messages(real_corpus.part("holdout"))
    tune = scores.real_messages(real_corpus.part("tune"))
    written = scores.written_messages()
    for title, messages in (("holdout (real, never trained on)", holdout),
                            ("tune (real, trained on)", tune),
                            ("written corpus (trained on)", written)):
        print(scores.table(scores.run(messages), title) + "\n")
    return holdout + tune + written


def one_pass(messages: Messages) -> float:
    start = time.perf_counter()
    for _, _, message in messages:
        classify(*message)
    return time.perf_counter() - start


def slowest(messages: Messages, rounds: int = 10) -> tuple[str, float]:
    timings = []
    for ident, _, message in messages:
        start = time.perf_counter()
        for _ in range(rounds):
            classify(*message)
        timings.append(((time.perf_counter() - start) / rounds, ident))
    worst, ident = max(timings)
    return ident, worst


def scorer_rate(messages: Messages, seconds: float) -> float:
    """Messages a second through the model's scorer alone, on prepared inputs."""
    model = load_model()
    inputs = [prepare(*message, certain=False) for _, _, message in messages]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for item in inputs:
            model.score(item.tokens, item.signals)
        done += len(inputs)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--baseline", default=BASELINE,
                        help="COMMIT:MODULE of a classify(subject, body, headers, sender, "
                             "sent_on) to time beside this one, or 'none'")
    options = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    messages = quality()
    print(f"model: {MODEL_FILE.name}, {MODEL_FILE.stat().st_size:,} bytes, "
          f"{len(load_model().weights):,} weighted features")
    one_pass(messages)  # warm up: compiled patterns, the model's word cache
    passes: list[float] = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall_start < options.seconds:
        passes.append(one_pass(messages))
    cpu = time.process_time() - cpu_start
    total = len(messages) * len(passes)
    ident, worst = slowest(messages)
    print(f"speed over {len(messages)} messages (real + written), {len(passes)} passes, "
          f"{total} classifications; wall {sum(passes):.2f} s, cpu {cpu:.2f} s (one core)")
    print(f"rate: {total / sum(passes):,.0f} messages/s "
          f"(best pass {len(messages) / min(passes):,.0f}/s, "
          f"median pass {len(messages) / statistics.median(passes):,.0f}/s)")
    print(f"per message: {1e6 * sum(passes) / total:.0f} µs on average, "
          f"slowest {1e6 * worst:.0f} µs ({ident})")
    print(f"model scorer alone: {scorer_rate(messages, options.seconds / 2):,.0f} messages/s")
    fast, slow = cpu_rate(messages, options.seconds / 2), 0.0
    with plain():
        slow = cpu_rate(messages, options.seconds / 2)
    print(f"cpu rate, same run: {fast:,.0f} messages/s; with every pattern run as written on "
          f"every text (prefilter.plain) {slow:,.0f}/s: {fast / slow:.1f} times faster")
    if options.baseline != "none":
        print(against_baseline(options.baseline, messages, options.seconds / 2))


def against_baseline(baseline: str, messages: Messages, seconds: float) -> str:
    """This classifier's rate beside the baseline's, on all `messages` and on the written
    corpus alone, each process timing one of them for about `seconds`."""
    commit, _, module = baseline.partition(":")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "daemon"],
                             capture_output=True)
    if archive.returncode:
        why = archive.stderr.decode(errors="replace").strip().splitlines()
        return f"baseline {commit}: not available ({why[0] if why else 'git failed'})"
    lines = [f"same run, against the rules-only classifier of {commit} ({module}):"]
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        (Path(tmp) / "daemon").rename(Path(tmp) / "radiosilence")
        for title, chosen in (("real + written", messages),
                              ("written corpus alone", scores.written_messages())):
            file = Path(tmp) / "messages.json"
            file.write_text(json.dumps([_plain_message(m) for _, _, m in chosen]))
            old, new = [], []
            for _ in range(_TURNS):
                old.append(_timed(tmp, module, file, seconds))
                new.append(_timed(str(ROOT), "radiosilence.understand.classify.classifier",
                                  file, seconds))
            o, n = statistics.median(old), statistics.median(new)
            lines.append(f"  {title}, {len(chosen)} messages: {n:,.0f} messages/s against "
                         f"{o:,.0f}/s, {n / o:.2f} times (medians of {_TURNS} turns)")
    return "\n".join(lines)


def _plain_message(message: scores.Message) -> list[object]:
    subject, body, headers, sender, sent_on = message
    return [subject, body, headers, sender, sent_on.isoformat()]


def _timed(path: str, module: str, file: Path, seconds: float) -> float:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "classify_rate.py"), path,
                           module, str(file), str(seconds)], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.split()[-1])


def cpu_rate(messages: Messages, seconds: float) -> float:
    """Messages a second of CPU time, over whole passes for about `seconds`."""
    one_pass(messages)  # warm up
    done, cpu, wall = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - wall < seconds:
        one_pass(messages)
        done += len(messages)
    return done / (time.process_time() - cpu)


if __name__ == "__main__":
    main()
