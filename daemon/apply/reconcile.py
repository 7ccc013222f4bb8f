"""The one place that changes the mailbox: desired drafts vs. what we recorded.

Three steps. `observe` looks at the drafts the sink holds for our keys; `decide`, a pure
function, turns what we recorded, what we observed and what we want into a list of
operations; `execute` (in `execute.py`) carries them out. A dry run decides and stops.

Idempotent by key. Before creating a draft we look for one carrying its key, so a crash
between "draft written" and "action saved" is healed by adopting that draft, never by
writing a second. A draft whose content no longer matches what we wrote was edited by the
user and is never touched again. Nothing here can send mail: sinks only store drafts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from radiosilence.apply.drafts import draft_hash
from radiosilence.connectors.base import DraftSink, StoredDraft
from radiosilence.model import FollowUp
from radiosilence.store import Action, ActionStatus


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


@dataclass(frozen=True)
class Observed:
    """What the sink holds: for each draft we recorded as ours, the draft now there (None if
    gone); for each wanted key we hold no draft for, a draft carrying it (a crash's orphan)."""

    current: Mapping[str, StoredDraft | None] = field(default_factory=dict)
    orphans: Mapping[str, StoredDraft] = field(default_factory=dict)


# --- the operations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Create:
    key: str
    draft: Draft


@dataclass(frozen=True)
class Update:
    """Replace our untouched draft `ref` (content `old_hash`) with a new version."""

    key: str
    draft: Draft
    ref: str
    old_hash: str


@dataclass(frozen=True)
class Remove:
    """Delete our untouched draft: nobody needs it any more (reply came, interview closed)."""

    key: str
    ref: str


@dataclass(frozen=True)
class Adopt:
    """Record a draft with our key that we hold no record of; EDITED when its content is
    not what we would write now (the user may have changed it: hands off)."""

    key: str
    draft: Draft
    ref: str
    status: ActionStatus


@dataclass(frozen=True)
class Note:
    """Record what observing found: the draft moved (`ref`), our own update written before a
    crash kept us from recording it (`content_hash`), or a new `status` (EDITED, GONE)."""

    key: str
    ref: str | None = None
    content_hash: str | None = None
    status: ActionStatus | None = None

    def changes(self) -> dict[str, str]:
        """The fields of the recorded `Action` this note changes."""
        return {name: value for name, value in (("draft_ref", self.ref),
                                                ("content_hash", self.content_hash),
                                                ("status", self.status)) if value is not None}


Op = Create | Update | Remove | Adopt | Note


@dataclass
class Outcome:
    """What a cycle did (or, in a dry run, would do), as lists of follow-up keys."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    left_edited: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    # Interviews held back by the brake, with the number of drafts each would have created.
    stalled: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.removed)


# --- observe, decide ------------------------------------------------------------------------


def observe(recorded: Mapping[str, Action], desired: Mapping[str, Draft],
            sink: DraftSink) -> Observed:
    """Look up, in the sink, every draft `decide` needs to know about; changes nothing."""
    current = {key: (action.draft_ref and sink.get(action.draft_ref)) or sink.find(key)
               for key, action in recorded.items() if action.status in _IN_SINK}
    orphans = {}
    for key in desired:
        action = recorded.get(key)
        if action is None or action.status == ActionStatus.REMOVED:
            if (found := sink.find(key)) is not None:
                orphans[key] = found
    return Observed(current, orphans)


# What we recorded of drafts the sink holds, or may hold after an interrupted write or delete.
_IN_SINK = (ActionStatus.DRAFTED, ActionStatus.WRITING, ActionStatus.REMOVING)


def decide(recorded: Mapping[str, Action], observed: Observed,
           desired: Mapping[str, Draft]) -> list[Op]:
    """The operations that make the mailbox match `desired`. Pure: same input, same list."""
    ops: list[Op] = []
    now_recorded = dict(recorded)
    for key, action in recorded.items():
        if action.status in _IN_SINK:
            note = _notice(key, action, observed.current.get(key), desired.get(key))
            if note is not None:
                ops.append(note)
                now_recorded[key] = replace(action, **note.changes())
    for key, draft in desired.items():
        ops.extend(_bring_in_line(key, draft, now_recorded.get(key), observed))
    ops.extend(Remove(key, action.draft_ref) for key, action in now_recorded.items()
               if key not in desired and action.status == ActionStatus.DRAFTED)
    return ops


def _notice(key: str, action: Action, current: StoredDraft | None,
            wanted: Draft | None) -> Note | None:
    """What became of a draft we recorded as ours: sent or deleted, edited, or moved; or,
    after an interrupted write or delete, whether the sink holds it (then it is ours again)."""
    interrupted = action.status != ActionStatus.DRAFTED
    if current is None:
        # Vanished without our intent: the person sent or deleted it. With our intent
        # (REMOVING), or never written (WRITING): it is simply not there, by our doing.
        return Note(key, status=ActionStatus.REMOVED if interrupted else ActionStatus.GONE)
    found = draft_hash(current.raw)
    ours = ActionStatus.DRAFTED if interrupted else None
    if found != action.content_hash and wanted is not None and found == wanted.hash:
        # Exactly what we write now: our own update, written just before a crash kept us
        # from recording it. Still ours, not an edit of the user's.
        return Note(key, ref=current.ref, content_hash=found, status=ours)
    if found != action.content_hash:
        return Note(key, ref=current.ref, status=ActionStatus.EDITED)
    if current.ref != action.draft_ref or interrupted:
        return Note(key, ref=current.ref, status=ours)
    return None


def _bring_in_line(key: str, draft: Draft, action: Action | None,
                   observed: Observed) -> list[Op]:
    if action is not None and action.status in (ActionStatus.GONE, ActionStatus.EDITED):
        return []  # the user has it in hand: never recreate or overwrite
    if action is not None and action.status == ActionStatus.DRAFTED:
        if action.content_hash == draft.hash:
            return []
        return [Update(key, draft, action.draft_ref, action.content_hash)]
    orphan = observed.orphans.get(key)
    if orphan is not None:
        same = draft_hash(orphan.raw) == draft.hash
        return [Adopt(key, draft, orphan.ref,
                      ActionStatus.DRAFTED if same else ActionStatus.EDITED)]
    return [Create(key, draft)]


def outcome_of(ops: list[Op]) -> Outcome:
    outcome = Outcome()
    for op in ops:
        match op:
            case Create():
                outcome.created.append(op.key)
            case Update():
                outcome.updated.append(op.key)
            case Remove():
                outcome.removed.append(op.key)
            case Adopt() | Note(status=ActionStatus.DRAFTED):  # found after an interruption
                outcome.adopted.append(op.key)
            case Note(status=ActionStatus.EDITED):
                outcome.left_edited.append(op.key)
            case Note(status=ActionStatus.GONE):
                outcome.gone.append(op.key)
    return outcome


def hold_back(ops: list[Op], recorded: Mapping[str, Action], desired: Mapping[str, Draft],
              max_new: int) -> tuple[list[Op], dict[str, int]]:
    """The brake, per interview: an interview whose operations would create more than
    `max_new` drafts at once (a hostile invite with thousands of attendees) keeps none of
    its changes this cycle, only what observing found; the others go on. Returns the
    operations left and, per stalled interview id, how many drafts it asked for."""
    def interview_of(key: str) -> str:
        draft = desired.get(key)
        return draft.followup.interview_id if draft else recorded[key].interview_id

    creates = Counter(interview_of(op.key) for op in ops if isinstance(op, Create))
    stalled = {ident: count for ident, count in creates.items() if count > max_new}
    kept = [op for op in ops if isinstance(op, Note) or interview_of(op.key) not in stalled]
    return kept, stalled


def check_brake(ops: list[Op], max_new: int) -> None:
    """Raise BrakeError when the operations would create more than `max_new` drafts: the
    last guard, once `hold_back` has stopped every single interview that asks too much."""
    creates = sum(1 for op in ops if isinstance(op, Create))
    if creates > max_new:
        raise BrakeError(
            f"this cycle would create {creates} drafts (limit {max_new}): check "
            "`radiosilence plan`, then raise drafts.max_new_per_cycle if it is right"
        )
