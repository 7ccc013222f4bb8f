"""Real-shaped calendar invitations: which are interviews, and whom the user thanks.

The files in tests/invitations/ are written for these tests in the shapes that Teams/Outlook,
Google Calendar, Calendly, Zoom and recruiting systems (Greenhouse, GoodTime, ModernLoop,
Ashby, Workday) produce; every name and company is invented. labels.json says for each
whether it is an interview and who interviewed. Run this file as a script
(`python tests/test_invitations.py`) for the precision/recall table.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radiosilence.config.settings import default_settings
from radiosilence.model import Address, Attendee, CalEvent, Interview, Kind, Mail
from radiosilence.parse.calendar import parse_calendar
from radiosilence.plan.followups import plan, plan_interview
from radiosilence.plan.policy import Timeline
from radiosilence.understand.classify.classifier import classify
from radiosilence.understand.interviews import find_interviews, interviewers, score_event
from radiosilence.wiring import plan_policy

HERE = Path(__file__).parent / "invitations"
LABELS: dict[str, dict[str, object]] = json.loads((HERE / "labels.json").read_text())
LONDON = ZoneInfo("Europe/London")
ME = "sam.seeker@example.org"
USER = frozenset({ME})
SAM = Address(ME, "Sam Seeker")
POLICY = replace(plan_policy(default_settings()), timezone=LONDON, user=USER,
                 user_name="Sam Seeker")
THRESHOLD = 0.5  # the default [policy] interview_threshold


def load(name: str) -> CalEvent:
    [event] = parse_calendar((HERE / f"{name}.ics").read_bytes(), source="calendar",
                             source_ref=f"{name}.ics", default_tz=LONDON)
    return event


def detect(*events: CalEvent) -> list[Interview]:
    return find_interviews(events, [], USER, THRESHOLD, {}, {})


def test_the_fixture_set_is_balanced() -> None:
    interviews = [n for n, label in LABELS.items() if label["interview"]]
    assert len(LABELS) >= 25
    assert len(LABELS) == len(list(HERE.glob("*.ics")))
    assert abs(len(interviews) - (len(LABELS) - len(interviews))) <= 2


TUNE = sorted(n for n, label in LABELS.items() if not label.get("holdout"))
HOLDOUT = sorted(n for n, label in LABELS.items() if label.get("holdout"))


@pytest.mark.parametrize("name", TUNE)
def test_each_invitation_is_recognised_or_refused(name: str) -> None:
    label = LABELS[name]
    event = load(name)
    found = detect(event)
    assert bool(found) == label["interview"], score_event(event, USER)
    if found:
        assert sorted(a.email for a in found[0].interviewers) == sorted(
            label["interviewers"])  # type: ignore[call-overload]


def test_the_held_out_invitations_stay_mostly_right() -> None:
    # Written after the detector and never used to change it: a floor, not one by one.
    precision, recall, _ = _figures(HOLDOUT)
    assert len(HOLDOUT) >= 10
    assert precision >= 0.8 and recall >= 0.8, measure()


def test_the_evidence_says_what_decided() -> None:
    _, calendly = score_event(load("calendly_name_and_name"), USER)
    assert "title pairs the user with Ana Ortiz" in calendly
    _, test = score_event(load("hackerrank_assessment"), USER)
    assert any(e.startswith("not an interview (online test)") for e in test)
    assert any("assessment tool" in e for e in test)
    _, described = score_event(load("description_says_interview"), USER)
    assert "description: interview" in described
    _, relayed = score_event(load("greenhouse_meet_team"), USER)
    assert any("recruiting system: scheduling@greenhouse.io" in e for e in relayed)


@pytest.mark.parametrize("summary", [
    "Mock interview practice", "Interview skills webinar", "Admissions interview",
    "Interview coding test (Codility)", "Class: interview techniques", "Bootcamp interview",
])
def test_the_word_interview_does_not_save_a_look_alike(summary: str) -> None:
    event = _casual(summary)
    assert score_event(event, USER)[0] < THRESHOLD
    assert score_event(_casual("Interview"), USER)[0] >= THRESHOLD  # the same without


@pytest.mark.parametrize(("summary", "description"), [
    ("Interview", "We will be in touch in due course."),
    ("Interview", "Of course, bring questions about our world-class team."),
    ("Interview", "A short SQL exercise on cohort retention."),
    ("Conference call with Lin Wei", "About the Data Engineer role."),
])
def test_everyday_words_in_a_real_invitation_refuse_nothing(summary: str,
                                                            description: str) -> None:
    event = replace(_casual(summary), description=description)
    score, evidence = score_event(event, USER)
    assert score >= THRESHOLD and not any(e.startswith("not an interview") for e in evidence)


# --- the invitation mail as evidence ---------------------------------------------------------

START = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
LIN = Attendee("lin.wei@harbourline.example", "Lin Wei", partstat="ACCEPTED")


def _casual(summary: str, *, uid: str = "c1@harbourline.example") -> CalEvent:
    return CalEvent(
        uid=uid, recurrence_id="", sequence=0, method="REQUEST", status="CONFIRMED",
        summary=summary, description="", location="", start=START,
        end=START + timedelta(hours=1), all_day=False, organizer=LIN,
        attendees=(LIN, Attendee(ME, "Sam Seeker", partstat="ACCEPTED")), source="calendar")


def _mail(ident: str, body: str, *, invites: tuple[CalEvent, ...] = (),
          in_reply_to: str = "") -> Mail:
    return Mail(id=ident, ref=f"INBOX/{ident}", folder="INBOX", date=START - timedelta(days=3),
                sender=LIN.address, to=(SAM,), cc=(), subject="Next week", body=body,
                invites=invites, in_reply_to=in_reply_to,
                references=(in_reply_to,) if in_reply_to else ())


def _label(mail: Mail) -> str:
    return classify(mail.subject, mail.body, mail.headers, mail.sender.email,
                    mail.date.date()).category.value


INVITING = ("Hi Sam,\n\nThanks for applying. We would like to invite you to an interview for "
            "the Data Engineer position. I have sent a calendar invitation for Monday at 10:00."
            "\n\nBest,\nLin")


def test_an_invitation_mail_carrying_the_uid_makes_a_casual_event_an_interview() -> None:
    event = _casual("Catch-up")
    carrier = _mail("inv-1", INVITING, invites=(event,))
    assert _label(carrier) == "interview_invite"
    assert find_interviews([event], [carrier], USER, THRESHOLD, {}, {}) == []
    [found] = find_interviews([event], [carrier], USER, THRESHOLD, {}, {}, _label)
    assert any(e.startswith("invitation mail: interview_invite") for e in found.evidence)


def test_an_invitation_earlier_in_the_thread_counts_too() -> None:
    event = _casual("Catch-up")
    first = _mail("inv-1", INVITING)
    carrier = _mail("inv-2", "Thanks, talk soon.", invites=(event,), in_reply_to="inv-1")
    thread_of = {"inv-1": "inv-1", "inv-2": "inv-1"}
    assert _label(carrier) != "interview_invite"
    [found] = find_interviews([event], [first, carrier], USER, THRESHOLD, {}, thread_of, _label)
    assert found.invite_threads == frozenset({"inv-1"})
    # A mail in another thread says nothing about this invite.
    unrelated = _mail("inv-3", INVITING)
    alone = find_interviews([event], [unrelated, carrier], USER, THRESHOLD, {},
                            {"inv-3": "inv-3", "inv-2": "inv-2"}, _label)
    assert alone == []


# --- who is an interviewer -------------------------------------------------------------------


def _with(organizer: Attendee, *attendees: Attendee, summary: str = "Interview",
          description: str = "") -> CalEvent:
    return CalEvent(
        uid="w@x", recurrence_id="", sequence=0, method="", status="CONFIRMED",
        summary=summary, description=description, location="", start=START,
        end=START + timedelta(hours=1), all_day=False, organizer=organizer,
        attendees=(Attendee(ME, "Sam Seeker", partstat="ACCEPTED"), *attendees))


RECRUITER = Attendee("nora.quinn@tidewater.example", "Nora Quinn", partstat="ACCEPTED")
LENA = Attendee("lena.fischer@tidewater.example", "Lena Fischer")


def emails(event: CalEvent) -> list[str]:
    return [a.email for a in interviewers(event, USER)]


def test_an_accepted_organiser_is_not_thanked_for_organising_alone() -> None:
    # Google lists every organiser as ACCEPTED: that alone is no sign of taking part.
    assert emails(_with(RECRUITER, RECRUITER, LENA)) == [LENA.email]
    named = _with(RECRUITER, RECRUITER, LENA, summary="Sam / Nora / Lena - second round")
    assert emails(named) == [LENA.email, RECRUITER.email]
    described = _with(RECRUITER, RECRUITER, LENA, description="A panel with Nora Quinn and Lena.")
    assert emails(described) == [LENA.email, RECRUITER.email]
    greeted = _with(RECRUITER, RECRUITER, LENA, description="Ask for Nora at the reception.")
    assert emails(greeted) == [LENA.email]


def test_a_declined_or_non_participant_organiser_is_not_thanked() -> None:
    declined = Attendee(RECRUITER.email, RECRUITER.name, partstat="DECLINED")
    assert emails(_with(RECRUITER, declined, summary="Sam and Nora")) == []
    copied = Attendee(LENA.email, LENA.name, role="NON-PARTICIPANT")
    assert emails(_with(RECRUITER, copied)) == [RECRUITER.email]


def test_coordinators_count_only_when_named() -> None:
    jade = Attendee("jade.wu@tidewater.example", "Jade Wu (Recruiting Coordinator)")
    assert emails(_with(RECRUITER, jade, LENA)) == [LENA.email]
    assert emails(_with(RECRUITER, jade, LENA, description="Intro with Jade Wu, then Lena.")
                  ) == [jade.email, LENA.email]
    scheduler = Attendee("scheduling@tidewater.example", "Tidewater Scheduling")
    assert emails(_with(scheduler)) == []  # organises only, even with nobody else
    assert emails(_with(RECRUITER)) == [RECRUITER.email]  # the only one: she interviews


# --- timelines: what the planner makes of them ------------------------------------------------


def timeline(iv: Interview, *mails: Mail) -> Timeline:
    labels = {m.id: classify(m.subject, m.body, m.headers, m.sender.email, m.date.date())
              for m in mails}
    return Timeline(iv, mails, labels)


def thanked(iv: Interview, *mails: Mail) -> list[str]:
    result = plan_interview(timeline(iv, *mails), POLICY, iv.end + timedelta(hours=1))
    return [f.to[0].email for f in result.followups if f.kind == Kind.THANK_YOU]


def test_an_attending_organiser_named_in_the_title_gets_a_thank_you() -> None:
    for name, person in (("calendly_name_and_name", "ana.ortiz@brookfield.example"),
                         ("hiring_manager_chat", "dana.whitfield@northwindlabs.example")):
        [iv] = detect(load(name))
        assert thanked(iv) == [person]


def test_a_coordinator_who_only_organises_gets_no_thank_you() -> None:
    [google] = detect(load("google_second_round"))
    assert google.organizer and google.organizer.email == "nora.quinn@tidewater.example"
    assert thanked(google) == ["lena.fischer@tidewater.example"]
    [goodtime] = detect(load("goodtime_agenda"))
    assert sorted(thanked(goodtime)) == ["mark.lee@cobalt.example", "nina.park@cobalt.example"]


def test_a_shared_scheduling_calendar_is_never_thanked() -> None:
    # GoodTime sends the candidate's invitation from a shared Google calendar and names
    # the interviewers only in the description: nobody in the invitation can be written to.
    [iv] = detect(load("goodtime_candidate_calendar"))
    assert iv.interviewers == ()
    assert thanked(iv) == []
    jade = Address("jade.wu@cobalt.example", "Jade Wu")
    confirmation = Mail(
        id="gt-conf", ref="INBOX/gt", folder="INBOX", date=iv.start - timedelta(days=2),
        sender=jade, to=(SAM,), cc=(), subject="Your final conversations at Cobalt",
        body="Hi Sam,\n\nYour schedule for Monday is attached.\n\nJade")
    assert thanked(iv, confirmation) == [jade.email]  # the person who arranged it


def test_an_online_test_is_no_interview_so_no_thank_you_and_no_nudge() -> None:
    tests = [load(n) for n in ("hackerrank_assessment", "codility_interview_test",
                               "codesignal_gca", "hirevue_one_way")]
    real = load("teams_discussion")
    found = detect(*tests, real)
    assert [iv.uid for iv in found] == [real.uid]
    week_later = real.end + timedelta(days=8)
    plans = plan([timeline(iv) for iv in found], POLICY, week_later)
    followups = [f for p in plans for f in p.followups]
    assert {f.kind for f in followups} == {Kind.NUDGE}
    assert {f.interview_id for f in followups} == {found[0].id}


def _figures(names: list[str]) -> tuple[float, float, str]:
    """Precision, recall, and exact interviewer lists ("6/7") over `names`."""
    tp = fp = fn = exact = 0
    for name in names:
        label, found = LABELS[name], detect(load(name))
        tp += bool(found) and bool(label["interview"])
        fp += bool(found) and not label["interview"]
        fn += not found and bool(label["interview"])
        exact += bool(found) and sorted(a.email for a in found[0].interviewers) == sorted(
            label["interviewers"])  # type: ignore[call-overload]
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), f"{exact}/{tp + fn}"


def measure() -> str:
    """The figures of both parts of the fixture set, as a table."""
    rows = ["| part | fixtures | precision | recall | interviewers exact |",
            "|---|---|---|---|---|"]
    for part, names in (("tune", TUNE), ("holdout", HOLDOUT)):
        precision, recall, exact = _figures(names)
        rows.append(f"| {part} | {len(names)} | {precision:.2f} | {recall:.2f} | {exact} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(measure())
