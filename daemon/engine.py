"""One cycle: sync -> store -> understand -> plan -> apply -> publish.

The engine owns the store, the sync and the draft sink; understanding and planning are the
pure functions of the modules they live in. Every change to the outside world goes through
`apply_drafts` and `publish`, and a dry run reaches neither the mailbox nor the feed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from radiosilence.apply.drafts import build_draft
from radiosilence.apply.execute import apply_drafts
from radiosilence.apply.reconcile import Draft, Outcome
from radiosilence.connectors.base import DraftSink
from radiosilence.model import (
    Address,
    CalEvent,
    Category,
    Classification,
    InterviewPlan,
    Kind,
    Mail,
)
from radiosilence.parse.dates import writer_date
from radiosilence.plan.followups import plan
from radiosilence.plan.policy import PlanPolicy, Timeline
from radiosilence.publish.feed import FeedOptions, FeedRecord, render_feed, write_feed
from radiosilence.publish.reminders import reminders_for
from radiosilence.render import TemplateProblem, render_text
from radiosilence.store import ActionStatus, Store
from radiosilence.sync import Sync, SyncReport
from radiosilence.understand.classify.classifier import classify
from radiosilence.understand.interviews import company_key, find_interviews, interview_id
from radiosilence.understand.threads import link_mails, thread_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineOptions:
    """What a cycle needs beyond the policy; `wiring` builds it from the settings."""

    sender: Address  # the From of every draft
    signature: str
    interview_threshold: float
    track: tuple[str, ...]  # [policy] track: interview ids or title words
    ignore: tuple[str, ...]
    max_new_drafts: int
    feed_path: Path
    feed: FeedOptions
    event_minutes: int


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
    def __init__(self, store: Store, sync: Sync, sink: DraftSink, policy: PlanPolicy,
                 options: EngineOptions, templates: jinja2.Environment,
                 cycle_time: CycleTime) -> None:
        self.store = store
        self.syncer = sync
        self.sink = sink
        self.policy = policy
        self.options = options
        self.templates = templates
        self.cycle_time = cycle_time
        # Labels depend only on a stored message, which never changes: computed once each.
        self._labels: dict[str, Classification | None] = {}

    @property
    def user(self) -> frozenset[str]:
        return self.policy.user

    def sync(self, now: datetime) -> SyncReport:
        self.cycle_time.value = now
        return self.syncer.run(now)

    # --- understand and plan -----------------------------------------------------------

    def timelines(self) -> list[Timeline]:
        mails = self.store.messages()
        thread_of = thread_ids(mails)
        events = self.store.events()
        yours = self.store.labels()

        def category_of(mail: Mail) -> str | None:  # for the interview detector
            label = self.label(mail, yours)
            return label.category.value if label else None

        interviews = find_interviews(events, mails, self.user, self.options.interview_threshold,
                                     self.overrides(events), thread_of, category_of)
        linked = link_mails(interviews, mails, thread_of, self.user)
        notes = self._notes_by_interview()
        rounds = defaultdict(list)
        for interview in sorted(interviews, key=lambda i: i.start):
            if not interview.cancelled:
                rounds[company_key(interview)].append(interview)
        result = []
        for interview in interviews:
            later = [i for i in rounds[company_key(interview)] if i.start >= interview.end]
            own_mail = tuple(linked[interview.id])
            labels = {m.id: label for m in own_mail if not m.own
                      if (label := self.label(m, yours)) is not None}
            result.append(Timeline(interview, own_mail, labels, later[0] if later else None,
                                   notes.get(interview.id, {})))
        return result

    def _notes_by_interview(self) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for (ident, person), text in self.store.notes().items():
            found[ident][person] = text
        return found

    def overrides(self, events: Iterable[CalEvent]) -> dict[str, str]:
        """'track' or 'ignore' per interview id: from [policy] track/ignore (ids or title
        words), then the CLI's overrides, which win."""
        found: dict[str, str] = {}
        for event in events:
            ident = interview_id(event.uid, event.recurrence_id)
            for mode, rules in (("ignore", self.options.ignore), ("track", self.options.track)):
                if ident in rules or any(rule.lower() in event.summary.lower()
                                         for rule in rules if not rule.startswith("iv-")):
                    found.setdefault(ident, mode)
        found.update(self.store.overrides())
        return found

    def label(self, mail: Mail, yours: Mapping[str, str]) -> Classification | None:
        """The classifier's label, or the person's (`radiosilence label`, by Message-ID
        in `yours`), which wins."""
        found = self.classify(mail)
        if mail.id not in yours or found is None:
            return found
        return replace(found, category=Category(yours[mail.id]), confidence=1.0,
                       needs_review=False, evidence=("labelled by you",))

    def classify(self, mail: Mail) -> Classification | None:
        """The label of one employer mail; None (and a log line) if it cannot be read."""
        if mail.id not in self._labels:
            self._labels[mail.id] = self._classify(mail)
        return self._labels[mail.id]

    def _classify(self, mail: Mail) -> Classification | None:
        # The day as the writer saw it: "by Friday" is read from the Date header's own zone.
        local = writer_date(mail.date, mail.headers.get("date", ""), self.policy.timezone)
        try:
            return classify(mail.subject, mail.body, mail.headers, mail.sender.email, local)
        except Exception:  # one odd message must not stop the cycle for every interview
            log.exception("could not classify message %s: skipped", mail.id)
            return None

    def plan(self, now: datetime) -> list[InterviewPlan]:
        """Plans for every interview; one that fails is logged and left out, not fatal."""
        plans = []
        for timeline in self.timelines():
            try:
                plans.extend(plan([timeline], self.policy, now))
            except Exception:
                log.exception("could not plan interview %s: skipped this cycle",
                              timeline.interview.id)
        return sorted(plans, key=lambda p: (p.due or p.interview.start, p.interview.id))

    # --- apply and publish -------------------------------------------------------------

    def drafts_for(self, plans: list[InterviewPlan], now: datetime) -> dict[str, Draft]:
        """The drafts that should exist now: follow-ups with a draft whose time has come
        (thank-yous from the end of the interview, the others from their due time).

        A broken template stops the cycle (TemplateProblem: the user must fix it); any
        other failure skips that one follow-up, logged, and the rest go on."""
        wanted: dict[str, Draft] = {}
        for item in plans:
            for followup in item.followups:
                if followup.kind == Kind.REPLY:
                    continue
                if followup.kind != Kind.THANK_YOU and now < followup.due:
                    continue
                try:
                    subject, body = render_text(self.templates, followup,
                                                self.options.signature)
                    message = build_draft(followup, self.options.sender, subject, body, now)
                    wanted[followup.key] = Draft(followup, message.as_bytes())
                except TemplateProblem:
                    raise
                except Exception:
                    log.exception("could not write the draft of %s: skipped this cycle",
                                  followup.key)
        return wanted

    def cycle(self, now: datetime, *, dry_run: bool = False, sync: bool = True) -> CycleReport:
        report = self.sync(now) if sync else SyncReport()
        plans = self.plan(now)
        wanted = self.drafts_for(plans, now)
        outcome = apply_drafts(wanted, self.sink, self.store, now, dry_run=dry_run,
                               max_new=self.options.max_new_drafts)
        feed_path = None if dry_run else self.publish(plans, now)
        if not dry_run:
            self.store.mark_cycle(now)  # the marker: a lost database is told from a new one
        return CycleReport(report, plans, outcome, feed_path, wanted)

    def publish(self, plans: list[InterviewPlan], now: datetime) -> Path:
        """Write the reminder feed: one event per pending follow-up the user still owes."""
        actions = self.store.actions()
        handled = {key for key, a in actions.items() if a.status == ActionStatus.GONE}
        reminders = reminders_for(plans, actions, handled, self.templates,
                                  self.options.event_minutes, self.policy)
        previous = {row["key"]: FeedRecord(row["uid"], row["content_hash"], row["sequence"],
                                           datetime.fromisoformat(row["changed_at"]))
                    for row in self.store.feed_records()}
        data, records = render_feed(reminders, previous, now, self.options.feed)
        with self.store.transaction():
            self.store.replace_feed_records([
                (key, r.uid, r.content_hash, r.sequence, r.changed_at.isoformat())
                for key, r in records.items()
            ])
        write_feed(self.options.feed_path, data)
        return self.options.feed_path
