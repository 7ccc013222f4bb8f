# ruff: noqa: N802 - the method names are the D-Bus interface's
"""A real D-Bus session bus (Debian's dbus-daemon) with a recording notification service on
it: the org.freedesktop.Notifications interface a desktop's notification daemon offers
(Desktop Notifications Specification 1.2), keeping what it is asked to show and able to
report a click back, as a daemon does when the person clicks a notification.
"""

import asyncio
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal

# dbus-fast reads each D-Bus signature from the annotation's value (so no postponed
# annotations in this module).
S, U, INT, STRINGS, HINTS, INFO, CLOSED, ACTION = "s", "u", "i", "as", "a{sv}", "ssss", "uu", "us"
NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


@dataclass(frozen=True)
class Shown:
    id: int
    title: str
    body: str
    actions: tuple[str, ...]
    at: float  # time.time() when it arrived


class _Recorder(ServiceInterface):
    def __init__(self, shown: list[Shown]) -> None:
        super().__init__(NAME)
        self.shown = shown

    @method()
    def GetCapabilities(self) -> STRINGS:
        return ["actions", "body"]

    @method()
    def GetServerInformation(self) -> INFO:
        return ["recorder", "radiosilence tests", "1.0", "1.2"]

    @method()
    def Notify(self, app_name: S, replaces_id: U, app_icon: S, summary: S, body: S,
               actions: STRINGS, hints: HINTS, expire_timeout: INT) -> U:
        ident = len(self.shown) + 1
        self.shown.append(Shown(ident, summary, body, tuple(actions), time.time()))
        return ident

    @method()
    def CloseNotification(self, ident: U) -> None:
        self.NotificationClosed(ident, 3)

    @signal()
    def NotificationClosed(self, ident: int, reason: int) -> CLOSED:
        return [ident, reason]

    @signal()
    def ActionInvoked(self, ident: int, key: str) -> ACTION:
        return [ident, key]


class NotificationRig:
    """The bus address to hand to a process, what arrived, and `click`."""

    def __init__(self, folder: Path) -> None:
        socket = folder / "bus"
        self.address = f"unix:path={socket}"
        self.daemon = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", f"--address={self.address}",
             "--print-address=1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.daemon.stdout is not None
        self.daemon.stdout.readline()  # printed once the bus listens
        self.shown: list[Shown] = []
        self._recorder = _Recorder(self.shown)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        assert ready.wait(10), "the recording service did not start"

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            self.bus = await MessageBus(bus_address=self.address).connect()
            self.bus.export(PATH, self._recorder)
            await self.bus.request_name(NAME)
            ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def wait_for(self, count: int, timeout: float) -> list[Shown]:
        """Block (by polling what arrived, never by a fixed sleep) until `count` shown."""
        deadline = time.monotonic() + timeout
        while len(self.shown) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.shown)

    def click(self, shown: Shown) -> None:
        self.loop.call_soon_threadsafe(self._recorder.ActionInvoked, shown.id, "default")

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.daemon.terminate()
        self.daemon.wait(10)


@pytest.fixture
def notifications(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NotificationRig]:
    if shutil.which("dbus-daemon") is None:
        pytest.fail("dbus-daemon is missing: install Debian's dbus-daemon (.ci/run does)")
    rig = NotificationRig(tmp_path)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", rig.address)
    yield rig
    rig.close()
