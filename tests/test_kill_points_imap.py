"""Crash consistency at every write point of a scan through IMAP, against a real Dovecot, not
sampled: a real `radiosilence scan` is killed before each COMMIT of its state database
(inside the scan, tests/kill_rig.py) and before and after each command that changes the
mailbox (APPEND, STORE, EXPUNGE, COPY, MOVE, CREATE ...): a loopback proxy between the scan
and Dovecot SIGKILLs the scan at the Nth such command, either before passing it on or once
Dovecot has answered it, before the answer reaches the scan.

After each kill the next clean scan must leave exactly what a scan without crashes leaves:
the same drafts in the Drafts folder (key and content, one each; a copy only marked
\\Deleted counts as one left behind) and the same record of them. The scans proved so are
the first one (appends) and one after a note and an ignored interview (a replace: append,
flag, expunge; and a removal). Then two kills in a row, and a restart that comes only after
the thank-yous stopped being wanted.
"""

from __future__ import annotations

import select
import shutil
import socket
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from radiosilence.apply.drafts import draft_hash
from radiosilence.cli.demo import prepare
from radiosilence.connectors.base import draft_key
from tests import kill_rig
from tests.imap_proxy import Proxy, _CommandParser
from tests.imap_rigs import (  # noqa: F401 (the fixture)
    Dovecot,
    admin,
    dovecot_fixture,
    imap_config,
    load_maildir,
    new_user,
)
from tests.kill_rig import AFTER, BEFORE, COMMIT, Killed, Point, Trap
from tests.test_crash import LATER, NOTE, NOW, TOMAS, _interview_of, cli

# Commands that change a mailbox (RFC 9051 section 6); a UID form counts as its command.
WRITES = frozenset({
    "APPEND", "STORE", "UID STORE", "EXPUNGE", "UID EXPUNGE", "COPY", "UID COPY", "MOVE",
    "UID MOVE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "SETMETADATA"})
SOON = "2026-03-18T18:00:00+00:00"  # an hour after NOW: the thank-yous are still wanted
GRACE = "grace.liang@harborview.example"  # Harborview's interviewer: Owen's final check-in


class _Watch(_CommandParser):
    """The proxy's parser of one connection, with the trap on each write command."""

    def __init__(self, trap: Trap, proxy: Proxy) -> None:
        super().__init__(proxy.commands, proxy.appended_to, proxy._lock)
        self.trap = trap
        self.awaited: tuple[bytes, int] | None = None  # (tag, write number) to kill after
        self.tail = b"\n"

    def _count(self, line: bytes) -> None:
        super()._count(line)
        words = line.split()
        if len(words) < 2:
            return
        name = b" ".join(words[1:3] if words[1].upper() == b"UID" else words[1:2])
        if name.upper().decode("ascii", "replace") not in WRITES:
            return
        n = self.trap.write(name.upper().decode())
        self.trap.kill_if_due(n, BEFORE)  # raises before the line is passed on
        if self.trap.due(n, AFTER):
            self.awaited = (words[0], n)

    def answered(self, data: bytes) -> None:
        """Dovecot's answer on its way down: at the awaited command's tagged answer, the
        command is done on the server; kill before the scan reads it."""
        if self.awaited is None:
            return
        tag, n = self.awaited
        seen = self.tail + data
        if b"\n" + tag + b" " in seen:
            self.trap.kill_if_due(n, AFTER)
        self.tail = seen[-(len(tag) + 2):]


class KillingProxy(Proxy):
    """tests/imap_proxy.Proxy, with a trap on the commands that write."""

    def __init__(self, target: int, trap: Trap) -> None:
        self.trap = trap
        super().__init__(target)

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        watch = _Watch(self.trap, self)
        pairs = {client: (server, True), server: (client, False)}
        try:
            while True:
                ready, _, _ = select.select(list(pairs), [], [])
                for source in ready:
                    sink, upward = pairs[source]
                    data = source.recv(65536)
                    if not data:
                        return
                    (watch.feed if upward else watch.answered)(data)
                    sink.sendall(data)
        except (OSError, Killed):
            return  # a killed scan's connection ends here, its command unforwarded
        finally:
            for sock in (client, server):
                sock.close()


@pytest.fixture(scope="module")
def proxy(dovecot: Dovecot) -> Iterator[KillingProxy]:  # noqa: F811
    front = KillingProxy(dovecot.port, Trap())
    yield front
    front.close()


class ImapStory:
    """A state folder and a Dovecot mailbox, saved once and put back before each scan (a
    copy of the saved mailbox for a new user each time: no server process of an earlier
    scan can touch it)."""

    def __init__(self, dovecot: Dovecot, proxy: KillingProxy, folder: Path) -> None:
        self.dovecot, self.trap, self.port = dovecot, proxy.trap, proxy.port
        self.root, self.saved = folder / "live", folder / "saved"
        self.user = new_user()
        prepare(self.root)
        assert load_maildir(dovecot, self.user, self.root / "mail") > 10
        self.config = imap_config(self.root, self.port, self.user)
        self.saved_home = self._home(self.user)

    def _home(self, user: str) -> Path:
        return self.dovecot.tmp / "mail" / user

    def save(self) -> None:
        shutil.rmtree(self.saved, ignore_errors=True)
        shutil.copytree(self.root, self.saved)
        saved_home = self._home(f"saved-{new_user()}")  # cp -a copies into one that exists
        subprocess.run(["cp", "-a", str(self._home(self.user)), str(saved_home)], check=True)
        self.saved_home = saved_home

    def restore(self) -> Path:
        shutil.rmtree(self.root)
        shutil.copytree(self.saved, self.root)
        self.user = new_user()
        subprocess.run(["cp", "-a", str(self.saved_home), str(self._home(self.user))],
                       check=True)
        self.config = imap_config(self.root, self.port, self.user)
        return self.config

    def drafts(self) -> Counter[tuple[str, str]]:
        """(key, content hash) of every message in Drafts; one marked \\Deleted as well,
        with "deleted" for its hash: a copy the user's mail program may still show."""
        client = admin(self.dovecot, self.user)
        try:
            client.select_folder("Drafts", readonly=True)
            uids = client.search("ALL")
            fetched = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
        finally:
            client.logout()
        found: Counter[tuple[str, str]] = Counter()
        for data in fetched.values():
            raw = data[b"BODY[]"]
            deleted = b"\\Deleted" in data[b"FLAGS"]
            found[draft_key(raw), "deleted" if deleted else draft_hash(raw)] += 1
        return found

    def draft_of(self, recipient: str) -> bytes:
        client = admin(self.dovecot, self.user)
        try:
            client.select_folder("Drafts", readonly=True)
            fetched = client.fetch(client.search(["NOT", "DELETED"]), ["BODY.PEEK[]"])
        finally:
            client.logout()
        (raw,) = [d[b"BODY[]"] for d in fetched.values() if recipient in draft_key(d[b"BODY[]"])]
        return bytes(raw)

    def outcome(self) -> tuple[Counter[tuple[str, str]], dict[str, str]]:
        return self.drafts(), kill_rig.statuses(self.root / "istate" / "state.sqlite3")


@pytest.fixture(scope="module")
def clean() -> dict[Any, Any]:
    """The outcomes of clean scans, shared by the module's tests (they start alike)."""
    return {}


@pytest.fixture
def story(dovecot: Dovecot, proxy: KillingProxy, tmp_path: Path) -> ImapStory:  # noqa: F811
    story = ImapStory(dovecot, proxy, tmp_path)
    story.save()
    return story





def test_every_write_point_of_a_first_scan(story: ImapStory, tmp_path: Path,
                                           record_property: Any) -> None:
    proof = kill_rig.prove_every_point(story, NOW, tmp_path / "count", kill_rig.five_drafts)
    assert proof.writes == ["APPEND"] * 5
    kill_rig.report(record_property, "IMAP", "first scan", proof)


def test_every_write_point_of_a_scan_that_replaces_and_removes(
        story: ImapStory, tmp_path: Path, record_property: Any) -> None:
    """A note changes Tomás's thank-you (a replace: APPEND, then the old one flagged and
    expunged); Harborview is no interview any more, so its final check-in goes."""
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
    assert {"APPEND", "UID STORE", "UID EXPUNGE"} <= set(proof.writes), proof.writes
    kill_rig.report(record_property, "IMAP", "a scan that replaces and removes", proof)


@pytest.mark.parametrize(("first", "second"), [
    (Point(BEFORE, 2, "APPEND"), Point(COMMIT, 4, "COMMIT")),
    (Point(AFTER, 3, "APPEND"), Point(AFTER, 1, "APPEND")),
    (Point(COMMIT, 9, "COMMIT"), Point(BEFORE, 1, "APPEND")),
], ids=str)
def test_two_kills_in_a_row_then_a_clean_scan(story: ImapStory, clean: dict[Any, Any],
                                              first: Point, second: Point) -> None:
    kill_rig.two_kills_then_clean(story, clean, NOW, first, second)


@pytest.mark.parametrize("point", [
    Point(BEFORE, 3, "APPEND"), Point(AFTER, 4, "APPEND"), Point(AFTER, 5, "APPEND"),
], ids=str)
def test_a_restart_after_the_follow_ups_expired_leaves_none_of_them(
        story: ImapStory, clean: dict[Any, Any], point: Point) -> None:
    """Killed while appending the thank-yous; the next scan comes only when they have
    expired: the drafts a clean story leaves then, and no orphan thank-you."""
    wanted, _ = kill_rig.clean_outcome(story, clean, NOW, LATER)
    assert kill_rig.kill(story, story.config, NOW, point)
    kill_rig.scanned(story.config, LATER)
    assert story.drafts() == wanted
    assert not [key for key, _ in story.drafts() if key.startswith("thank-you/iv-e645250c")]
    recorded = kill_rig.statuses(story.root / "istate" / "state.sqlite3")
    assert not {"edited", "gone"} & set(recorded.values()), recorded
