"""Crash consistency at every write point of a scan that keeps reminders in a CalDAV calendar,
against a real Radicale, not sampled: a real `radiosilence scan` is killed before each
COMMIT of its state database (inside the scan, tests/kill_rig.py) and before and after each
request that changes the calendar (MKCALENDAR, PUT, DELETE, anything but a read): Radicale,
in this process, SIGKILLs the scan just before handling the Nth, or just after it stored the
change and before the answer leaves.

After each kill the next clean scan must leave exactly what a scan without crashes leaves:
one event per wanted reminder (UID and what it shows), none for unwanted ones, and the same
drafts. Two scans are proved so: the first one (the calendar made, every event written) and
one a week later (events rewritten and deleted). Then two kills in a row, and a restart
that comes only after the thank-yous stopped being wanted.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest

from radiosilence.publish.caldav import HASH, caldav_uid
from tests import kill_rig
from tests.caldav_rigs import Radicale
from tests.kill_rig import AFTER, BEFORE, COMMIT, Killed, Point, Trap
from tests.test_caldav_reminders import _config
from tests.test_crash import LATER, NOW, key_counts

READS = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"})
CALENDAR = "interview-follow-ups"  # made by the channel, named after its title


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Radicale, Trap]]:
    """One Radicale for the module, every request that writes going through a trap."""
    trap = Trap()
    with Radicale(tmp_path_factory.mktemp("radicale")) as server:
        inner = server._wsgi

        def trapped(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
            method = environ["REQUEST_METHOD"]
            if method in READS:
                return inner(environ, start)
            try:  # the answer is read whole: Radicale has stored the change by then
                return trap.through(method, lambda: list(inner(environ, start)))
            except Killed:  # nobody is left to read an answer
                start("503 Service Unavailable", [("Content-Length", "0")], sys.exc_info())
                return [b""]

        server.server.set_app(trapped)
        yield server, trap


def _collections(server: Radicale) -> Path:
    """Where Radicale keeps the collections (beside it, its lock file stays put)."""
    storage = Path(server.app.configuration.get("storage", "filesystem_folder"))
    return storage / "collection-root"


class CalDavStory:
    """A state folder and Radicale's storage, saved once and put back before each scan."""

    def __init__(self, server: Radicale, trap: Trap, folder: Path) -> None:
        self.server, self.trap = server, trap
        self.root, self.saved = folder / "live", folder / "saved"
        self.config = _config(self.root, server)
        self.storage = _collections(server)
        self.saved_storage = folder / "saved-storage"

    def save(self) -> None:
        for source, target in ((self.root, self.saved), (self.storage, self.saved_storage)):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)

    def restore(self) -> Path:
        # Between scans nothing talks to Radicale: its files may be swapped under it.
        for source, target in ((self.saved, self.root), (self.saved_storage, self.storage)):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        return self.config

    def events(self) -> Counter[tuple[str, str]]:
        """(UID, hash of what it shows) of every event in the reminder calendar."""
        found: Counter[tuple[str, str]] = Counter()
        for path in self.server.files(CALENDAR):
            for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
                found[str(event["UID"]), str(event.get(HASH, ""))] += 1
        return found

    def outcome(self) -> tuple[Counter[tuple[str, str]], Counter[str]]:
        return self.events(), key_counts(self.root)


@pytest.fixture(scope="module")
def clean() -> dict[Any, Any]:
    """The outcomes of clean scans, shared by the module's tests (they start alike)."""
    return {}


@pytest.fixture
def story(radicale: tuple[Radicale, Trap], tmp_path: Path) -> CalDavStory:
    server, trap = radicale
    shutil.rmtree(_collections(server) / "sam", ignore_errors=True)  # no calendars yet
    server.http("PROPFIND", server.url + "sam/")  # the account exists, as after a first login
    story = CalDavStory(server, trap, tmp_path)
    story.save()
    return story



def _one_event_each(outcome: object) -> None:
    events, drafts = outcome  # type: ignore[misc]
    assert events and set(events.values()) == {1}, events
    assert len({uid for uid, _ in events}) == len(events), "two versions of one reminder"
    assert len(drafts) == 5 and set(drafts.values()) == {1}, drafts



def test_every_write_point_of_a_first_scan(story: CalDavStory, tmp_path: Path,
                                           record_property: Any) -> None:
    proof = kill_rig.prove_every_point(story, NOW, tmp_path / "count", _one_event_each)
    assert proof.writes[0] == "MKCALENDAR" and set(proof.writes[1:]) == {"PUT"}, proof.writes
    kill_rig.report(record_property, "CalDAV", "first scan", proof, healed="calendar")


def test_every_write_point_of_a_scan_that_rewrites_and_deletes(
        story: CalDavStory, tmp_path: Path, record_property: Any) -> None:
    kill_rig.scanned(story.config, NOW)
    story.save()
    proof = kill_rig.prove_every_point(story, LATER, tmp_path / "count")
    assert {"PUT", "DELETE"} <= set(proof.writes), proof.writes
    kill_rig.report(record_property, "CalDAV", "a week later", proof, healed="calendar")


@pytest.mark.parametrize(("first", "second"), [
    (Point(BEFORE, 2, "PUT"), Point(COMMIT, 4, "COMMIT")),
    (Point(AFTER, 3, "PUT"), Point(AFTER, 1, "MKCALENDAR")),
    (Point(COMMIT, 9, "COMMIT"), Point(BEFORE, 2, "PUT")),
], ids=str)
def test_two_kills_in_a_row_then_a_clean_scan(story: CalDavStory, clean: dict[Any, Any],
                                              first: Point, second: Point) -> None:
    kill_rig.two_kills_then_clean(story, clean, NOW, first, second)


@pytest.mark.parametrize("point", [
    Point(BEFORE, 3, "PUT"), Point(AFTER, 4, "PUT"), Point(AFTER, 6, "PUT"),
], ids=str)
def test_a_restart_after_the_follow_ups_expired_leaves_none_of_them(
        story: CalDavStory, clean: dict[Any, Any], point: Point) -> None:
    """Killed while writing the reminders; the next scan comes only when the thank-yous
    have expired: the events a clean story leaves then, none for a thank-you."""
    _, drafts = kill_rig.clean_outcome(story, clean, NOW)
    thanks = {caldav_uid(key) for key in drafts if key.startswith("thank-you/")}
    wanted = kill_rig.clean_outcome(story, clean, NOW, LATER)
    assert kill_rig.kill(story, story.config, NOW, point)
    kill_rig.scanned(story.config, LATER)
    assert story.outcome() == wanted
    assert len(thanks) == 3 and not thanks & {uid for uid, _ in story.events()}
