"""`python -m tests.google_emulator --port 0 --seed DIR`: print the base URL, serve until
SIGTERM or SIGINT, then shut down cleanly."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from radiosilence.runtime.waker import Waker

from .server import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.google_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--seed", type=Path,
                        help="folder with mail/<LABEL>/*.eml and calendar/<calendarId>/*.ics")
    parser.add_argument("--email", default="me@example.com", help="the mailbox owner's address")
    parser.add_argument("--history-window", type=int, default=1000,
                        help="history ids older than latest minus this answer 404")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    emulator = Emulator(history_window=args.history_window, email=args.email)
    if args.seed:
        if not args.seed.is_dir():
            parser.error(f"--seed {args.seed}: not a folder")
        emulator.load_seed(args.seed)
    stop = Waker()  # not a threading.Event, whose set() a signal handler may deadlock in
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(emulator.start(args.port), flush=True)
    while not stop.wait(3600):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
