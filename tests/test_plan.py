"""The follow-up policy (DESIGN.md section 2) over hand-made timelines.

Pure: every test builds interviews, mail and labels by hand and passes `now` in. The main
story is one interview at Lumen Labs on Monday 3 March 2025, 10:00-11:00 in London (GMT,
so local time equals UTC until the clocks go forward on 30 March).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from radiosilence.config.settings import default_settings
from radiosilence.model import (
    Address,
    Category,
    Classification,
    FollowUp,
    Interview,
    InterviewPlan,
    Kind,
    Mail,
    State,
    Timeframe,
)
from radiosilence.plan.followups import plan, plan_interview
from radiosilence.plan.policy import PlanPolicy, Timeline
from radiosilence.plan.slots import next_slot
from radiosilence.wiring import plan_policy

LONDON = ZoneInfo("Europe/London")
ME = "sam.seeker@example.org"
SAM = Address(ME, "Sam Seeker")
RITA = Address("rita.reyes@lumenlabs.example", "Rita Reyes")  # recruiter, organiser
ANA = Address("ana.ortiz@lumenlabs.example", "Ana Ortiz")  # interviewer
BO = Address("bo.chen@lumenlabs.example", "Bo Chen")  # interviewer


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


IV_START = utc(2025, 3, 3, 10, 0)  # Monday
IV_END = utc(2025, 3, 3, 11, 0)
THANKS_DUE = IV_END + timedelta(hours=24)
THANKS_REMIND = utc(2025, 3, 3, 13, 0)  # two hours after the end, a Monday afternoon
THANKS_EXPIRE = IV_END + timedelta(days=3)  # Thursday 6 March 11:00
NUDGE_AT = utc(2025, 3, 10, 9, 30)  # end + 7 days, at 09:30 London (GMT)


# --- builders --------------------------------------------------------------------------------


def interview(start: datetime = IV_START, minutes: int = 60, *, ident: str = "iv-lumen001",
              interviewers: tuple[Address, ...] = (ANA, BO), organizer: Address | None = RITA,
              cancelled: bool = False, company: str = "Lumen Labs",
              company_domain: str = "lumenlabs.example") -> Interview:
    return Interview(
        id=ident, uid=f"{ident}@calendar.example", title="Data Analyst interview",
        company=company, company_domain=company_domain, role="Data Analyst",
        start=start, end=start + timedelta(minutes=minutes), cancelled=cancelled,
        interviewers=interviewers, organizer=organizer,
    )


def policy(**changes: object) -> PlanPolicy:
    """The default policy (as the settings declare it), for Sam in London."""
    options: dict = {"timezone": LONDON, "user": frozenset({ME}), "user_name": "Sam Seeker"}
    return replace(plan_policy(default_settings()), **(options | changes))


def employer(when: datetime, sender: Address = RITA, subject: str = "Re: Your interview",
             *, ident: str = "", draft: bool = False) -> Mail:
    """A mail from the employer's side to the user."""
    return Mail(
        id=ident or f"{when:%Y%m%d%H%M}.{sender.email}", ref=f"INBOX/{when:%s}",
        folder="INBOX", date=when, sender=sender, to=(SAM,), cc=(), subject=subject,
        draft=draft,
    )


def own(when: datetime, to: tuple[Address, ...] = (RITA,), subject: str = "Following up",
        *, key: str = "", draft: bool = False, ident: str = "") -> Mail:
    """A mail the user wrote (sent, or still a draft); `key` is our stamp on drafts we made."""
    headers = {"x-radiosilence-key": key} if key else {}
    return Mail(
        id=ident or f"{when:%Y%m%d%H%M}.{ME}", ref=f"Sent/{when:%s}",
        folder="Drafts" if draft else "Sent", date=when, sender=SAM, to=to, cc=(),
        subject=subject, headers=headers, own=True, draft=draft,
    )


def label(category: Category = Category.OTHER, *, due: date | None = None, phrase: str = "",
          vague: bool = False, asks: bool = False, back: date | None = None,
          confidence: float = 0.8) -> Classification:
    timeframe = Timeframe(phrase, due, vague) if (phrase or due) else None
    return Classification(category, confidence, (), timeframe, back, asks)


def auto_reply(back: date | None = None) -> Classification:
    return label(Category.AUTO_REPLY, back=back, confidence=0.95)


def timeline(iv: Interview, *entries: Mail | tuple[Mail, Classification],
             superseded_by: Interview | None = None) -> Timeline:
    """`entries`: the user's mail as it is, employer mail as (mail, its label)."""
    mails, labels = [], {}
    for entry in entries:
        if isinstance(entry, tuple):
            mail, classification = entry
            labels[mail.id] = classification
        else:
            mail = entry
        mails.append(mail)
    mails.sort(key=lambda m: m.date)
    return Timeline(iv, tuple(mails), labels, superseded_by)


def run(tl: Timeline, now: datetime, **changes: object) -> InterviewPlan:
    return plan_interview(tl, policy(**changes), now)


def kinds(result: InterviewPlan) -> list[Kind]:
    return [f.kind for f in result.followups]


def only(result: InterviewPlan, kind: Kind) -> FollowUp:
    found = [f for f in result.followups if f.kind == kind]
    assert len(found) == 1, result
    return found[0]


def key(kind: Kind, recipient: Address, clock: int, ident: str = "iv-lumen001") -> str:
    return f"{kind}/{ident}/{recipient.email}/{clock}"


# --- scheduled and cancelled -----------------------------------------------------------------


@pytest.mark.parametrize("now", [IV_START - timedelta(days=2), IV_START,
                                 IV_END - timedelta(seconds=1)])
def test_before_the_end_the_interview_is_scheduled(now: datetime) -> None:
    result = run(timeline(interview()), now)
    assert result.state == State.SCHEDULED
    assert result.due == IV_START
    assert result.followups == ()


@pytest.mark.parametrize("now", [IV_START - timedelta(days=1), IV_END + timedelta(hours=1),
                                 NUDGE_AT + timedelta(days=1)])
def test_a_cancelled_interview_asks_for_nothing(now: datetime) -> None:
    result = run(timeline(interview(cancelled=True)), now)
    assert result.state == State.CANCELLED
    assert result.followups == ()
    assert result.due is None


# --- thank-you notes -------------------------------------------------------------------------


def test_thank_you_due_right_after_the_end_one_per_interviewer() -> None:
    result = run(timeline(interview()), IV_END)
    assert result.state == State.THANK_YOU_DUE
    assert result.due == THANKS_DUE
    thanks = [f for f in result.followups if f.kind == Kind.THANK_YOU]
    assert [f.to for f in thanks] == [(ANA,), (BO,)]
    assert [f.key for f in thanks] == [key(Kind.THANK_YOU, ANA, 0), key(Kind.THANK_YOU, BO, 0)]
    for followup in thanks:
        assert followup.due == THANKS_DUE
        assert followup.remind_at == THANKS_REMIND
        assert followup.interview_id == "iv-lumen001"
        assert followup.context["first_name"] == followup.to[0].first_name
        assert followup.context["company"] == "Lumen Labs"
    # The nudge is already planned, a week out, to the recruiter who organised it.
    nudge = only(result, Kind.NUDGE)
    assert (nudge.due, nudge.to, nudge.key) == (NUDGE_AT, (RITA,), key(Kind.NUDGE, RITA, 0))


def test_no_thank_you_for_an_interviewer_already_mailed_after_the_interview() -> None:
    tl = timeline(interview(), own(IV_END + timedelta(minutes=40), to=(ANA,),
                                   subject="Thank you"))
    result = run(tl, IV_END + timedelta(hours=1))
    assert result.state == State.THANK_YOU_DUE
    assert [f.to for f in result.followups if f.kind == Kind.THANK_YOU] == [(BO,)]
    # A thank-you is not a follow-up: the nudge is still the first one.
    assert only(result, Kind.NUDGE).key == key(Kind.NUDGE, RITA, 0)


def test_thanking_everyone_leaves_the_interview_waiting() -> None:
    to_bo = replace(own(IV_END + timedelta(hours=5), to=(SAM,)), cc=(BO,))  # Bo in Cc
    tl = timeline(interview(), own(IV_END + timedelta(hours=3), to=(ANA,)), to_bo)
    result = run(tl, IV_END + timedelta(hours=6))
    assert kinds(result) == [Kind.NUDGE]
    assert result.state == State.WAITING
    assert result.due == NUDGE_AT


def test_a_mail_before_the_interview_is_not_a_thank_you() -> None:
    tl = timeline(interview(), own(IV_START - timedelta(days=2), to=(ANA,),
                                   subject="Looking forward to Monday"))
    result = run(tl, IV_END + timedelta(hours=1))
    assert [f.to for f in result.followups if f.kind == Kind.THANK_YOU] == [(ANA,), (BO,)]


def test_a_late_thank_you_from_our_draft_is_not_a_nudge() -> None:
    """The user sent our thank-you draft after the thank-you window: still not a follow-up."""
    late = own(IV_END + timedelta(days=4), to=(ANA,), key=key(Kind.THANK_YOU, ANA, 0))
    result = run(timeline(interview(), late), IV_END + timedelta(days=5))
    assert result.state == State.WAITING
    assert only(result, Kind.NUDGE).key == key(Kind.NUDGE, RITA, 0)


def test_thank_yous_are_dropped_after_the_expiry() -> None:
    tl = timeline(interview())
    assert len(run(tl, THANKS_EXPIRE).followups) == 3  # still there on the last moment
    result = run(tl, THANKS_EXPIRE + timedelta(seconds=1))
    assert kinds(result) == [Kind.NUDGE]
    assert result.state == State.WAITING
    shorter = run(tl, IV_END + timedelta(days=1, seconds=1), thank_you_expire_days=1)
    assert kinds(shorter) == [Kind.NUDGE]


def test_without_interviewers_the_organiser_is_thanked() -> None:
    result = run(timeline(interview(interviewers=())), IV_END + timedelta(hours=1))
    assert [f.key for f in result.followups if f.kind == Kind.THANK_YOU] == [
        key(Kind.THANK_YOU, RITA, 0)]


@pytest.mark.parametrize(("start", "remind"), [
    # Friday 7 March 18:00-19:00: 21:00 is too late, so Saturday morning: a thank-you is
    # the person's errand, and Monday would be past its 24 hours.
    (utc(2025, 3, 7, 18, 0), utc(2025, 3, 8, 9, 30)),
    # Tuesday ending 19:30: 21:30 is too late, so Wednesday morning.
    (utc(2025, 3, 4, 18, 30), utc(2025, 3, 5, 9, 30)),
    # Ending 05:00 on a Wednesday: 07:00 is too early, so 09:30 the same day.
    (utc(2025, 3, 5, 4, 0), utc(2025, 3, 5, 9, 30)),
    # Ending 17:00 on a Friday: 19:00 is still waking hours.
    (utc(2025, 3, 7, 16, 0), utc(2025, 3, 7, 19, 0)),
    # Summer time: ending 15:00 BST (14:00 UTC), reminded 17:00 BST.
    (utc(2025, 6, 10, 13, 0), utc(2025, 6, 10, 16, 0)),
])
def test_thank_you_reminder_in_waking_hours_before_the_deadline(start: datetime,
                                                             remind: datetime) -> None:
    iv = interview(start)
    result = run(timeline(iv), iv.end + timedelta(minutes=5))
    thanks = [f for f in result.followups if f.kind == Kind.THANK_YOU]
    assert thanks
    assert {f.remind_at for f in thanks} == {remind}
    assert {f.due for f in thanks} == {iv.end + timedelta(hours=24)}


# --- waiting and the nudge -------------------------------------------------------------------


def test_waiting_before_the_nudge_date() -> None:
    result = run(timeline(interview()), utc(2025, 3, 7, 12, 0))
    assert result.state == State.WAITING
    assert result.due == NUDGE_AT
    nudge = only(result, Kind.NUDGE)
    assert kinds(result) == [Kind.NUDGE]
    assert (nudge.due, nudge.remind_at, nudge.to) == (NUDGE_AT, NUDGE_AT, (RITA,))


def test_nudge_due_at_end_plus_seven_days_at_reminder_time() -> None:
    tl = timeline(interview())
    assert run(tl, NUDGE_AT - timedelta(seconds=1)).state == State.WAITING
    result = run(tl, NUDGE_AT)
    assert result.state == State.NUDGE_DUE
    assert result.due == NUDGE_AT
    assert only(result, Kind.NUDGE).key == key(Kind.NUDGE, RITA, 0)


@pytest.mark.parametrize(("start", "nudge"), [
    # Tuesday 25 March 14:00 GMT; clocks go forward on Sunday 30 March:
    # Tuesday 1 April 09:30 BST is 08:30 UTC.
    (utc(2025, 3, 25, 14, 0), utc(2025, 4, 1, 8, 30)),
    # Monday 20 October 11:00 BST; clocks go back on Sunday 26 October:
    # Monday 27 October 09:30 GMT is 09:30 UTC.
    (utc(2025, 10, 20, 10, 0), utc(2025, 10, 27, 9, 30)),
])
def test_nudge_time_is_local_across_a_daylight_saving_change(start: datetime,
                                                             nudge: datetime) -> None:
    iv = interview(start)
    result = run(timeline(iv), iv.end + timedelta(days=4))
    assert only(result, Kind.NUDGE).due == nudge
    assert run(timeline(iv), nudge).state == State.NUDGE_DUE


def test_nudge_counts_days_from_the_local_date_of_the_end() -> None:
    """A late interview in Los Angeles ends on the next UTC day; the user's day counts."""
    la = ZoneInfo("America/Los_Angeles")
    iv = interview(utc(2025, 3, 5, 1, 0))  # Tuesday 4 March 17:00-18:00 PST
    result = plan_interview(timeline(iv), policy(timezone=la), utc(2025, 3, 6))
    # Tuesday 11 March 09:30 PDT (summer time began on 9 March) is 16:30 UTC.
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 11, 16, 30)


def test_a_nudge_falling_on_a_weekend_moves_to_monday() -> None:
    result = run(timeline(interview()), utc(2025, 3, 7), nudge_after_days=5)
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 10, 9, 30)  # Saturday -> Monday


def test_a_nudge_falling_on_a_holiday_moves_to_the_next_business_day() -> None:
    result = run(timeline(interview()), utc(2025, 3, 7),
                 holidays=frozenset({date(2025, 3, 10), date(2025, 3, 11)}))
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 12, 9, 30)


def test_reminder_time_and_business_days_are_configurable() -> None:
    result = run(timeline(interview()), utc(2025, 3, 7), reminder_time=time(8, 15))
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 10, 8, 15)
    # A Sunday-to-Thursday working week: Monday 10 March is still a working day,
    # but a nudge on Friday 14 March moves to Sunday 16 March.
    iv = interview(utc(2025, 3, 7, 10, 0))
    sun_thu = frozenset({6, 0, 1, 2, 3})
    result = plan_interview(timeline(iv), policy(business_days=sun_thu), utc(2025, 3, 10))
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 16, 9, 30)


# --- the employer's stated timeframe ---------------------------------------------------------


def promise(when: datetime, due: date, phrase: str) -> tuple[Mail, Classification]:
    return employer(when), label(Category.TIMEFRAME_UPDATE, due=due, phrase=phrase)


def test_a_deadline_on_friday_means_a_nudge_on_tuesday() -> None:
    tl = timeline(interview(), promise(utc(2025, 3, 5, 10, 0), date(2025, 3, 7), "by Friday"))
    result = run(tl, utc(2025, 3, 8, 12, 0))
    assert result.state == State.WAITING
    nudge = only(result, Kind.NUDGE)
    assert nudge.due == utc(2025, 3, 11, 9, 30)  # Friday 7 + 2 business days = Tuesday 11
    assert nudge.key == key(Kind.NUDGE, RITA, 1)
    assert nudge.context["deadline_phrase"] == "by Friday 7 March"  # a date, not "by Friday"
    assert run(tl, utc(2025, 3, 11, 9, 30)).state == State.NUDGE_DUE


def test_a_deadline_midweek_skips_the_weekend() -> None:
    tl = timeline(interview(), promise(utc(2025, 3, 4, 9, 0), date(2025, 3, 6), "by Thursday"))
    result = run(tl, utc(2025, 3, 7))
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 10, 9, 30)  # Thu 6 -> Mon 10


def test_deadline_grace_skips_configured_holidays() -> None:
    # Deadline Thursday 17 April 2025; Good Friday and Easter Monday are holidays:
    # Tuesday 22 is the first grace day, Wednesday 23 the second; 09:30 BST = 08:30 UTC.
    iv = interview(utc(2025, 4, 8, 10, 0))
    easter = frozenset({date(2025, 4, 18), date(2025, 4, 21)})
    tl = timeline(iv, promise(utc(2025, 4, 10, 9, 0), date(2025, 4, 17), "by 17 April"))
    result = plan_interview(tl, policy(holidays=easter), utc(2025, 4, 15))
    assert only(result, Kind.NUDGE).due == utc(2025, 4, 23, 8, 30)
    assert only(run(tl, utc(2025, 4, 15)), Kind.NUDGE).due == utc(2025, 4, 21, 8, 30)


def test_a_later_deadline_replaces_the_seven_days() -> None:
    tl = timeline(interview(), promise(utc(2025, 3, 3, 16, 0), date(2025, 3, 24),
                                       "within three weeks"))
    result = run(tl, utc(2025, 3, 12))
    assert result.state == State.WAITING
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 26, 9, 30)  # Mon 24 -> Wed 26


def test_grace_business_days_are_configurable() -> None:
    tl = timeline(interview(), promise(utc(2025, 3, 5, 10, 0), date(2025, 3, 7), "by Friday"))
    result = run(tl, utc(2025, 3, 8), deadline_grace_business_days=1)
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 10, 9, 30)


def test_a_vague_promise_restarts_the_seven_days() -> None:
    vague = label(Category.TIMEFRAME_UPDATE, phrase="before the holidays", vague=True)
    tl = timeline(interview(), (employer(utc(2025, 3, 5, 10, 0)), vague))
    result = run(tl, utc(2025, 3, 8))
    assert only(result, Kind.NUDGE).due == utc(2025, 3, 12, 9, 30)  # Wed 5 + 7 days
    assert only(result, Kind.NUDGE).key == key(Kind.NUDGE, RITA, 1)


# --- nudged, final check-in, silent ----------------------------------------------------------


NUDGE_SENT = utc(2025, 3, 10, 12, 0)
FINAL_AT = utc(2025, 3, 17, 9, 30)


def test_after_a_sent_nudge_the_final_check_in_is_planned() -> None:
    sent = own(NUDGE_SENT, subject="Following up on my interview")
    tl = timeline(interview(), sent)
    result = run(tl, utc(2025, 3, 11))
    assert result.state == State.NUDGED
    assert kinds(result) == [Kind.FINAL]
    final = only(result, Kind.FINAL)
    assert (final.due, final.remind_at) == (FINAL_AT, FINAL_AT)
    assert final.key == key(Kind.FINAL, RITA, 0)
    assert final.thread is not None and final.thread.message_id == sent.id
    assert run(tl, FINAL_AT - timedelta(seconds=1)).state == State.NUDGED
    assert run(tl, FINAL_AT).state == State.FINAL_DUE


def test_our_own_nudge_draft_once_sent_counts_as_the_nudge() -> None:
    sent = own(NUDGE_SENT, key=key(Kind.NUDGE, RITA, 0))
    result = run(timeline(interview(), sent), utc(2025, 3, 12))
    assert result.state == State.NUDGED
    assert only(result, Kind.FINAL).due == FINAL_AT


@pytest.mark.parametrize(("final_after", "between", "due"), [
    (7, 7, utc(2025, 3, 17, 9, 30)),
    (3, 7, utc(2025, 3, 17, 9, 30)),  # never closer than min_days_between_followups
    (10, 7, utc(2025, 3, 20, 9, 30)),
    (5, 5, utc(2025, 3, 17, 9, 30)),  # Saturday 15 -> Monday 17
])
def test_final_check_in_spacing(final_after: int, between: int, due: datetime) -> None:
    tl = timeline(interview(), own(NUDGE_SENT))
    result = run(tl, utc(2025, 3, 11), final_after_days=final_after,
                 min_days_between_followups=between)
    assert only(result, Kind.FINAL).due == due


def test_after_the_maximum_of_follow_ups_the_interview_is_silent() -> None:
    tl = timeline(interview(), own(NUDGE_SENT), own(utc(2025, 3, 17, 10, 0)))
    result = run(tl, utc(2025, 3, 18))
    assert result.state == State.SILENT
    assert result.followups == ()
    assert result.due is None
    assert run(timeline(interview(), own(NUDGE_SENT)), utc(2025, 3, 11),
               max_followups=1).state == State.SILENT


def test_giving_up_after_a_long_silence() -> None:
    tl = timeline(interview())
    give_up = NUDGE_AT + timedelta(days=14)
    assert run(tl, give_up).state == State.NUDGE_DUE
    result = run(tl, give_up + timedelta(seconds=1))
    assert result.state == State.NOT_FOLLOWED_UP  # the person never sent the nudge
    assert result.followups == ()
    nudged = timeline(interview(), own(NUDGE_SENT))
    assert run(nudged, FINAL_AT + timedelta(days=14)).state == State.FINAL_DUE
    assert run(nudged, FINAL_AT + timedelta(days=14, seconds=1)).state == State.SILENT


# --- auto-replies ----------------------------------------------------------------------------


def test_an_out_of_office_does_not_restart_the_clock() -> None:
    ooo = employer(IV_END + timedelta(hours=3), ANA, "Automatic reply: Thank you")
    tl = timeline(interview(), own(IV_END + timedelta(hours=2), to=(ANA,)), (ooo, auto_reply()))
    result = run(tl, utc(2025, 3, 7))
    nudge = only(result, Kind.NUDGE)
    assert nudge.due == NUDGE_AT
    assert nudge.key == key(Kind.NUDGE, RITA, 0)
    assert nudge.to == (RITA,)  # the auto-reply's author is not whom to chase


def test_an_out_of_office_pushes_the_nudge_past_the_return_date() -> None:
    ooo = employer(IV_END + timedelta(hours=3), RITA, "Out of office")
    tl = timeline(interview(), (ooo, auto_reply(back=date(2025, 3, 14))))
    result = run(tl, utc(2025, 3, 11))
    assert result.state == State.WAITING
    nudge = only(result, Kind.NUDGE)
    assert nudge.due == utc(2025, 3, 17, 9, 30)  # back Friday 14: the next business day
    assert nudge.key == key(Kind.NUDGE, RITA, 0)
    early = timeline(interview(), (ooo, auto_reply(back=date(2025, 3, 5))))
    assert only(run(early, utc(2025, 3, 7)), Kind.NUDGE).due == NUDGE_AT


def test_an_out_of_office_after_the_nudge_pushes_the_final_check_in() -> None:
    ooo = employer(NUDGE_SENT + timedelta(minutes=1), RITA, "Automatic reply")
    tl = timeline(interview(), own(NUDGE_SENT), (ooo, auto_reply(back=date(2025, 3, 21))))
    result = run(tl, utc(2025, 3, 12))
    assert result.state == State.NUDGED
    final = only(result, Kind.FINAL)
    assert final.due == utc(2025, 3, 24, 9, 30)
    assert final.key == key(Kind.FINAL, RITA, 0)


# --- the employer writes ---------------------------------------------------------------------


def test_a_human_reply_restarts_the_clock_with_a_new_key() -> None:
    before = run(timeline(interview()), utc(2025, 3, 11))
    assert only(before, Kind.NUDGE).key == key(Kind.NUDGE, RITA, 0)
    reply = employer(utc(2025, 3, 12, 15, 0), RITA, "Re: Following up")
    tl = timeline(interview(), (reply, label(Category.OTHER, confidence=0.5)))
    result = run(tl, utc(2025, 3, 13))
    assert result.state == State.WAITING
    nudge = only(result, Kind.NUDGE)
    assert nudge.key == key(Kind.NUDGE, RITA, 1)
    assert nudge.due == utc(2025, 3, 19, 9, 30)
    assert nudge.thread is not None and nudge.thread.message_id == reply.id


def test_a_reply_after_the_nudge_resets_the_follow_up_count() -> None:
    reply = employer(utc(2025, 3, 11, 9, 0), ANA, "Re: Following up")
    tl = timeline(interview(), own(NUDGE_SENT), (reply, label(Category.TIMEFRAME_UPDATE)))
    result = run(tl, utc(2025, 3, 12))
    assert result.state == State.WAITING
    nudge = only(result, Kind.NUDGE)
    assert nudge.key == key(Kind.NUDGE, ANA, 1)  # the last person who wrote
    assert nudge.due == utc(2025, 3, 18, 9, 30)


def test_every_human_reply_moves_the_clock_on() -> None:
    tl = timeline(interview(),
                  (employer(utc(2025, 3, 5, 9, 0)), label(Category.OTHER, confidence=0.5)),
                  own(utc(2025, 3, 5, 10, 0)),
                  (employer(utc(2025, 3, 6, 9, 0)), label(Category.TIMEFRAME_UPDATE)))
    assert only(run(tl, utc(2025, 3, 7)), Kind.NUDGE).key == key(Kind.NUDGE, RITA, 2)


def test_a_question_means_the_user_owes_a_reply_not_a_nudge() -> None:
    asked = employer(utc(2025, 3, 5, 10, 0), RITA, "Re: Your interview: references?")
    tl = timeline(interview(), (asked, label(Category.OTHER, asks=True)))
    result = run(tl, utc(2025, 3, 5, 12, 0))
    assert result.state == State.IN_CONVERSATION
    assert Kind.NUDGE not in kinds(result) and Kind.FINAL not in kinds(result)
    reply = only(result, Kind.REPLY)
    assert reply.key == key(Kind.REPLY, RITA, 1)
    assert reply.to == (RITA,)
    assert reply.due == reply.remind_at == utc(2025, 3, 6, 9, 30)  # the next business day
    assert result.due == reply.due
    assert reply.thread is not None and reply.thread.message_id == asked.id
    # Later, still unanswered: still no nudge, however long it takes.
    late = run(tl, utc(2025, 3, 20))
    assert late.state == State.IN_CONVERSATION
    assert kinds(late) == [Kind.REPLY]


def test_a_question_on_friday_is_to_be_answered_on_monday() -> None:
    asked = employer(utc(2025, 3, 7, 16, 0))
    result = run(timeline(interview(), (asked, label(Category.OTHER, asks=True))),
                 utc(2025, 3, 8))
    assert only(result, Kind.REPLY).due == utc(2025, 3, 10, 9, 30)


def test_the_users_answer_hands_the_turn_back_to_the_employer() -> None:
    asked = employer(utc(2025, 3, 5, 10, 0))
    answer = own(utc(2025, 3, 6, 14, 0), subject="Re: Your interview")
    tl = timeline(interview(), (asked, label(Category.OTHER, asks=True)), answer)
    result = run(tl, utc(2025, 3, 7))
    assert result.state == State.WAITING
    assert kinds(result) == [Kind.NUDGE]
    nudge = only(result, Kind.NUDGE)
    assert nudge.key == key(Kind.NUDGE, RITA, 1)
    assert nudge.due == utc(2025, 3, 13, 9, 30)  # the answer + 7 days
    # The answer was not a follow-up: after one real nudge, the final check-in comes next.
    nudged = timeline(interview(), (asked, label(Category.OTHER, asks=True)), answer,
                      own(utc(2025, 3, 13, 10, 0)))
    assert only(run(nudged, utc(2025, 3, 14)), Kind.FINAL).due == utc(2025, 3, 20, 9, 30)


@pytest.mark.parametrize(("category", "state"), [(Category.REJECTION, State.REJECTED),
                                                 (Category.OFFER, State.OFFER)])
def test_a_decision_closes_the_interview(category: Category, state: State) -> None:
    decision = employer(IV_END + timedelta(hours=5))
    tl = timeline(interview(), (decision, label(category)))
    for now in (IV_END + timedelta(hours=6), utc(2025, 3, 12), utc(2025, 5, 1)):
        result = run(tl, now)
        assert result.state == state
        assert result.followups == ()  # thank-yous gone too
        assert result.due is None


def test_mail_after_a_rejection_does_not_reopen_the_interview() -> None:
    tl = timeline(interview(),
                  (employer(utc(2025, 3, 5, 9, 0)), label(Category.REJECTION)),
                  (employer(utc(2025, 3, 6, 9, 0), ANA), label(Category.OTHER, asks=True)))
    assert run(tl, utc(2025, 3, 7)).state == State.REJECTED


@pytest.mark.parametrize("category", [Category.NEXT_ROUND, Category.INTERVIEW_INVITE])
def test_a_next_round_ends_the_chase(category: Category) -> None:
    invite = employer(utc(2025, 3, 4, 9, 0), RITA, "Next steps")
    tl = timeline(interview(), (invite, label(category)))
    result = run(tl, utc(2025, 3, 7))
    assert result.state == State.NEXT_ROUND
    assert result.followups == ()
    # Within the thank-you window the thank-yous stay, but nothing is chased.
    early = run(tl, utc(2025, 3, 4, 10, 0))
    assert kinds(early) == [Kind.THANK_YOU, Kind.THANK_YOU]


def test_a_later_round_supersedes_the_earlier_one() -> None:
    second = interview(utc(2025, 3, 12, 10, 0), ident="iv-lumen002")
    tl = timeline(interview(), superseded_by=second)
    result = run(tl, utc(2025, 3, 11))
    assert result.state == State.NEXT_ROUND
    assert result.followups == ()


# --- the user's own mail and drafts ----------------------------------------------------------


def test_the_users_own_mail_is_never_the_employers_reply() -> None:
    # Even when something labelled it (a reply quoting a rejection, say).
    mine = own(IV_END + timedelta(hours=3), to=(RITA,), subject="Thank you")
    tl = timeline(interview(), (mine, label(Category.REJECTION)))
    result = run(tl, utc(2025, 3, 7))
    assert result.state == State.WAITING
    assert only(result, Kind.NUDGE).key == key(Kind.NUDGE, RITA, 0)
    assert only(result, Kind.NUDGE).due == NUDGE_AT


def test_an_unsent_nudge_draft_is_not_a_sent_nudge() -> None:
    draft = own(NUDGE_AT, key=key(Kind.NUDGE, RITA, 0), draft=True)
    result = run(timeline(interview(), draft), utc(2025, 3, 11))
    assert result.state == State.NUDGE_DUE
    assert only(result, Kind.NUDGE).key == key(Kind.NUDGE, RITA, 0)


def test_an_unsent_answer_draft_leaves_the_user_owing_a_reply() -> None:
    asked = employer(utc(2025, 3, 5, 10, 0))
    draft = own(utc(2025, 3, 5, 11, 0), subject="Re: Your interview", draft=True)
    tl = timeline(interview(), (asked, label(Category.OTHER, asks=True)), draft)
    result = run(tl, utc(2025, 3, 7))
    assert result.state == State.IN_CONVERSATION
    assert only(result, Kind.REPLY).key == key(Kind.REPLY, RITA, 1)


def test_an_unsent_thank_you_draft_does_not_thank_anyone() -> None:
    draft = own(IV_END + timedelta(hours=1), to=(ANA,), key=key(Kind.THANK_YOU, ANA, 0),
                draft=True)
    result = run(timeline(interview(), draft), IV_END + timedelta(hours=2))
    assert [f.to for f in result.followups if f.kind == Kind.THANK_YOU] == [(ANA,), (BO,)]


# --- keys, uniqueness, ordering --------------------------------------------------------------


def _stories() -> list[Timeline]:
    asked = employer(utc(2025, 3, 5, 10, 0))
    return [
        timeline(interview()),
        timeline(interview(), own(NUDGE_SENT)),
        timeline(interview(), own(NUDGE_SENT), own(utc(2025, 3, 17, 10, 0))),
        timeline(interview(), promise(utc(2025, 3, 5, 10, 0), date(2025, 3, 7), "by Friday")),
        timeline(interview(), (asked, label(Category.OTHER, asks=True))),
        timeline(interview(), (asked, label(Category.OTHER, asks=True)),
                 own(utc(2025, 3, 6, 14, 0))),
        timeline(interview(), (employer(IV_END + timedelta(hours=3)),
                               auto_reply(back=date(2025, 3, 14)))),
        timeline(interview(), own(NUDGE_SENT),
                 (employer(utc(2025, 3, 11, 9, 0)), label(Category.TIMEFRAME_UPDATE))),
        timeline(interview(), (employer(utc(2025, 3, 4)), label(Category.REJECTION))),
        timeline(interview(), (employer(utc(2025, 3, 4)), label(Category.NEXT_ROUND))),
    ]


def _moments() -> list[datetime]:
    return [IV_START - timedelta(hours=1) + timedelta(hours=7 * i) for i in range(150)]


def test_keys_are_stable_and_name_kind_interview_and_recipient() -> None:
    for tl in _stories():
        for now in _moments():
            first = run(tl, now)
            again = run(tl, now)
            assert [f.key for f in first.followups] == [f.key for f in again.followups]
            for followup in first.followups:
                kind, ident, recipient, clock = followup.key.split("/")
                assert kind == followup.kind
                assert ident == tl.interview.id == followup.interview_id
                assert recipient == followup.to[0].email
                assert clock.isdigit()


def test_a_key_stays_the_same_while_the_state_does_not_change() -> None:
    tl = timeline(interview())
    keys = {only(run(tl, now), Kind.NUDGE).key
            for now in (utc(2025, 3, 7), NUDGE_AT, utc(2025, 3, 20))}
    assert keys == {key(Kind.NUDGE, RITA, 0)}


def test_at_most_one_nudge_or_final_pending_per_interview() -> None:
    for tl in _stories():
        for now in _moments():
            result = run(tl, now)
            chasers = [f for f in result.followups if f.kind in (Kind.NUDGE, Kind.FINAL)]
            assert len(chasers) <= 1, (now, result)
            assert len({f.key for f in result.followups}) == len(result.followups)


def test_reminders_land_on_business_days_at_the_reminder_time() -> None:
    holidays = frozenset({date(2025, 3, 10), date(2025, 3, 17)})
    for tl in _stories():
        for now in _moments():
            for followup in run(tl, now, holidays=holidays).followups:
                if followup.kind == Kind.THANK_YOU:
                    continue
                local = followup.remind_at.astimezone(LONDON)
                assert local.weekday() < 5 and local.date() not in holidays, followup
                assert local.time() == time(9, 30), followup


def test_plan_returns_one_plan_per_interview_soonest_first() -> None:
    later = interview(utc(2025, 3, 20, 10, 0), ident="iv-later")
    cancelled = interview(utc(2025, 3, 1, 10, 0), ident="iv-cancel", cancelled=True)
    rejected = timeline(interview(ident="iv-rejected"),
                        (employer(utc(2025, 3, 4)), label(Category.REJECTION)))
    result = plan([timeline(later), timeline(interview()), timeline(cancelled), rejected],
                  policy(), utc(2025, 3, 5))
    assert [p.interview.id for p in result] == ["iv-cancel", "iv-rejected", "iv-lumen001",
                                                "iv-later"]
    assert [p.state for p in result] == [State.CANCELLED, State.REJECTED,
                                         State.THANK_YOU_DUE, State.SCHEDULED]


# --- next_slot -------------------------------------------------------------------------------


@pytest.mark.parametrize(("moment", "slot"), [
    (utc(2025, 3, 4, 8, 0), utc(2025, 3, 4, 9, 30)),  # Tuesday morning: later that day
    (utc(2025, 3, 4, 9, 30), utc(2025, 3, 4, 9, 30)),  # exactly on time
    (utc(2025, 3, 4, 9, 31), utc(2025, 3, 5, 9, 30)),
    (utc(2025, 3, 7, 18, 0), utc(2025, 3, 10, 9, 30)),  # Friday evening: Monday
    (utc(2025, 3, 8, 8, 0), utc(2025, 3, 10, 9, 30)),  # Saturday
    (utc(2025, 3, 28, 12, 0), utc(2025, 3, 31, 8, 30)),  # Friday GMT -> Monday BST
])
def test_next_slot(moment: datetime, slot: datetime) -> None:
    assert next_slot(moment, policy()) == slot


def test_next_slot_skips_holidays() -> None:
    christmas = frozenset({date(2025, 12, 25), date(2025, 12, 26)})
    assert next_slot(utc(2025, 12, 24, 17, 0), policy(holidays=christmas)) == utc(
        2025, 12, 29, 9, 30)
