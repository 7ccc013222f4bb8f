"""Desktop notifications at the reminder time, over the freedesktop.org notification service
on the session bus (`desktop-notifier`, which speaks D-Bus through dbus-fast).

Only while `radiosilence run` runs in the person's desktop session: without a session bus
the channel says so once and does nothing more. Each reminder is announced at most once per
day (the person's local date, kept in the store so a restart does not repeat it); reminders
already handled are not in the list a cycle hands over, so they are never announced. A click
on the notification opens the drafts folder (or whatever `open_target` names) with
`xdg-open`.

desktop-notifier is asynchronous: its event loop runs in a thread of its own, so that clicks
reach us while the service loop sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import subprocess
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from radiosilence.publish.channels import ReminderChannel
from radiosilence.publish.feed import Reminder
from radiosilence.store import Store

log = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 10.0
# A reminder whose time passed this long ago is not announced: the next cycle moves it.
STALE_AFTER = timedelta(hours=12)


class DesktopChannel(ReminderChannel):
    name = "desktop"

    def __init__(self, store: Store, timezone: ZoneInfo, open_target: str = "",
                 opener: str = "xdg-open") -> None:
        self.store, self.timezone = store, timezone
        self.open_target, self.opener = open_target, opener
        self.reminders: list[Reminder] = []
        self._notifier: _Notifier | None = None
        self._unavailable = False

    def publish(self, reminders: Sequence[Reminder], now: datetime) -> None:
        self.reminders = sorted(reminders, key=lambda r: r.start)

    def due(self, now: datetime) -> datetime | None:
        waiting = [r.start for r in self._waiting(now) if r.start > now]
        return min(waiting, default=None)

    def tick(self, now: datetime) -> None:
        if self._unavailable:
            return
        day = now.astimezone(self.timezone).date().isoformat()
        for reminder in self._waiting(now):
            if not (reminder.start <= now < reminder.start + STALE_AFTER):
                continue
            if not self._send(reminder):
                return
            with self.store.transaction():
                self.store.set_notified(reminder.key, day)
            log.info("desktop notification: %s", reminder.summary)

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.close()

    def _waiting(self, now: datetime) -> list[Reminder]:
        done = self.store.notified(now.astimezone(self.timezone).date().isoformat())
        return [r for r in self.reminders if r.key not in done]

    def _send(self, reminder: Reminder) -> bool:
        """Announce one reminder; False (said once) when there is no notification service."""
        try:
            if self._notifier is None:
                self._notifier = _Notifier()
            self._notifier.send(reminder.summary, _body(reminder), self._open)
            return True
        except Exception as error:  # no bus, no service, a refusal: the rest goes on
            self._unavailable = True
            where = os.environ.get("DBUS_SESSION_BUS_ADDRESS") and "the session bus" or \
                "no session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
            log.warning("desktop notifications are unavailable (%s: %s); the feed and "
                        "drafts go on", where, type(error).__name__)
            return False

    def _open(self) -> None:
        if not self.open_target:
            return
        try:
            subprocess.Popen([*shlex.split(self.opener), self.open_target],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as error:
            log.warning("could not open %s: %s", self.open_target, error.strerror)


def _body(reminder: Reminder) -> str:
    """The line that says where the draft is, not the short version or the whole text."""
    lines = [line for line in reminder.description.splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 else (lines[0] if lines else "")


class _Notifier:
    """desktop-notifier on an event loop in its own thread."""

    def __init__(self) -> None:
        from desktop_notifier import DesktopNotifier

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="notifications",
                                       daemon=True)
        self.thread.start()
        self.notifier: Any = DesktopNotifier(app_name="radiosilence")
        # It logs a failed send as a warning with a traceback and carries on; we find out
        # from the missing dispatch instead, and say it in one line of our own.
        logging.getLogger("desktop_notifier").setLevel(logging.CRITICAL)

    def send(self, title: str, message: str, on_clicked: Any) -> None:
        """Raises RuntimeError when the notification did not reach a notification service."""
        dispatched = threading.Event()
        future = asyncio.run_coroutine_threadsafe(
            self.notifier.send(title=title, message=message, on_clicked=on_clicked,
                               on_dispatched=dispatched.set), self.loop)
        future.result(timeout=SEND_TIMEOUT_SECONDS)
        if not dispatched.is_set():
            raise RuntimeError("no notification service answered")

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=SEND_TIMEOUT_SECONDS)
