"""The worst single items a mailbox or calendar can hold: what each costs a real first scan.

    python bench/bench_worst_items.py [--only NAME]

Each case is a Maildir and a vdir holding one hostile item beside one ordinary message, read
by a real `radiosilence scan` in its own process (started by one that never held the item).
Prints, per case, the wall time, the peak resident memory of that process (from wait4), the
peak less that of the ordinary mailbox alone, and the scan's summary or first warning.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

NOW = "2026-03-18T17:00:00+00:00"
HEAD = ("From: Recruiter <hr@employer.example>\nTo: sam@example.net\n"
        "Date: Tue, 17 Mar 2026 10:00:00 +0000\nMessage-ID: <{id}@bench.example>\n"
        "Subject: Your interview\nMIME-Version: 1.0\n")
MB = 1024 * 1024


def plain(ident: str) -> bytes:
    return (HEAD.format(id=ident) + "Content-Type: text/plain\n\nThanks for interviewing "
            "with us.\n").encode()


def attachment(size: int) -> bytes:
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\n"
    return (HEAD.format(id="big").encode() + b'Content-Type: multipart/mixed; boundary="b"\n\n'
            b"--b\nContent-Type: text/plain\n\nPlease find the contract attached.\n"
            b"--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
            + line * (size // len(line)) + b"--b--\n")


def long_text(size: int) -> bytes:
    return (HEAD.format(id="long") + "Content-Type: text/plain\n\n").encode() + \
        b"We will get back to you within two weeks.\n" * (size // 42)


def many_parts(count: int) -> bytes:
    parts = b"".join(b"--b\nContent-Type: text/plain\n\npart %d of the interview notes\n" % i
                     for i in range(count))
    return (HEAD.format(id="parts").encode() + b'Content-Type: multipart/mixed; boundary="b"\n\n'
            + parts + b"--b--\n")


def calendar(events: int = 1, attendees: int = 1, description: int = 10) -> bytes:
    people = "".join(f"ATTENDEE;CN=Person {i}:mailto:p{i}@employer.example\r\n"
                     for i in range(attendees))
    text = "x" * description
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:ev-{i}@bench\r\nDTSTAMP:20260301T100000Z\r\n"
        f"DTSTART:20260317T100000Z\r\nDTEND:20260317T110000Z\r\nSUMMARY:Interview {i}\r\n"
        f"DESCRIPTION:{text}\r\nORGANIZER:mailto:hr@employer.example\r\n{people}"
        "ATTENDEE:mailto:sam@example.net\r\nEND:VEVENT\r\n" for i in range(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n{body}END:VCALENDAR\r\n"\
        .encode()


_TOLD = ("skipped", "skipping", "only the first", "only its first", "the rest are not read")
CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "ordinary mailbox alone": ("none", lambda: b""),
    "message with a 20 MB attachment": ("mail", lambda: attachment(20 * MB)),
    "message of 24 MB of text": ("mail", lambda: long_text(24 * MB)),
    "message of 200 MB (over the size limit)": ("mail", lambda: attachment(200 * MB)),
    "message of 10,000 MIME parts": ("mail", lambda: many_parts(10_000)),
    "event with a 50 MB description": ("calendar", lambda: calendar(description=50 * MB)),
    "calendar file of 100,000 events": ("calendar", lambda: calendar(events=100_000)),
    "event with 100,000 attendees": ("calendar", lambda: calendar(attendees=100_000)),
    "just under the size limit: 1.9 MB description": (
        "calendar", lambda: calendar(description=1_900_000)),
    "just under the size limit: 6,000 events": ("calendar", lambda: calendar(events=6_000)),
    "just under the size limit: 30,000 attendees": (
        "calendar", lambda: calendar(attendees=30_000)),
}


def prepare(root: Path, kind: str, data: bytes) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / "mail" / "INBOX" / sub).mkdir(parents=True)
    (root / "mail" / ".Drafts" / "cur").mkdir(parents=True)
    (root / "calendar").mkdir()
    (root / "mail" / "INBOX" / "cur" / "1773741600.M1P1.bench:2,S").write_bytes(plain("one"))
    if kind == "mail":
        (root / "mail" / "INBOX" / "cur" / "1773741601.M2P1.bench:2,S").write_bytes(data)
    elif kind == "calendar":
        (root / "calendar" / "worst.ics").write_bytes(data)
    config = root / "config.toml"
    config.write_text('[user]\naddresses = ["sam@example.net"]\ntimezone = "UTC"\n'
                      '[maildir]\npath = "mail"\n[vdir]\npath = "calendar"\n'
                      '[paths]\nstate_dir = "state"\n', encoding="utf-8")
    return config


def scan(config: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS in MiB, and the scan's summary line."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "radiosilence", "--config", str(config),
                              "scan", "--now", NOW], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    lines = output.splitlines()
    said = [line for line in lines if any(word in line for word in _TOLD)] or lines[-1:]
    summary = said[0].partition(": ")[2] if said else ""
    return seconds, usage.ru_maxrss / 1024, f"exit {child.returncode}: {summary[:90]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name holds this")
    parser.add_argument("--write", nargs=2, metavar=("CASE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        kind, make = CASES[args.write[0]]
        prepare(Path(args.write[1]), kind, make())
        return
    baseline = None
    print(f"{'case':<46} {'time':>7} {'peak':>8} {'+base':>8}  outcome")
    for name, (kind, _) in CASES.items():
        if args.only and args.only not in name and kind != "none":
            continue
        with tempfile.TemporaryDirectory() as tmp:
            # Written by a child of its own: Linux carries a parent's peak memory over into
            # the peak of the processes it starts, so this one never holds the item.
            subprocess.run([sys.executable, __file__, "--write", name, tmp], check=True)
            seconds, peak, outcome = scan(Path(tmp) / "config.toml")
        baseline = peak if baseline is None else baseline
        print(f"{name:<46} {seconds:6.1f}s {peak:6.0f}Mi {peak - baseline:+6.0f}Mi  {outcome}")


if __name__ == "__main__":
    main()
