"""Timelines end to end in the pure middle: real mail text, `classify`, then `plan_interview`.

One interview at Lumen Labs on Monday 3 March 2025, 10:00-11:00 in London (GMT, so local
time equals UTC). Without news the nudge is due a week after the end: Monday 10 March, 09:30.
Each test writes the mail as an employer would and checks what the plan makes of it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from radiosilence.config.settings import default_settings
from radiosilence.model import (
    Address,
    Attendee,
    CalEvent,
    Category,
    Interview,
    InterviewPlan,
    Kind,
    Mail,
    State,
)
from radiosilence.plan.followups import plan_interview
from radiosilence.plan.policy import Timeline
from radiosilence.understand.classify.classifier import classify
from radiosilence.understand.interviews import company_from_signature, find_interviews, score_event
from radiosilence.wiring import plan_policy

LONDON = ZoneInfo("Europe/London")
ME = "sam.seeker@example.org"
SAM = Address(ME, "Sam Seeker")
RITA = Address("rita.reyes@lumenlabs.example", "Rita Reyes")
ANA = Address("ana.ortiz@lumenlabs.example", "Ana Ortiz")
POLICY = replace(plan_policy(default_settings()), timezone=LONDON, user=frozenset({ME}),
                 user_name="Sam Seeker")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


START = utc(2025, 3, 3, 10, 0)  # Monday
NUDGE_AT = utc(2025, 3, 10, 9, 30)  # a week after the end, at the reminder time


def interview(start: datetime = START, ident: str = "iv-first") -> Interview:
    return Interview(
        id=ident, uid=f"{ident}@lumenlabs.example", title="Data Analyst interview",
        company="Lumen Labs", company_domain="lumenlabs.example", role="Data Analyst",
        start=start, end=start + timedelta(hours=1), cancelled=False, interviewers=(ANA,),
        organizer=RITA,
    )


def employer(when: datetime, body: str, subject: str = "Re: Thank you", *,
             sender: Address = RITA, headers: dict[str, str] | None = None) -> Mail:
    return Mail(id=f"{when:%m%d%H%M}.{sender.email}", ref="INBOX/x", folder="INBOX", date=when,
                sender=sender, to=(SAM,), cc=(), subject=subject, headers=headers or {},
                body=body)


def thanks(when: datetime, to: Address = ANA) -> Mail:
    return Mail(id=f"{when:%m%d%H%M}.{ME}", ref="Sent/x", folder="Sent", date=when, sender=SAM,
                to=(to,), cc=(RITA,), subject="Thank you", body="Thanks for your time today!",
                own=True)


def timeline(iv: Interview, *mails: Mail, superseded_by: Interview | None = None) -> Timeline:
    """The labels come from the real classifier, on the local day the mail was written."""
    labels = {m.id: classify(m.subject, m.body, m.headers, m.sender.email,
                             m.date.astimezone(LONDON).date())
              for m in mails if not m.own}
    return Timeline(iv, tuple(sorted(mails, key=lambda m: m.date)), labels, superseded_by)


def run(tl: Timeline, now: datetime) -> InterviewPlan:
    return plan_interview(tl, POLICY, now)


def nudge_due(result: InterviewPlan) -> datetime:
    [nudge] = [f for f in result.followups if f.kind == Kind.NUDGE]
    return nudge.due


# --- the employer decides -------------------------------------------------------------------


def test_a_rejection_closes_the_interview() -> None:
    no = employer(utc(2025, 3, 5, 15, 0), (
        "Hi Sam,\n\nThank you so much for meeting Ana on Monday, we really enjoyed it. After a "
        "lot of thought we have decided to move forward with another candidate. I'd be happy to "
        "offer feedback if it helps.\n\nBest,\nRita"), "Your application")
    result = run(timeline(interview(), thanks(utc(2025, 3, 3, 13, 0)), no),
                 utc(2025, 3, 12, 9, 0))
    assert result.state == State.REJECTED
    assert result.followups == ()
    assert result.due is None


def test_an_offer_closes_the_interview_even_with_unfortunately() -> None:
    yes = employer(utc(2025, 3, 6, 9, 0), (
        "Hi Sam, great news - we'd like to offer you the Data Analyst position! Unfortunately "
        "the start date has to move to 2 June; the offer letter follows today."))
    result = run(timeline(interview(), thanks(utc(2025, 3, 3, 13, 0)), yes),
                 utc(2025, 3, 20, 9, 0))
    assert result.state == State.OFFER
    assert result.followups == ()


def test_an_old_rejection_quoted_below_a_new_promise_does_not_close_it() -> None:
    reply = employer(utc(2025, 3, 5, 9, 0), (
        "Thanks Sam, no news yet - we'll let you know by Friday.\n\nRita\n\n"
        "On Mon, 3 Feb 2025 at 09:00, Rita Reyes <rita.reyes@lumenlabs.example> wrote:\n"
        "> Unfortunately, we have decided to move forward with other candidates.\n"))
    result = run(timeline(interview(), thanks(utc(2025, 3, 3, 13, 0)), reply),
                 utc(2025, 3, 6, 9, 0))
    assert result.state == State.WAITING
    assert nudge_due(result) == utc(2025, 3, 11, 9, 30)  # Friday 7th + 2 business days


# --- a new round ----------------------------------------------------------------------------


def test_a_next_round_stops_the_chase_and_the_new_round_has_its_own_clock() -> None:
    onward = employer(utc(2025, 3, 4, 16, 0), (
        "Hi Sam, great news: you're through to the final stage! It's an onsite at our London "
        "office; I've sent the invite for Monday 10 March at 14:00."), "Next steps")
    final = interview(utc(2025, 3, 10, 14, 0), "iv-final")
    first = run(timeline(interview(), thanks(utc(2025, 3, 3, 13, 0)), onward,
                         superseded_by=final), utc(2025, 3, 12, 9, 0))
    assert first.state == State.NEXT_ROUND
    assert not [f for f in first.followups if f.kind in (Kind.NUDGE, Kind.FINAL)]
    second = run(timeline(final, onward), utc(2025, 3, 10, 16, 0))
    assert second.state == State.THANK_YOU_DUE
    assert nudge_due(second) == utc(2025, 3, 17, 9, 30)  # a week after the final round


def test_a_next_round_that_asks_for_times_is_the_users_turn() -> None:
    onward = employer(utc(2025, 3, 4, 16, 0), (
        "Hi Sam, the team would like to invite you to a second interview. Could you share your "
        "availability for next week?"))
    label = timeline(interview(), onward).labels[onward.id]
    assert label.category == Category.NEXT_ROUND and label.asks_user
    result = run(timeline(interview(), thanks(utc(2025, 3, 3, 13, 0)), onward),
                 utc(2025, 3, 5, 9, 0))
    assert result.state == State.IN_CONVERSATION
    assert [f.kind for f in result.followups] == [Kind.REPLY]


# --- automatic replies ----------------------------------------------------------------------


def test_an_auto_reply_does_not_stop_the_clock() -> None:
    away = employer(utc(2025, 3, 3, 13, 1), "", "Automatic reply: Thank you",
                    sender=ANA, headers={"auto-submitted": "auto-replied"})
    tl = timeline(interview(), thanks(utc(2025, 3, 3, 13, 0)), away)
    assert tl.labels[away.id].category == Category.AUTO_REPLY
    result = run(tl, utc(2025, 3, 4, 9, 0))
    assert result.state == State.WAITING
    assert nudge_due(result) == NUDGE_AT  # counted from the interview, not the auto-reply
    assert nudge_due(result) == nudge_due(run(timeline(interview(),
                                                       thanks(utc(2025, 3, 3, 13, 0))),
                                              utc(2025, 3, 4, 9, 0)))


def test_a_stated_return_date_pushes_the_nudge_past_it() -> None:
    away = employer(utc(2025, 3, 3, 13, 1), (
        "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 14. März nicht im Büro und "
        "habe keinen Zugriff auf meine E-Mails."), "Abwesenheitsnotiz: Thank you")
    tl = timeline(interview(), thanks(utc(2025, 3, 3, 13, 0), to=RITA), away)
    assert tl.labels[away.id].return_date == date(2025, 3, 17)  # Monday after the 14th
    result = run(tl, utc(2025, 3, 11, 9, 0))
    assert result.state == State.WAITING
    assert nudge_due(result) == utc(2025, 3, 18, 9, 30)  # the business day after the return


def test_an_out_of_office_by_its_words_alone_is_still_automatic() -> None:
    away = employer(utc(2025, 3, 3, 13, 1), (
        "Thank you for your email. I am currently out of the office and will return on Monday "
        "24 March."), "Re: Thank you")
    result = run(timeline(interview(), thanks(utc(2025, 3, 3, 13, 0), to=RITA), away),
                 utc(2025, 3, 11, 9, 0))
    assert nudge_due(result) == utc(2025, 3, 25, 9, 30)


# --- the employer's stated timeframe --------------------------------------------------------


def test_a_stated_timeframe_sets_the_nudge_date() -> None:
    update = employer(utc(2025, 3, 5, 11, 0), (
        "Hi Sam, thanks for your patience. We're meeting the last candidates this week and will "
        "get back to you by Friday.\n\nBest,\nRita"))
    result = run(timeline(interview(), thanks(utc(2025, 3, 3, 13, 0)), update),
                 utc(2025, 3, 6, 9, 0))
    assert result.state == State.WAITING
    nudge = [f for f in result.followups if f.kind == Kind.NUDGE][0]
    assert nudge.due == utc(2025, 3, 11, 9, 30)  # Friday 7 March + 2 business days
    assert nudge.context["deadline_phrase"] == "by Friday 7 March"  # a date, not "by Friday"
    assert nudge.key.endswith("/1")  # the employer restarted the clock once


def test_a_business_day_range_counts_to_its_upper_bound() -> None:
    update = employer(utc(2025, 3, 4, 9, 0), (
        "Hi Sam, you should hear from us in the next 5-7 business days."))
    result = run(timeline(interview(), update), utc(2025, 3, 5, 9, 0))
    # Tuesday 4 March + 7 business days = Thursday 13th; + 2 business days = Monday 17th.
    assert nudge_due(result) == utc(2025, 3, 17, 9, 30)


def test_a_vague_timeframe_restarts_the_clock_without_a_date() -> None:
    update = employer(utc(2025, 3, 5, 11, 0), (
        "Hi Sam, we're still interviewing and hope to have news for you before the holidays."))
    result = run(timeline(interview(), update), utc(2025, 3, 6, 9, 0))
    assert nudge_due(result) == utc(2025, 3, 12, 9, 30)  # a week after her mail


def test_the_candidates_own_deadline_is_not_the_employers() -> None:
    update = employer(utc(2025, 3, 4, 9, 0), (
        "Hi Sam, no decision yet. Please send your references by Thursday 6 March."))
    label = timeline(interview(), update).labels[update.id]
    assert label.timeframe is None or label.timeframe.due is None
    result = run(timeline(interview(), update), utc(2025, 3, 5, 9, 0))
    assert result.state == State.IN_CONVERSATION  # she asked for something: the user's turn


# --- which events are interviews, and with whom -----------------------------------------------


def _event(summary: str, organizer: str, *attendees: str, uid: str = "ev@x",
           source: str = "calendar") -> CalEvent:
    return CalEvent(
        uid=uid, recurrence_id="", sequence=0, method="", status="CONFIRMED", summary=summary,
        description="", location="", start=START, end=START + timedelta(hours=1), all_day=False,
        organizer=Attendee(organizer), attendees=tuple(Attendee(a) for a in attendees),
        conference_url="https://meet.example/abc", source=source)


EMPLOYED = frozenset({"sam@acme.example"})  # a user who still has a job while looking


def test_a_meeting_inside_the_users_own_company_is_not_their_interview() -> None:
    # The user interviewing someone else, with colleagues: everyone is at acme.example.
    theirs = _event("Technical interview - Jordan Blake (Senior Engineer)",
                    "recruiting@acme.example", "sam@acme.example", "kim@acme.example",
                    "room-4@resource.calendar.google.com")
    score, evidence = score_event(theirs, EMPLOYED)
    assert score < 0.5 and any("internal" in e for e in evidence)
    mine = _event("Interview: Data Analyst", RITA.email, "sam@acme.example", ANA.email)
    assert score_event(mine, EMPLOYED)[0] >= 0.5
    # Free mail is nobody's company: two friends practising are not "internal" (but mock).
    friends = _event("Interview practice", "sam@gmail.com", "sam@gmail.com", "alex@gmail.com")
    assert not any("internal" in e for e in score_event(friends, frozenset({"sam@gmail.com"}))[1])


def test_the_company_behind_a_relay_from_the_recruiters_signature() -> None:
    # Only relays and free mail in sight: no domain can name the employer.
    invite = _event("Sam Seeker - Data Analyst", "scheduling@goodtime.io", ME,
                    "ana.ortiz.design@gmail.com", uid="gt-1@goodtime.io", source="mail")
    carrier = Mail(
        id="conf-1", ref="INBOX/y", folder="INBOX", date=START - timedelta(days=2),
        sender=Address("scheduling@goodtime.io", "GoodTime"), to=(SAM,), cc=(),
        subject="Your interview is confirmed", invites=(invite,),
        body="Hi Sam,\n\nYour interview is confirmed for Monday.\n\nBest,\nRita Reyes\n"
             "Talent Partner, Lumen Labs\n")
    [found] = find_interviews([invite], [carrier], frozenset({ME}), 0.5, {}, {})
    assert (found.company, found.company_domain) == ("Lumen Labs", "")
    assert company_from_signature("Thanks!\nQuillstone Recruiting") == "Quillstone"
    assert company_from_signature("Details below.\nThe Glasswing team") == "Glasswing"
    assert company_from_signature("Best,\nHiring Team") == ""
