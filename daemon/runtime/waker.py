"""Waking the service loop from a signal handler or another thread.

`threading.Event` will not do: its `set` takes the lock that `wait` and `clear` hold for a
few bytecodes, and a signal handler runs in the main thread between bytecodes. A SIGTERM
that lands while the loop holds that lock blocks the handler on it, and the service hangs
instead of stopping. A byte written to a pipe takes no lock: the loop waits on the pipe's
read end with `select`, which a signal interrupts and Python resumes (PEP 475).
"""

from __future__ import annotations

import os
import select


class Waker:
    """`set()` from anywhere (a signal handler, a server thread); `wait()` in the loop."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        # A full pipe already holds a wake-up: a further `set` need not wait to add one.
        os.set_blocking(self._write, False)

    def set(self) -> None:
        if self._write < 0:  # closed: the loop has ended, nothing left to wake
            return
        try:
            os.write(self._write, b"\0")
        except BlockingIOError:
            pass

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds` or until woken; True when woken. Wake-ups that came before
        are consumed, so each `set` wakes the loop at most once."""
        ready, _, _ = select.select([self._read], [], [], max(0.0, seconds))
        if not ready:
            return False
        try:
            while os.read(self._read, 4096):
                pass
        except BlockingIOError:
            pass
        return True

    def close(self) -> None:
        if self._write < 0:
            return
        read, write, self._read, self._write = self._read, self._write, -1, -1
        os.close(write)
        os.close(read)
