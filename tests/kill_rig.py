"""Killing a real `radiosilence scan` at each of its write points, for the crash proofs of
tests/test_kill_points*.py.

Two kinds of write point, each counted where it happens:

- every COMMIT of the state database (and, for a local Drafts folder, every file created,
  renamed or unlinked there): counted inside the scan by `ARMED`, which ends the process with
  os._exit (no cleanup, no finally) just before the Nth;
- every write request a server receives: counted in the test process by a `Trap` at the
  server (the Gmail emulator, a proxy before Dovecot, Radicale), which SIGKILLs the scan at
  the Nth, either before the server applies it or after it did, before the answer leaves.

Killing before point N+1 is killing right after point N, so the kills of `every_point`
together hit every gap between two writes, and both sides of every server write. The points
come from a clean instrumented run (`instrumented`), so a new write is covered without
anyone listing it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
EXITED = 9  # os._exit(9) of the armed script
KILLED = -signal.SIGKILL  # a scan the trap killed, as subprocess reports it

# The counter, armed in the process of the scan before it runs. KILL_AT: die before that
# write point (0: never); DRAFTS: a local Drafts folder whose file writes count too
# (optional); COUNT_TO: a file that receives the number of points seen, when the scan ends.
HOOKS = '''\
import os, sqlite3, sys

limit = int(os.environ.get("KILL_AT") or 0)
drafts, count_to = os.environ.get("DRAFTS", ""), os.environ.get("COUNT_TO", "")
seen = [0]


def write_point():
    seen[0] += 1
    if limit and seen[0] >= limit:
        os._exit(9)  # no cleanup, no commit, no finally: as if the power went


def in_drafts(path):
    return bool(drafts) and str(path).startswith(drafts)


def on_audit(event, args):
    if event in ("os.rename", "os.replace") and in_drafts(args[1]):
        write_point()
    elif event in ("os.remove", "os.unlink") and in_drafts(args[0]):
        write_point()
    elif event == "open" and in_drafts(args[0]) and args[1] not in (None, "r", "rb") \\
            and "r" not in str(args[1]):
        write_point()


def traced(*args, _connect=sqlite3.connect, **kwargs):
    """The stdlib's connect, with each COMMIT counted as a write point."""
    connection = _connect(*args, **kwargs)
    connection.set_trace_callback(
        lambda sql: sql.strip().upper() == "COMMIT" and write_point())
    return connection


def count():
    if count_to:
        with open(count_to, "w") as handle:
            handle.write(str(seen[0]))


sqlite3.connect = traced
sys.addaudithook(on_audit)
'''
# The same as a script: the hooks, then the CLI in the same process.
ARMED = HOOKS + '''\
from radiosilence.cli.main import main
try:
    code = main(sys.argv[1:])
finally:
    count()
sys.exit(code)
'''

COMMIT, BEFORE, AFTER = "commit", "before", "after"


@dataclass(frozen=True)
class Point:
    """One kill: before the Nth COMMIT, or before / after the Nth server write."""

    when: str  # COMMIT, BEFORE or AFTER
    n: int
    what: str  # "COMMIT" or the server write's name ("gmail.users.drafts.create", "APPEND")

    def __str__(self) -> str:
        return f"{self.when} {self.what} (#{self.n})"


def every_point(commits: int, writes: list[str]) -> list[Point]:
    return [Point(COMMIT, n, "COMMIT") for n in range(1, commits + 1)] + [
        Point(when, n, what) for n, what in enumerate(writes, 1) for when in (BEFORE, AFTER)]


class Killed(Exception):
    """Raised in a server's thread once the trap killed the scan: nothing answers it."""


class Trap:
    """Counts the write requests a server receives (by name, in order) and kills the scan
    being watched at the armed one. Thread-safe: servers answer on threads of their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched = threading.Event()
        self._pid = 0
        self.writes: list[str] = []
        self.at, self.when = 0, ""
        self.fired: list[str] = []

    def arm(self, at: int = 0, when: str = "") -> None:
        """Count from zero again; kill at write `at` (`when` BEFORE or AFTER), 0: never."""
        with self._lock:
            self.writes, self.at, self.when = [], at, when

    def watch(self, pid: int) -> None:
        self._pid = pid
        self._watched.set()

    def unwatch(self) -> None:
        self._watched.clear()

    def write(self, name: str) -> int:
        """Note a write request arriving; returns its number."""
        with self._lock:
            self.writes.append(name)
            return len(self.writes)

    def due(self, n: int, when: str) -> bool:
        return n == self.at and when == self.when

    def kill_if_due(self, n: int, when: str) -> None:
        """At the armed point: SIGKILL the scan and raise Killed. Once kill() returns the
        process runs no more of its code, so whatever the server does next, it never reads."""
        if not self.due(n, when):
            return
        # The scan's pid is handed over right after it started; wait rather than race.
        if not self._watched.wait(60):
            raise RuntimeError("a write arrived while no scan was watched")
        os.kill(self._pid, signal.SIGKILL)
        self.fired.append(f"{when} {self.writes[n - 1]} (#{n})")
        raise Killed(self.fired[-1])

    def through(self, name: str, apply: Callable[[], T]) -> T:
        """Run the server's own handling of write `name` between the two kill points."""
        n = self.write(name)
        self.kill_if_due(n, BEFORE)
        result = apply()
        self.kill_if_due(n, AFTER)
        return result


# Every scan is a fork of one server process that has imported the CLI once: a process of
# its own, killed for real, that does not spend most of its life importing.
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["radiosilence.cli.main", "tests.kill_rig"])


def _run_cli(argv: list[str], env: dict[str, str], log: str, armed: bool) -> None:
    """The child: `radiosilence ARGV` with `env`, its output to `log`, armed if asked."""
    os.environ.clear()
    os.environ.update(env)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    hooks: dict[str, Any] = {}
    if armed:
        exec(HOOKS, hooks)  # noqa: S102 (our own text, as the script would run it)
    from radiosilence.cli.main import main  # noqa: PLC0415 (already loaded: a lookup)

    try:
        code = main(argv)
    finally:
        if armed:
            hooks["count"]()
        sys.stdout.flush()
        sys.stderr.flush()
    sys.exit(code)


def scan(config: Path, now: str, trap: Trap | None = None, *, armed: bool = False,
         kill_at: int = 0, drafts: str = "", count_to: Path | None = None) -> int:
    """One `radiosilence scan --now NOW` in a process of its own, armed or plain; returns
    its exit code (0, EXITED at an armed point, KILLED by the trap)."""
    env = {**os.environ, "KILL_AT": str(kill_at), "DRAFTS": drafts,
           "COUNT_TO": str(count_to or ""), "PYTHONIOENCODING": "utf-8"}
    log = config.parent.parent / f"scan-{next(_scans)}.log"
    argv = ["--config", str(config), "scan", "--now", now]
    process = _FORKS.Process(target=_run_cli, args=(argv, env, str(log), armed))
    process.start()
    if trap is not None:
        trap.watch(int(process.pid or 0))
    try:
        process.join(120)
    finally:
        if trap is not None:
            trap.unwatch()
    if process.exitcode is None:
        process.kill()
        process.join()
        raise AssertionError(f"the scan hung:\n{log.read_text()}")
    assert process.exitcode in (0, EXITED, KILLED), log.read_text()
    return int(process.exitcode)


_scans = itertools.count()


class Story(Protocol):
    """A prepared state to kill scans in, and what its sink holds."""

    trap: Trap
    config: Path

    def restore(self) -> Path:
        """The prepared state back in place (local folder and server); returns the config."""

    def outcome(self) -> object:
        """What the sink holds now (and what we recorded of it), to compare runs by."""


def instrumented(story: Story, now: str, count_to: Path) -> tuple[int, list[str]]:
    """A clean scan from the prepared state, counting: (COMMITs, server writes by name)."""
    config = story.restore()
    story.trap.arm()
    assert scan(config, now, story.trap, armed=True, count_to=count_to) == 0
    return int(count_to.read_text()), list(story.trap.writes)


def kill(story: Story, config: Path, now: str, point: Point) -> bool:
    """One scan killed at `point`; False when it got through first (fewer writes left)."""
    if point.when == COMMIT:
        story.trap.arm()
        return scan(config, now, story.trap, armed=True, kill_at=point.n) == EXITED
    story.trap.arm(point.n, point.when)
    try:
        return scan(config, now, story.trap) == KILLED
    finally:
        story.trap.arm()


@dataclass
class Proof:
    commits: int
    writes: list[str]

    @property
    def cases(self) -> int:
        return self.commits + 2 * len(self.writes)

    def __str__(self) -> str:
        names = sorted(set(self.writes))
        return (f"{self.commits} COMMITs and {len(self.writes)} server writes "
                f"({', '.join(f'{self.writes.count(n)} {n}' for n in names)}): "
                f"{self.cases} kills")


def prove_every_point(story: Story, now: str, count_to: Path,
                      check: Callable[[object], None] = lambda _: None) -> Proof:
    """Kill a scan from the prepared state at every point of a clean run; after each, one
    clean scan must leave exactly what the clean run left. `check` vets the clean outcome."""
    commits, writes = instrumented(story, now, count_to)
    wanted = story.outcome()
    check(wanted)
    assert commits > 0 and writes, (commits, writes)
    for point in every_point(commits, writes):
        config = story.restore()
        assert kill(story, config, now, point), f"the scan got through {point}"
        assert scan(config, now) == 0
        have = story.outcome()
        assert have == wanted, f"after a kill {point}:\n{have}\n!=\n{wanted}"
    return Proof(commits, writes)


def statuses(database: Path) -> dict[str, str]:
    """The status we recorded of each follow-up's draft."""
    with sqlite3.connect(database) as db:
        return dict(db.execute("SELECT key, status FROM actions"))


def clean_outcome(story: Story, cache: dict[tuple[str, ...], Any], *moments: str) -> Any:
    """What clean scans at `moments`, from the prepared state, leave; computed once per
    cache (a module's tests all start from the same state), the state restored after."""
    if moments not in cache:
        config = story.restore()
        for now in moments:
            assert scan(config, now) == 0
        cache[moments] = story.outcome()
    story.restore()
    return cache[moments]


def scanned(config: Path, *moments: str) -> None:
    """Clean scans at `moments`, each of which must succeed."""
    for now in moments:
        assert scan(config, now) == 0


def five_drafts(outcome: object) -> None:
    """The demo's first scan: five drafts, one each, all recorded as drafted."""
    drafts, recorded = outcome  # type: ignore[misc]
    assert len(drafts) == 5 and set(drafts.values()) == {1}, drafts
    assert set(recorded.values()) == {"drafted"}, recorded


def report(record_property: Any, sink: str, name: str, proof: Proof,
           healed: str = "drafts") -> None:
    record_property(name, str(proof))
    print(f"\n{sink}, {name}: {proof}; each healed to the clean scan's {healed}")


def two_kills_then_clean(story: Story, clean: dict[tuple[str, ...], Any], now: str,
                         first: Point, second: Point) -> None:
    """Two scans killed in a row, then a clean one: it must leave what a clean run does."""
    wanted = clean_outcome(story, clean, now)
    config = story.config
    assert kill(story, config, now, first)
    kill(story, config, now, second)  # may get through: fewer writes are left
    scanned(config, now)
    assert story.outcome() == wanted
