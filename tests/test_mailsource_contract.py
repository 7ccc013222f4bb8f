"""The MailSource contract on the local Maildir source (Gmail's runs in test_gmail.py)."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from radiosilence.connectors.base import MailSource
from radiosilence.connectors.local.ctime import CTIME_SLACK_NS
from radiosilence.connectors.local.maildir import MaildirSource
from tests.contract.mail_source import MailSourceContract

_names = itertools.count(1)


class MaildirMailbox:
    """A Maildir++ tree: the root is INBOX, the user's mail program keeps sent mail in .Sent."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in (root, root / ".Sent", root / ".Drafts"):
            for sub in ("cur", "new", "tmp"):
                (folder / sub).mkdir(parents=True, exist_ok=True)

    def receive(self, raw: bytes) -> None:
        unique = f"1700000000.M{next(_names)}P1.host"  # delivered as an MDA does: tmp, new
        (self.root / "tmp" / unique).write_bytes(raw)
        os.rename(self.root / "tmp" / unique, self.root / "new" / unique)

    def send(self, raw: bytes) -> None:
        (self.root / ".Sent" / "cur" / f"1700000000.M{next(_names)}P1.host:2,S").write_bytes(raw)

    def source(self) -> MailSource:
        return MaildirSource(self.root, skip_folders=("Trash",), drafts_folder="Drafts",
                             max_message_bytes=1024 * 1024)

    def settle(self, cursor: str) -> str:
        # Files within CTIME_SLACK_NS of a scan come again on purpose (see maildir.py);
        # "long after" means past that slack, as if the scan had started later.
        doc = json.loads(cursor)
        doc["thresholds"] = {k: v + CTIME_SLACK_NS + 10**9 for k, v in doc["thresholds"].items()}
        return json.dumps(doc)


class TestMaildirMailSource(MailSourceContract):
    @pytest.fixture
    def mailbox(self, tmp_path: Path) -> MaildirMailbox:
        return MaildirMailbox(tmp_path / "Maildir")
