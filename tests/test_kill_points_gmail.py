"""Crash consistency at every write point of a scan through Gmail (the loopback emulator),
not sampled: a real `radiosilence scan` is killed before each COMMIT of its state database
(inside the scan, tests/kill_rig.py) and before and after each write request the emulator
receives (drafts.create, drafts.update, drafts.delete and any other method that is not a
GET): the emulator, in this process, SIGKILLs the scan just before applying the Nth write,
or just after applying it and before answering.

After each kill the next clean scan must leave exactly what a scan without crashes leaves:
the same drafts (key and content, one each) and the same record of them. Three scans are
proved so: the first one (creates), one a week later (creates and removes) and one after a
note (an update). Then two kills in a row, and a restart that comes only after the
thank-yous stopped being wanted.
"""

from __future__ import annotations

import copy
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from radiosilence.apply.drafts import draft_hash
from radiosilence.cli.demo import prepare
from radiosilence.connectors.base import draft_key
from tests import kill_rig
from tests.google_emulator import Emulator, routes
from tests.kill_rig import AFTER, BEFORE, COMMIT, Point, Trap
from tests.test_crash import LATER, NOTE, NOW, TOMAS, _interview_of, cli
from tests.test_google_end_to_end import _google_config, _seed_from_sample

# Every method that is not a GET changes the mailbox, whatever its name (the client turns a
# long GET into a POST with an override, which the emulator resolves before this).
WRITES = frozenset(r.method_id for r in routes.routes() if r.http_method != "GET")
SOON = "2026-03-18T18:00:00+00:00"  # an hour after NOW: the thank-yous are still wanted
GRACE = "grace.liang@harborview.example"  # Harborview's interviewer: Owen's final check-in


def _stores(emu: Emulator) -> Any:
    """A copy of the emulator's mailbox and calendars (sharing its lock, not copying it)."""
    return copy.deepcopy((emu.gmail, emu.calendar), {id(emu.lock): emu.lock, id(emu): emu})


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Trap]]:
    """One emulator for the module, seeded with the demo's mail and calendar, its writes
    going through a trap."""
    folder = tmp_path_factory.mktemp("gmail-seed")
    _seed_from_sample(prepare(folder / "demo").parent, folder / "seed")
    trap = Trap()
    with Emulator() as emu:
        emu.load_seed(folder / "seed")
        run = emu._run

        def guarded(mid: str, call: Any) -> Any:
            if mid not in WRITES:
                return run(mid, call)
            return trap.through(mid, lambda: run(mid, call))

        emu._run = guarded  # type: ignore[method-assign]
        # A killed scan's connection breaks as it is answered: not worth a traceback each.
        emu._server.handle_error = lambda *_: None  # type: ignore[union-attr,method-assign]
        yield emu, trap
        assert emu.sends == []


class GmailStory:
    """A state folder and the emulator's mailbox, saved once and put back before each scan."""

    def __init__(self, emu: Emulator, trap: Trap, folder: Path) -> None:
        self.emu, self.trap = emu, trap
        self.root, self.saved = folder / "live", folder / "saved"
        self.root.mkdir()
        self.config = _google_config(self.root, str(emu.base_url))
        self._mailbox = _stores(emu)

    def save(self) -> None:
        shutil.rmtree(self.saved, ignore_errors=True)
        shutil.copytree(self.root, self.saved)
        self._mailbox = _stores(self.emu)

    def restore(self) -> Path:
        shutil.rmtree(self.root)
        shutil.copytree(self.saved, self.root)
        self.emu.gmail, self.emu.calendar = copy.deepcopy(
            self._mailbox, {id(self.emu.lock): self.emu.lock, id(self.emu): self.emu})
        return self.config

    def drafts(self) -> Counter[tuple[str, str]]:
        raws = [self.emu.gmail.draft_raw(d) for d in list(self.emu.gmail.drafts)]
        return Counter((draft_key(raw), draft_hash(raw)) for raw in raws)

    def draft_of(self, recipient: str) -> bytes:
        (raw,) = [raw for raw in map(self.emu.gmail.draft_raw, list(self.emu.gmail.drafts))
                  if recipient in draft_key(raw)]
        return raw

    def outcome(self) -> tuple[Counter[tuple[str, str]], dict[str, str]]:
        return self.drafts(), kill_rig.statuses(self.root / "gstate" / "state.sqlite3")


@pytest.fixture
def story(emulator: tuple[Emulator, Trap], tmp_path: Path,
          seeded: Any) -> GmailStory:
    emu, trap = emulator
    emu.gmail, emu.calendar = copy.deepcopy(seeded, {id(emu.lock): emu.lock, id(emu): emu})
    story = GmailStory(emu, trap, tmp_path)
    story.save()
    return story


@pytest.fixture(scope="module")
def clean() -> dict[Any, Any]:
    """The outcomes of clean scans, shared by the module's tests (they start alike)."""
    return {}


@pytest.fixture(scope="module")
def seeded(emulator: tuple[Emulator, Trap]) -> Any:
    return _stores(emulator[0])





def test_every_write_point_of_a_first_scan(story: GmailStory, tmp_path: Path,
                                           record_property: Any) -> None:
    proof = kill_rig.prove_every_point(story, NOW, tmp_path / "count", kill_rig.five_drafts)
    assert proof.writes == ["gmail.users.drafts.create"] * 5
    kill_rig.report(record_property, "Gmail", "first scan", proof)


def test_every_write_point_of_a_scan_that_updates_and_removes(
        story: GmailStory, tmp_path: Path, record_property: Any) -> None:
    """A note changes Tomás's thank-you (drafts.update); Harborview is no interview any
    more, so its final check-in goes (drafts.delete)."""
    kill_rig.scanned(story.config, NOW)
    cli(story.config, "note", _interview_of(story.config, TOMAS), NOTE, "--who", TOMAS)
    cli(story.config, "ignore", _interview_of(story.config, GRACE))
    story.save()

    def four_drafts_one_with_the_note(outcome: object) -> None:
        drafts, _ = outcome  # type: ignore[misc]
        assert len(drafts) == 4 and set(drafts.values()) == {1}, drafts
        assert not [key for key, _ in drafts if key.startswith("final/")]
        assert NOTE.encode() in story.draft_of(TOMAS)

    proof = kill_rig.prove_every_point(story, SOON, tmp_path / "count",
                                       four_drafts_one_with_the_note)
    assert sorted(proof.writes) == ["gmail.users.drafts.delete", "gmail.users.drafts.update"]
    kill_rig.report(record_property, "Gmail", "a scan that updates and removes", proof)


@pytest.mark.parametrize(("first", "second"), [
    (Point(BEFORE, 2, "gmail.users.drafts.create"), Point(COMMIT, 4, "COMMIT")),
    (Point(AFTER, 3, "gmail.users.drafts.create"), Point(AFTER, 1, "gmail.users.drafts.create")),
    (Point(COMMIT, 9, "COMMIT"), Point(BEFORE, 1, "gmail.users.drafts.create")),
], ids=str)
def test_two_kills_in_a_row_then_a_clean_scan(story: GmailStory, clean: dict[Any, Any],
                                              first: Point, second: Point) -> None:
    kill_rig.two_kills_then_clean(story, clean, NOW, first, second)


@pytest.mark.parametrize("point", [
    Point(BEFORE, 3, "gmail.users.drafts.create"),
    Point(AFTER, 4, "gmail.users.drafts.create"),
    Point(AFTER, 5, "gmail.users.drafts.create"),
], ids=str)
def test_a_restart_after_the_follow_ups_expired_leaves_none_of_them(
        story: GmailStory, clean: dict[Any, Any], point: Point) -> None:
    """Killed while writing the thank-yous; the next scan comes only when they have expired:
    the drafts a clean story leaves then, and no orphan thank-you."""
    wanted, _ = kill_rig.clean_outcome(story, clean, NOW, LATER)
    assert kill_rig.kill(story, story.config, NOW, point)
    kill_rig.scanned(story.config, LATER)
    assert story.drafts() == wanted
    assert not [key for key, _ in story.drafts() if key.startswith("thank-you/iv-e645250c")]
