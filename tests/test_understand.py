"""Understanding: classifying employer mail, stated dates, interviews, threads and linking.

Short invented mails and events, one point each. Pure functions: dates are passed in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from radiosilence.model import Address, Attendee, CalEvent, Category, Interview, Mail
from radiosilence.understand import senders
from radiosilence.understand.classify.classifier import classify, strip_quoted
from radiosilence.understand.classify.timeframe import employer_timeframe, return_date
from radiosilence.understand.interviews import (
    find_interviews,
    interview_id,
    interviewers,
    merge_events,
    score_event,
)
from radiosilence.understand.threads import link_mails, thread_ids

ME = "sam.seeker@example.org"
USER = frozenset({ME})
SAM = Address(ME, "Sam Seeker")
TUESDAY = date(2025, 3, 4)  # the day most mails here were written
RECRUITER = "rita.reyes@lumenlabs.example"


def label(body: str, subject: str = "Re: Your application", *,
          headers: dict[str, str] | None = None, sender: str = RECRUITER,
          sent_on: date = TUESDAY) -> Category:
    return classify(subject, body, headers or {}, sender, sent_on).category


def due(text: str, sent_on: date = TUESDAY) -> date | None:
    found = employer_timeframe(text, sent_on)
    assert found is not None, text
    return found.due


# --- classify: one category each -------------------------------------------------------------


@pytest.mark.parametrize("body", [
    "Thank you for your time last week. Unfortunately, we have decided to move forward with "
    "other candidates whose experience more closely matches the role.",
    "Hi Sam,\n\nIt was a real pleasure meeting you, and the team enjoyed your presentation. "
    "After a lot of thought we've decided not to progress your application this time. "
    "We'd love to stay in touch and will keep your details on file.\n\nWarm wishes,\nRita",
    "We regret to inform you that your application for the Data Analyst role has not been "
    "successful.",
    "The panel were genuinely impressed, so this was a hard call, but we will not be moving "
    "forward with your candidacy. Thank you so much for all the effort you put in.",
    "Thank you for interviewing with us. We have chosen to pursue other candidates for this "
    "role. We'd be happy to offer feedback on your interviews if that would be useful.",
])
def test_rejection(body: str) -> None:
    assert label(body, "Your application at Lumen Labs") == Category.REJECTION


@pytest.mark.parametrize("body", [
    "Great news! We're delighted to offer you the position of Data Analyst. Your offer letter "
    "is attached.",
    "I'm pleased to extend an offer for the role. Unfortunately the start date we discussed "
    "has to move to 2 June; I hope that still works.",
    "We would like to offer you the role. Unfortunately we can't match the salary you asked "
    "for, but we can offer an extra week of leave.",
])
def test_offer_even_with_unfortunately(body: str) -> None:
    assert label(body, "Lumen Labs: next steps") == Category.OFFER


@pytest.mark.parametrize("body", [
    "Thanks for your time on Monday. We'd like to invite you to the final round, an onsite "
    "with the team.",
    "Good news: the team would like to move you forward to the next stage, a take-home "
    "exercise.",
])
def test_next_round(body: str) -> None:
    assert label(body) == Category.NEXT_ROUND


def test_interview_invite_that_asks_for_availability() -> None:
    result = classify(
        "Interview invitation: Data Analyst",
        "Hi Sam, we'd like to invite you to an interview for the Data Analyst role. Could you "
        "share your availability for next week?", {}, RECRUITER, TUESDAY)
    assert result.category == Category.INTERVIEW_INVITE
    assert result.asks_user


def test_timeframe_update_carries_the_due_date() -> None:
    result = classify(
        "Re: Thank you", "Hi Sam, thanks for your patience. We're finishing interviews this "
        "week and will get back to you by Friday.", {}, RECRUITER, TUESDAY)
    assert result.category == Category.TIMEFRAME_UPDATE
    assert result.timeframe is not None and result.timeframe.due == date(2025, 3, 7)
    assert not result.asks_user


def test_application_acknowledgement() -> None:
    assert label("Thank you for applying to Lumen Labs! We have received your application "
                 "and will review it shortly.", "We received your application",
                 sender="no-reply@greenhouse.io") == Category.APPLICATION_ACK


@pytest.mark.parametrize("headers", [
    {"auto-submitted": "auto-replied"},
    {"auto-submitted": "auto-replied (vacation)"},
    {"x-autoreply": "yes"},
    {"precedence": "auto_reply"},
])
def test_auto_reply_by_header(headers: dict[str, str]) -> None:
    assert label("Thanks for your message.", "Re: Thank you",
                 headers=headers) == Category.AUTO_REPLY


def test_auto_submitted_no_is_a_person() -> None:
    assert label("Thanks Sam, we'll be in touch by Friday.", "Re: Thank you",
                 headers={"auto-submitted": "no"}) == Category.TIMEFRAME_UPDATE


@pytest.mark.parametrize("subject", [
    "Automatic reply: Thank you for today",
    "Out of Office: Thank you for today",
    "Abwesenheitsnotiz: Vielen Dank",
    "Automatische Antwort: Vielen Dank",
    "Réponse automatique : Merci",
    "Respuesta automática: Gracias",
    "Automatisch antwoord: Bedankt",
])
def test_auto_reply_by_subject(subject: str) -> None:
    assert label("-", subject) == Category.AUTO_REPLY


@pytest.mark.parametrize("body", [
    "I am currently out of the office and will return on Monday 17 March.",
    "Thanks for your email. I'm on annual leave with limited access to email.",
    "I’m currently out of the office until 14 March.",
    "This mailbox is not monitored. Please contact careers@lumenlabs.example.",
])
def test_auto_reply_by_wording(body: str) -> None:
    assert label(body, "Re: Thank you") == Category.AUTO_REPLY


def test_auto_reply_reports_the_return_date() -> None:
    result = classify("Automatic reply: Thank you", "I am out of the office until Friday "
                      "14 March.", {}, RECRUITER, TUESDAY)
    assert result.category == Category.AUTO_REPLY
    assert result.return_date == date(2025, 3, 17)  # back the next business day


def test_a_job_alert_newsletter_is_other() -> None:
    body = ("12 new jobs for Data Analyst in London. Lumen Labs is hiring: we'd like to invite "
            "you to apply. Interview tips: how to get to the next round.")
    result = classify("Data Analyst: 12 new jobs", body, {"list-unsubscribe": "<mailto:u@x>"},
                      "jobs-noreply@linkedin.com", TUESDAY)
    assert result.category == Category.OTHER
    assert label(body, "New roles", sender="alerts@indeed.com") == Category.OTHER
    assert label(body, "Our newsletter", headers={"list-unsubscribe": "<https://u>"},
                 sender="news@lumenlabs.example") == Category.OTHER


@pytest.mark.parametrize("body", [
    "Great news! We’d like to offer you the role.",
    "Thank you for your time. We won’t be moving forward with your application.",
])
def test_curly_apostrophes_classify_like_straight_ones(body: str) -> None:
    straight = body.replace("’", "'")
    assert label(body) == label(straight) != Category.OTHER


# --- quoted history never decides ------------------------------------------------------------


def test_thanks_quoting_an_old_rejection_is_not_a_rejection() -> None:
    body = ("Thanks!\n\nOn Tue, 4 Mar 2025 at 10:00, Rita Reyes <rita.reyes@lumenlabs.example> "
            "wrote:\n> Unfortunately, we have decided to move forward with other candidates.\n"
            "> Best, Rita\n")
    assert label(body, "Re: Your application") != Category.REJECTION


def test_outlook_style_history_is_not_read() -> None:
    body = ("Thank you, that's very kind.\n\n-----Original Message-----\nFrom: Rita Reyes\n"
            "Sent: Tuesday, March 4, 2025 10:00 AM\nSubject: Offer\n\nWe are delighted to "
            "offer you the position.\n")
    assert label(body, "Re: Your application") != Category.OFFER
    assert strip_quoted(body) == "Thank you, that's very kind."


def test_a_saved_mail_keeps_its_text_below_its_own_headers() -> None:
    # Mail saved or printed from a web client starts with its own headers: the "From:"
    # there is not the start of a quoted history, and a later one still is.
    body = ("Subject: Data engineer contract\nFrom: Sam <sam@staffing.example>\n"
            "To: me@example.com\nDate Sent: Monday, April 18, 2022 1:55 PM\n\n"
            "Please find the job description below.\n\nFrom: Older Thread <x@example.com>\n"
            "We are delighted to offer you the position.\n")
    assert strip_quoted(body) == ("Data engineer contract\n\n"
                                  "Please find the job description below.")
    assert label(body, "") != Category.OFFER


def test_a_signature_is_cut_off() -> None:
    body = "Could you send two references?\n-- \nRita Reyes\nWe regret to inform: nothing"
    assert strip_quoted(body) == "Could you send two references?"


# --- employer_timeframe (sent on Tuesday 4 March 2025) ---------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("We'll get back to you by Friday.", date(2025, 3, 7)),
    ("We aim to make a decision within two weeks.", date(2025, 3, 18)),
    ("You should hear back from us in the next 5-7 business days.", date(2025, 3, 13)),
    ("We will let you know early next week.", date(2025, 3, 11)),
    ("We will be in touch by end of next week.", date(2025, 3, 14)),
    ("We expect to have feedback in two weeks' time.", date(2025, 3, 18)),
    ("We expect to have feedback in two weeks’ time.", date(2025, 3, 18)),
    ("We’ll get back to you by Friday.", date(2025, 3, 7)),
    ("We hope to get back to you by the end of this week.", date(2025, 3, 7)),
    ("We'll let you know by 14 March.", date(2025, 3, 14)),
    # How long the decision still takes: the wait counts from the message.
    ("Our review is slower than planned; it may take us another couple of weeks.",
     date(2025, 3, 18)),
    ("I expect the process will take a few more weeks.", date(2025, 3, 25)),
    ("Choosing between the finalists will take another week.", date(2025, 3, 11)),
])
def test_employer_timeframe(text: str, expected: date) -> None:
    assert due(text) == expected


def test_employer_timeframe_in_a_longer_mail_wrapped_across_lines() -> None:
    text = ("Hi Sam,\n\nThanks again for coming in. The team is meeting the last two\n"
            "candidates this week, and we'll get back to you\nby Friday.\n\nBest,\nRita")
    found = employer_timeframe(text, TUESDAY)
    assert found is not None
    assert found.due == date(2025, 3, 7)
    assert "Friday" in found.phrase


def test_vague_timeframe_has_no_date() -> None:
    found = employer_timeframe("We hope to have an update for you before the holidays.",
                               TUESDAY)
    assert found is not None
    assert found.due is None
    assert found.vague


def test_template_leftover_gives_no_date() -> None:
    found = employer_timeframe("We will get back to you by [DATE].", TUESDAY)
    assert found is None or found.due is None


@pytest.mark.parametrize("text", [
    "Please complete the test within 7 days.",
    "Please complete the coding test within 7 days so that we can get back to you.",
    "Please reply by Friday to let us know your availability.",
    "You have 5 days to submit the take-home; we'll review it and let you know.",
    "Nice to meet you on Monday.",
    # How long a task lasts is no wait for news.
    "The assessment will take 2 hours; we will let you know the result.",
    "Onboarding will take two weeks, and we will send you the schedule.",
])
def test_the_candidates_deadline_is_not_the_employers(text: str) -> None:
    assert employer_timeframe(text, TUESDAY) is None


# --- return_date -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "back"), [
    ("I will be back on Monday 17 March.", date(2025, 3, 17)),
    ("I am out of the office until 14 March.", date(2025, 3, 17)),  # Fri -> next business day
    ("I'm away until Friday with limited access to email.", date(2025, 3, 10)),
    ("I'm on leave, returning on the 20th.", date(2025, 3, 20)),
    ("I will be back in the office on 2025-03-17.", date(2025, 3, 17)),
    ("I'm travelling and will be back March 12th.", date(2025, 3, 12)),
    ("Out of office till 3rd April.", date(2025, 4, 4)),
])
def test_return_date(text: str, back: date) -> None:
    assert return_date(text, TUESDAY) == back


def test_no_return_date() -> None:
    assert return_date("I am out of the office with limited access to email.", TUESDAY) is None


# --- events ----------------------------------------------------------------------------------


def person(email: str, name: str = "", **kwargs: str) -> Attendee:
    return Attendee(email, name, **kwargs)


ANA = person("ana.ortiz@lumenlabs.example", "Ana Ortiz")
BO = person("bo.chen@lumenlabs.example", "Bo Chen")
RITA = person(RECRUITER, "Rita Reyes")
ME_ATTENDING = person(ME, "Sam Seeker", partstat="ACCEPTED")
START = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def event(summary: str = "Interview: Data Analyst", *, uid: str = "ev-1@lumenlabs.example",
          organizer: Attendee | None = RITA,
          attendees: tuple[Attendee, ...] = (ME_ATTENDING, ANA, BO), sequence: int = 0,
          method: str = "", status: str = "CONFIRMED", start: datetime = START,
          source: str = "calendar", description: str = "", conference_url: str = "",
          recurrence_id: str = "") -> CalEvent:
    return CalEvent(
        uid=uid, recurrence_id=recurrence_id, sequence=sequence, method=method, status=status,
        summary=summary, description=description, location="", start=start,
        end=start + timedelta(hours=1), all_day=False, organizer=organizer,
        attendees=attendees, conference_url=conference_url, source=source,
    )


@pytest.mark.parametrize("summary", [
    "Interview: Data Analyst - Lumen Labs",
    "Phone screen with Rita (Lumen Labs)",
    "Lumen Labs <> Sam Seeker: hiring manager chat",
    "Onsite loop - Senior Backend Engineer",
    "Final round: system design",
    "Technical interview (Python)",
])
def test_score_event_for_real_interview_titles(summary: str) -> None:
    score, evidence = score_event(event(summary), USER)
    assert score >= 0.5, evidence


def test_score_event_for_an_ats_invite_by_mail() -> None:
    ats = event("Sam Seeker - Data Analyst", organizer=person("scheduling@greenhouse.io"),
                attendees=(ME_ATTENDING, ANA), source="mail")
    assert score_event(ats, USER)[0] >= 0.5


@pytest.mark.parametrize(("summary", "organizer", "attendees"), [
    ("Mock interview practice", person(ME), ()),
    ("Mock interview practice with Alex", person(ME),
     (ME_ATTENDING, person("alex.friend@gmail.com", "Alex"))),
    ("Webinar: how to ace your next interview", person("events@careerhub.example"),
     (ME_ATTENDING,)),
    ("Dentist", None, ()),
    ("Dentist", person("reception@smiles.example"), (ME_ATTENDING,)),
])
def test_score_event_for_things_that_are_not_interviews(
        summary: str, organizer: Attendee | None, attendees: tuple[Attendee, ...]) -> None:
    score, evidence = score_event(event(summary, organizer=organizer, attendees=attendees),
                                  USER)
    assert score < 0.5, evidence


def test_interviewers_are_the_people_only() -> None:
    attendees = (
        ME_ATTENDING, ANA, BO,
        person("room-atlas@resource.lumenlabs.example", "Atlas (6)", cutype="ROOM"),
        person("c_1885@resource.calendar.google.com", "Room 4.01", cutype="RESOURCE"),
        person("interview-panel@lumenlabs.example", "Interview panel", cutype="GROUP"),
        person("scheduling@greenhouse.io", "Greenhouse"),
        person("no-reply@lumenlabs.example", "Lumen Labs"),
        person("carl.declined@lumenlabs.example", "Carl", partstat="DECLINED"),
        person("ana.ortiz@lumenlabs.example", "Ana Ortiz"),  # listed twice
        RITA,  # the organiser, also an attendee
    )
    found = interviewers(event(attendees=attendees), USER)
    assert [a.email for a in found] == [ANA.email, BO.email]
    assert found[0].name == "Ana Ortiz"


def test_the_organiser_is_the_interviewer_when_nobody_else_is() -> None:
    found = interviewers(event(attendees=(ME_ATTENDING,)), USER)
    assert [a.email for a in found] == [RECRUITER]
    relay = interviewers(event(organizer=person("no-reply@greenhouse.io"),
                               attendees=(ME_ATTENDING,)), USER)
    assert relay == ()
    mine = interviewers(event(organizer=person(ME), attendees=(ME_ATTENDING,)), USER)
    assert mine == ()


def test_merge_keeps_the_highest_sequence() -> None:
    first = event(sequence=0, start=START)
    moved = event(sequence=2, start=START + timedelta(days=1))
    middle = event(sequence=1, start=START + timedelta(hours=3))
    for order in ([first, moved, middle], [moved, middle, first], [middle, first, moved]):
        merged = merge_events(order)
        assert len(merged) == 1
        assert merged[0].sequence == 2 and merged[0].start == START + timedelta(days=1)


def test_merge_lets_a_cancel_win_at_equal_sequence_but_not_an_older_one() -> None:
    request = event(sequence=1, method="REQUEST", source="mail")
    cancel = event(sequence=1, method="CANCEL", status="CANCELLED", source="mail")
    assert merge_events([request, cancel])[0].cancelled
    assert merge_events([cancel, request])[0].cancelled
    old_cancel = replace(cancel, sequence=0)
    assert not merge_events([old_cancel, request])[0].cancelled
    assert not merge_events([request, old_cancel])[0].cancelled


def test_merge_keeps_occurrences_and_uids_apart() -> None:
    series = event(uid="series@x")
    one = event(uid="series@x", recurrence_id="20250310T100000Z",
                start=START + timedelta(days=7))
    other = event(uid="other@x", start=START + timedelta(days=1))
    merged = merge_events([one, series, other])
    assert [(e.uid, e.recurrence_id) for e in merged] == [
        ("series@x", ""), ("other@x", ""), ("series@x", "20250310T100000Z")]
    assert interview_id("series@x") != interview_id("series@x", "20250310T100000Z")


# --- company and role ------------------------------------------------------------------------


def mail(when: datetime, sender: Address, subject: str = "Your interview", *, ident: str = "",
         to: tuple[Address, ...] = (SAM,), own: bool = False, draft: bool = False,
         in_reply_to: str = "", references: tuple[str, ...] = (), thread_hint: str = "",
         reply_to: tuple[Address, ...] = (), invites: tuple[CalEvent, ...] = ()) -> Mail:
    return Mail(
        id=ident or f"{when:%m%d%H%M}.{sender.email}", ref="INBOX/x", folder="INBOX",
        date=when, sender=sender, to=to, cc=(), subject=subject, in_reply_to=in_reply_to,
        references=references, own=own, draft=draft, invites=invites,
        thread_hint=thread_hint, reply_to=reply_to,
    )


def test_company_behind_an_ats_relay() -> None:
    invite = event("Data Analyst interview", uid="gh-123@greenhouse.io",
                   organizer=person("scheduling@greenhouse.io", "Greenhouse Scheduling"),
                   attendees=(ME_ATTENDING, ANA), source="mail")
    confirmation = mail(START - timedelta(days=3),
                        Address("no-reply@us.greenhouse-mail.io", "Lumen Labs Recruiting"),
                        "Interview confirmation: Lumen Labs - Data Analyst", ident="conf-1",
                        invites=(invite,))
    found = find_interviews([invite], [confirmation], USER, 0.5, {}, {})
    assert len(found) == 1
    iv = found[0]
    assert iv.company == "Lumen Labs"
    assert iv.company_domain == "lumenlabs.example"
    assert iv.role == "Data Analyst"
    assert [a.email for a in iv.interviewers] == [ANA.email]
    assert iv.invite_threads == frozenset({"conf-1"})


def test_free_mail_never_becomes_the_company() -> None:
    founder = person("jo.founder@gmail.com", "Jo Founder")
    ev = event("Interview: Data Analyst", organizer=founder, attendees=(ME_ATTENDING, founder))
    found = find_interviews([ev], [], USER, 0.0, {}, {})
    assert len(found) == 1
    assert found[0].company_domain == ""
    assert "gmail" not in found[0].company.lower()
    assert not senders.is_company_domain("gmail.com")
    assert not senders.is_company_domain("mail.proton.me")
    assert senders.is_company_domain("lumenlabs.example")


def test_overrides_track_and_ignore() -> None:
    dull = event("Chat", uid="chat@x", organizer=person(ME), attendees=(ME_ATTENDING,))
    real = event("Interview: Data Analyst", uid="real@x")
    overrides = {interview_id("chat@x"): "track", interview_id("real@x"): "ignore"}
    found = find_interviews([dull, real], [], USER, 0.5, overrides, {})
    assert [iv.uid for iv in found] == ["chat@x"]


# --- threads and linking mail to interviews --------------------------------------------------


def test_thread_ids_join_by_references_and_in_reply_to() -> None:
    at = START
    a = mail(at, Address(RECRUITER), ident="a")
    b = mail(at + timedelta(hours=1), SAM, ident="b", own=True, in_reply_to="a")
    c = mail(at + timedelta(hours=2), Address(RECRUITER), ident="c", references=("a", "b"))
    d = mail(at, Address("x@other.example"), ident="d")
    # Two replies to a message we never saw still share its thread.
    e = mail(at, Address("y@other.example"), ident="e", in_reply_to="missing")
    f = mail(at, Address("z@other.example"), ident="f", references=("missing",))
    g = mail(at, Address("g@other.example"), ident="g", thread_hint="T1")
    h = mail(at, Address("h@other.example"), ident="h", thread_hint="T1")
    threads = thread_ids([c, b, a, d, e, f, g, h])  # order does not matter
    assert threads["a"] == threads["b"] == threads["c"]
    assert threads["e"] == threads["f"]
    assert threads["g"] == threads["h"]
    assert len({threads[x] for x in "adeg"}) == 4


def interview_at(start: datetime, ident: str, *, who: tuple[Address, ...] = (),
                 company: str = "Lumen Labs", domain: str = "lumenlabs.example",
                 organizer: Address | None = None,
                 threads: frozenset[str] = frozenset()) -> Interview:
    return Interview(
        id=ident, uid=f"{ident}@x", title="Interview", company=company,
        company_domain=domain, role="Data Analyst", start=start,
        end=start + timedelta(hours=1), cancelled=False, interviewers=who,
        organizer=organizer, invite_threads=threads,
    )


def test_link_mails_to_the_latest_round_that_started_before() -> None:
    ana, rita = ANA.address, RITA.address
    first = interview_at(START, "iv-1", who=(ana,), organizer=rita)
    second = interview_at(START + timedelta(days=14), "iv-2", who=(BO.address,),
                          organizer=rita)
    other = interview_at(START, "iv-other", who=(Address("kim@quillstone.example"),),
                         company="Quillstone", domain="quillstone.example")
    mails = [
        mail(START - timedelta(days=5), rita, "Scheduling", ident="before"),
        mail(START + timedelta(days=2), rita, "Update", ident="between"),
        mail(START + timedelta(days=2, hours=1), SAM, "Re: Update", ident="mine", own=True,
             to=(rita,), in_reply_to="between"),
        mail(START + timedelta(days=15), Address("hr@mail.lumenlabs.example"), "Next",
             ident="after"),
        mail(START + timedelta(days=16), Address("no-reply@greenhouse.io", "Lumen Labs"),
             "Feedback", ident="relay"),
        mail(START + timedelta(days=3), Address("kim@quillstone.example"), "Hello",
             ident="quill"),
        mail(START + timedelta(days=4), Address("jobs-noreply@linkedin.com", "LinkedIn"),
             "Lumen Labs is hiring: Data Analyst", ident="alert",
             reply_to=(rita,)),
        mail(START + timedelta(days=5), SAM, "Draft to Rita", ident="draft", own=True,
             draft=True, to=(rita,)),
        mail(START + timedelta(days=6), Address("friend@gmail.com"), "Dinner?",
             ident="friend"),
    ]
    linked = link_mails([second, other, first], mails, thread_ids(mails), USER)
    assert [m.id for m in linked["iv-1"]] == ["before", "between", "mine"]
    assert [m.id for m in linked["iv-2"]] == ["after", "relay"]
    assert [m.id for m in linked["iv-other"]] == ["quill"]


def test_link_mails_by_invite_thread() -> None:
    relay = Address("no-reply@greenhouse.io", "Greenhouse")
    iv = interview_at(START, "iv-1", threads=frozenset({"conf"}), domain="", company="")
    mails = [mail(START - timedelta(days=3), relay, "Interview confirmation", ident="conf"),
             mail(START + timedelta(days=1), relay, "Re: Interview confirmation", ident="re",
                  references=("conf",))]
    linked = link_mails([iv], mails, thread_ids(mails), USER)
    assert [m.id for m in linked["iv-1"]] == ["conf", "re"]
