"""The three contracts on the local connectors: the Maildir source, the Maildir draft sink in
both layouts, and the vdir calendar source, each over a folder in tmp_path.

ctime cannot be set, so `settle` moves a cursor's thresholds past the files written (the
cursor formats are documented in maildir.py and vdir.py); out of reach is `out_of_reach`.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from radiosilence.connectors.base import CalendarSource, DraftSink, MailSource
from radiosilence.connectors.local.ctime import CTIME_SLACK_NS
from radiosilence.connectors.local.maildir import MaildirSource
from radiosilence.connectors.local.maildir_drafts import MaildirDraftSink
from radiosilence.connectors.local.vdir import VdirCalendarSource
from tests.contract.calendar_source import CalendarSourceBackend, CalendarSourceContract, ics
from tests.contract.draft_sink import DraftSinkBackend, DraftSinkContract
from tests.contract.mail_source import MailSourceBackend, MailSourceContract
from tests.local_rigs import make_maildir, out_of_reach

_names = itertools.count(1)


class MaildirMailbox(MailSourceBackend):
    """A Maildir++ tree: the root is INBOX, the user's mail program keeps sent mail in .Sent."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in (root, root / ".Sent", root / ".Drafts"):
            make_maildir(folder)

    def new(self) -> MailSource:
        return MaildirSource(self.root, skip_folders=("Trash",), drafts_folder="Drafts",
                             max_message_bytes=1024 * 1024)

    def receive(self, raw: bytes) -> None:
        unique = f"1700000000.M{next(_names)}P1.host"  # delivered as an MDA does: tmp, new
        (self.root / "tmp" / unique).write_bytes(raw)
        os.rename(self.root / "tmp" / unique, self.root / "new" / unique)

    def send(self, raw: bytes) -> None:
        (self.root / ".Sent" / "cur" / f"1700000000.M{next(_names)}P1.host:2,S").write_bytes(raw)

    def outage(self) -> AbstractContextManager[None]:
        return out_of_reach(self.root)

    def settle(self, cursor: str) -> str:
        # Files within CTIME_SLACK_NS of a scan come again on purpose (see maildir.py);
        # "long after" means past that slack, as if the scan had started later.
        doc = json.loads(cursor)
        doc["thresholds"] = {k: v + CTIME_SLACK_NS + 10**9 for k, v in doc["thresholds"].items()}
        return json.dumps(doc)


class MaildirDrafts(DraftSinkBackend):
    """A Maildir tree whose Drafts folder, when the user's mail program makes it, is
    `folder`: "Drafts" in a verbatim tree, ".Drafts" in a Maildir++ one."""

    def __init__(self, root: Path, folder: str) -> None:
        self.root = root
        self.folder = folder

    def new(self) -> DraftSink:
        return MaildirDraftSink(self.root, "Drafts")

    def save_own(self, raw: bytes) -> str:
        unique = f"1600000000.M{next(_names)}P1.client"  # stored as a client does: cur/, D
        (make_maildir(self.root / self.folder) / "cur" / f"{unique}:2,DS").write_bytes(raw)
        return unique

    def outage(self) -> AbstractContextManager[None]:
        return out_of_reach(self.root)


class VdirCalendar(CalendarSourceBackend):
    """A vdir calendar "work" written the way vdirsyncer writes (temp file, rename).

    ctime cannot be set, so `settle` moves the cursor's threshold just past the newest file,
    and writes wait for the coarse ctime clock to pass that point (milliseconds), so that a
    change is never mistaken for something the settled cursor already covers.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "work"
        self.folder.mkdir(parents=True)
        self.floor = 0

    def new(self) -> CalendarSource:
        return VdirCalendarSource(self.root)

    def _write(self, uid: str, summary: str) -> None:
        path = self.folder / f"{uid}.ics"
        data = ics(uid, summary)
        for _ in range(500):
            tmp = path.with_name(path.name + "x7Gq2")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            if path.stat().st_ctime_ns > self.floor:
                return
            time.sleep(0.005)
        raise AssertionError("the ctime clock did not move")

    add = change = _write

    def delete(self, uid: str) -> None:
        (self.folder / f"{uid}.ics").unlink()

    def expire(self, cursor: str) -> str:
        return json.dumps({**json.loads(cursor), "v": 0})

    def settle(self, cursor: str) -> str:
        self.floor = max((p.stat().st_ctime_ns for p in self.folder.iterdir()), default=0)
        return json.dumps({**json.loads(cursor), "threshold": self.floor + 1 + CTIME_SLACK_NS})

    def outage(self) -> AbstractContextManager[None]:
        return out_of_reach(self.root)


class TestMaildirMailSource(MailSourceContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> MaildirMailbox:
        return MaildirMailbox(tmp_path / "Maildir")


class TestMaildirDraftSinkVerbatim(DraftSinkContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> MaildirDrafts:
        (tmp_path / "Mail").mkdir()
        return MaildirDrafts(tmp_path / "Mail", "Drafts")


class TestMaildirDraftSinkMaildirPlus(DraftSinkContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> MaildirDrafts:
        return MaildirDrafts(make_maildir(tmp_path / "Maildir"), ".Drafts")


class TestVdirCalendarSource(CalendarSourceContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> VdirCalendar:
        return VdirCalendar(tmp_path / "calendars")
