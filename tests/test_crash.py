"""A draft written but its record not saved is adopted, never duplicated (DESIGN.md section 3).

Real process death: a helper script builds the engine exactly as the CLI does, wraps the real
Maildir draft sink so that the process dies with os._exit(9) right after the Nth draft is
safely written (before apply can record it), and runs one cycle. The normal CLI then runs at
the same time and must heal: one draft per follow-up key, none missing, none twice.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from radiosilence.cli.demo import prepare

NOW = "2026-03-18T17:00:00+00:00"
LATER = "2026-03-26T10:00:00+00:00"  # the Brightloom thank-yous have expired by then
KILLED = 9
# (kind, recipient) of every draft due at NOW in the sample (daemon/sample/README.md)
EXPECTED = {
    ("thank-you", "tomas.ferreira@brightloom.example"),
    ("thank-you", "hannah.okafor@brightloom.example"),
    ("thank-you", "lukas.brandt@brightloom.example"),
    ("nudge", "megan.holloway@quillstone.example"),
    ("final", "owen.pritchard@harborview.example"),
}
TOMAS = "tomas.ferreira@brightloom.example"
NOTE = "moving the billing events from RabbitMQ to Kafka without downtime"

HELPER = '''\
"""One cycle, as `radiosilence scan` runs it, that dies right after the Nth draft put
(or, with a fourth argument "delete", right after the Nth draft deleted)."""
import os
import sys
from pathlib import Path

from radiosilence.cli.args import parse_now
from radiosilence.wiring import open_engine
from radiosilence.connectors.base import DraftSink
from radiosilence.config.settings import load_settings


class DieAfterPuts(DraftSink):
    def __init__(self, inner, limit, on="put"):
        self.inner = inner
        self.limit = limit
        self.on = on
        self.puts = 0
        self.deletes = 0

    def find(self, key):
        return self.inner.find(key)

    def find_all(self, key):
        return self.inner.find_all(key)

    def get(self, ref):
        return self.inner.get(ref)

    def delete(self, ref):
        self.inner.delete(ref)
        self.deletes += 1
        if self.on == "delete" and self.deletes >= self.limit:
            os._exit(9)  # the draft is gone, its record not yet written

    def put(self, raw, key, replace=None, thread_hint=""):
        ref = self.inner.put(raw, key, replace=replace, thread_hint=thread_hint)
        self.puts += 1
        if self.on == "put" and self.puts >= self.limit:
            os._exit(9)  # no cleanup, no commit, no finally: as if the power went
        return ref

    def __getattr__(self, name):  # anything else the real sink offers, as it is
        return getattr(self.inner, name)


def _delegate(name):
    return lambda self, *args, **kwargs: getattr(self.inner, name)(*args, **kwargs)


# Should the interface grow another abstract method, delegate it too (not our business here).
for _name in DraftSink.__abstractmethods__ - set(vars(DieAfterPuts)):
    setattr(DieAfterPuts, _name, _delegate(_name))
DieAfterPuts.__abstractmethods__ = frozenset()


config, now, limit = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
settings = load_settings(config)
engine = open_engine(settings)
engine.sink = DieAfterPuts(engine.sink, limit, *sys.argv[4:5])
engine.cycle(parse_now(now, settings.user.timezone))
print("cycle finished without reaching put number", limit)
'''


def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, *map(str, argv)], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=120, check=False)


def cli(config: Path, *args: str) -> str:
    done = run("-m", "radiosilence", "--config", config, *args)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def die_after(helper: Path, config: Path, puts: int, now: str = NOW, on: str = "put") -> None:
    done = run(helper, config, now, str(puts), on)
    assert done.returncode == KILLED, (
        f"the helper should have died after put {puts}: exit {done.returncode}\n"
        f"{done.stdout}\n{done.stderr}")


def drafts(root: Path) -> list[tuple[Path, str, bytes]]:
    """(path, key, raw) of every file in the Drafts maildir's cur/ and new/."""
    found = []
    for sub in ("cur", "new"):
        for path in sorted((root / "mail" / ".Drafts" / sub).glob("*")):
            if path.is_file() and not path.name.startswith("."):
                raw = path.read_bytes()
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                found.append((path, str(msg["X-Radiosilence-Key"] or ""), raw))
    return found


def key_counts(root: Path) -> Counter[str]:
    return Counter(key for _, key, _ in drafts(root))


def kind_and_recipient(key: str) -> tuple[str, str]:
    kind, _, recipient, *_ = key.split("/")
    return kind, recipient


def assert_one_draft_per_follow_up(root: Path) -> None:
    counts = key_counts(root)
    twice = {key: n for key, n in counts.items() if n > 1}
    assert not twice, f"duplicate drafts: {twice}"
    assert "" not in counts, "a draft without our key"
    assert {kind_and_recipient(key) for key in counts} == EXPECTED, sorted(counts)
    assert sum(counts.values()) == len(EXPECTED)


@pytest.fixture
def helper(tmp_path: Path) -> Path:
    path = tmp_path / "die_after_puts.py"
    path.write_text(HELPER, encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A fresh copy of the sample, not yet run."""
    return prepare(tmp_path / "demo")


@pytest.mark.parametrize("puts", [1, 2, 3])
def test_a_kill_after_a_new_draft_is_healed_by_adoption(helper: Path, config: Path,
                                                        puts: int) -> None:
    root = config.parent
    die_after(helper, config, puts)
    assert len(drafts(root)) == puts, "the killed cycle should have left exactly N drafts"

    out = cli(config, "scan", "--now", NOW)
    assert f"create {len(EXPECTED) - puts}," in out, out
    assert_one_draft_per_follow_up(root)

    before = {path: raw for path, _, raw in drafts(root)}
    again = cli(config, "scan", "--now", NOW)
    assert "create 0, update 0, remove 0\n" in again, again
    assert "you edited" not in again, again
    assert {path: raw for path, _, raw in drafts(root)} == before


@pytest.mark.parametrize("puts", [1, 3])
def test_adopted_drafts_are_still_ours(helper: Path, config: Path, puts: int) -> None:
    """Adopted means recorded as our untouched draft: removed when it becomes obsolete, like
    any other (not mistaken for one the user edited and left behind)."""
    root = config.parent
    die_after(helper, config, puts)
    cli(config, "scan", "--now", NOW)
    thanks = {key for key in key_counts(root) if key.startswith("thank-you/")}
    assert len(thanks) == 3
    out = cli(config, "scan", "--now", LATER)
    assert not thanks & set(key_counts(root)), f"expired thank-yous left behind:\n{out}"


def _interview_of(config: Path, email_address: str) -> str:
    plans = json.loads(cli(config, "status", "--json", "--now", NOW))
    return next(p["id"] for p in plans if email_address in p["interviewers"])


def _crash_during_update(helper: Path, config: Path) -> tuple[str, dict[str, bytes]]:
    """Run a normal cycle, add a note that changes Tomás's draft, die after its re-put.
    Return his draft's key and the other drafts (key -> bytes)."""
    root = config.parent
    cli(config, "scan", "--now", NOW)
    assert_one_draft_per_follow_up(root)
    (key,) = [k for k in key_counts(root) if k.startswith("thank-you/") and TOMAS in k]
    others = {k: raw for _, k, raw in drafts(root) if k != key}
    cli(config, "note", _interview_of(config, TOMAS), NOTE, "--who", TOMAS)
    die_after(helper, config, 1)  # the only put of this cycle is the update of his draft
    return key, others


def test_a_kill_after_an_update_leaves_one_current_draft(helper: Path, config: Path) -> None:
    root = config.parent
    key, others = _crash_during_update(helper, config)
    cli(config, "scan", "--now", NOW)
    assert_one_draft_per_follow_up(root)
    (raw,) = [raw for _, k, raw in drafts(root) if k == key]
    assert NOTE.encode() in raw, "his draft should carry the note"
    assert {k: r for _, k, r in drafts(root) if k != key} == others

    before = {path: data for path, _, data in drafts(root)}
    again = cli(config, "scan", "--now", NOW)
    assert "create 0, update 0, remove 0" in again, again
    assert {path: data for path, _, data in drafts(root)} == before


def test_a_draft_updated_just_before_a_kill_is_still_ours(helper: Path, config: Path) -> None:
    """The draft found after the crash is exactly what we would write now: it is ours and
    untouched, so it must not be taken for a user edit (which would leave it behind for good
    once obsolete, one of the complaints DESIGN.md section 6 lists)."""
    root = config.parent
    key, _ = _crash_during_update(helper, config)
    healed = cli(config, "scan", "--now", NOW)
    assert "you edited" not in healed, f"our own update taken for a user edit:\n{healed}"
    out = cli(config, "scan", "--now", LATER)
    assert key not in key_counts(root), f"the expired, untouched thank-you was left behind:\n{out}"


def _statuses(config: Path) -> dict[str, str]:
    database = config.parent / "state" / "state.sqlite3"
    with sqlite3.connect(database) as db:
        return dict(db.execute("SELECT key, status FROM actions"))


@pytest.mark.parametrize("deletes", [1, 2, 3])
def test_a_kill_between_delete_and_record_leaves_removed_not_gone(helper: Path, config: Path,
                                                                  deletes: int) -> None:
    """The intent is recorded before the delete: the next cycle knows the draft it misses
    was removed by us, not sent or deleted by the person (which would bar it for good)."""
    root = config.parent
    cli(config, "scan", "--now", NOW)
    before = set(key_counts(root))
    die_after(helper, config, deletes, LATER, on="delete")  # obsolete drafts go, then death
    gone_so_far = before - set(key_counts(root))
    assert len(gone_so_far) == deletes
    statuses = _statuses(config)
    removed = max(gone_so_far, key=lambda key: statuses[key] == "removing")
    assert statuses[removed] == "removing", statuses
    cli(config, "scan", "--now", LATER)
    statuses = _statuses(config)
    assert statuses[removed] == "removed", statuses
    assert "gone" not in statuses.values(), statuses
