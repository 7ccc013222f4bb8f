"""One cycle: sync -> store -> understand -> plan -> apply -> publish.

The engine owns the connectors and the store; understanding and planning are the pure
functions of the modules they live in. Every change to the outside world goes through
`apply_drafts` and `write_feed`, both of which honour the dry run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from radiosilence import domains
from radiosilence.apply import Draft, Outcome, apply_drafts
from radiosilence.classify import classify
from radiosilence.connectors.base import CalendarSource, CursorExpired, DraftSink, MailSource
from radiosilence.conversation import counterparts, link_mails, thread_ids
from radiosilence.dates import writer_date
from radiosilence.drafts import build_draft, render_text, template_environment
from radiosilence.feed import FeedOptions, FeedRecord, render_feed, write_feed
from radiosilence.ics import ParseError as IcsError
from radiosilence.ics import parse_calendar
from radiosilence.interviews import company_key, find_interviews, interview_id
from radiosilence.mime import ParseError as MimeError
from radiosilence.mime import parse_mail
from radiosilence.model import (
    Address,
    CalEvent,
    Changes,
    Classification,
    InterviewPlan,
    Kind,
    Mail,
    RawItem,
)
from radiosilence.plan import PlanPolicy, Timeline, plan
from radiosilence.reminders import reminders_for
from radiosilence.settings import Settings
from radiosilence.store import Store

log = logging.getLogger(__name__)

_RECRUITING_WORDS = (
    "interview", "application", "applied", "candidate", "candidacy", "recruit", "hiring",
    "position", "role", "offer", "opportunity", "talent", "onsite", "screening",
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class SyncReport:
    mail_seen: int = 0
    mail_kept: int = 0
    events_seen: int = 0
    skipped: int = 0


@dataclass
class CycleReport:
    sync: SyncReport
    plans: list[InterviewPlan]
    outcome: Outcome
    feed_path: Path | None
    drafts: dict[str, Draft] = field(default_factory=dict)


class CycleTime:
    """The moment the current cycle runs as: real time, or `--now`. Sources that search a
    date window (Gmail, Google Calendar) read it, so a pretend time moves their window too."""

    def __init__(self) -> None:
        self.value = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.value


class Engine:
    def __init__(self, settings: Settings, store: Store, mail: MailSource,
                 calendar: CalendarSource, sink: DraftSink,
                 cycle_time: CycleTime | None = None) -> None:
        self.settings = settings
        self.store = store
        self.mail = mail
        self.calendar = calendar
        self.sink = sink
        self.cycle_time = cycle_time or CycleTime()
        # Labels depend only on a stored message, which never changes: computed once each.
        self._labels: dict[str, Classification | None] = {}
        self.user = frozenset(settings.user.addresses)
        self.templates = template_environment(settings.drafts.templates_dir)
        # Called now and then during long work, so a watchdog can tell slow from stuck.
        self.heartbeat: Callable[[], None] = lambda: None

    # --- sync ------------------------------------------------------------------------

    def sync(self, now: datetime) -> SyncReport:
        """Read what changed since the cursors; keep what is about recruiting."""
        self.cycle_time.value = now
        report = SyncReport()
        self._sync_calendar(now, report)
        self._sync_mail(now, report)
        return report

    def _changes(self, name: str, source: MailSource | CalendarSource) -> tuple[str | None,
                                                                                Changes]:
        """The source's changes since our cursor; everything when the cursor has expired."""
        cursor = self.store.cursor(name)
        try:
            return cursor, source.changes(cursor)
        except CursorExpired:
            log.warning("%s cursor expired: reading everything again", name)
            return None, source.changes(None)

    def _sync_calendar(self, now: datetime, report: SyncReport) -> None:
        cursor, changes = self._changes("calendar", self.calendar)
        tz = self.settings.user.timezone
        with self.store.transaction():
            if cursor is None:
                self.store.clear_events("calendar")
            for ref in changes.removed:
                self.store.remove_events("calendar", ref)
            for item in changes.items:
                self.heartbeat()
                self.store.remove_events("calendar", item.ref)
                for event in self._parse_events(item, tz):
                    self.store.put_event(event)
                    report.events_seen += 1
            self.store.set_cursor("calendar", changes.cursor, now)
        report.skipped += changes.skipped

    def _parse_events(self, item: RawItem, tz: tzinfo) -> list[CalEvent]:
        try:
            return parse_calendar(item.data, source="calendar", source_ref=item.ref,
                                  default_tz=tz)
        except IcsError as error:
            log.warning("skipped calendar file %s: %s", item.ref, error)
            return []

    def _sync_mail(self, now: datetime, report: SyncReport) -> None:
        _, changes = self._changes("mail", self.mail)
        mails = [m for m in (self._parse_mail(item) for item in changes.items) if m]
        report.mail_seen += len(changes.items)
        report.skipped += changes.skipped + len(changes.items) - len(mails)
        oldest = now - timedelta(days=self.settings.policy.recruiting_window_days)
        kept = self._recruiting(m for m in mails if m.date >= oldest)
        with self.store.transaction():
            for mail in kept:
                self.store.put_message(mail)
            self.store.set_cursor("mail", changes.cursor, now)
        report.mail_kept += len(kept)

    def _parse_mail(self, item: RawItem) -> Mail | None:
        self.heartbeat()
        maildir = self.settings.maildir
        try:
            return parse_mail(item, own_addresses=self.user,
                              sent_folders=frozenset(maildir.sent_folders),
                              drafts_folder=maildir.drafts_folder,
                              default_tz=self.settings.user.timezone, received=item.received)
        except MimeError as error:
            log.warning("skipped message %s: %s", item.ref, error)
            return None

    def _recruiting(self, mails: Iterable[Mail]) -> list[Mail]:
        """The mail worth keeping: invites, mail to or from people we know from interviews,
        relays, recruiting words, and replies to anything kept (DESIGN.md: the store keeps
        only what looks recruiting-related)."""
        known = self.store.contact_addresses()
        candidates = [m for m in mails if not m.draft]
        kept = {m.id: m for m in candidates if _looks_recruiting(m, known)}
        # Replies to kept mail are kept too, whatever their words ("Sounds good, thanks!").
        def answers_kept(mail: Mail) -> bool:
            refs = [ref for ref in (mail.in_reply_to, *mail.references) if ref]
            return any(ref in kept or self.store.has_message(ref) for ref in refs)

        for _ in range(3):  # a reply to a reply to a kept mail, in one batch
            grown = [m for m in candidates if m.id not in kept and answers_kept(m)]
            kept.update((m.id, m) for m in grown)
            if not grown:
                break
        return list(kept.values())

    # --- understand and plan -----------------------------------------------------------

    def timelines(self) -> list[Timeline]:
        mails = self.store.messages()
        thread_of = thread_ids(mails)
        events = self.store.events()
        interviews = find_interviews(
            events, mails, self.user, self.settings.policy.interview_threshold,
            self.overrides(events), thread_of,
        )
        linked = link_mails(interviews, mails, thread_of, self.user)
        rounds = defaultdict(list)
        for interview in sorted(interviews, key=lambda i: i.start):
            if not interview.cancelled:
                rounds[company_key(interview)].append(interview)
        result = []
        for interview in interviews:
            later = [i for i in rounds[company_key(interview)] if i.start >= interview.end]
            own_mail = tuple(linked[interview.id])
            labels = {m.id: label for m in own_mail if not m.own
                      if (label := self.classify(m)) is not None}
            result.append(Timeline(interview, own_mail, labels, later[0] if later else None))
        return result

    def overrides(self, events: Iterable[CalEvent]) -> dict[str, str]:
        """'track' or 'ignore' per interview id: from [policy] track/ignore (ids or title
        words), then the CLI's overrides, which win."""
        policy = self.settings.policy
        found: dict[str, str] = {}
        for event in events:
            ident = interview_id(event.uid, event.recurrence_id)
            for mode, rules in (("ignore", policy.ignore), ("track", policy.track)):
                if ident in rules or any(rule.lower() in event.summary.lower()
                                         for rule in rules if not rule.startswith("iv-")):
                    found.setdefault(ident, mode)
        found.update(self.store.overrides())
        return found

    def classify(self, mail: Mail) -> Classification | None:
        """The label of one employer mail; None (and a log line) if it cannot be read."""
        if mail.id not in self._labels:
            self._labels[mail.id] = self._classify(mail)
        return self._labels[mail.id]

    def _classify(self, mail: Mail) -> Classification | None:
        local = writer_date(mail.date, mail.headers.get("date", ""), self.settings.user.timezone)
        try:
            return classify(mail.subject, mail.body, mail.headers, mail.sender.email, local)
        except Exception:  # one odd message must not stop the cycle for every interview
            log.exception("could not classify message %s: skipped", mail.id)
            return None

    def policy(self) -> PlanPolicy:
        p, user = self.settings.policy, self.settings.user
        return PlanPolicy(
            timezone=user.timezone, user=self.user, user_name=user.name,
            thank_you_within_hours=p.thank_you_within_hours,
            thank_you_delay_hours=p.thank_you_delay_hours,
            thank_you_expire_days=p.thank_you_expire_days, nudge_after_days=p.nudge_after_days,
            deadline_grace_business_days=p.deadline_grace_business_days,
            final_after_days=p.final_after_days, max_followups=p.max_followups,
            min_days_between_followups=p.min_days_between_followups,
            reply_reminder_business_days=p.reply_reminder_business_days,
            give_up_after_days=p.give_up_after_days,
            business_days=frozenset(_WEEKDAYS.index(d) for d in p.business_days),
            holidays=frozenset(p.holidays), reminder_time=p.reminder_time,
            notes=self.store.notes(),
        )

    def plan(self, now: datetime) -> list[InterviewPlan]:
        """Plans for every interview; one that fails is logged and left out, not fatal."""
        policy, plans = self.policy(), []
        for timeline in self.timelines():
            try:
                plans.extend(plan([timeline], policy, now))
            except Exception:
                log.exception("could not plan interview %s: skipped this cycle",
                              timeline.interview.id)
        return sorted(plans, key=lambda p: (p.due or p.interview.start, p.interview.id))

    # --- apply and publish -------------------------------------------------------------

    def drafts_for(self, plans: list[InterviewPlan], now: datetime) -> dict[str, Draft]:
        """The drafts that should exist now: follow-ups with a draft whose time has come
        (thank-yous from the end of the interview, the others from their due time)."""
        sender = Address(self.settings.user.addresses[0] if self.user else "",
                         self.settings.user.name)
        signature = self.settings.user.signature or self.settings.user.name or "[your name]"
        wanted: dict[str, Draft] = {}
        for item in plans:
            for followup in item.followups:
                if followup.kind == Kind.REPLY:
                    continue
                if followup.kind != Kind.THANK_YOU and now < followup.due:
                    continue
                subject, body = render_text(self.templates, followup, signature)
                message = build_draft(followup, sender, subject, body, now)
                wanted[followup.key] = Draft(followup, message.as_bytes())
        return wanted

    def cycle(self, now: datetime, *, dry_run: bool = False, sync: bool = True) -> CycleReport:
        report = self.sync(now) if sync else SyncReport()
        plans = self.plan(now)
        wanted = self.drafts_for(plans, now)
        outcome = apply_drafts(wanted, self.sink, self.store, now, dry_run=dry_run,
                               max_new=self.settings.drafts.max_new_per_cycle)
        feed_path = None if dry_run else self.publish(plans, now)
        return CycleReport(report, plans, outcome, feed_path, wanted)

    def publish(self, plans: list[InterviewPlan], now: datetime) -> Path:
        """Write the reminder feed: one event per pending follow-up the user still owes."""
        actions = self.store.actions()
        handled = {key for key, a in actions.items() if a.status == "gone"}
        reminders = reminders_for(plans, actions, handled, self.templates,
                                  self.settings.feed.event_minutes, self.policy())
        previous = {row["key"]: FeedRecord(row["uid"], row["content_hash"], row["sequence"],
                                           datetime.fromisoformat(row["changed_at"]))
                    for row in self.store.feed_records()}
        options = FeedOptions(self.settings.feed.name, self.settings.feed.refresh_minutes,
                              self.settings.feed.alarm_minutes_before)
        data, records = render_feed(reminders, previous, now, options)
        path = self.settings.feed.path
        with self.store.transaction():
            self.store.replace_feed_records([
                (key, r.uid, r.content_hash, r.sequence, r.changed_at.isoformat())
                for key, r in records.items()
            ])
        write_feed(path, data)
        return path


def _looks_recruiting(mail: Mail, known: set[str]) -> bool:
    if mail.invites:
        return True
    others = counterparts(mail)
    if any(domains.is_job_board(a.domain) for a in others):
        return False
    if any(a.email in known or domains.is_relay(a.domain) for a in others):
        return True
    text = f"{mail.subject}\n{mail.body[:5000]}".lower()
    return any(word in text for word in _RECRUITING_WORDS)
