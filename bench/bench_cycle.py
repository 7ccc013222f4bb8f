"""How long a cycle takes and how much memory and state it needs, on a synthetic mailbox.

    python bench/bench_cycle.py [--messages 20000] [--interviews 200]

Writes a Maildir with the given number of messages (most of them unrelated mail, a tenth
about recruiting) and a vdir with one event per interview, then times: the first full
cycle, an idle incremental cycle, and a cycle after 100 new messages arrive. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from radiosilence.config.settings import load_settings
from radiosilence.wiring import open_engine

NOW = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)


def write_message(folder: Path, index: int, when: datetime, sender: str, to: str,
                  subject: str, body: str) -> None:
    stamp = int(when.timestamp())
    raw = (f"From: {sender}\nTo: {to}\nSubject: {subject}\n"
           f"Date: {when:%a, %d %b %Y %H:%M:%S +0000}\n"
           f"Message-ID: <bench-{index}@bench.example>\nMIME-Version: 1.0\n"
           f"Content-Type: text/plain; charset=utf-8\n\n{body}\n")
    (folder / f"{stamp}.M{index}P1.bench:2,S").write_text(raw, encoding="utf-8")


def write_event(folder: Path, index: int, start: datetime) -> None:
    fmt = "%Y%m%dT%H%M%SZ"
    end = start + timedelta(hours=1)
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:bench-{index}@bench.example\r\nDTSTAMP:{start:{fmt}}\r\n"
        f"DTSTART:{start:{fmt}}\r\nDTEND:{end:{fmt}}\r\n"
        f"SUMMARY:Interview: Sam <> Company{index} (Platform Engineer)\r\n"
        f"ORGANIZER;CN=Recruiter {index}:mailto:recruiter@company{index}.example\r\n"
        f"ATTENDEE;CN=Ivy Interviewer{index}:mailto:ivy@company{index}.example\r\n"
        "ATTENDEE;CN=Sam:mailto:sam@example.net\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (folder / f"bench-{index}.ics").write_text(text, encoding="utf-8")


def build(root: Path, messages: int, interviews: int) -> Path:
    inbox = root / "mail" / "INBOX"
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True)
    calendar = root / "calendar"
    calendar.mkdir()
    for i in range(interviews):
        write_event(calendar, i, NOW - timedelta(days=1 + i % 40, hours=i % 7))
    for i in range(messages):
        when = NOW - timedelta(minutes=37 * i % (60 * 24 * 100))
        if i % 10 == 0:
            company = (i // 10) % max(interviews, 1)
            write_message(inbox / "cur", i, when, f"recruiter@company{company}.example",
                          "sam@example.net", f"Your application at Company{company}",
                          "Thanks for interviewing with us. We will get back to you "
                          "within two weeks.")
        else:
            write_message(inbox / "cur", i, when, f"friend{i % 300}@example.org",
                          "sam@example.net", f"Weekend plans {i}", "Lunch on Sunday? " * 20)
    config = root / "config.toml"
    config.write_text(
        '[user]\naddresses = ["sam@example.net"]\nname = "Sam"\ntimezone = "UTC"\n'
        '[maildir]\npath = "mail"\n[vdir]\npath = "calendar"\n[paths]\nstate_dir = "state"\n'
        '[drafts]\nmax_new_per_cycle = 100000\n', encoding="utf-8")
    return config


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, action) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    report = action()
    seconds = time.perf_counter() - start
    outcome = report.outcome
    print(f"{label:<34} {seconds:8.2f} s   drafts +{len(outcome.created)} "
          f"~{len(outcome.updated)} -{len(outcome.removed)}   interviews {len(report.plans)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--interviews", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        config = build(root, args.messages, args.interviews)
        print(f"wrote {args.messages} messages and {args.interviews} events in "
              f"{time.perf_counter() - started:.1f} s")
        engine = open_engine(load_settings(config))
        timed("first cycle (full scan)", lambda: engine.cycle(NOW))
        print(f"{'':<34} peak RSS so far {_peak_mib():.0f} MiB (writing the mailbox included)")
        # The first idle cycle re-reads files changed within the source's 2 s ctime slack of
        # the full scan (all of them, here); the second shows the steady state.
        timed("idle cycle (within the slack)", lambda: engine.cycle(NOW))
        timed("idle cycle (steady state)", lambda: engine.cycle(NOW))
        inbox = root / "mail" / "INBOX" / "new"
        for i in range(100):
            write_message(inbox, args.messages + i, NOW, f"friend{i}@example.org",
                          "sam@example.net", "Hello", "How are you?")
        timed("cycle after 100 new messages", lambda: engine.cycle(NOW))
        state_bytes = sum(p.stat().st_size for p in (root / "state").glob("state.sqlite3*"))
        peak_mib = _peak_mib()
        print(f"peak RSS {peak_mib:.0f} MiB   state {state_bytes / 1e6:.1f} MB"
              f"   kept messages {len(engine.store.messages())} of {args.messages + 100}")


if __name__ == "__main__":
    main()
