"""Memory of reading large Gmail messages: whole (format=raw) against parts without
attachments (format=full, connectors/google/gmail_parts.py), measured in the same run.

    python bench/bench_gmail_memory.py

Each case runs twice in a fresh process of its own: once with every message read raw (how
the Gmail source read mail before; RAW_BELOW set past every size) and once as the source
reads now. The loopback emulator serves the mailbox from another process, so the figure
is the source's alone: the process's peak RSS during one first scan, above its level
before it. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
# name -> (messages, attachment bytes, text bytes)
CASES = {
    "one message with a 20 MB attachment": (1, 20 * MB, 2_000),
    "50 messages with a 1 MB attachment each": (50, MB, 2_000),
    "50 messages of 100 KB text (under RAW_BELOW: raw both ways)": (50, 0, 100 * 1024),
    "one message of 20 MB text (no attachment)": (1, 0, 20 * MB),
}


def message(attachment: int, text: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Grace Liang <grace@brightloom.example>"
    mail["To"] = "me@example.com"
    mail["Subject"] = "Your interview"
    mail["Date"] = formatdate(time.time() - 3600)
    mail["Message-ID"] = make_msgid(domain="brightloom.example")
    line = "Thanks for your application; here is what we will talk about.\n"
    mail.set_content(line * max(1, text // len(line)))
    if attachment:
        mail.add_attachment(os.urandom(attachment), maintype="application", subtype="pdf",
                            filename="brief.pdf")
    return bytes(mail)


def serve(case: str) -> None:
    """The emulator with the case's mailbox, until stdin closes."""
    from tests.google_emulator import Emulator

    count, attachment, text = CASES[case]
    emulator = Emulator(record=False)
    base = emulator.start()
    for _ in range(count):
        emulator.gmail.add_message(message(attachment, text))
    print(base, flush=True)
    sys.stdin.read()
    emulator.stop()


def scan(base: str, whole: bool) -> None:
    """One first scan of the source; prints seconds, peak RSS above the start, data read."""
    from radiosilence.connectors.google import gmail_source
    from tests.google_rigs import Rig

    if whole:
        gmail_source.RAW_BELOW = 1 << 40
    rig = Rig(None, base, Path(tempfile.mkdtemp()))  # type: ignore[arg-type]
    source = rig.source(max_bytes=200 * MB)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    changes = source.changes(None)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    data = sum(len(item.data) for item in changes.items)
    print(f"{seconds:.2f} {(peak - before) / 1024:.0f} {data / MB:.1f} {len(changes.items)}")


def measure(case: str, whole: bool) -> str:
    server = subprocess.Popen([sys.executable, __file__, "--serve", case],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        base = server.stdout.readline().strip()  # type: ignore[union-attr]
        done = subprocess.run([sys.executable, __file__, "--scan", base, str(int(whole))],
                              capture_output=True, text=True, check=True)
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait()
    seconds, rss, data, items = done.stdout.split()
    return f"{seconds} s, +{rss} MiB, {data} MB read, {items} kept"


def main() -> None:
    print("case: read whole | read as parts (peak RSS above the start of the scan)")
    for case in CASES:
        print(f"{case}:\n  whole: {measure(case, True)}\n  parts: {measure(case, False)}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["--scan"]:
        scan(sys.argv[2], sys.argv[3] == "1")
    else:
        main()
