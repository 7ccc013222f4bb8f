"""A soak that stops by itself: the demo story through the Gmail and Calendar emulator, cycle
after cycle, with random SIGKILLs, injected API faults and expired sync state; compared with
the same story run without any of them.

    python bench/soak.py [--cycles 200] [--seed 1] [--kill 0.25] [--faults 0.2]

Each cycle is a real `radiosilence scan --now T` subprocess, T moving 3 hours a cycle from
the demo's moment. In the soaked run, a cycle may first get API faults (500, 503, 429 with or
without Retry-After, on any Gmail or Calendar method), an expired Calendar sync token or a
Gmail history too short for the cursor, and may be killed (SIGKILL) at a random moment; a
killed or failed cycle is run again at once, as systemd would restart the service. After each
cycle the drafts in the mailbox are compared with the fault-free run's: a key held twice is a
duplicate, a key the fault-free run holds and this one lacks is a loss. Prints the counts
and the first cycle that differed. Asserts nothing; the figures are the result.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radiosilence.cli.demo import DEMO_NOW, prepare  # noqa: E402
from tests.google_emulator import Emulator  # noqa: E402
from tests.test_google_end_to_end import _google_config, _seed_from_sample  # noqa: E402

METHODS = ["gmail.users.messages.list", "gmail.users.messages.get", "gmail.users.history.list",
           "gmail.users.drafts.create", "gmail.users.drafts.update", "gmail.users.drafts.delete",
           "gmail.users.drafts.list", "gmail.users.drafts.get", "calendar.events.list", "*"]


def drafts(emu: Emulator) -> Counter[str]:
    """Our drafts in the emulated mailbox, by key."""
    keys: Counter[str] = Counter()
    with emu.lock:
        for draft in emu.gmail.drafts.values():
            raw = emu.gmail.messages[draft["message"]["id"]].raw
            key = message_from_bytes(raw, policy=policy.default)["X-Radiosilence-Key"]
            if key:
                keys[str(key)] += 1
    return keys


class Story:
    """One run of the story: its own emulator, state and config."""

    def __init__(self, root: Path, seed: Path) -> None:
        self.emu = Emulator()
        self.emu.load_seed(seed)
        base = self.emu.start()
        root.mkdir(parents=True)
        self.config = _google_config(root, base)

    def scan(self, now: datetime, kill_after: float | None = None) -> str:
        """'ok', 'failed' or 'killed'."""
        process = subprocess.Popen(
            [sys.executable, "-m", "radiosilence", "--config", str(self.config), "scan",
             "--now", now.isoformat()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill_after is not None:
            try:
                process.wait(kill_after)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return "killed"
        return "ok" if process.wait(300) == 0 else "failed"

    def close(self) -> None:
        self.emu.stop()


def disturb(story: Story, pick: random.Random, fault_rate: float) -> list[str]:
    """Faults for the next cycle; returns what was done."""
    done = []
    if pick.random() < fault_rate:
        status = pick.choice([500, 503, 429, 429])
        retry = pick.choice([None, 1.0]) if status == 429 else None
        method = pick.choice(METHODS)
        story.emu.faults.add(method, status, times=pick.randint(1, 3), retry_after=retry)
        done.append(f"{status} on {method}")
    if pick.random() < 0.05:
        story.emu.calendar.expire_sync_tokens()
        done.append("calendar sync token expired")
    if pick.random() < 0.05:
        with story.emu.lock:  # the history before the cursor is gone: a full sync is needed
            story.emu.gmail.history.clear()
        done.append("gmail history expired")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kill", type=float, default=0.25, help="share of cycles killed")
    parser.add_argument("--faults", type=float, default=0.2, help="share with API faults")
    args = parser.parse_args()
    pick = random.Random(args.seed)
    start = datetime.fromisoformat(DEMO_NOW)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare(root / "sample")
        _seed_from_sample(root / "sample", root / "seed")
        calm, soaked = Story(root / "calm", root / "seed"), Story(root / "soaked", root / "seed")
        kills = failures = faults = duplicates = losses = 0
        first_difference = None
        began = time.monotonic()
        try:
            for cycle in range(args.cycles):
                now = start + timedelta(hours=3 * cycle)
                calm.scan(now)
                events = disturb(soaked, pick, args.faults)
                faults += bool(events)
                kill_after = pick.uniform(0.2, 2.5) if pick.random() < args.kill else None
                outcome = soaked.scan(now, kill_after)
                kills += outcome == "killed"
                for _ in range(3):  # restarted at once, like the service after a crash
                    if outcome == "ok":
                        break
                    failures += outcome == "failed"
                    outcome = soaked.scan(now)
                want, have = drafts(calm.emu), drafts(soaked.emu)
                duplicates += sum(n - 1 for n in have.values() if n > 1)
                losses += len(set(want) - set(have))
                if want != have and first_difference is None:
                    first_difference = (cycle, now, dict(want - have), dict(have - want))
        finally:
            calm.close()
            soaked.close()
            shutil.rmtree(root, ignore_errors=True)
    print(f"{args.cycles} cycles ({start:%d %b} to {now:%d %b}, 3 h apart) in "
          f"{time.monotonic() - began:.0f} s; seed {args.seed}")
    print(f"  killed: {kills}; failed and run again: {failures}; cycles with faults: {faults}")
    print(f"  duplicates: {duplicates}; losses: {losses}")
    if first_difference is None:
        print("  every cycle ended with the drafts of the fault-free run")
    else:
        cycle, moment, missing, extra = first_difference
        print(f"  first difference at cycle {cycle} ({moment:%d %b %H:%M}): "
              f"missing {missing}, extra {extra}")


if __name__ == "__main__":
    main()
