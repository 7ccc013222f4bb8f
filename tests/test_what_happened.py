"""What radiosilence says it did: the journal of a real `radiosilence run`, and `scan` and
`status` naming what the person did to the drafts, and the edited drafts nobody needs."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import icalendar

from tests.test_end_to_end import (
    REJECTION,
    deliver,
    feed_path,
    ok,
    plan_of,
    read_drafts,
    sample_messages,
    scan,
    status,
)
from tests.test_end_to_end import copy as copy  # noqa: F401 - the fixture
from tests.test_end_to_end import demo as demo  # noqa: F401 - the fixture
from tests.test_service import Notifications, make_demo, start, stop

LATER = "2026-03-19T10:00:00+00:00"


def test_the_journal_says_what_each_cycle_did(tmp_path: Path) -> None:
    config, _ = make_demo(tmp_path / "demo", interval=60)
    notify = Notifications(tmp_path / "notify.sock")
    try:
        process = start(config, notify)
        notify.wait_for("STATUS=10 interviews")
        code, journal = stop(process)
    finally:
        notify.close()
    assert code == 0, journal
    (cycle,) = [line for line in journal.splitlines() if "cycle: read" in line]
    assert re.search(r"cycle: read \d+ messages \(kept \d+\) and \d+ events, skipped \d+; "
                     r"10 interviews; drafts: 5 created, 0 updated, 0 removed, 0 left as you "
                     r"edited them; 8 reminders$", cycle), cycle
    for line in ("draft created: the thank-you note to Hannah Okafor at Brightloom",
                 "draft created: the thank-you note to Tomás Ferreira at Brightloom",
                 "draft created: the thank-you note to Lukas Brandt at Brightloom",
                 "draft created: the follow-up to Megan Holloway at Quillstone",
                 "draft created: the final check-in to Owen Pritchard at Harborview"):
        assert line in journal, journal
    # Names, never texts: nothing of a draft's body reaches the journal.
    assert "I enjoyed our discussion" not in journal
    assert "Best regards" not in journal


def _brightloom(root: Path) -> dict[str, Path]:
    """The Brightloom thank-you drafts by the interviewer's first name."""
    return {d.msg["To"].addresses[0].display_name.split()[0]: d.path
            for d in read_drafts(root) if d.kind == "thank-you"}


def test_scan_names_what_the_person_did_and_status_stops_owing_it(copy: Path) -> None:  # noqa: F811
    drafts = _brightloom(copy)
    # Hannah's note edited, Tomás's deleted, Lukas's sent (it moves to Sent as a client does).
    edited = drafts["Hannah"].read_bytes().replace(b"I enjoyed", b"I really enjoyed")
    drafts["Hannah"].write_bytes(edited)
    drafts["Tomás"].unlink()
    sent = copy / "mail" / ".Sent" / "cur" / f"{int(time.time())}.M9P{os.getpid()}.test:2,S"
    sent.write_bytes(drafts["Lukas"].read_bytes())
    drafts["Lukas"].unlink()

    out = scan(copy, LATER)
    assert "Since the last scan:" in out, out
    assert "you sent the thank-you note to Lukas Brandt at Brightloom" in out, out
    assert "you deleted the thank-you note to Tomás Ferreira at Brightloom" in out, out
    assert ("you edited the thank-you note to Hannah Okafor at Brightloom: it is yours now, "
            "left alone") in out, out

    brightloom = plan_of(status(copy, LATER), "Brightloom")
    assert brightloom["next_action"] == "thank Hannah Okafor", brightloom
    assert [f["to"] for f in brightloom["followups"] if f["kind"] == "thank-you"] == [
        ["hannah.okafor@brightloom.example"]]


def test_an_edited_draft_made_pointless_by_a_rejection_is_named_everywhere(
        copy: Path) -> None:  # noqa: F811
    (nudge,) = [d for d in read_drafts(copy) if d.kind == "nudge"]
    nudge.path.write_bytes(nudge.path.read_bytes().replace(b"I hope your week",
                                                           b"I do hope your week"))
    scan(copy, LATER)  # notices the edit
    parent = str(nudge.msg["In-Reply-To"]).strip().strip("<>")
    original = sample_messages(copy)[parent]
    message = REJECTION.format(parent=parent, references=original["References"] or "")
    deliver(copy, f"{int(time.time())}.M1P{os.getpid()}.test", message.encode("utf-8"))

    wanted = "delete your draft to Megan Holloway: Quillstone said no"
    out = scan(copy, "2026-03-19T11:00:00+00:00")
    assert wanted in out, out
    assert nudge.path.exists(), "an edited draft is the person's: never removed by us"
    table = ok("--config", copy / "config.toml", "status", "--now", "2026-03-19T11:05:00+00:00")
    assert wanted in table, table
    calendar = icalendar.Calendar.from_ical(feed_path(copy).read_bytes())
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert "Delete your draft to Megan Holloway: Quillstone said no" in summaries, summaries
