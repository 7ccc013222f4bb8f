"""The service loop's wake-up, set from a signal handler while the loop waits on it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from radiosilence.runtime.waker import Waker

# A timer signal every 2 ms sets the wake-up from its handler while the main thread waits
# on it in a tight loop, so handlers land at every point of `wait`. A wake-up that takes a
# lock the interrupted thread holds (threading.Event does) hangs this within a second.
HAMMER = textwrap.dedent("""
    import signal, sys, time
    from radiosilence.runtime.waker import Waker
    wake = Waker()
    woken = []
    signal.signal(signal.SIGALRM, lambda *_: wake.set())
    signal.setitimer(signal.ITIMER_REAL, 0.002, 0.002)
    end = time.monotonic() + 2
    while time.monotonic() < end:
        woken.append(wake.wait(0.00001))
    signal.setitimer(signal.ITIMER_REAL, 0)
    print(sum(woken), len(woken))
""")


def test_a_signal_handler_can_wake_the_loop_at_any_moment() -> None:
    done = subprocess.run([sys.executable, "-c", HAMMER], capture_output=True, text=True,
                          timeout=60, check=True)
    woken, turns = map(int, done.stdout.split())
    assert woken > 100  # the handlers' wake-ups reached the loop
    assert turns > woken  # and the loop also timed out between them


def test_each_wake_up_is_seen_once_and_a_closed_waker_ignores_more() -> None:
    wake = Waker()
    assert not wake.wait(0)
    for _ in range(100_000):  # more than a pipe holds: the extra ones are dropped
        wake.set()
    assert wake.wait(0)
    assert not wake.wait(0)
    wake.close()
    wake.set()
    wake.close()
