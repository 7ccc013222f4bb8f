"""The one place that changes the mailbox: desired drafts vs. what we recorded.

Idempotent by key. Before creating a draft we look for one carrying its key, so a crash
between "draft written" and "action saved" is healed by adopting that draft, never by
writing a second. A draft whose content no longer matches what we wrote was edited by the
user and is never touched again. Nothing here can send mail: sinks only store drafts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from radiosilence.apply.drafts import draft_hash
from radiosilence.connectors.base import DraftSink, StoredDraft
from radiosilence.model import FollowUp
from radiosilence.store import Action, Store

log = logging.getLogger(__name__)


class BrakeError(Exception):
    """A cycle would create more drafts at once than the configured limit."""


@dataclass(frozen=True)
class Draft:
    """A draft we want to exist now: its follow-up and the RFC 5322 bytes."""

    followup: FollowUp
    raw: bytes

    @property
    def hash(self) -> str:
        return draft_hash(self.raw)

    @property
    def thread_hint(self) -> str:
        thread = self.followup.thread
        return thread.thread_hint if thread else ""


@dataclass
class Outcome:
    """What a cycle did (or, in a dry run, would do), as lists of follow-up keys."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    left_edited: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.removed)


def apply_drafts(desired: Mapping[str, Draft], sink: DraftSink, store: Store, now: datetime,
                 *, dry_run: bool = False, max_new: int = 10) -> Outcome:
    """Make the Drafts folder match `desired` (keyed by follow-up key).

    Raises BrakeError, before changing anything, when more than `max_new` drafts would be
    created in this one cycle.
    """
    recorded = store.actions()
    outcome = Outcome()
    _refresh(recorded, desired, sink, store, now, outcome, dry_run)
    recorded = store.actions() if not dry_run else recorded
    to_create = [key for key in desired if key not in recorded
                 or recorded[key].status == "removed"]
    if len(to_create) > max_new:
        raise BrakeError(
            f"this cycle would create {len(to_create)} drafts (limit {max_new}): check "
            "`radiosilence plan`, then raise drafts.max_new_per_cycle if it is right"
        )
    for key, draft in desired.items():
        _bring_in_line(key, draft, recorded.get(key), sink, store, now, outcome, dry_run)
    for key, action in recorded.items():
        if key not in desired and action.status == "drafted":
            _remove_obsolete(action, sink, store, now, outcome, dry_run)
    return outcome


def _refresh(recorded: dict[str, Action], desired: Mapping[str, Draft], sink: DraftSink,
             store: Store, now: datetime, outcome: Outcome, dry_run: bool) -> None:
    """Look at every draft we made that is still ours: sent, deleted or edited since?"""
    for key, action in recorded.items():
        if action.status != "drafted":
            continue
        current = sink.get(action.draft_ref) or sink.find(key)
        if current is None:
            outcome.gone.append(key)
            _record(store, action, now, dry_run, status="gone")
            continue
        found = draft_hash(current.raw)
        if found != action.content_hash and key in desired and found == desired[key].hash:
            # Exactly what we write now: our own update, written just before a crash kept
            # us from recording it. Still ours, not an edit of the user's.
            _record(store, action, now, dry_run, draft_ref=current.ref, content_hash=found)
        elif found != action.content_hash:
            outcome.left_edited.append(key)
            log.info("draft %s was edited by you: left alone from now on", key)
            _record(store, action, now, dry_run, status="edited", draft_ref=current.ref)
        elif current.ref != action.draft_ref:
            _record(store, action, now, dry_run, draft_ref=current.ref)


def _bring_in_line(key: str, draft: Draft, action: Action | None, sink: DraftSink,
                   store: Store, now: datetime, outcome: Outcome, dry_run: bool) -> None:
    if action is not None and action.status in ("gone", "edited"):
        return  # the user has it in hand: never recreate or overwrite
    if action is not None and action.status == "drafted":
        if action.content_hash != draft.hash:
            outcome.updated.append(key)
            if not dry_run:
                ref = sink.put(draft.raw, key, replace=action.draft_ref,
                               thread_hint=draft.thread_hint)
                _record(store, action, now, dry_run, draft_ref=ref, content_hash=draft.hash)
                _drop_leftovers(sink, key, ref, {action.content_hash, draft.hash})
        return
    existing = sink.find(key)
    if existing is not None:
        _adopt(key, draft, existing, store, now, outcome, dry_run)
        return
    outcome.created.append(key)
    if dry_run:
        return
    ref = sink.put(draft.raw, key, thread_hint=draft.thread_hint)
    # A crash right here leaves a draft without a record: the next cycle's find() adopts it.
    with store.transaction():
        store.put_action(_new_action(draft, ref, now))


def _drop_leftovers(sink: DraftSink, key: str, keep: str, ours: set[str]) -> None:
    """Remove extra copies of our draft left by a replace that a crash interrupted.

    Only copies whose content is exactly what we wrote go; anything else is the user's.
    """
    for extra in sink.find_all(key):
        if extra.ref != keep and draft_hash(extra.raw) in ours:
            log.info("removing a leftover copy of draft %s", key)
            sink.delete(extra.ref)


def _adopt(key: str, draft: Draft, existing: StoredDraft, store: Store, now: datetime,
           outcome: Outcome, dry_run: bool) -> None:
    """A draft with our key but no record: written just before a crash. If its content is
    not what we would write now, the user may have edited it, so hands off."""
    outcome.adopted.append(key)
    status = "drafted" if draft_hash(existing.raw) == draft.hash else "edited"
    if not dry_run:
        action = _new_action(draft, existing.ref, now)
        with store.transaction():
            store.put_action(replace(action, status=status))


def _remove_obsolete(action: Action, sink: DraftSink, store: Store, now: datetime,
                     outcome: Outcome, dry_run: bool) -> None:
    """Remove an untouched draft nobody needs any more (reply came, interview cancelled)."""
    outcome.removed.append(action.key)
    if not dry_run:
        sink.delete(action.draft_ref)
        _record(store, action, now, dry_run, status="removed")


def _new_action(draft: Draft, ref: str, now: datetime) -> Action:
    f = draft.followup
    stamp = now.isoformat()
    return Action(key=f.key, kind=str(f.kind), interview_id=f.interview_id,
                  recipient=f.to[0].email if f.to else "", draft_ref=ref,
                  content_hash=draft.hash, status="drafted", due=f.due.isoformat(),
                  created_at=stamp, updated_at=stamp)


def _record(store: Store, action: Action, now: datetime, dry_run: bool, **changes: str) -> None:
    if dry_run:
        return
    with store.transaction():
        store.put_action(replace(action, updated_at=now.isoformat(), **changes))
