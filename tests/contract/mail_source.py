"""What every MailSource must do, whatever holds the mail (Maildir, Gmail, ...).

Plug a source in by subclassing `MailSourceContract` in a `Test...` class whose one fixture,
`backend`, returns a `MailSourceBackend` over an empty mailbox. The messages used are
recruiting mail from the last days, so a source that narrows what it reads to recruiting mail
in a window (Gmail) still has to return them all. Connector-specific behaviour (layouts,
labels, request counts) is tested beside the connector, not here.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import format_datetime

import pytest

from radiosilence.connectors.base import (
    Changes,
    CursorExpired,
    MailSource,
    RawItem,
    Unavailable,
    same_folder,
)

_serial = itertools.count(1)


class MailSourceBackend(ABC):
    """The mailbox behind a source (a Maildir tree, a Gmail account), changed from outside:
    mail arrives and the user sends mail as their mail program or the provider would."""

    @abstractmethod
    def new(self) -> MailSource:
        """A new source instance over this mailbox, as a new process would build it."""

    @abstractmethod
    def receive(self, raw: bytes) -> None:
        """A message arrives in the inbox."""

    @abstractmethod
    def send(self, raw: bytes) -> None:
        """The user sends a message; their mail program keeps it in the sent folder."""

    @abstractmethod
    def outage(self) -> AbstractContextManager[None]:
        """For the `with` block, put the mailbox out of reach (a folder gone or unreadable,
        a server answering 503 to everything); after it, the mailbox is back as it was."""

    def settle(self, cursor: str) -> str:
        """`cursor` as it would be long after it was taken. Sources that deliver recent
        items again on purpose (a time slack) move it past the slack; exact ones return it
        as it is. Used only before asking "is there anything new?"."""
        return cursor


def recruiting_mail(subject: str, sender: str = "Grace Hopper <grace@brightloom.example>",
                    to: str = "Ada Lovelace <ada@example.org>") -> bytes:
    """A small recruiting message dated just now, with a unique Message-ID."""
    serial = next(_serial)
    when = datetime.now(UTC) - timedelta(minutes=5)
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(when)}\r\n"
            f"Message-ID: <contract.{serial}.{id(subject)}@brightloom.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Thank you for your time at the interview today.\r\n").encode()


def subject_of(item: RawItem) -> str:
    return str(BytesHeaderParser().parsebytes(item.data)["Subject"])


def by_subject(changes: Changes) -> dict[str, RawItem]:
    return {subject_of(item): item for item in changes.items}


class MailSourceContract:
    """The contract of `MailSource` (connectors/base.py), for every implementation."""

    @pytest.fixture
    def backend(self) -> MailSourceBackend:
        raise NotImplementedError("define a backend fixture returning a MailSourceBackend")

    @pytest.fixture
    def filled(self, backend: MailSourceBackend) -> MailSourceBackend:
        """Two messages received and one sent."""
        backend.receive(recruiting_mail("Interview schedule"))
        backend.receive(recruiting_mail("Your application at Brightloom",
                                        sender="Brightloom <no-reply@greenhouse-mail.io>"))
        backend.send(recruiting_mail("Re: Interview schedule", sender="ada@example.org",
                                     to="grace@brightloom.example"))
        return backend

    SUBJECTS = {"Interview schedule", "Your application at Brightloom",
                "Re: Interview schedule"}

    def test_first_call_returns_everything_with_a_cursor(self, filled: MailSourceBackend) -> None:
        changes = filled.new().changes(None)
        assert set(by_subject(changes)) == self.SUBJECTS
        assert len(changes.items) == 3  # each once
        assert isinstance(changes.cursor, str) and changes.cursor
        assert changes.skipped == 0

    def test_items_hold_the_message_bytes(self, filled: MailSourceBackend) -> None:
        for item in filled.new().changes(None).items:
            head = BytesHeaderParser().parsebytes(item.data)
            assert head["Message-ID"].endswith("@brightloom.example>")
            assert b"Thank you for your time at the interview today." in item.data
            assert item.ref
            assert item.received is None or item.received.tzinfo is not None

    def test_second_call_with_the_cursor_returns_nothing(self, filled: MailSourceBackend) -> None:
        source = filled.new()
        first = source.changes(None)
        again = source.changes(filled.settle(first.cursor))
        assert again.items == []
        assert isinstance(again.cursor, str) and again.cursor

    def test_a_new_message_shows_up_once(self, filled: MailSourceBackend) -> None:
        source = filled.new()
        first = source.changes(None)
        filled.receive(recruiting_mail("Interview feedback"))
        second = source.changes(first.cursor)
        subjects = [subject_of(item) for item in second.items]
        assert subjects.count("Interview feedback") == 1
        assert {i.ref for i in second.items} - {i.ref for i in first.items} == {
            by_subject(second)["Interview feedback"].ref}
        third = filled.new().changes(filled.settle(second.cursor))
        assert "Interview feedback" not in by_subject(third)

    def test_sent_mail_comes_with_the_sent_folder(self, filled: MailSourceBackend) -> None:
        items = by_subject(filled.new().changes(None))
        assert same_folder(items["Re: Interview schedule"].folder, "Sent")
        assert not same_folder(items["Interview schedule"].folder, "Sent")
        assert same_folder(items["Interview schedule"].folder, "INBOX")

    def test_refs_are_stable(self, filled: MailSourceBackend) -> None:
        def refs() -> dict[str, str]:
            return {s: item.ref for s, item in by_subject(filled.new().changes(None)).items()}

        before = refs()
        assert len(set(before.values())) == 3
        assert refs() == before
        source = filled.new()
        cursor = source.changes(None).cursor
        filled.receive(recruiting_mail("Interview next steps"))
        added = by_subject(source.changes(cursor))["Interview next steps"].ref
        assert refs() == {**before, "Interview next steps": added}

    @pytest.mark.parametrize("garbage", ["not a cursor", "{}", "[]", "null", '{"v": 99}'])
    def test_a_garbage_cursor_is_expired(self, filled: MailSourceBackend, garbage: str) -> None:
        try:
            changes = filled.new().changes(garbage)
        except CursorExpired:
            return
        assert set(by_subject(changes)) == self.SUBJECTS  # treated as a first call

    def test_out_of_reach_is_unavailable_and_the_cursor_still_works(
            self, filled: MailSourceBackend) -> None:
        source = filled.new()
        first = source.changes(None)
        filled.receive(recruiting_mail("Interview feedback"))
        with filled.outage():
            for call in (lambda: source.changes(first.cursor), lambda: source.changes(None),
                         lambda: filled.new().changes(first.cursor)):
                with pytest.raises(Unavailable):  # nothing else, and never "no mail"
                    call()
        # Back again: the cursor taken before the outage still brings what came meanwhile.
        later = filled.new().changes(first.cursor)
        assert [subject_of(i) for i in later.items].count("Interview feedback") == 1
        settled = source.changes(filled.settle(later.cursor))
        assert settled.items == []
