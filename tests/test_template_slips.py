"""Every text the person may send or read (draft subject and body, the short version, the
reminder's title and description), rendered over every follow-up the demo story produces
from 18 March to 20 April and over hand-made edge cases, has no slip: no doubled or stray
punctuation, no empty slot, nothing left of the template language."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.config.settings import load_settings
from radiosilence.model import Address, Category, FollowUp, InterviewPlan, Kind, State
from radiosilence.plan.followups import plan_interview
from radiosilence.publish.reminders import reminders_for
from radiosilence.render import render_short, render_text, template_environment
from radiosilence.wiring import open_engine
from tests.test_plan import (
    ANA,
    BO,
    IV_END,
    RITA,
    employer,
    interview,
    label,
    own,
    policy,
    timeline,
)

SLIPS = {
    "doubled full stop": re.compile(r"(?<!\.)\.\.(?!\.)"),
    "punctuation after punctuation": re.compile(r"(?<!\.)[.,;:!?][.,;:!?](?!\.)"),
    "space before punctuation": re.compile(r" [.,;:!?]"),
    "double space": re.compile(r"\S  +\S"),
    "empty brackets": re.compile(r"\(\s*\)|\[\s*\]"),
    "a word for nothing": re.compile(r"\b(?:None|null|undefined)\b"),
    "template leftovers": re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"),
    "doubled word": re.compile(r"\b(\w+) \1\b", re.I),
    "a placeholder inside a placeholder": re.compile(r"\[[^\]]*\["),
    "an empty slot": re.compile(r"\b(?:on|of|at|by|to|with|for|the|since) (?:[.,;:!?]|$)", re.M),
}


def slips(text: str) -> list[str]:
    return [f"{name}: ...{text[max(0, m.start() - 30):m.end() + 30]!r}..."
            for name, pattern in SLIPS.items() for m in pattern.finditer(text)]


def texts_of(followups: list[FollowUp]) -> list[tuple[str, str]]:
    """(what, text) for every text of every follow-up."""
    env = template_environment(None)
    out = []
    reminders = reminders_for([_plan_of(followups)], {}, set(), env, 15, policy(), {},
                              datetime(2020, 1, 1, tzinfo=UTC))
    for reminder in reminders:
        out += [(f"{reminder.key} title", reminder.summary),
                (f"{reminder.key} reminder", reminder.description)]
    for f in followups:
        out.append((f"{f.key} short", render_short(env, f)))
        if f.kind != Kind.REPLY:
            subject, body = render_text(env, f, "Sam Seeker")
            out += [(f"{f.key} subject", subject), (f"{f.key} body", body)]
            assert subject.strip(), f.key
    return out


def _plan_of(followups: list[FollowUp]) -> InterviewPlan:
    return InterviewPlan(interview(), State.WAITING, "", None, tuple(followups))


def demo_followups(tmp_path_factory: pytest.TempPathFactory) -> list[FollowUp]:
    settings = load_settings(prepare(tmp_path_factory.mktemp("demo") / "demo"))
    engine = open_engine(settings)
    start = datetime.fromisoformat(DEMO_NOW)
    found: dict[str, FollowUp] = {}
    day = start
    while day.date() <= date(2026, 4, 20):
        for moment in (day, day + timedelta(hours=6)):
            for p in engine.cycle(moment).plans:
                found.update((f.key, f) for f in p.followups)
        day += timedelta(days=1)
    return list(found.values())


def test_no_slip_in_any_text_of_the_demo_story(tmp_path_factory: pytest.TempPathFactory) -> None:
    followups = demo_followups(tmp_path_factory)
    kinds = {f.kind for f in followups}
    assert kinds == {Kind.THANK_YOU, Kind.NUDGE, Kind.FINAL, Kind.REPLY}, kinds
    found = [f"{what}: {slip}" for what, text in texts_of(followups) for slip in slips(text)]
    assert not found, "\n".join(found)


def _edge_cases() -> list[FollowUp]:
    """Unknown company, role and names, topics and notes ending in punctuation, an agenda
    line without a topic, a promised date, an employer who wrote since, a final check-in."""
    nameless = Address("hr@lumenlabs.example", "")
    bare = replace(interview(company="", company_domain=""), role="",
                   description="Frontend interview with Ana Ortiz (Staff Engineer).\n"
                               "10:30 Systems design with Bo Chen: queue migration.")
    cases = []
    tl = timeline(replace(bare, interviewers=(ANA, BO, nameless)))
    cases += plan_interview(tl, policy(), IV_END + timedelta(hours=3)).followups
    noted = replace(timeline(interview()), notes={ANA.email: "the migration plan.",
                                                  "": "I also liked the team's on-call setup."})
    cases += plan_interview(noted, policy(), IV_END + timedelta(hours=3)).followups
    promised = timeline(interview(), (employer(IV_END + timedelta(days=1)),
                                      label(Category.TIMEFRAME_UPDATE,
                                            due=date(2025, 3, 7), phrase="by Friday.")))
    cases += plan_interview(promised, policy(), datetime(2025, 3, 12, 10, tzinfo=UTC)).followups
    wrote = timeline(interview(), (employer(IV_END + timedelta(days=2)), label()))
    cases += plan_interview(wrote, policy(), datetime(2025, 3, 13, 10, tzinfo=UTC)).followups
    nudged = timeline(interview(), own(datetime(2025, 3, 10, 10, tzinfo=UTC)))
    cases += plan_interview(nudged, policy(), datetime(2025, 3, 18, 10, tzinfo=UTC)).followups
    asked = timeline(interview(), (employer(IV_END + timedelta(days=1), RITA,
                                            subject=""), label(asks=True)))
    cases += plan_interview(asked, policy(), IV_END + timedelta(days=2)).followups
    return cases


def test_no_slip_in_the_edge_cases() -> None:
    followups = _edge_cases()
    assert {f.kind for f in followups} == {Kind.THANK_YOU, Kind.NUDGE, Kind.FINAL, Kind.REPLY}
    found = [f"{what}: {slip}" for what, text in texts_of(followups) for slip in slips(text)]
    assert not found, "\n".join(found)


def test_what_the_edge_cases_say() -> None:
    """The guards at work: a topic only from a clean source, a promise as a date."""
    texts = texts_of(_edge_cases())
    bodies = [t for what, t in texts if what.endswith(" body")]
    # The agenda line without a topic gives the visible placeholder, never the line itself.
    assert not any("Staff Engineer" in body for body in bodies)
    assert any("[a topic you and Ana talked about]" in body for body in bodies)
    assert any("our discussion of queue migration, and" in body for body in bodies)
    assert any("our discussion of the migration plan, and" in body for body in bodies)
    titles = [t for what, t in texts if what.endswith(" title")]
    assert "Follow up with Lumen Labs: they promised news by Friday 7 March" in titles
    assert any(t.startswith("Follow up with Lumen Labs: no word since their mail of")
               for t in titles)
    assert any(t.startswith("Last check-in with Lumen Labs: no answer to your follow-up of")
               for t in titles)
    assert any("news by Friday 7 March." in body for body in bodies)


def test_the_slip_finder_finds_slips() -> None:
    for text in ("by Wednesday 25 March..", "of the role (Engineer)., and", "Hi ,", "at .",
                 "{{ role }}", "the None position", "on  Monday", "for the the employer",
                 "[a topic you and [first name] talked about]"):
        assert slips(text), text
    assert not slips("Hi [first name],\n\nThank you for meeting me on Friday 20 March...")
