"""One cycle: sync -> store -> understand -> plan -> apply -> publish.

The engine owns the store, the sync and the draft sink; understanding and planning are the
pure functions of the modules they live in. Every change to the outside world goes through
`apply_drafts` and `publish`, and a dry run reaches neither the mailbox nor the feed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from radiosilence.apply.drafts import build_draft
from radiosilence.apply.execute import apply_drafts
from radiosilence.apply.reconcile import Draft
from radiosilence.connectors.base import DraftSink
from radiosilence.model import (
    Address,
    CalEvent,
    Category,
    Classification,
    InterviewPlan,
    Kind,
    Mail,
    State,
)
from radiosilence.parse.dates import writer_date
from radiosilence.plan.followups import plan
from radiosilence.plan.policy import PlanPolicy, Timeline
from radiosilence.publish.channels import FeedChannel, ReminderChannel
from radiosilence.publish.feed import FeedOptions, Reminder
from radiosilence.publish.page import PageData, draft_text, load_or_create_secret, write_pages
from radiosilence.publish.reminders import reminders_for, stale_reminder
from radiosilence.render import TemplateProblem, render_text
from radiosilence.report import CycleReport, Named, StaleDraft, kind_name
from radiosilence.store import Action, ActionStatus, Store
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
    page_dir: Path | None = None  # where the status page is written; None: no page


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
                 cycle_time: CycleTime, extra_channels: Sequence[ReminderChannel] = (),
                 *, feed: bool = True) -> None:
        self.store = store
        self.syncer = sync
        self.sink = sink
        self.policy = policy
        self.options = options
        self.templates = templates
        self.cycle_time = cycle_time
        # The feed unless the config leaves it out: it is the overview; the others where
        # the config names them.
        feeds = [FeedChannel(store, options.feed_path, options.feed)] if feed else []
        self.channels: list[ReminderChannel] = [*feeds, *extra_channels]
        # Labels depend only on a stored message, which never changes: computed once each.
        self._labels: dict[str, Classification | None] = {}
        self.sent_keys: frozenset[str] = frozenset()  # our drafts seen among sent mail
        self.last_timelines: dict[str, Timeline] = {}  # of the last plan(), for the page
        self.known_names: dict[str, str] = {}  # address -> name, from the stored mail

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
        self._read_sent(mails)
        declined = self._declined()
        done = self.store.done()
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
            mine = frozenset(k for k in declined if _interview_of(k) == interview.id)
            did = {k: at for k, at in done.items() if _interview_of(k) == interview.id}
            result.append(Timeline(interview, own_mail, labels, later[0] if later else None,
                                   notes.get(interview.id, {}), mine, did))
        return result

    def _read_sent(self, mails: list[Mail]) -> None:
        """What the stored mail tells beyond interviews: which of our drafts were sent, and
        the names of the people in it (for `names`)."""
        self.sent_keys = frozenset(m.our_key for m in mails if m.own and not m.draft
                                   and m.our_key)
        self.known_names = {a.email: a.name for m in mails for a in (m.sender, *m.to, *m.cc)
                            if a.name}

    def _declined(self) -> set[str]:
        """Follow-ups whose draft the person deleted unsent: gone, and not among sent mail."""
        return {key for key, action in self.store.actions().items()
                if action.status == ActionStatus.GONE and key not in self.sent_keys}

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
        self.last_timelines = {t.interview.id: t for t in self.timelines()}
        for timeline in self.last_timelines.values():
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
        stale = self.stale_drafts(plans, wanted)
        reminders = self.reminders(plans, now, stale)
        feed_path = None if dry_run else self.publish(reminders, now)
        if not dry_run:
            self.store.mark_cycle(now)  # the marker: a lost database is told from a new one
            self.render_pages(plans, wanted, stale, reminders, now)
        keys = {*outcome.created, *outcome.updated, *outcome.removed, *outcome.gone,
                *outcome.left_edited}
        return CycleReport(report, plans, outcome, feed_path, wanted, now, reminders, stale,
                           self.names(keys, plans, wanted), self.sent_keys)

    # --- what the person should know -------------------------------------------------------

    def names(self, keys: Iterable[str], plans: list[InterviewPlan],
              wanted: Mapping[str, Draft]) -> dict[str, Named]:
        """Each follow-up key as the person and company it is about."""
        by_id = {p.interview.id: p for p in plans}
        found = {}
        for key in keys:
            email = key.split("/")[2] if key.count("/") >= 3 else ""
            plan_ = by_id.get(_interview_of(key))
            people: list[Address] = [f.to[0] for f in (wanted[key].followup,) if f.to] \
                if key in wanted else []
            if plan_ is not None:
                iv = plan_.interview
                people += [*iv.interviewers, *([iv.organizer] if iv.organizer else []),
                           *(a for f in plan_.followups for a in f.to)]
            person = next((a for a in people if a.email == email and a.name), None)
            name = person.name if person else self.known_names.get(email, email)
            company = plan_.interview.company if plan_ is not None else ""
            found[key] = Named(kind_name(key), name, company)
        return found

    def stale_drafts(self, plans: list[InterviewPlan],
                     wanted: Mapping[str, Draft]) -> list[StaleDraft]:
        """Drafts the person edited that nobody needs any more and that are still there:
        a nudge after a rejection must not be sent by mistake."""
        by_id = {p.interview.id: p for p in plans}
        stale = []
        for key, action in self.store.actions().items():
            plan_ = by_id.get(action.interview_id)
            if action.status != ActionStatus.EDITED or key in wanted or plan_ is None:
                continue
            reason = _pointless(key, plan_)
            if reason and self.sink.get(action.draft_ref) is not None:
                named = self.names([key], plans, wanted)[key]
                stale.append(StaleDraft(key, named, reason))
        return stale

    def reminders(self, plans: list[InterviewPlan], now: datetime,
                  stale: Iterable[StaleDraft] = ()) -> list[Reminder]:
        """The reminders this cycle publishes: one per pending follow-up the user still
        owes, and one per stale draft to delete, placed (`slots.place_reminder`) from where
        the last cycle put them."""
        actions = self.store.actions()
        handled = {key for key, a in actions.items() if a.status == ActionStatus.GONE}
        placed = self.store.reminder_starts()
        found = reminders_for(plans, actions, handled, self.templates,
                              self.options.event_minutes, self.policy, placed, now)
        for item in stale:
            found.append(stale_reminder(item.key, item.text, _touched(actions[item.key]),
                                        placed, now, self.policy, self.options.event_minutes))
        return found

    def publish(self, reminders: list[Reminder], now: datetime) -> Path | None:
        """Hand the reminders to every channel, after recording where each was placed
        (the next cycle keeps a moved reminder there until it rings)."""
        with self.store.transaction():
            self.store.replace_reminder_starts({r.key: r.start for r in reminders})
        for channel in self.channels:
            channel.publish(reminders, now)
        feeds = any(isinstance(channel, FeedChannel) for channel in self.channels)
        return self.options.feed_path if feeds else None

    def render_pages(self, plans: list[InterviewPlan], wanted: Mapping[str, Draft],
                     stale: Sequence[StaleDraft], reminders: Sequence[Reminder],
                     now: datetime) -> None:
        """The status page (`publish/page.py`), when the options name its folder."""
        folder = self.options.page_dir
        if folder is None:
            return
        actions = self.store.actions()
        texts = {key: draft_text(d.raw) for key, d in wanted.items()}
        for key, action in actions.items():  # the person's own version where they edited
            if action.status == ActionStatus.EDITED and (held := self.sink.get(action.draft_ref)):
                texts[key] = draft_text(held.raw)
        data = PageData(plans, self.last_timelines, texts,
                        {key: str(a.status) for key, a in actions.items()},
                        {r.key: r for r in reminders}, [s.text for s in stale], now,
                        self.policy.timezone, self.store.notes(),
                        {key: datetime.fromisoformat(a.created_at)
                         for key, a in actions.items() if a.draft_ref})
        write_pages(folder, data, self.templates, load_or_create_secret(folder.parent))

    def next_due(self, now: datetime) -> datetime | None:
        """The next moment a channel has something to do between cycles."""
        return min((d for c in self.channels if (d := c.due(now)) is not None), default=None)

    def tick(self, now: datetime) -> None:
        for channel in self.channels:
            channel.tick(now)

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
        self.store.close()


def _interview_of(key: str) -> str:
    """The interview id inside a follow-up key (`kind/interview/recipient/clock`)."""
    parts = key.split("/")
    return parts[1] if len(parts) > 1 else ""


def _touched(action: Action) -> datetime:
    return datetime.fromisoformat(action.updated_at)


_CLOSED_BECAUSE = {State.REJECTED: "{company} said no", State.OFFER: "{company} made an offer",
                   State.CANCELLED: "the interview was cancelled",
                   State.IGNORED: "you told radiosilence to ignore that interview"}


def _pointless(key: str, plan_: InterviewPlan) -> str:
    """Why an edited draft is not needed any more, or '' when it may still be sent."""
    company = plan_.interview.company or "the employer"
    if plan_.state in _CLOSED_BECAUSE:
        return _CLOSED_BECAUSE[plan_.state].format(company=company)
    if key.startswith(("nudge/", "final/")) and key not in {f.key for f in plan_.followups}:
        return f"{company} wrote since, or the follow-up is no longer due"
    return ""
