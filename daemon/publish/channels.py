"""Where reminders reach the person: one small interface, one class per channel.

Every cycle hands each channel the same reminders (stable keys, placed times) through
`Engine.publish`, the one place a dry run stops. A channel that must act at a moment rather
than at a cycle (a desktop notification at the reminder time) says when through `due`, and
the service's loop calls `tick` then.

The feed (`FeedChannel`) is always on: it is the overview. The desktop channel is in
`desktop.py`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from radiosilence.publish.feed import FeedOptions, FeedRecord, Reminder, render_feed, write_feed
from radiosilence.store import Store


class ReminderChannel(ABC):
    name = ""

    @abstractmethod
    def publish(self, reminders: Sequence[Reminder], now: datetime) -> None:
        """Make the channel show exactly `reminders` (idempotent by key)."""

    def due(self, now: datetime) -> datetime | None:
        """The next moment `tick` has something to do; None when nothing is waiting."""
        return None

    def tick(self, now: datetime) -> None:  # noqa: B027 - most channels have nothing to do
        """Act on what is due at `now` (between cycles, in the running service only)."""

    def close(self) -> None:  # noqa: B027
        """Let go of what the channel holds (a connection, a thread)."""


class FeedChannel(ReminderChannel):
    """The .ics file calendar apps subscribe to, with stable UIDs and SEQUENCE."""

    name = "feed"

    def __init__(self, store: Store, path: Path, options: FeedOptions) -> None:
        self.store, self.path, self.options = store, path, options

    def publish(self, reminders: Sequence[Reminder], now: datetime) -> None:
        previous = {row["key"]: FeedRecord(row["uid"], row["content_hash"], row["sequence"],
                                           datetime.fromisoformat(row["changed_at"]))
                    for row in self.store.feed_records()}
        data, records = render_feed(reminders, previous, now, self.options)
        with self.store.transaction():
            self.store.replace_feed_records([
                (key, r.uid, r.content_hash, r.sequence, r.changed_at.isoformat())
                for key, r in records.items()
            ])
        write_feed(self.path, data)
