"""Fault injection: the next N calls of a method answer an error, or are delayed first."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .errors import ApiError

# Names that only match a fault naming them exactly: "*" means "any API method call".
ENVELOPES = {"batch", "oauth.token"}


@dataclass
class Fault:
    method: str  # a method id, a glob such as "gmail.*", "*", or "batch" / "oauth.token"
    status: int  # >= 400: answer this error; below 400: only delay, then serve normally
    times: int  # calls left; negative means unlimited
    retry_after: float | None = None
    reason: str = ""
    delay: float = 0.0
    message: str = ""

    def matches(self, method_id: str) -> bool:
        if self.method == method_id:
            return True
        return method_id not in ENVELOPES and fnmatchcase(method_id, self.method)

    def error(self) -> ApiError | None:
        if self.status < 400:
            return None
        headers = {}
        if self.retry_after is not None:
            # Retry-After is delay-seconds (RFC 9110 section 10.2.3); keep fractions readable.
            ra = self.retry_after
            headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else str(ra)
        return ApiError(self.status, self.message, self.reason, headers=headers)


class Faults:
    """Queued faults, consumed first-added first; shares the emulator's lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._queue: list[Fault] = []
        self.fired: list[tuple[str, int]] = []  # (method id, status) of every fault served

    def add(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        reason: str = "",
        delay: float = 0.0,
        message: str = "",
    ) -> Fault:
        """Make the next `times` calls of `method` (or "*") answer `status`, after `delay` s."""
        fault = Fault(method, status, times, retry_after, reason, delay, message)
        with self._lock:
            self._queue.append(fault)
        return fault

    def take(self, method_id: str) -> Fault | None:
        """Consume and return the first pending fault matching `method_id`."""
        with self._lock:
            for fault in self._queue:
                if fault.matches(method_id):
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._queue.remove(fault)
                    self.fired.append((method_id, fault.status))
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._queue)
