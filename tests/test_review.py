"""The review queue: an unsure label waits for the person instead of moving the clock, and
the person's label (`radiosilence label`) wins over the classifier, survives rescans and
cursor resets, and can be exported. Through the real command on the demo story."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from radiosilence.config.settings import default_settings, load_settings
from radiosilence.model import Address, Category, Classification, Interview, Mail, State
from radiosilence.plan.followups import plan_interview
from radiosilence.plan.policy import Timeline
from radiosilence.wiring import open_engine, plan_policy
from tests.test_end_to_end import deliver, ok, plan_of, run_cli, status

NOW = "2026-03-18T17:00:00+00:00"
COPPERFIELD_NO = "01020195c2e8f1a7-b3d4e60a-9a1c-4f2e-8d57-3b6a0c9e1f24-000000@mail.ashbyhq.com"
QUILLSTONE = "megan.holloway@quillstone.example"
ON_HOLD = f"""From: Megan Holloway <{QUILLSTONE}>
To: Sam Seeker <sam.seeker@example.org>
Subject: Re: Quillstone - Data Analyst interview
Date: Wed, 18 Mar 2026 11:00:00 +0000
Message-ID: <on-hold-1@quillstone.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello Sam, the position is on hold for now. Sorry for the wait.
"""


# --- the planner: an unsure label asks instead of acting -------------------------------------


def _timeline(label: Classification) -> Timeline:
    start = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    rita = Address("rita@acme.example", "Rita Recruiter")
    iv = Interview(id="iv-1", uid="iv-1@acme.example", title="Interview", company="Acme",
                   company_domain="acme.example", role="Analyst", start=start,
                   end=start + timedelta(hours=1), cancelled=False, interviewers=(rita,),
                   organizer=rita)
    mail = Mail(id="m-1", ref="INBOX/1", folder="INBOX", date=start + timedelta(days=3),
                sender=rita, to=(Address("me@x.example"),), cc=(), subject="Your application",
                body="We have decided to move forward with other candidates.")
    return Timeline(iv, (mail,), {"m-1": label})


def test_an_unsure_rejection_does_not_close_the_interview() -> None:
    policy = replace(plan_policy(default_settings()), user=frozenset({"me@x.example"}))
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    sure = Classification(Category.REJECTION, 0.95)
    assert plan_interview(_timeline(sure), policy, now).state == State.REJECTED
    unsure = Classification(Category.REJECTION, 0.55, needs_review=True)
    asked = plan_interview(_timeline(unsure), policy, now)
    assert asked.state != State.REJECTED
    assert [q.message_id for q in asked.questions] == ["m-1"]
    assert asked.next_action.startswith("check: is this a rejection?")


# --- the commands, on the demo story ---------------------------------------------------------


@pytest.fixture
def story(tmp_path: Path) -> Path:
    """A fresh `radiosilence demo --dir` folder, its one cycle run."""
    root = tmp_path / "demo"
    ok("demo", "--dir", root)
    return root


def test_label_reopens_the_demo_rejection_and_forget_closes_it_again(story: Path) -> None:
    config = story / "config.toml"
    assert plan_of(status(story), "Copperfield")["state"] == "closed: rejected"
    out = ok("label", f"<{COPPERFIELD_NO}>", "other", config=config)
    assert "labelled other" in out
    reopened = plan_of(status(story), "Copperfield")
    assert reopened["state"] != "closed: rejected"
    ok("label", COPPERFIELD_NO, "forget", config=config)
    assert plan_of(status(story), "Copperfield")["state"] == "closed: rejected"


def test_label_refuses_what_it_cannot_use(story: Path) -> None:
    config = story / "config.toml"
    unknown = run_cli("label", "nobody@nowhere", "rejection", config=config)
    assert unknown.returncode == 2 and "no such message" in unknown.stderr
    wrong = run_cli("label", COPPERFIELD_NO, "maybe", config=config)
    assert wrong.returncode == 2 and "not a category" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1


def test_review_lists_an_unsure_label_and_label_answers_it(story: Path) -> None:
    config = story / "config.toml"
    assert "No open questions" in ok("review", "--now", NOW, config=config)
    deliver(story, f"{int(time.time())}.M9P{os.getpid()}.test", ON_HOLD.encode())
    [question] = json.loads(ok("review", "--json", "--now", NOW, config=config))
    assert question["message_id"] == "on-hold-1@quillstone.example"
    assert question["company"] == "Quillstone" and question["category"] == "rejection"
    assert question["question"] == "check: is this a rejection?"
    quillstone = plan_of(status(story), "Quillstone")
    assert quillstone["state"] != "closed: rejected"
    assert quillstone["next_action"].startswith("check: is this a rejection?")
    ok("label", "on-hold-1@quillstone.example", "other", config=config)
    assert json.loads(ok("review", "--json", "--now", NOW, config=config)) == []
    exported = [json.loads(line) for line in ok("label", "--export",
                                                config=config).splitlines()]
    assert [(e["id"], e["category"]) for e in exported] == [
        ("on-hold-1@quillstone.example", "other")]
    assert "on hold" in exported[0]["body"]


def test_labels_survive_a_cursor_reset(story: Path) -> None:
    ok("label", COPPERFIELD_NO, "other", config=story / "config.toml")
    settings = load_settings(story / "config.toml")
    engine = open_engine(settings)
    moment = datetime.fromisoformat(NOW)
    with engine.store.transaction():  # as if both cursors had expired
        engine.store.set_cursor("mail", "not json", moment)
        engine.store.set_cursor("calendar", "{broken", moment)
    plans = engine.cycle(moment, dry_run=True).plans
    copperfield = next(p for p in plans if p.interview.company == "Copperfield")
    assert copperfield.state != State.REJECTED
    engine.store.close()
