"""`radiosilence run`: the long-running service.

A loop driven by `schedule`: a cycle every few minutes (sync, plan, apply, publish), a daily
tidy-up, the feed served over HTTP alongside. Signals only set flags and wake the loop, so a
cycle in progress always finishes: SIGTERM/SIGINT stop after it, SIGHUP reloads the config
(a broken new config is reported and the old one kept). One instance per state folder.
systemd is told READY, STATUS, WATCHDOG and STOPPING over $NOTIFY_SOCKET (sd_notify(3)).
"""

from __future__ import annotations

import errno
import logging
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import schedule

from radiosilence.apply.reconcile import BrakeError
from radiosilence.config.settings import ConfigError, Settings, load_settings
from radiosilence.connectors.base import (
    AuthNeeded,
    ConnectorError,
    RateLimited,
    SetupNeeded,
    Unavailable,
)
from radiosilence.engine import Engine
from radiosilence.fsutil import remove_stale_temporaries
from radiosilence.render import TemplateProblem
from radiosilence.report import CycleReport, draft_lines, noticed_lines, summary_line
from radiosilence.runtime.lock import AlreadyRunning, ServiceLock, StateLock
from radiosilence.runtime.notify import notify, watchdog_seconds
from radiosilence.runtime.waker import Waker
from radiosilence.store import ActionStatus, SchemaError, StateLost, Store
from radiosilence.wiring import open_engine

if TYPE_CHECKING:
    from radiosilence.publish.server import FeedServer, PageSite

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30.0
# The service sorts what a cycle raises into three kinds (STYLE.md, "sort errors at the edge"):
# fatal: retrying cannot fix it; the service stops with an exit code the unit does not
#   restart on, and the journal says what to fix.
FATAL = (AuthNeeded, ConfigError, SchemaError, SetupNeeded, StateLost, TemplateProblem)
# transient: the outside world is away for now; retried with backoff, one line each time.
TRANSIENT = (Unavailable, RateLimited, ConnectorError, OSError, sqlite3.OperationalError)
# Anything else is a bug: its traceback is logged once, at ERROR, then it is retried with
# backoff like an outage (it may depend on one message that a later cycle no longer sees).


class Heartbeat:
    """Progress, as the watchdog sees it: the loop turned, or a cycle got through an item."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def beat(self) -> None:
        self.last = time.monotonic()


class Clock:
    """Wall time; with `start`, a pretend time that begins there and runs at the real pace."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = start - datetime.now(UTC) if start else timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Service:
    """The loop. Build with the config path; `run()` returns when asked to stop and raises
    the FATAL errors after cleaning up."""

    def __init__(self, config: Path | None, settings: Settings, engine: Engine,
                 clock: Clock, *, serve: bool = True, heartbeat: Heartbeat | None = None,
                 lock: StateLock | None = None) -> None:
        self.config = config
        # Each cycle and the housekeeping hold the write lock; between them `note`,
        # `label` and the like may write.
        self.lock = lock or StateLock(settings.paths.database.parent, "run")
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.serve = serve
        self.server: FeedServer | None = None
        self.scheduler = schedule.Scheduler()
        self.wake = Waker()  # not a threading.Event: the signal handlers set it
        self.stopped = threading.Event()  # set once, when the loop has ended
        # The engine was built with `heartbeat.beat` (see run_service), so a long sync
        # keeps the watchdog fed.
        self.heartbeat = heartbeat or Heartbeat()
        self.last_bug = ""  # the last bug logged with its traceback, not repeated
        self.stopping = False
        self.reload_requested = False
        self.failures = 0
        self.retry_at: datetime | None = None
        self.fatal: BaseException | None = None
        self.summary = "starting"
        self.cycle_requested = False

    # --- signals -------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        self.wake.set()

    def _on_reload(self, signum: int, frame: FrameType | None) -> None:
        self.reload_requested = True
        self.wake.set()

    # --- the loop ------------------------------------------------------------------------

    def run(self) -> None:
        self._schedule()
        watchdog = self._start_watchdog()
        try:
            if self.serve:
                self._start_server()
            # Ready as soon as the feed is served: a first sync of a big mailbox can take
            # long, and the watchdog, not the start timeout, guards it from here on.
            notify("READY=1\nSTATUS=first sync running")
            self.cycle()
            self._loop()
        finally:
            self.stopping = True
            self.stopped.set()
            if watchdog is not None:
                watchdog.join()
            notify("STOPPING=1")
            self._stop_server()
            self.engine.close()
            self.lock.close()
            # self.wake stays open: a page request still finishing on a server thread may
            # set it, and a closed pipe's number may already belong to another file.
        if self.fatal is not None:
            raise self.fatal

    def _loop(self) -> None:
        while not self.stopping:
            self.heartbeat.beat()
            if self.reload_requested:
                self.reload_requested = False
                self.reload()
            self.scheduler.run_pending()
            if self.retry_at is not None and self.clock.now() >= self.retry_at:
                self.cycle()
            if self.cycle_requested:
                self.cycle_requested = False
                self.cycle()
            self._tick()
            if not self.stopping:
                self.wake.wait(self._sleep_seconds())

    def _start_watchdog(self) -> threading.Thread | None:
        """Ping WATCHDOG=1 at half the watchdog interval, but only while progress shows:
        the loop turning, or a long cycle working through its items. A loop or cycle stuck
        for the whole interval stops the pings, and systemd restarts the service."""
        ping = watchdog_seconds()
        if ping is None:
            return None

        def pinger() -> None:
            while not self.stopping:
                if time.monotonic() - self.heartbeat.last < 2 * ping:
                    notify("WATCHDOG=1")
                self.stopped.wait(ping)

        thread = threading.Thread(target=pinger, name="watchdog", daemon=True)
        thread.start()
        return thread

    def _sleep_seconds(self) -> float:
        # Wake at least once a minute, so the watchdog sees the loop turn even when the
        # next cycle is far off.
        waits = [self.scheduler.idle_seconds or 1.0, 60.0]
        if self.retry_at is not None:
            waits.append((self.retry_at - self.clock.now()).total_seconds())
        if (due := self.engine.next_due(self.clock.now())) is not None:
            waits.append((due - self.clock.now()).total_seconds())  # a notification's moment
        return max(0.05, min(waits))

    def _schedule(self) -> None:
        self.scheduler.clear()
        self.scheduler.every(self.settings.service.interval_minutes * 60).seconds.do(self.cycle)
        at = self.settings.service.housekeeping_time.strftime("%H:%M")
        self.scheduler.every().day.at(at).do(self.housekeeping)

    # --- jobs ----------------------------------------------------------------------------

    def _tick(self) -> None:
        """What the reminder channels have due between cycles (a desktop notification)."""
        try:
            self.engine.tick(self.clock.now())
        except Exception as error:  # a channel's trouble must not stop the loop
            self._log_bug(error)

    def cycle(self) -> None:
        """One cycle; failures are logged and retried with backoff, fatal ones stop the loop."""
        self.retry_at = None
        try:
            with self.lock:
                report = self.engine.cycle(self.clock.now())
        except FATAL as error:
            self.fatal, self.stopping = error, True
            return
        except BrakeError as error:
            # Not retried: the same mail would trip it again. The user decides (see `plan`).
            log.error("cycle stopped: %s", error)
            self._status("stopped by the draft brake: run `radiosilence plan`")
            return
        except (*TRANSIENT, AlreadyRunning) as error:  # an outage or a busy state: retry
            self._retry_later(error)
            return
        except Exception as error:  # a bug: the traceback once, then retried like an outage
            self._log_bug(error)
            self._retry_later(error)
            return
        self.failures = 0
        self.last_bug = ""
        _journal(report)
        actions = self.engine.store.actions().values()
        pending = sum(1 for a in actions if a.status == ActionStatus.DRAFTED)
        held = (f", {len(report.outcome.stalled)} held back by the draft brake "
                "(see `radiosilence status`)" if report.outcome.stalled else "")
        self._status(f"{len(report.plans)} interviews, {pending} drafts pending{held}, "
                     f"next sync {self._next_sync()}")

    def _retry_later(self, error: Exception) -> None:
        self.failures += 1
        delay = min(FIRST_RETRY_SECONDS * 2 ** (self.failures - 1),
                    self.settings.service.interval_minutes * 60)
        delay *= random.uniform(0.5, 1.0)  # jitter: many instances must not retry in step
        if isinstance(error, RateLimited) and error.retry_after:
            delay = max(delay, error.retry_after)
        self.retry_at = self.clock.now() + timedelta(seconds=delay)
        where = f"{self.settings.paths.database}: " if isinstance(error, sqlite3.Error) else ""
        log.warning("cycle failed (%s%s); trying again in %.0f s", where, _one_line(error), delay)
        if isinstance(error, TRANSIENT) and log.isEnabledFor(logging.DEBUG):
            log.debug("details", exc_info=error)
        self._status(f"waiting to retry after an error: {_one_line(error)}")

    def _log_bug(self, error: Exception) -> None:
        if _one_line(error) != self.last_bug:
            log.error("unexpected error in a cycle (a bug: please report it)", exc_info=error)
            self.last_bug = _one_line(error)

    def housekeeping(self) -> None:
        """Forget what is older than twice the recruiting window; compact the database."""
        window = timedelta(days=2 * self.settings.policy.recruiting_window_days)
        try:
            with self.lock:
                removed = self.engine.store.prune(self.clock.now() - window)
                self.engine.store.compact()
                backup = self.engine.store.backup(self.clock.now())
            for folder in {self.settings.state_dir, self.settings.feed.path.parent}:
                removed += remove_stale_temporaries(folder, 3600, time.time())
        except Exception as error:
            log.warning("housekeeping failed: %s", _one_line(error))
            return
        log.info("housekeeping: %d old rows removed, state saved to %s", removed, backup)

    def reload(self) -> None:
        """Read the config again; keep the old one when the new one is broken."""
        try:
            settings = load_settings(self.config)
            if settings.state_dir != self.settings.state_dir:
                raise ConfigError([f"{settings.source_file}: paths.state_dir: cannot change "
                                   "while running; restart the service"])
            with self.lock:
                engine = open_engine(settings, self.heartbeat.beat)
        except (ConfigError, SchemaError, StateLost, TemplateProblem, AlreadyRunning) as error:
            log.error("config not reloaded, still running on the old one: %s",
                      str(error).replace("\n", "; "))
            return
        self.engine.close()
        old = self.settings
        self.settings, self.engine = settings, engine
        self._schedule()
        if self.serve and (old.feed.host, old.feed.port, old.feed.path) != (
                settings.feed.host, settings.feed.port, settings.feed.path):
            self._stop_server()
            self._start_server()
        log.info("config reloaded")
        self.cycle()

    # --- helpers -------------------------------------------------------------------------

    def _start_server(self) -> None:
        from radiosilence.publish.server import FeedServer, load_or_create_token

        feed = self.settings.feed
        token = load_or_create_token(self.settings.state_dir)
        server = FeedServer(feed.path, token, feed.host, feed.port,
                            page_site(self.settings, self.clock.now, self.request_cycle))
        host, port = start_server(server, self.settings)
        self.server = server
        log.info("serving the feed on http://%s:%d/ (see `radiosilence feed-url`)", host, port)

    def request_cycle(self) -> None:
        """Run a cycle soon (a correction from the page): from any thread."""
        self.cycle_requested = True
        self.wake.set()

    def _stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def _status(self, text: str) -> None:
        self.summary = text
        notify("STATUS=" + text)

    def _next_sync(self) -> str:
        when = self.scheduler.next_run
        return when.strftime("%H:%M") if when else "-"


def page_site(settings: Settings, now: Callable[[], datetime],
              changed: Callable[[], None] = lambda: None) -> PageSite:
    """The status page for the server: corrections are written under the state's write
    lock, through a connection of their own (the server answers on its own threads), and
    `changed` asks for a cycle that shows them."""
    from radiosilence.publish.corrections import apply_correction
    from radiosilence.publish.page import load_or_create_secret
    from radiosilence.publish.server import PageSite

    def correct(name: str, fields: dict[str, str]) -> str:
        with StateLock(settings.paths.database.parent, "the status page"):
            store = Store(settings.paths.database)
            try:
                done = apply_correction(store, name, fields, now())
            finally:
                store.close()
        log.info("status page: %s", done)
        changed()
        return done

    return PageSite(settings.state_dir / "page", load_or_create_secret(settings.state_dir),
                    correct)


def start_server(server: FeedServer, settings: Settings) -> tuple[str, int]:
    """Start `server`; an address it cannot bind is a setup problem (ConfigError: restarting
    does not free a port another program holds), named with the option that sets it."""
    try:
        return server.start()
    except OSError as error:
        if error.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        where = settings.source_file or "the config"
        raise ConfigError([f"{where}: feed.port: cannot listen on {settings.feed.host}:"
                           f"{settings.feed.port} ({error.strerror}); another program (or "
                           "radiosilence instance) uses it: choose another port there"]) \
            from error


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".replace("\n", "; ")[:300]


def serve_feed(settings: Settings) -> int:
    """`radiosilence serve`: only the feed server, until SIGTERM or SIGINT."""
    from radiosilence.publish.server import FeedServer, load_or_create_token

    stop = Waker()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    feed = settings.feed
    server = FeedServer(feed.path, load_or_create_token(settings.state_dir), feed.host, feed.port,
                        page_site(settings, lambda: datetime.now(UTC)))
    host, port = start_server(server, settings)
    log.info("serving the feed on http://%s:%d/", host, port)
    notify("READY=1\nSTATUS=serving the feed")
    ping = watchdog_seconds()
    try:
        while not stop.wait(ping or 3600):
            notify("WATCHDOG=1")
    finally:
        notify("STOPPING=1")
        server.stop()
        stop.close()
    return 0


def run_service(config: Path | None, settings: Settings, start: datetime | None, *,
                serve: bool = True) -> int:
    """Lock, loop. Returns 0 after a clean stop; raises FATAL errors and AlreadyRunning."""
    lock = StateLock(settings.paths.database.parent, "run")
    instance = ServiceLock(settings.paths.database)
    try:
        heartbeat = Heartbeat()
        with lock:  # the schema migration, if any, runs under the write lock
            engine = open_engine(settings, heartbeat.beat)
            instance.acquire()
        service = Service(config, settings, engine, Clock(start), serve=serve,
                          heartbeat=heartbeat, lock=lock)
        service.install_signal_handlers()
        service.run()
    finally:
        instance.release()
        lock.close()
    return 0


def _journal(report: CycleReport) -> None:
    """What the cycle did: one line for the cycle, one per draft written or removed, one per
    thing the person did to a draft, one per edited draft to delete. Names, never texts."""
    log.info("%s", summary_line(report))
    for line in [*draft_lines(report), *noticed_lines(report),
                 *(item.text for item in report.stale)]:
        log.info("%s", line)
