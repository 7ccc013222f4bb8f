"""Carrying out what `reconcile.decide` chose, in order, against the sink and the store.

Intent before effect: before a draft is written the store records it as WRITING, before
one is deleted as REMOVING, and the outcome after the sink call. A crash (or a failed
database write) in between leaves the intent, so the next cycle knows that a draft it
finds, or misses, was its own doing: a written one is adopted, never written twice, and a
deleted one is "removed", never "gone" (sent or deleted by the person). A replace writes
the new draft before deleting the old one; a crash there leaves a copy that
`_drop_leftovers` removes, but only if its content is exactly ours. A delete cut in half
(`_left_behind`) is finished by the next cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from radiosilence.apply.drafts import draft_hash
from radiosilence.apply.reconcile import (
    Adopt,
    Create,
    Draft,
    Note,
    Op,
    Outcome,
    Remove,
    Update,
    check_brake,
    decide,
    hold_back,
    observe,
    outcome_of,
)
from radiosilence.connectors.base import DraftSink
from radiosilence.store import Action, ActionStatus, Store

log = logging.getLogger(__name__)


def apply_drafts(desired: Mapping[str, Draft], sink: DraftSink, store: Store, now: datetime,
                 *, dry_run: bool = False, max_new: int = 10) -> Outcome:
    """Make the Drafts folder match `desired` (keyed by follow-up key).

    An interview that would create more than `max_new` drafts is held back, alone
    (`Outcome.stalled`). Raises BrakeError, before changing anything, when all the others
    together would still create more than `max_new`. A dry run only observes and decides.
    """
    recorded = store.actions()
    ops = decide(recorded, observe(recorded, desired, sink), desired)
    ops, stalled = hold_back(ops, recorded, desired, max_new)
    for ident, count in sorted(stalled.items()):
        log.info("interview %s would get %d drafts at once (limit %d): held back",
                 ident, count, max_new)
    check_brake(ops, max_new)
    if not dry_run:
        execute(ops, recorded, sink, store, now)
    outcome = outcome_of(ops)
    outcome.stalled = stalled
    return outcome


def execute(ops: list[Op], recorded: Mapping[str, Action], sink: DraftSink, store: Store,
            now: datetime) -> None:
    actions = dict(recorded)  # kept current as the operations go
    for op in ops:
        match op:
            case Note():
                log.info("draft %s %s", op.key, _noticed(op))
                # Before the record: a crash in between brings the same note, and delete, back.
                stale = _left_behind(op, actions[op.key])
                if stale and _untouched(sink, stale, actions[op.key]):
                    sink.delete(stale)
                _record(store, actions, op.key, now, **op.changes())
            case Create():
                _save(store, actions, _new_action(op.draft, "", now, ActionStatus.WRITING))
                ref = sink.put(op.draft.raw, op.key, thread_hint=op.draft.thread_hint)
                # A crash right here leaves WRITING: the next cycle's observe() finds the
                # draft by its key and adopts it.
                _record(store, actions, op.key, now, draft_ref=ref,
                        status=ActionStatus.DRAFTED)
            case Update():
                ref = sink.put(op.draft.raw, op.key, replace=op.ref,
                               thread_hint=op.draft.thread_hint)
                _record(store, actions, op.key, now, draft_ref=ref, content_hash=op.draft.hash)
                _drop_leftovers(sink, op.key, ref, {op.old_hash, op.draft.hash})
            case Remove():
                _record(store, actions, op.key, now, status=ActionStatus.REMOVING)
                sink.delete(op.ref)
                _record(store, actions, op.key, now, status=ActionStatus.REMOVED)
            case Adopt():
                _save(store, actions, _new_action(op.draft, op.ref, now, op.status))


def _noticed(note: Note) -> str:
    if note.status == ActionStatus.EDITED:
        return "was edited by you: left alone from now on"
    if note.status == ActionStatus.GONE:
        return "was sent or deleted by you"
    if note.status == ActionStatus.REMOVED:
        return "was removed by us before an interruption"
    if note.status == ActionStatus.DRAFTED:
        return "found as we wrote it, after an interrupted write or removal"
    if note.content_hash is not None:
        return "found as we last wrote it, after an interrupted write"
    return "found where it moved"


def _left_behind(note: Note, action: Action) -> str:
    """The ref of a draft our own interrupted removal (or the removal half of a replace)
    may have left half-done, now that observing no longer finds it there; "" if none.

    A removal can take two steps that a crash may cut apart (IMAP: STORE \\Deleted, then
    EXPUNGE), and the sink then hides the draft while the person's mail program may still
    show it. Deleting a ref that is gone is harmless, so the delete is simply issued again.
    """
    old = action.draft_ref
    if not old or note.ref == old:
        return ""
    if action.status == ActionStatus.REMOVING and note.status == ActionStatus.REMOVED:
        return old
    if note.content_hash is not None and note.ref is not None:
        return old  # our new version found elsewhere: the old one was being replaced
    return ""


def _untouched(sink: DraftSink, ref: str, action: Action) -> bool:
    """Whether the draft `ref` is out of view or exactly as we recorded it: never delete a
    version the person changed, even one a half-done removal left behind."""
    current = sink.get(ref)
    return current is None or draft_hash(current.raw) == action.content_hash


def _drop_leftovers(sink: DraftSink, key: str, keep: str, ours: set[str]) -> None:
    """Remove extra copies of our draft left by a replace that a crash interrupted.

    Only copies whose content is exactly what we wrote go; anything else is the user's.
    """
    for extra in sink.find_all(key):
        if extra.ref != keep and draft_hash(extra.raw) in ours:
            log.info("removing a leftover copy of draft %s", key)
            sink.delete(extra.ref)


def _new_action(draft: Draft, ref: str, now: datetime, status: ActionStatus) -> Action:
    f = draft.followup
    stamp = now.isoformat()
    return Action(key=f.key, kind=str(f.kind), interview_id=f.interview_id,
                  recipient=f.to[0].email if f.to else "", draft_ref=ref,
                  content_hash=draft.hash, status=status, due=f.due.isoformat(),
                  created_at=stamp, updated_at=stamp)


def _record(store: Store, actions: dict[str, Action], key: str, now: datetime,
            **changes: str) -> None:
    _save(store, actions, replace(actions[key], updated_at=now.isoformat(), **changes))


def _save(store: Store, actions: dict[str, Action], action: Action) -> None:
    with store.transaction():
        store.put_action(action)
    actions[action.key] = action
