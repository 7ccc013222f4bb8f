"""Bounds on the work one item may cost, so that a hostile or broken message or calendar file
costs a cycle seconds and megabytes, never the cycle (the `[limits]` section of the config).

An item past a bound is cut (logged: which item, which bound) or, past the size or the time
bound, skipped (logged). Sources read incrementally, so a skipped item is not read again until
it changes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

_MB = 1024 * 1024


class TooSlow(Exception):
    """An item took longer than `Limits.seconds_per_item` to read: it is skipped."""


@dataclass(frozen=True)
class Limits:
    # Of a message only its start is read: text and invitations come before attachments,
    # and the text kept is bounded by body_chars anyway.
    message_read_bytes: int = 4 * _MB
    mime_parts: int = 1000  # parts of one message looked into; a real one has a dozen
    body_chars: int = 200_000  # characters of a message's text kept
    # A calendar item is one event with its exceptions: a few KB, a few hundred KB at most.
    calendar_item_bytes: int = 2 * _MB
    events_per_item: int = 2000
    attendees_per_event: int = 500  # longer lists are a mailing list's invitation
    description_chars: int = 20_000
    seconds_per_item: float = 10.0

    def deadline(self) -> Deadline:
        return Deadline(time.monotonic() + self.seconds_per_item, self.seconds_per_item)


@dataclass(frozen=True)
class Deadline:
    """When the item being read must be done; checked between its parts and events."""

    at: float  # time.monotonic()
    seconds: float

    def check(self, what: str) -> None:
        if time.monotonic() > self.at:
            raise TooSlow(f"{what} took longer than {self.seconds:g} s to read")


DEFAULT_LIMITS = Limits()
