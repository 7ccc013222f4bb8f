"""What every DraftSink must do, whatever holds the drafts (Maildir, Gmail, ...).

Plug a sink in by subclassing `DraftSinkContract` in a `Test...` class whose one fixture,
`backend`, returns a `DraftSinkBackend` over a store without drafts. Connector-specific
behaviour (file names, flags, user edits) is tested beside the connector, not here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from radiosilence.connectors.base import DRAFT_KEY_HEADER, DraftSink, StoredDraft, Unavailable

KEY = "thank-you/iv-3f2a9c/grace@example.com/2024-05-02"
OTHER_KEY = "nudge/iv-3f2a9c/grace@example.com/2024-05-09"


def make_draft(key: str, body: str = "Thank you for your time today.",
               subject: str = "Thank you") -> bytes:
    """Return an RFC 5322 draft stamped with `key` (none when ""), as the composer writes
    one (LF lines)."""
    msg = EmailMessage()
    msg["From"] = "Ada Lovelace <ada@example.org>"
    msg["To"] = "Grace Hopper <grace@example.com>"
    msg["Subject"] = subject
    if key:
        msg[DRAFT_KEY_HEADER] = key
    msg.set_content(body)
    return msg.as_bytes(policy=policy.default)


def body_of(draft: StoredDraft) -> str:
    """Return the plain-text body of a stored draft, stripped."""
    msg = BytesParser(policy=policy.default).parsebytes(draft.raw)
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).strip()


class DraftSinkBackend(ABC):
    """The store behind a sink (a Drafts folder, a Gmail account), seen from outside."""

    @abstractmethod
    def new(self) -> DraftSink:
        """A new sink instance over this store, as a new process would build it."""

    @abstractmethod
    def save_own(self, raw: bytes) -> str:
        """The user saves a draft of their own (no key header) in their mail program or on
        the provider's site; return the ref a sink knows it by."""

    @abstractmethod
    def outage(self) -> AbstractContextManager[None]:
        """For the `with` block, put the store out of reach (a folder gone or unreadable, a
        server answering 503 to everything); after it, the store is back as it was."""


class DraftSinkContract:
    """The contract of `DraftSink` (connectors/base.py), for every implementation."""

    @pytest.fixture
    def backend(self) -> DraftSinkBackend:
        raise NotImplementedError("define a backend fixture returning a DraftSinkBackend")

    @pytest.fixture
    def sink(self, backend: DraftSinkBackend) -> DraftSink:
        return backend.new()

    def test_empty_sink_finds_nothing(self, sink: DraftSink) -> None:
        assert sink.find(KEY) is None

    def test_put_then_get_returns_the_draft_with_its_key(self, sink: DraftSink) -> None:
        ref = sink.put(make_draft(KEY), KEY)
        draft = sink.get(ref)
        assert isinstance(ref, str) and ref
        assert draft is not None
        assert (draft.ref, draft.key) == (ref, KEY)
        assert body_of(draft) == "Thank you for your time today."

    def test_put_then_find_by_key(self, sink: DraftSink) -> None:
        ref = sink.put(make_draft(KEY), KEY)
        found = sink.find(KEY)
        assert found is not None
        assert (found.ref, found.key) == (ref, KEY)

    def test_find_tells_keys_apart(self, sink: DraftSink) -> None:
        ref = sink.put(make_draft(KEY, "first"), KEY)
        other = sink.put(make_draft(OTHER_KEY, "second"), OTHER_KEY)
        assert ref != other
        found, found_other = sink.find(KEY), sink.find(OTHER_KEY)
        assert found is not None and found_other is not None
        assert (found.ref, body_of(found)) == (ref, "first")
        assert (found_other.ref, body_of(found_other)) == (other, "second")
        assert sink.find("final/iv-000000/nobody@example.com/2024-06-01") is None

    def test_delete_removes_the_draft(self, sink: DraftSink) -> None:
        ref = sink.put(make_draft(KEY), KEY)
        sink.delete(ref)
        assert sink.get(ref) is None
        assert sink.find(KEY) is None

    def test_delete_is_idempotent(self, sink: DraftSink) -> None:
        ref = sink.put(make_draft(KEY), KEY)
        sink.delete(ref)
        sink.delete(ref)  # already gone: not an error
        assert sink.get(ref) is None

    def test_delete_leaves_other_drafts(self, sink: DraftSink) -> None:
        ref = sink.put(make_draft(KEY), KEY)
        other = sink.put(make_draft(OTHER_KEY), OTHER_KEY)
        sink.delete(ref)
        kept = sink.get(other)
        assert kept is not None and kept.key == OTHER_KEY

    def test_put_with_replace_leaves_one_draft_for_the_key(self, sink: DraftSink) -> None:
        old = sink.put(make_draft(KEY, "old text"), KEY)
        new = sink.put(make_draft(KEY, "new text"), KEY, replace=old)
        found, draft = sink.find(KEY), sink.get(new)
        assert found is not None and draft is not None
        assert found.ref == new
        assert body_of(draft) == "new text"
        if new != old:
            assert sink.get(old) is None

    def test_put_with_replace_tolerates_a_replaced_draft_already_gone(
            self, sink: DraftSink) -> None:
        old = sink.put(make_draft(KEY, "old text"), KEY)
        sink.delete(old)  # the user deleted or sent it meanwhile
        new = sink.put(make_draft(KEY, "new text"), KEY, replace=old)
        draft = sink.get(new)
        assert draft is not None and body_of(draft) == "new text"

    def test_put_refuses_a_draft_without_its_key(self, sink: DraftSink) -> None:
        with pytest.raises(ValueError):
            sink.put(make_draft(OTHER_KEY), KEY)
        assert sink.find(KEY) is None and sink.find(OTHER_KEY) is None

    def test_a_new_sink_instance_sees_drafts_of_the_first(
            self, backend: DraftSinkBackend) -> None:
        ref = backend.new().put(make_draft(KEY), KEY)
        second = backend.new()
        found = second.find(KEY)
        assert found is not None and found.ref == ref
        assert second.get(ref) is not None
        second.delete(ref)
        assert backend.new().find(KEY) is None

    def test_find_all_lists_every_copy_oldest_first(self, sink: DraftSink) -> None:
        # Two drafts with one key exist only after an interrupted replace; both must be
        # visible so apply can clear the leftover, and find() must agree on the oldest.
        first = sink.put(make_draft(KEY, body="first copy"), KEY)
        second = sink.put(make_draft(KEY, body="second copy"), KEY)
        sink.put(make_draft(OTHER_KEY), OTHER_KEY)
        copies = sink.find_all(KEY)
        assert [c.ref for c in copies] == [first, second]
        found = sink.find(KEY)
        assert found is not None and found.ref == first

    def test_find_all_of_unknown_or_empty_key_is_empty(self, sink: DraftSink) -> None:
        sink.put(make_draft(KEY), KEY)
        assert sink.find_all(OTHER_KEY) == []
        assert sink.find_all("") == []

    def test_the_users_own_drafts_are_read_but_never_ours(
            self, backend: DraftSinkBackend, sink: DraftSink) -> None:
        own = backend.save_own(make_draft("", "Notes to self"))
        ref = sink.put(make_draft(KEY), KEY)
        draft = sink.get(own)
        assert draft is not None and (draft.ref, draft.key) == (own, "")
        assert body_of(draft) == "Notes to self"
        assert sink.find("") is None and sink.find_all("") == []  # never adopted as ours
        assert [d.ref for d in sink.find_all(KEY)] == [ref]

    def test_out_of_reach_is_unavailable_and_nothing_is_lost(
            self, backend: DraftSinkBackend, sink: DraftSink) -> None:
        ref = sink.put(make_draft(KEY), KEY)
        with backend.outage():
            for call in (lambda: sink.find(KEY), lambda: sink.find_all(KEY),
                         lambda: sink.get(ref), lambda: backend.new().find(KEY),
                         lambda: sink.put(make_draft(OTHER_KEY, "second"), OTHER_KEY),
                         lambda: sink.put(make_draft(KEY, "new text"), KEY, replace=ref)):
                with pytest.raises(Unavailable):  # nothing else, and never "no such draft"
                    call()
        # Back again: the draft written before is there as it was (a replace that failed
        # kept the old one), and the sink works as before.
        found, draft = sink.find(KEY), backend.new().get(ref)
        assert found is not None and found.ref == ref
        assert draft is not None and body_of(draft) == "Thank you for your time today."
        sink.put(make_draft(OTHER_KEY, "second"), OTHER_KEY)
        other = backend.new().find(OTHER_KEY)
        assert other is not None and body_of(other) == "second"
