"""End to end: the real CLI, as a subprocess, on real folders (a copy of the bundled sample).

Nothing of ours is mocked. The sample's story and the states expected at the demo's now
(2026-03-18 17:00Z) are in daemon/sample/README.md; these tests hold the program to it, then
move the clock, deliver a reply, edit and delete drafts as a user would, and check that the
program heals, removes and leaves alone exactly what DESIGN.md section 3 says.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

import radiosilence
import radiosilence.connectors
from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.publish.feed import feed_uid

NOW = "2026-03-18T17:00:00+00:00"
LONDON = ZoneInfo("Europe/London")
USER = "sam.rivera@example.net"
REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|antw|fwd?|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)
WORD = re.compile(r"\b[\w'’-]+\b")

# daemon/sample/README.md, "expected state at now": company -> the states of its interviews.
EXPECTED_STATES = {
    "Brightloom": ["thank-you due"],
    "Quillstone": ["nudge due"],
    "Harborview": ["final due"],
    "Oakmere": ["waiting"],
    "Copperfield": ["closed: rejected"],
    "Fernhill": ["next round", "scheduled"],
    "Driftwood": ["cancelled"],
    "Lumen Labs": ["scheduled"],
    "Glasswing": ["in conversation"],
}
BRIGHTLOOM_PANEL = {"tomas.ferreira@brightloom.example", "hannah.okafor@brightloom.example",
                    "lukas.brandt@brightloom.example"}
NOT_THANKED = {"priya.natarajan@brightloom.example", "room-atlas@resource.brightloom.example",
               "interview-panel@brightloom.example", USER}
QUILLSTONE_RECRUITER = "megan.holloway@quillstone.example"
HARBORVIEW_RECRUITER = "owen.pritchard@harborview.example"


# --- running the program ---------------------------------------------------------------------


def run_cli(*args: str | Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`radiosilence [--config C] ARGS` in a fresh interpreter; never raises on exit codes."""
    argv = [sys.executable, "-m", "radiosilence"]
    if config is not None:
        argv += ["--config", str(config)]
    argv += [str(a) for a in args]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=120, check=False)


def ok(*args: str | Path, config: Path | None = None) -> str:
    """Run the CLI, insist on exit 0, return its stdout."""
    done = run_cli(*args, config=config)
    assert done.returncode == 0, (
        f"radiosilence {' '.join(map(str, args))} exited {done.returncode}\n"
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}")
    return done.stdout


def scan(root: Path, now: str = NOW, *extra: str) -> str:
    return ok("scan", "--now", now, *extra, config=root / "config.toml")


def status(root: Path, now: str = NOW) -> list[dict[str, Any]]:
    return json.loads(ok("status", "--json", "--now", now, config=root / "config.toml"))


# --- reading what it wrote -------------------------------------------------------------------


@dataclass(frozen=True)
class DraftFile:
    path: Path
    raw: bytes
    msg: EmailMessage

    @property
    def key(self) -> str:
        return str(self.msg["X-Radiosilence-Key"] or "")

    @property
    def kind(self) -> str:
        return self.key.split("/")[0]

    def named(self, company: str) -> str:
        """How `scan` names the draft: by kind, the recipient's name and the company."""
        kind = {"thank-you": "thank-you note", "nudge": "follow-up",
                "final": "final check-in"}[self.kind]
        person = self.msg["To"].addresses[0].display_name
        return f"the {kind} to {person} at {company}"

    @property
    def to(self) -> list[str]:
        return [a.lower() for _, a in getaddresses([str(v) for v in self.msg.get_all("To", [])])]

    @property
    def body(self) -> str:
        part = self.msg.get_body(preferencelist=("plain",))
        assert part is not None, f"{self.path.name}: no text/plain body"
        return str(part.get_content())


def drafts_dir(root: Path) -> Path:
    return root / "mail" / ".Drafts"


def read_drafts(root: Path) -> list[DraftFile]:
    """Every message file in the Drafts maildir (cur and new), parsed as a mail client would."""
    found = []
    for sub in ("cur", "new"):
        for path in sorted((drafts_dir(root) / sub).glob("*")):
            if path.is_file() and not path.name.startswith("."):
                raw = path.read_bytes()
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                assert isinstance(msg, EmailMessage)
                found.append(DraftFile(path, raw, msg))
    return found


def keys_of(root: Path) -> Counter[str]:
    return Counter(d.key for d in read_drafts(root))


def snapshot(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under `root` (names and bytes), but the top-level folders in `skip`."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] not in skip}


def feed_path(root: Path) -> Path:
    return root / "feed" / "radiosilence.ics"


def feed_events(root: Path) -> list[icalendar.cal.Component]:
    calendar = icalendar.Calendar.from_ical(feed_path(root).read_bytes())
    return calendar.walk("VEVENT")


def sample_messages(root: Path) -> dict[str, EmailMessage]:
    """The mailbox's own messages (not drafts) by Message-ID without brackets."""
    index = {}
    for path in (root / "mail").rglob("*"):
        if (path.is_file() and path.parent.name in ("cur", "new")
                and ".Drafts" not in path.parts):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            if msg["Message-ID"]:
                index[str(msg["Message-ID"]).strip().strip("<>")] = msg
    return index


def states_from_table(output: str) -> dict[str, list[str]]:
    """{company: sorted states} from the status table the CLI prints."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith("ID ") and " STATE " in line)
    header = lines[start]
    company = slice(header.index("COMPANY"), header.index("ROLE"))
    state = slice(header.index("STATE"), header.index("NEXT"))
    found: dict[str, list[str]] = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        found.setdefault(line[company].strip(), []).append(line[state].strip())
    return {name: sorted(states) for name, states in found.items()}


def states_from_json(plans: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for plan in plans:
        found.setdefault(plan["company"], []).append(plan["state"])
    return {name: sorted(states) for name, states in found.items()}


def plan_of(plans: list[dict[str, Any]], company: str) -> dict[str, Any]:
    matches = [p for p in plans if p["company"] == company]
    assert len(matches) == 1, f"{company}: {len(matches)} interviews"
    return matches[0]


def deliver(root: Path, unique: str, data: bytes) -> Path:
    """Deliver into INBOX as an MDA does: write in tmp/, then rename into new/."""
    inbox = root / "mail"
    tmp = inbox / "tmp" / unique
    tmp.write_bytes(data)
    target = inbox / "new" / unique
    os.rename(tmp, target)
    return target


# --- fixtures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    root: Path
    stdout: str
    stderr: str
    returncode: int
    status: list[dict[str, Any]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One `radiosilence demo --dir D` for the tests that only read; then `status --json`."""
    root = tmp_path_factory.mktemp("e2e") / "demo"
    done = run_cli("demo", "--dir", root)
    plans = status(root) if done.returncode == 0 else []
    return Demo(root, done.stdout, done.stderr, done.returncode, plans)


@pytest.fixture
def copy(demo: Demo, tmp_path: Path) -> Path:
    """A private copy of the demo folder (the config's paths are relative to it)."""
    assert demo.returncode == 0, demo.stderr
    target = tmp_path / "demo"
    shutil.copytree(demo.root, target, symlinks=True)
    return target


# --- the demo and its states -----------------------------------------------------------------


def test_demo_exits_zero_and_says_where(demo: Demo) -> None:
    assert demo.returncode == 0, demo.stderr
    assert str(demo.root) in demo.stdout
    assert f"status --now {DEMO_NOW}" in demo.stdout
    assert DEMO_NOW == NOW


def test_demo_output_shows_every_state_of_the_story(demo: Demo) -> None:
    assert demo.returncode == 0, demo.stderr
    assert states_from_table(demo.stdout) == EXPECTED_STATES, demo.stdout


def test_status_json_gives_the_same_states(demo: Demo) -> None:
    assert states_from_json(demo.status) == EXPECTED_STATES
    fernhill = {p["start"][:10]: p["state"] for p in demo.status if p["company"] == "Fernhill"}
    assert fernhill == {"2026-03-06": "next round", "2026-03-24": "scheduled"}


def test_noise_is_not_an_interview(demo: Demo) -> None:
    titles = " ".join(p["title"] for p in demo.status).lower()
    for noise in ("dentist", "mock interview", "dinner", "new jobs"):
        assert noise not in titles


# --- the drafts ------------------------------------------------------------------------------


def test_one_draft_per_follow_up_and_nobody_else(demo: Demo) -> None:
    drafts = read_drafts(demo.root)
    by_kind = Counter(d.kind for d in drafts)
    assert by_kind == {"thank-you": 3, "nudge": 1, "final": 1}, [d.key for d in drafts]
    assert all(len(d.to) == 1 for d in drafts), [(d.key, d.to) for d in drafts]
    thanked = Counter(d.to[0] for d in drafts if d.kind == "thank-you")
    assert thanked == dict.fromkeys(BRIGHTLOOM_PANEL, 1)
    recipients = {a for d in drafts for a in d.to}
    assert not recipients & NOT_THANKED
    assert [d.to for d in drafts if d.kind == "nudge"] == [[QUILLSTONE_RECRUITER]]
    assert [d.to for d in drafts if d.kind == "final"] == [[HARBORVIEW_RECRUITER]]
    assert len({d.key for d in drafts}) == len(drafts)


def test_drafts_parse_cleanly_and_are_stored_as_drafts(demo: Demo) -> None:
    drafts = read_drafts(demo.root)
    assert drafts
    assert not list((drafts_dir(demo.root) / "new").iterdir()), "drafts belong in cur/"
    for d in drafts:
        assert d.path.parent.name == "cur"
        unique, sep, flags = d.path.name.rpartition(":2,")
        assert sep and unique and "D" in flags, f"{d.path.name}: not flagged D"
        assert d.key, f"{d.path.name}: no X-Radiosilence-Key"
        assert not d.msg.defects, f"{d.key}: {d.msg.defects}"
        for name in ("From", "To", "Subject", "Date", "Message-ID"):
            assert d.msg[name], f"{d.key}: no {name}"
            assert not d.msg[name].defects, f"{d.key}: {name}: {d.msg[name].defects}"
        assert d.msg["From"].addresses[0].addr_spec == USER
        assert "{{" not in d.raw.decode("utf-8") and "{%" not in d.raw.decode("utf-8"), d.key


@pytest.mark.parametrize("kind", ["nudge", "final"])
def test_follow_ups_reply_in_the_thread(demo: Demo, kind: str) -> None:
    (draft,) = [d for d in read_drafts(demo.root) if d.kind == kind]
    raw_headers = draft.raw.split(b"\n\n", 1)[0].decode("ascii")
    raw_irt = re.search(r"^In-Reply-To:(.*(?:\n[ \t].*)*)", raw_headers, re.M | re.I)
    assert raw_irt, f"{kind}: no In-Reply-To"
    irt = raw_irt.group(1).strip()
    assert "=?" not in irt, f"{kind}: In-Reply-To is an encoded-word: {irt!r}"
    assert re.fullmatch(r"<[^<>\s]+@[^<>\s]+>", irt), f"{kind}: In-Reply-To {irt!r}"
    references = str(draft.msg["References"] or "").split()
    assert references and references[-1] == irt, f"{kind}: References {references}"
    assert "=?" not in str(draft.msg["References"])

    original = sample_messages(demo.root).get(irt.strip("<>"))
    assert original is not None, f"{kind}: replies to {irt}, which is not in the mailbox"
    people = {a.lower() for _, a in getaddresses(
        [str(v) for h in ("From", "To", "Cc") for v in original.get_all(h, [])])}
    assert draft.to[0] in people, f"{kind}: the message replied to is not with {draft.to}"
    for ref in str(original["References"] or "").split():
        assert ref in references, f"{kind}: References lost {ref}"

    subject = str(draft.msg["Subject"])
    base = REPLY_PREFIX.sub("", str(original["Subject"])).strip()
    assert subject == f"Re: {base}", f"{kind}: {subject!r} for {original['Subject']!r}"
    assert len(re.findall(r"\b(re|aw|sv)\s*:", subject, re.I)) == 1, subject


def _words(text: str) -> int:
    return len(WORD.findall(text))


def test_draft_lengths_and_questions(demo: Demo) -> None:
    for d in read_drafts(demo.root):
        words = _words(d.body)
        if d.kind == "thank-you":
            assert 90 <= words <= 180, f"{d.key}: {words} words"
        else:
            assert 50 <= words <= 125, f"{d.key}: {words} words"
            assert d.body.count("?") <= 1, f"{d.key}: {d.body.count('?')} questions"


def _agenda_topics(root: Path) -> dict[str, str]:
    """{interviewer's first name: topic} from the Brightloom panel's DESCRIPTION."""
    for path in (root / "calendar").rglob("*.ics"):
        for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            if "Brightloom" in str(event.get("SUMMARY", "")):
                text = str(event["DESCRIPTION"])
                return {m[1]: m[2].strip() for m in
                        re.finditer(r"with (\w+) \w+: ([^\n]+)", text)}
    raise AssertionError("no Brightloom event in the sample calendar")


def test_thank_yous_are_personal(demo: Demo) -> None:
    topics = _agenda_topics(demo.root)
    assert len(topics) == 3, topics
    for d in (d for d in read_drafts(demo.root) if d.kind == "thank-you"):
        first = d.body.split(",", 1)[0].removeprefix("Hi ").strip()
        assert first in topics, f"{d.key}: greets {first!r}, not one of {sorted(topics)}"
        topic = topics[first]
        # The sample README: "3 drafts ... with their topics". A visible [placeholder] is only
        # the fallback where nothing specific is known; here the agenda names each topic.
        assert topic.lower() in d.body.lower(), f"{d.key}: topic {topic!r} not mentioned"


# --- the reminder feed -----------------------------------------------------------------------


def test_feed_parses_and_validates(demo: Demo) -> None:
    data = feed_path(demo.root).read_bytes()
    calendar = icalendar.Calendar.from_ical(data)
    assert not calendar.errors and all(not c.errors for c in calendar.walk())
    vobject.readOne(data.decode("utf-8")).validate(raiseException=True)
    assert "METHOD" not in calendar
    assert not re.search(rb"^METHOD[:;]", data, re.M)
    assert re.search(rb"^REFRESH-INTERVAL;VALUE=DURATION:P", data, re.M)


def test_feed_has_one_event_per_pending_follow_up(demo: Demo) -> None:
    events = feed_events(demo.root)
    pending = [f["key"] for p in demo.status for f in p["followups"]]
    assert pending
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    assert sorted(uids) == sorted(feed_uid(key) for key in pending)


def test_feed_events_land_on_weekdays_from_now_on(demo: Demo) -> None:
    earliest = datetime.fromisoformat(NOW) - timedelta(days=1)
    for event in feed_events(demo.root):
        start = event.decoded("DTSTART")
        assert isinstance(start, datetime) and start.tzinfo is not None, start
        local = start.astimezone(LONDON)
        assert local.weekday() < 5, f"{event['SUMMARY']}: {local:%A %d %b}"
        assert start >= earliest, f"{event['SUMMARY']}: {start} is in the past"


# --- idempotency -----------------------------------------------------------------------------


def _records(root: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The actions and feed records in the state database (what apply/publish remember)."""
    db = sqlite3.connect(f"file:{root / 'state' / 'state.sqlite3'}?mode=ro", uri=True)
    try:
        actions = db.execute("SELECT * FROM actions ORDER BY key").fetchall()
        feed = db.execute("SELECT * FROM feed ORDER BY key").fetchall()
    finally:
        db.close()
    return actions, feed


def test_scan_right_after_the_demo_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    ok("demo", "--dir", root)
    drafts_before = snapshot(drafts_dir(root))
    assert len(drafts_before) == 5, sorted(drafts_before)
    feed_before = feed_path(root).read_bytes()
    out = scan(root)
    assert "create 0, update 0, remove 0\n" in out, out
    assert "Since the last scan" not in out, out
    assert snapshot(drafts_dir(root)) == drafts_before
    assert feed_path(root).read_bytes() == feed_before


@pytest.mark.parametrize("now", [NOW, "2026-03-26T10:00:00+00:00"])
def test_dry_run_and_plan_change_nothing(copy: Path, now: str) -> None:
    # The state database is left out of the byte comparison: reading the mailbox refreshes its
    # sync cache and cursors (by design, `status` does as much). What apply and publish
    # remember, the actions and feed records, is compared row by row instead.
    records = _records(copy)
    before = snapshot(copy, skip=("state",))
    for command in (["scan", "--dry-run"], ["plan"]):
        out = ok(*command, "--now", now, config=copy / "config.toml")
        assert "would create" in out
        assert snapshot(copy, skip=("state",)) == before, f"{command} changed files"
        assert _records(copy) == records, f"{command} changed the recorded actions or feed"
    if now != NOW:  # a later time has work to do: it is announced, not done
        assert re.search(r"would create [1-9]", out) and re.search(r"remove [1-9]", out), out
    # and a real scan at the demo's time still finds nothing to do
    assert "create 0, update 0, remove 0" in scan(copy)


# --- time, replies, and the user's hands -----------------------------------------------------


def test_time_moves_states_on(copy: Path) -> None:
    later = "2026-03-26T10:00:00+00:00"
    brightloom = plan_of(status(copy), "Brightloom")
    thank_keys = {f["key"] for f in brightloom["followups"] if f["kind"] == "thank-you"}
    assert len(thank_keys) == 3
    thanks = [d for d in read_drafts(copy) if d.key in thank_keys]
    out = scan(copy, later)
    for draft in thanks:
        assert f"remove: {draft.named('Brightloom')}" in out, out
    left = keys_of(copy)
    assert not thank_keys & set(left), "expired, untouched thank-yous must be removed"
    plans = status(copy, later)
    assert plan_of(plans, "Brightloom")["state"] in ("waiting", "nudge due")

    oakmere = plan_of(plans, "Oakmere")
    assert oakmere["state"] == "nudge due"
    # the out-of-office said she is back on Monday 23 March: not before that
    assert datetime.fromisoformat(oakmere["due"]).astimezone(LONDON).date() > date(2026, 3, 23)
    nudges = [d for d in read_drafts(copy) if d.key.startswith(f"nudge/{oakmere['id']}/")]
    assert len(nudges) == 1, [d.key for d in read_drafts(copy)]
    assert nudges[0].to[0].endswith("@oakmere.example"), nudges[0].to
    assert f"create: {nudges[0].named('Oakmere')}" in out
    assert all(v == 1 for v in keys_of(copy).values())


REJECTION = """\
Date: Thu, 19 Mar 2026 09:12:00 +0000
From: Megan Holloway <megan.holloway@quillstone.example>
To: Sam Rivera <sam.rivera@example.net>
Subject: RE: Thank you - Data Analyst interview
Message-ID: <AM0PR08MB5F2D7C19B4E64A0C@AM0PR08MB5F2D.eurprd08.prod.outlook.com>
In-Reply-To: <{parent}>
References: {references} <{parent}>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Hi Sam,

Thank you for your patience while we finished our interviews. After careful consideration,
we have decided to move forward with other candidates for the Data Analyst role.

We appreciated the time you gave us and wish you all the best with your search.

Kind regards,
Megan
"""


def test_a_rejection_arriving_removes_the_nudge(copy: Path) -> None:
    (nudge,) = [d for d in read_drafts(copy) if d.kind == "nudge"]
    parent = str(nudge.msg["In-Reply-To"]).strip().strip("<>")
    quillstone = plan_of(status(copy), "Quillstone")
    assert nudge.key.startswith(f"nudge/{quillstone['id']}/")
    others = {d.path: d.raw for d in read_drafts(copy) if d.key != nudge.key}
    feed_uids = {str(e["UID"]) for e in feed_events(copy)}
    assert feed_uid(nudge.key) in feed_uids

    original = sample_messages(copy)[parent]
    message = REJECTION.format(parent=parent, references=original["References"] or "")
    deliver(copy, f"{int(time.time())}.M1P{os.getpid()}.test", message.encode("utf-8"))

    out = scan(copy, "2026-03-19T10:00:00+00:00")
    assert f"remove: {nudge.named('Quillstone')}" in out, out
    assert nudge.key not in keys_of(copy)
    assert not nudge.path.exists()
    assert {d.path: d.raw for d in read_drafts(copy)} == others, "other drafts were touched"
    assert plan_of(status(copy, "2026-03-19T10:00:00+00:00"), "Quillstone")["state"] == \
        "closed: rejected"
    events = feed_events(copy)
    assert feed_uid(nudge.key) not in {str(e["UID"]) for e in events}
    assert not [e for e in events if "Quillstone" in str(e.get("SUMMARY", ""))]


def _edit_like_a_client(draft: DraftFile, style: str) -> Path:
    """Rewrite the body, keep the headers (and so our key), flag it Seen as a client would."""
    head = draft.raw.split(b"\n\n", 1)[0]
    body = ("Hi Tomás,\n\nThank you for this afternoon. The Kafka migration was the most fun I "
            "have had in an interview all year, and I would love to help with it.\n\nSam\n")
    data = head + b"\n\n" + body.encode("utf-8")
    unique = draft.path.name.rpartition(":2,")[0]
    cur = draft.path.parent
    if style == "flags":  # rewritten in place, then renamed for the new flags
        draft.path.write_bytes(data)
        target = cur / f"{unique}:2,DS"
        os.rename(draft.path, target)
    else:  # a client that saves a new file and removes the old one
        fresh = f"{int(time.time())}.M7P{os.getpid()}.client"
        tmp = cur.parent / "tmp" / fresh
        tmp.write_bytes(data)
        target = cur / f"{fresh}:2,DS"
        os.rename(tmp, target)
        draft.path.unlink()
    return target


@pytest.mark.parametrize("style", ["flags", "new-file"])
def test_a_draft_the_user_edited_is_never_touched(copy: Path, style: str) -> None:
    (draft,) = [d for d in read_drafts(copy)
                if d.kind == "thank-you" and d.to == ["tomas.ferreira@brightloom.example"]]
    edited = _edit_like_a_client(draft, style)
    content = edited.read_bytes()
    hannah = next(d.key for d in read_drafts(copy) if d.to == ["hannah.okafor@brightloom.example"])
    for now in (NOW, "2026-03-19T10:00:00+00:00", "2026-03-26T10:00:00+00:00"):
        scan(copy, now)
        assert edited.exists(), f"{now}: the edited draft was removed"
        assert edited.read_bytes() == content, f"{now}: the edited draft was changed"
        assert keys_of(copy)[draft.key] == 1, f"{now}: {keys_of(copy)}"
    # by then the thank-yous are obsolete: the untouched one went, the edited one stayed
    assert hannah not in keys_of(copy)


def test_a_draft_the_user_deleted_is_never_recreated(copy: Path) -> None:
    drafts = read_drafts(copy)
    deleted = [d for d in drafts if d.kind == "nudge"
               or d.to == ["hannah.okafor@brightloom.example"]]
    assert len(deleted) == 2
    for d in deleted:
        d.path.unlink()
    kept = {d.path: d.raw for d in drafts if d not in deleted}
    for now in (NOW, "2026-03-18T18:00:00+00:00", "2026-03-19T10:00:00+00:00",
                "2026-03-20T10:00:00+00:00"):
        out = scan(copy, now)
        present = keys_of(copy)
        for d in deleted:
            assert d.key not in present, f"{now}: {d.key} came back"
            assert f"create: {d.key}" not in out
    assert {d.path: d.raw for d in read_drafts(copy) if d.path in kept} == kept


# --- the brake and bad configuration ---------------------------------------------------------


def test_the_brake_stops_a_flood_of_drafts(tmp_path: Path) -> None:
    """Brightloom's three thank-yous are held back by the brake per interview; the nudge and
    the final check-in of two other interviews still exceed the limit of 1 together."""
    root = tmp_path / "demo"
    config = prepare(root)
    config.write_text(config.read_text(encoding="utf-8")
                      + "\n[drafts]\nmax_new_per_cycle = 1\n", encoding="utf-8")
    done = run_cli("scan", "--now", NOW, config=config)
    assert done.returncode == 5, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "create 2 drafts (limit 1)" in lines[0] and "max_new_per_cycle" in lines[0], lines[0]
    written = [p for p in drafts_dir(root).rglob("*") if p.is_file() and p.name != ".keep"]
    assert written == [], "the brake must stop before any draft is written"


def test_a_broken_config_lists_every_problem(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    config = prepare(root)
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[drafts]\nmax_new_per_cycle = "many"\nflavour = "mint"\n',
                      encoding="utf-8")
    done = run_cli("scan", "--now", NOW, config=config)
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, done.stderr
    for key in ("drafts.max_new_per_cycle", "drafts.flavour"):
        (line,) = [line for line in lines if key in line]
        assert str(config) in line, line
    assert not [p for p in drafts_dir(root).rglob("*") if p.is_file()]


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "config.toml"
    done = run_cli("status", "--now", NOW, config=missing)
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0], done.stderr


def test_a_config_without_the_users_addresses_is_refused(tmp_path: Path) -> None:
    # Without them our own mail could pass for the employer's reply, and drafts have no From.
    root = tmp_path / "demo"
    config = prepare(root)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('addresses = ["sam.rivera@example.net"]', ""),
                      encoding="utf-8")
    done = run_cli("scan", "--now", NOW, config=config)
    assert done.returncode == 2, (done.returncode, done.stderr)
    (line,) = done.stderr.strip().splitlines()
    assert "user.addresses" in line and str(config) in line, line
    assert not [p for p in drafts_dir(root).rglob("*") if p.is_file()]


# --- never send ------------------------------------------------------------------------------

SENDING = [
    (re.compile(r"\bmessages\(\)\s*\.\s*send\b"), "Gmail messages().send"),
    (re.compile(r"\bdrafts\(\)\s*\.\s*send\b"), "Gmail drafts().send"),
    (re.compile(r"(gmail|service|users\(\)|messages?|drafts?|mail)\w*(\([^()]*\))?"
                r"\s*\.\s*send\s*\(", re.I), ".send( on something Gmail-like"),
    (re.compile(r"\bsmtplib\b"), "smtplib"),
    (re.compile(r"\bsendmail\b", re.I), "sendmail"),
    (re.compile(r"\bsend_message\b"), "send_message"),
    # The IMAP connector talks IMAP only: no SMTP session, no submission port.
    (re.compile(r"\bSMTP(_SSL)?\s*\(|\bsmtp://|\bsubmission\s*(port|server)",
                re.I), "an SMTP session"),
]


def _sending_calls(text: str) -> list[str]:
    return [what for pattern, what in SENDING if pattern.search(text)]


def test_the_never_send_check_would_catch_a_send() -> None:
    for line in ("service.users().messages().send(userId='me', body=b).execute()",
                 "self.gmail.users().drafts().send(userId='me', body={'id': d})",
                 "import smtplib", "os.system('/usr/sbin/sendmail -t')",
                 "gmail.users().messages() .send(userId='me')",
                 "with smtplib.SMTP_SSL(host, 465) as server:", "SMTP(host, 587)",
                 "server = SMTP_SSL(account.host)", "url = 'smtp://mail.example.org'"):
        assert _sending_calls(line), line
    assert not _sending_calls("sock.sendall(b'READY=1')  # sd_notify")
    assert not _sending_calls("DRAFT_POLICY = email_policy.SMTP.clone(max_line_length=998)")


def test_nothing_in_the_installed_source_can_send_mail() -> None:
    roots = {Path(radiosilence.__file__).parent, Path(radiosilence.connectors.__file__).parent}
    files = sorted({p for root in roots for p in root.rglob("*.py")})
    assert len(files) > 10, f"found only {files}: is the package installed?"
    assert any(p.parent.name == "imap" for p in files), "the IMAP connector is checked too"
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for what in _sending_calls(line):
                found.append(f"{path}:{number}: {what}: {line.strip()}")
    assert not found, "radiosilence must never send mail (DESIGN.md section 4):\n" + \
        "\n".join(found)
