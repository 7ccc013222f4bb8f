"""Apply in process: the decision as a pure function, and its execution over the in-memory
draft sink and `Store(":memory:")`. Every branch of observe -> decide -> execute, including
the crash points that the subprocess tests of test_crash.py reach with a real kill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from radiosilence.apply.drafts import build_draft, draft_hash
from radiosilence.apply.execute import apply_drafts, execute
from radiosilence.apply.reconcile import (
    Adopt,
    BrakeError,
    Create,
    Draft,
    Note,
    Observed,
    Remove,
    Update,
    decide,
    observe,
)
from radiosilence.connectors.base import StoredDraft
from radiosilence.connectors.memory import MemoryDrafts, MemoryDraftSink
from radiosilence.model import Address, FollowUp, Kind
from radiosilence.store import Action, ActionStatus, Store

NOW = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)
ME = Address("sam@seeker.example", "Sam Seeker")


def draft(name: str = "hannah", body: str = "Thank you for your time today.",
          interview: str = "iv-1") -> Draft:
    person = Address(f"{name}@brightloom.example", name.title())
    followup = FollowUp(key=f"thank-you/{interview}/{person.email}/0", kind=Kind.THANK_YOU,
                        interview_id=interview, to=(person,), due=NOW + timedelta(days=1),
                        remind_at=NOW + timedelta(hours=2))
    message = build_draft(followup, ME, "Thank you", body, NOW)
    return Draft(followup, message.as_bytes())


def edited(raw: bytes) -> bytes:
    return raw.replace(b"Thank you for your time today.", b"Thanks so much for today!")


@pytest.fixture
def folder() -> MemoryDrafts:
    return MemoryDrafts()


@pytest.fixture
def sink(folder: MemoryDrafts) -> MemoryDraftSink:
    return folder.sink()


@pytest.fixture
def store() -> Store:
    return Store(":memory:")


def want(*drafts: Draft) -> dict[str, Draft]:
    return {d.followup.key: d for d in drafts}


def status(store: Store, wanted: Draft) -> ActionStatus:
    return store.actions()[wanted.followup.key].status


# --- the decision, pure ---------------------------------------------------------------------


def test_nothing_recorded_nothing_found_creates() -> None:
    d = draft()
    assert decide({}, Observed(), want(d)) == [Create(d.followup.key, d)]


def test_decide_is_pure_and_touches_nothing() -> None:
    d, other = draft(), draft("lukas")
    recorded = {d.followup.key: _action(d, "draft-1")}
    observed = Observed(current={d.followup.key: StoredDraft("draft-1", d.followup.key,
                                                             edited(d.raw))})
    first = decide(recorded, observed, want(d, other))
    assert first == decide(recorded, observed, want(d, other))
    assert first == [Note(d.followup.key, ref="draft-1", status=ActionStatus.EDITED),
                     Create(other.followup.key, other)]


def test_a_recorded_draft_that_vanished_is_gone_and_never_recreated() -> None:
    d = draft()
    ops = decide({d.followup.key: _action(d, "draft-1")}, Observed(current={}), want(d))
    assert ops == [Note(d.followup.key, status=ActionStatus.GONE)]


def test_an_orphan_with_other_content_is_adopted_as_edited() -> None:
    d = draft()
    orphan = StoredDraft("draft-9", d.followup.key, edited(d.raw))
    ops = decide({}, Observed(orphans={d.followup.key: orphan}), want(d))
    assert ops == [Adopt(d.followup.key, d, "draft-9", ActionStatus.EDITED)]


def test_records_of_the_user_and_our_removals_are_left_alone_when_unwanted() -> None:
    d = draft()
    for state in (ActionStatus.GONE, ActionStatus.EDITED, ActionStatus.REMOVED):
        assert decide({d.followup.key: _action(d, "r", state)}, Observed(), {}) == []


# --- execution over the memory sink ---------------------------------------------------------


def test_create_then_nothing_to_do(sink: MemoryDraftSink, store: Store) -> None:
    d = draft()
    assert apply_drafts(want(d), sink, store, NOW).created == [d.followup.key]
    [stored] = sink.find_all(d.followup.key)
    assert stored.raw == d.raw and status(store, d) == ActionStatus.DRAFTED
    again = apply_drafts(want(d), sink, store, NOW)
    assert again.changes == 0 and len(sink.find_all(d.followup.key)) == 1


def test_dry_run_decides_but_changes_nothing(sink: MemoryDraftSink, store: Store) -> None:
    d = draft()
    outcome = apply_drafts(want(d), sink, store, NOW, dry_run=True)
    assert outcome.created == [d.followup.key]
    assert sink.find(d.followup.key) is None and store.actions() == {}


def test_brake_stops_before_anything_is_written(folder: MemoryDrafts, store: Store) -> None:
    sink = folder.sink()
    first = draft("hannah")
    apply_drafts(want(first), sink, store, NOW)
    sink.delete(sink.find(first.followup.key).ref)  # type: ignore[union-attr]
    many = [draft(f"person{i}", interview=f"iv-{i + 2}") for i in range(3)]
    before = store.actions()
    with pytest.raises(BrakeError, match="would create 3 drafts"):
        apply_drafts(want(first, *many), sink, store, NOW, max_new=2)
    # The deletion noticed on the way is not recorded either: nothing at all was written.
    assert store.actions() == before and len(folder.drafts) == 0


def test_one_interview_asking_too_much_is_held_back_alone(folder: MemoryDrafts,
                                                           store: Store) -> None:
    """A hostile invite (thousands of attendees) stops only its own interview: the others
    get their drafts, and the outcome names the one held back."""
    sink = folder.sink()
    hostile = [draft(f"attendee{i}", interview="iv-spam") for i in range(10_000)]
    fine = [draft("hannah"), draft("lukas", interview="iv-2")]
    outcome = apply_drafts(want(*hostile, *fine), sink, store, NOW, max_new=10)
    assert outcome.stalled == {"iv-spam": 10_000}
    assert sorted(outcome.created) == sorted(d.followup.key for d in fine)
    assert len(folder.drafts) == 2 and set(store.actions()) == set(want(*fine))


def test_untouched_draft_is_updated_in_place(sink: MemoryDraftSink, store: Store) -> None:
    old, new = draft(), draft(body="Thank you for the tour of the platform team.")
    apply_drafts(want(old), sink, store, NOW)
    outcome = apply_drafts(want(new), sink, store, NOW + timedelta(hours=1))
    assert outcome.updated == [new.followup.key]
    [stored] = sink.find_all(new.followup.key)
    assert stored.raw == new.raw
    assert store.actions()[new.followup.key].content_hash == new.hash


def test_edited_draft_is_never_touched_again(sink: MemoryDraftSink, store: Store) -> None:
    old, new = draft(), draft(body="A different text we would write now.")
    apply_drafts(want(old), sink, store, NOW)
    ref = sink.find(old.followup.key).ref  # type: ignore[union-attr]
    sink.folder.drafts[ref] = edited(old.raw)
    assert apply_drafts(want(new), sink, store, NOW).left_edited == [old.followup.key]
    assert status(store, old) == ActionStatus.EDITED
    for _ in range(2):  # neither updated nor removed, wanted or not
        apply_drafts(want(new), sink, store, NOW)
        apply_drafts({}, sink, store, NOW)
    assert sink.get(ref).raw == edited(old.raw)  # type: ignore[union-attr]


def test_deleted_draft_is_gone_for_good(sink: MemoryDraftSink, store: Store) -> None:
    d = draft()
    apply_drafts(want(d), sink, store, NOW)
    sink.delete(sink.find(d.followup.key).ref)  # type: ignore[union-attr]
    assert apply_drafts(want(d), sink, store, NOW).gone == [d.followup.key]
    assert apply_drafts(want(d), sink, store, NOW).changes == 0
    assert sink.find(d.followup.key) is None and status(store, d) == ActionStatus.GONE


def test_unwanted_draft_is_removed_and_can_come_back(sink: MemoryDraftSink,
                                                     store: Store) -> None:
    d = draft()
    apply_drafts(want(d), sink, store, NOW)
    assert apply_drafts({}, sink, store, NOW).removed == [d.followup.key]
    assert sink.find(d.followup.key) is None and status(store, d) == ActionStatus.REMOVED
    assert apply_drafts(want(d), sink, store, NOW).created == [d.followup.key]
    assert status(store, d) == ActionStatus.DRAFTED


def test_crash_after_put_is_healed_by_adoption(sink: MemoryDraftSink, store: Store) -> None:
    d = draft()
    sink.put(d.raw, d.followup.key)  # written, then the process died before recording
    outcome = apply_drafts(want(d), sink, store, NOW)
    assert outcome.adopted == [d.followup.key] and outcome.created == []
    assert len(sink.find_all(d.followup.key)) == 1 and status(store, d) == ActionStatus.DRAFTED


def test_crash_inside_an_update_leaves_one_draft(folder: MemoryDrafts, store: Store) -> None:
    """The new version was written and the old one not yet deleted nor the change recorded:
    the next cycle takes the new one for ours and drops the old copy."""
    sink = folder.sink()
    old, new = draft(), draft(body="Thank you for the tour of the platform team.")
    apply_drafts(want(old), sink, store, NOW)
    old_ref = sink.find(old.followup.key).ref  # type: ignore[union-attr]
    folder.drafts[folder.new_ref()] = new.raw  # the replace's first half, then a kill
    assert len(sink.find_all(new.followup.key)) == 2
    outcome = apply_drafts(want(new), sink, store, NOW)
    assert outcome.updated == [new.followup.key]
    [kept] = sink.find_all(new.followup.key)
    assert kept.raw == new.raw and old_ref not in folder.drafts


def test_recorded_update_found_where_it_moved(sink: MemoryDraftSink, store: Store) -> None:
    d = draft()
    apply_drafts(want(d), sink, store, NOW)
    ref = sink.find(d.followup.key).ref  # type: ignore[union-attr]
    moved = sink.put(d.raw, d.followup.key, replace=ref)  # a mail client saved it anew
    assert apply_drafts(want(d), sink, store, NOW).changes == 0
    assert store.actions()[d.followup.key].draft_ref == moved


def test_execute_runs_exactly_the_operations_given(sink: MemoryDraftSink, store: Store) -> None:
    d, gone = draft(), draft("lukas")
    recorded = {gone.followup.key: _action(gone, "draft-x")}
    with store.transaction():
        store.put_action(recorded[gone.followup.key])
    ops = decide(recorded, observe(recorded, want(d), sink), want(d))
    assert [type(op) for op in ops] == [Note, Create]
    execute(ops, recorded, sink, store, NOW)
    assert status(store, gone) == ActionStatus.GONE and status(store, d) == ActionStatus.DRAFTED
    assert draft_hash(sink.find(d.followup.key).raw) == d.hash  # type: ignore[union-attr]


def test_remove_operation_deletes_only_our_ref(sink: MemoryDraftSink, store: Store) -> None:
    d = draft()
    apply_drafts(want(d), sink, store, NOW)
    ref = sink.find(d.followup.key).ref  # type: ignore[union-attr]
    assert decide(store.actions(), observe(store.actions(), {}, sink), {}) == [
        Remove(d.followup.key, ref)]


def test_update_operation_names_the_old_version(sink: MemoryDraftSink, store: Store) -> None:
    old, new = draft(), draft(body="Another text.")
    apply_drafts(want(old), sink, store, NOW)
    ref = sink.find(old.followup.key).ref  # type: ignore[union-attr]
    ops = decide(store.actions(), observe(store.actions(), want(new), sink), want(new))
    assert ops == [Update(new.followup.key, new, ref, old.hash)]


def _action(d: Draft, ref: str, state: ActionStatus = ActionStatus.DRAFTED) -> Action:
    stamp = NOW.isoformat()
    return Action(key=d.followup.key, kind="thank-you", interview_id="iv-1",
                  recipient=d.followup.to[0].email, draft_ref=ref, content_hash=d.hash,
                  status=state, due=stamp, created_at=stamp, updated_at=stamp)


# --- intent before effect: what a crash between intent and outcome leaves -------------------


def test_a_draft_missing_after_our_own_removal_is_removed_not_gone() -> None:
    d = draft()
    recorded = {d.followup.key: _action(d, "draft-1", ActionStatus.REMOVING)}
    assert decide(recorded, Observed({d.followup.key: None}), {}) == [
        Note(d.followup.key, status=ActionStatus.REMOVED)]


def test_a_draft_still_there_after_an_interrupted_removal_is_removed_again() -> None:
    d = draft()
    recorded = {d.followup.key: _action(d, "draft-1", ActionStatus.REMOVING)}
    found = StoredDraft("draft-1", d.followup.key, d.raw)
    assert decide(recorded, Observed({d.followup.key: found}), {}) == [
        Note(d.followup.key, ref="draft-1", status=ActionStatus.DRAFTED),
        Remove(d.followup.key, "draft-1")]


def test_an_interrupted_write_is_adopted_if_written_and_written_if_not() -> None:
    d = draft()
    key = d.followup.key
    recorded = {key: _action(d, "", ActionStatus.WRITING)}
    found = StoredDraft("draft-7", key, d.raw)
    assert decide(recorded, Observed({key: found}), want(d)) == [
        Note(key, ref="draft-7", status=ActionStatus.DRAFTED)]
    assert decide(recorded, Observed({key: None}), want(d)) == [
        Note(key, status=ActionStatus.REMOVED), Create(key, d)]


def test_removal_records_its_intent_before_the_delete(folder: MemoryDrafts,
                                                      store: Store) -> None:
    sink = folder.sink()
    d = draft()
    apply_drafts(want(d), sink, store, NOW)
    seen = []
    real_delete = sink.delete

    def delete(ref: str) -> None:
        seen.append(status(store, d))
        real_delete(ref)

    sink.delete = delete  # type: ignore[method-assign]
    apply_drafts({}, sink, store, NOW + timedelta(hours=1))
    assert seen == [ActionStatus.REMOVING] and status(store, d) == ActionStatus.REMOVED


def test_draft_hash_never_raises_on_what_a_person_may_leave() -> None:
    """4,000 header and body sets a mail program or a hand edit could leave: raw UTF-8 and
    Latin-1 bytes, unknown charsets, broken encoded words and boundaries. Each hashes."""
    import random

    rng = random.Random(15)
    pieces = {
        "To": ["Tomás <tomás@example.org>".encode(), b"=?utf-8?q?T=C3=A9?= <t@x.y>",
               b"<@bad", b"a@b, , \xff\xfe@c", "Zoë <zoë@exämple.org>".encode("latin-1"),
               b"undisclosed-recipients:;", b"=?bogus?x?zz?= <z@z.z>"],
        "Subject": [b"Re: caf\xc3\xa9", b"=?utf-8?b?!!!?=", b"\xe9t\xe9", b"",
                    b"=?unknown-8bit?q?x?="],
        "Content-Type": [b"text/plain; charset=unknown-8bit", b"text/plain; charset=foo",
                         b'multipart/alternative; boundary="b"', b"text/html", b"text/plain",
                         b"multipart/mixed"],
        "Content-Transfer-Encoding": [b"8bit", b"base64", b"quoted-printable", b"x-uuencode",
                                      b"7bit"],
    }
    bodies = [b"caf\xe9\r\n", "thé\n".encode(), b"--b\r\nContent-Type: text/plain; charset=x\r\n"
              b"\r\nhi\r\n--b--\r\n", b"=E9=\r\n", b"!!!not base64", b""]
    for _ in range(4000):
        headers = [name.encode() + b": " + rng.choice(values)
                   for name, values in pieces.items() if rng.random() < 0.8]
        raw = b"\r\n".join([b"From: sam@seeker.example", *headers, b"", rng.choice(bodies)])
        assert len(draft_hash(raw)) == 64


class _Cut(Exception):
    """The process died between the two halves of a delete."""


class _HalfDeletingSink(MemoryDraftSink):
    """A sink whose delete takes two steps, as IMAP's STORE \\Deleted then EXPUNGE: a draft
    between them is hidden from every read but still in the folder (and in the person's
    mail program). With `cut`, the next delete stops after its first step."""

    def __init__(self, folder: MemoryDrafts) -> None:
        super().__init__(folder)
        self.hidden: set[str] = set()
        self.cut = False

    def get(self, ref: str) -> StoredDraft | None:
        return None if ref in self.hidden else super().get(ref)

    def find_all(self, key: str) -> list[StoredDraft]:
        return [d for d in super().find_all(key) if d.ref not in self.hidden]

    def put(self, raw: bytes, key: str, replace: str | None = None,
            thread_hint: str = "") -> str:
        ref = super().put(raw, key)
        if replace is not None:
            self.delete(replace)
        return ref

    def delete(self, ref: str) -> None:
        self.hidden.add(ref)
        if self.cut:
            self.cut = False
            raise _Cut
        self.hidden.discard(ref)
        super().delete(ref)


def test_a_removal_cut_in_half_is_finished_by_the_next_cycle(folder: MemoryDrafts,
                                                             store: Store) -> None:
    sink = _HalfDeletingSink(folder)
    d = draft()
    apply_drafts(want(d), sink, store, NOW)
    sink.cut = True
    with pytest.raises(_Cut):
        apply_drafts({}, sink, store, NOW + timedelta(hours=1))
    assert len(folder.drafts) == 1, "flagged, not yet expunged"
    apply_drafts({}, sink, store, NOW + timedelta(hours=2))
    assert folder.drafts == {} and status(store, d) == ActionStatus.REMOVED


def test_a_replace_cut_in_its_delete_leaves_only_the_new_version(folder: MemoryDrafts,
                                                                 store: Store) -> None:
    sink = _HalfDeletingSink(folder)
    old, new = draft(), draft(body="Thank you for the tour of the platform team.")
    apply_drafts(want(old), sink, store, NOW)
    sink.cut = True
    with pytest.raises(_Cut):
        apply_drafts(want(new), sink, store, NOW + timedelta(hours=1))
    assert len(folder.drafts) == 2, "the new version written, the old one half deleted"
    outcome = apply_drafts(want(new), sink, store, NOW + timedelta(hours=2))
    assert outcome.changes == 0 and list(folder.drafts.values()) == [new.raw]
    assert status(store, new) == ActionStatus.DRAFTED


def test_a_version_the_person_changed_is_never_deleted_as_left_behind(
        folder: MemoryDrafts, store: Store) -> None:
    sink = MemoryDraftSink(folder)
    old, new = draft(), draft(body="Thank you for the tour of the platform team.")
    apply_drafts(want(old), sink, store, NOW)
    (action,) = store.actions().values()
    edited = old.raw.replace(b"Thank you", b"Many thanks")
    folder.drafts[action.draft_ref] = edited  # the old version, changed by the person
    new_ref = sink.put(new.raw, action.key)
    # What observing reports when it finds our new version written before a crash: the
    # recorded ref is left behind, but it holds the person's words and must stay.
    note = Note(action.key, ref=new_ref, content_hash=new.hash)
    execute([note], store.actions(), sink, store, NOW + timedelta(hours=1))
    assert edited in folder.drafts.values()
    folder.drafts[action.draft_ref] = old.raw  # exactly as we wrote it: finished off
    execute([note], {action.key: action}, sink, store, NOW + timedelta(hours=2))
    assert list(folder.drafts.values()) == [new.raw]
