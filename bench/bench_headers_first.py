"""Headers first, measured: the first scan of a 20,000-message Maildir against the floor of
reading every message's headers, and the same mailbox over IMAP (a local Dovecot).

    PYTHONPATH=. python bench/bench_headers_first.py [--messages 20000] [--no-imap]

One run, one mailbox (bench_cycle.py's generator: a tenth of it recruiting mail):
1. the first scan through Sync, headers first (as wiring builds it): its mail step, and the
   whole run with the calendar step before it; the headers-first source alone; and reading
   every message whole (the triage off) for comparison; each the best of --runs, since the
   machine may be shared;
2. a header-only parse of every file (BytesHeaderParser): what any filter that must look at
   every message costs at least; and the ratio of 1. to it;
3. over IMAP through a counting proxy: commands and bytes for the first scan and for an
   idle cycle, against the mailbox's size, and the whole-message bytes against the size of
   the messages kept.
Prints figures; asserts nothing. The IMAP part needs `dovecot` (apt-get install
dovecot-imapd) and runs from the repository root (it uses tests/imap_rigs.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from email.parser import BytesHeaderParser
from pathlib import Path

from bench_cycle import NOW, build

from radiosilence.config.settings import load_settings
from radiosilence.connectors.base import Changes, MailSource
from radiosilence.sync import ItemGuard, SyncReport
from radiosilence.wiring import open_engine


def first_scan(config: Path, headers_first: bool) -> tuple[float, float, int]:
    """Seconds of Sync's first run, of its mail step alone (the calendar step first, as
    Sync.run does: the interviews it finds are the triage's known contacts), and the
    messages kept."""
    engine = open_engine(load_settings(config))
    engine.cycle_time.value = NOW  # as engine.cycle sets it: the triage's window ends there
    if not headers_first:
        engine.syncer.mail.triage = None  # type: ignore[attr-defined]
    report = SyncReport()
    started = time.perf_counter()
    engine.syncer._sync_calendar(NOW, report, ItemGuard(set()))
    calendar_done = time.perf_counter()
    engine.syncer._sync_mail(NOW, report, ItemGuard(set()))
    finished = time.perf_counter()
    engine.store.close()
    return finished - started, finished - calendar_done, report.mail_kept


def header_floor(folder: Path) -> tuple[float, int]:
    """Seconds to read every file and parse its headers, and the bytes read."""
    started = time.perf_counter()
    total = 0
    parser = BytesHeaderParser()
    for entry in os.scandir(folder):
        with open(entry.path, "rb") as handle:
            data = handle.read()
        total += len(data)
        parser.parsebytes(data)
    return time.perf_counter() - started, total


def source_scan(config: Path) -> tuple[float, int]:
    """Seconds of the headers-first Maildir source's first changes(), and items returned."""
    engine = open_engine(load_settings(config))
    engine.cycle_time.value = NOW
    started = time.perf_counter()
    changes = engine.syncer.mail.changes(None)
    seconds = time.perf_counter() - started
    engine.store.close()
    return seconds, len(changes.items)


def best(runs: int, measure, state: Path):  # type: ignore[no-untyped-def]
    """The fastest of `runs` measurements (the machine is shared: the least disturbed),
    each from an empty state."""
    results = []
    for _ in range(runs):
        results.append(measure())
        shutil.rmtree(state, ignore_errors=True)
    return min(results)


def maildir_part(root: Path, config: Path, runs: int) -> None:
    cur = root / "mail" / "INBOX" / "cur"
    state = root / "state"
    floor, size = best(runs, lambda: header_floor(cur), state)
    source, returned = best(runs, lambda: source_scan(config), state)
    first, mail_step, kept = best(runs, lambda: first_scan(config, headers_first=True), state)
    whole, _, kept_whole = best(1, lambda: first_scan(config, headers_first=False), state)
    print("\nMaildir, first scan of", sum(1 for _ in cur.iterdir()), "messages",
          f"({size / 1e6:.1f} MB)")
    print(f"  {'header-only parse of every file':<40} {floor:7.2f} s")
    print(f"  {'the source alone (read, triage)':<40} {source:7.2f} s   returned {returned}"
          f"   {source / floor:.2f}x")
    print(f"  {'first scan, the mail step of Sync':<40} {mail_step:7.2f} s   kept {kept}"
          f"   {mail_step / floor:.2f}x the header-only parse")
    print(f"  {'first scan, all of Sync (+200 events)':<40} {first:7.2f} s"
          f"   {first / floor:.2f}x")
    print(f"  {'first scan, all of Sync, all whole':<40} {whole:7.2f} s   kept {kept_whole}"
          f"   {whole / floor:.2f}x")


class Recorder(MailSource):
    """Passes changes() through, keeping the sizes of the items it returned."""

    def __init__(self, inner: MailSource) -> None:
        self.inner = inner
        self.sizes: dict[str, int] = {}

    def changes(self, cursor: str | None) -> Changes:
        found = self.inner.changes(cursor)
        self.sizes.update((item.ref, len(item.data)) for item in found.items)
        return found


def imap_part(root: Path) -> None:
    from tests.imap_rigs import Proxy, imap_config, new_user, running_dovecot

    with running_dovecot() as server:
        user = new_user()
        home = server.mailbox(user)
        shutil.copytree(root / "mail" / "INBOX", home)  # as if delivered there
        for sub in ("tmp", "new", "cur"):
            (home / sub).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            for path in [home.parent, home, *home.rglob("*")]:
                os.chown(path, 65534, 65534)
        size = sum(p.stat().st_size for p in (home / "cur").iterdir())
        proxy = Proxy(server.port)
        config = imap_config(root, proxy.port, user, extra="[drafts]\nmax_new_per_cycle = "
                             "100000\n")
        engine = open_engine(load_settings(config))
        engine.cycle_time.value = NOW
        recorder = Recorder(engine.syncer.mail)
        engine.syncer.mail = recorder
        started = time.perf_counter()
        report = engine.syncer.run(NOW)
        seconds = time.perf_counter() - started
        first_commands, first_bytes = dict(proxy.commands), proxy.bytes_down
        kept_ids = {m.id: m for m in engine.store.messages()}
        whole = sum(recorder.sizes.values())
        kept_size = sum(recorder.sizes.get(m.ref, 0) for m in kept_ids.values())
        proxy.reset()
        engine.syncer.run(NOW)
        idle_commands, idle_bytes = dict(proxy.commands), proxy.bytes_down
        engine.store.close()
        proxy.close()
    print(f"\nIMAP (Dovecot, {len(recorder.sizes)} fetched whole of the mailbox's "
          f"{size / 1e6:.1f} MB), first scan {seconds:.2f} s, kept {report.mail_kept}")
    print(f"  first scan: {sum(first_commands.values())} commands {first_commands}")
    print(f"              {first_bytes / 1e6:.2f} MB from the server "
          f"({first_bytes / size:.1%} of the mailbox)")
    print(f"              whole messages {whole / 1e6:.2f} MB = "
          f"{whole / max(kept_size, 1):.2f}x the kept messages' {kept_size / 1e6:.2f} MB")
    print(f"  idle cycle: {sum(idle_commands.values())} commands {idle_commands}, "
          f"{idle_bytes} bytes, 2 folders watched (INBOX, Sent)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--interviews", type=int, default=200)
    parser.add_argument("--no-imap", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="best of this many (Maildir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = build(root, args.messages, args.interviews)
        maildir_part(root, config, args.runs)
        if not args.no_imap:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            imap_part(root)


if __name__ == "__main__":
    main()
