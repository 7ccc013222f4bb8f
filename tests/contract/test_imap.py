"""The mail source and draft sink contracts on the IMAP connector, against a real Dovecot
(tests/imap_rigs.py): a fresh user (an empty mailbox) per test, reached through a proxy
that `outage` cuts. The source runs twice: reading everything, and headers first with the
recruiting triage, which must still return every (recruiting) message of the contract."""

from __future__ import annotations

from contextlib import AbstractContextManager

import pytest

from radiosilence.connectors.base import DraftSink, MailSource
from radiosilence.connectors.imap.drafts import ImapDraftSink
from radiosilence.connectors.imap.source import ImapMailSource
from radiosilence.understand.recruiting import RecruitingTriage
from tests.contract.draft_sink import DraftSinkBackend, DraftSinkContract
from tests.contract.mail_source import MailSourceBackend, MailSourceContract
from tests.imap_rigs import (  # noqa: F401 (the fixtures)
    Dovecot,
    Proxy,
    admin,
    appended_uid,
    dovecot_fixture,
    new_user,
    proxy_fixture,
    session,
)

MAX_BYTES = 1024 * 1024


class ImapMailbox(MailSourceBackend):
    """A Dovecot account: mail arrives in INBOX, the user's client files sent mail in Sent.
    UIDs are exact, so `settle` keeps a cursor as it is."""

    def __init__(self, server: Dovecot, front: Proxy, headers_first: bool) -> None:
        self.server, self.front, self.user = server, front, new_user()
        self.headers_first = headers_first
        self.client = admin(server, self.user)

    def new(self) -> MailSource:
        triage = RecruitingTriage(own=frozenset({"ada@example.org"}),
                                  sent_folders=frozenset({"Sent"}),
                                  known=set, has_message=lambda _: False) \
            if self.headers_first else None
        return ImapMailSource(session(self.front.port, self.user), MAX_BYTES, triage=triage)

    def receive(self, raw: bytes) -> None:
        self.client.append("INBOX", raw)

    def send(self, raw: bytes) -> None:
        self.client.append("Sent", raw, flags=(b"\\Seen",))

    def outage(self) -> AbstractContextManager[None]:
        return self.front.down()


class ImapDrafts(DraftSinkBackend):
    def __init__(self, server: Dovecot, front: Proxy) -> None:
        self.server, self.front, self.user = server, front, new_user()
        self.client = admin(server, self.user)

    def new(self) -> DraftSink:
        return ImapDraftSink(session(self.front.port, self.user))

    def save_own(self, raw: bytes) -> str:
        validity, uid = appended_uid(self.client.append("Drafts", raw, flags=(b"\\Draft",)))
        return f"{validity}/{uid}"

    def outage(self) -> AbstractContextManager[None]:
        return self.front.down()


class TestImapMailSource(MailSourceContract):
    @pytest.fixture
    def backend(self, dovecot: Dovecot, proxy: Proxy) -> ImapMailbox:
        return ImapMailbox(dovecot, proxy, headers_first=False)


class TestImapMailSourceHeadersFirst(MailSourceContract):
    @pytest.fixture
    def backend(self, dovecot: Dovecot, proxy: Proxy) -> ImapMailbox:
        return ImapMailbox(dovecot, proxy, headers_first=True)


class TestImapDraftSink(DraftSinkContract):
    @pytest.fixture
    def backend(self, dovecot: Dovecot, proxy: Proxy) -> ImapDrafts:
        return ImapDrafts(dovecot, proxy)
