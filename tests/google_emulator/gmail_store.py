"""The emulated mailbox: messages, threads, labels, drafts and the history log.

Every change appends one history record and advances the mailbox historyId by a random step of
1..7, because Gmail's ids "increase chronologically but are not contiguous with random gaps in
between valid IDs" (users.history.list, startHistoryId). Records older than `history_window`
ids are dropped; asking for them answers 404, which is what makes clients fall back to a full
sync.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime

from . import gmail_mime as mime
from .errors import not_found
from .gmail_query import SearchDoc, compile_query, label_keys

SYSTEM_LABELS = (
    "INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "CHAT",
    "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)
# Folder names of other mail stores that mean a Gmail system label (used by load_seed).
LABEL_ALIASES = {"DRAFTS": "DRAFT", "SENT MAIL": "SENT", "JUNK": "SPAM", "BIN": "TRASH"}


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    raw: bytes
    labels: list[str]
    internal_date: int  # epoch milliseconds
    history_id: int
    mime: Message
    rfc822_id: str
    subject: str
    refs: list[str]  # message ids named by In-Reply-To and References
    doc: SearchDoc  # searchable text; labels filled in per query

    @property
    def headers(self) -> dict[str, str]:
        return {name: mime.decode_header_value(value) for name, value in self.mime.items()}


def _ms(when: datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


class GmailStore:
    def __init__(
        self,
        lock: threading.RLock,
        rng: random.Random,
        clock: Callable[[], datetime],
        email: str,
        history_window: int,
    ) -> None:
        self.lock, self.rng, self.clock, self.email = lock, rng, clock, email
        self.history_window = history_window
        self.messages: dict[str, StoredMessage] = {}
        self.threads: dict[str, list[str]] = {}
        self.drafts: dict[str, dict] = {}
        self.draft_threading: dict[str, dict] = {}  # draft id -> how its thread was decided
        self.labels: dict[str, dict] = {
            lid: {"id": lid, "name": lid, "type": "system"} for lid in SYSTEM_LABELS
        }
        self.history: deque[dict] = deque()
        self.history_id = self.first_history_id = 100_000 + rng.randint(0, 9_999)
        self.history_empty_pages = 0  # leading empty pages history.list answers, as Gmail may
        self._by_rfc822: dict[str, str] = {}
        self._counter = 0

    # --- ids and labels ---------------------------------------------------------------------

    def _new_id(self) -> str:
        self._counter += 1
        return f"{0x18C0_0000_0000_0000 + self._counter * 4096 + self.rng.randint(0, 4095):016x}"

    def _new_draft_id(self) -> str:
        self._counter += 1
        return f"r-{4_000_000_000_000_000_000 + self._counter * 7919 + self.rng.randint(0, 7918)}"

    def find_label(self, name_or_id: str) -> str | None:
        """The id of an existing label given by id or name, else None."""
        if name_or_id in self.labels:
            return name_or_id
        upper = LABEL_ALIASES.get(name_or_id.upper(), name_or_id.upper())
        if upper in SYSTEM_LABELS:
            return upper
        for label in self.labels.values():
            if label["name"].casefold() == name_or_id.casefold():
                return label["id"]
        return None

    def ensure_label(self, name_or_id: str) -> str:
        """The id of a label given by id or name, creating a user label if needed."""
        with self.lock:
            found = self.find_label(name_or_id)
            if found:
                return found
            lid = f"Label_{sum(1 for x in self.labels.values() if x['type'] == 'user') + 1}"
            self.labels[lid] = {
                "id": lid, "name": name_or_id, "type": "user",
                "messageListVisibility": "show", "labelListVisibility": "labelShow",
            }
            return lid

    def search_doc(self, msg: StoredMessage) -> SearchDoc:
        pairs = [(lid, self.labels[lid]["name"]) for lid in msg.labels if lid in self.labels]
        return replace(msg.doc, labels=label_keys(pairs))

    # --- history ----------------------------------------------------------------------------

    def _record(self, kind: str, msg: StoredMessage, label_ids: list[str] | None = None) -> None:
        self.history_id += self.rng.randint(1, 7)
        msg.history_id = self.history_id
        snapshot = {"id": msg.id, "threadId": msg.thread_id, "labelIds": list(msg.labels)}
        self.history.append(
            {"id": self.history_id, "kind": kind, "message": snapshot, "labelIds": label_ids}
        )
        while self.history and self.history[0]["id"] < self.history_id - self.history_window:
            self.history.popleft()

    @property
    def oldest_valid_history_id(self) -> int:
        """startHistoryId values below this answer 404."""
        return max(self.first_history_id, self.history_id - self.history_window)

    # --- messages ---------------------------------------------------------------------------

    def _thread_by_headers(self, parsed: Message, subject: str) -> str | None:
        """Gmail files a message into the thread of a message it references (In-Reply-To,
        References) when their subjects agree after stripping Re:/Fwd: prefixes."""
        refs = mime.message_ids(mime.header(parsed, "In-Reply-To"))
        refs += reversed(mime.message_ids(mime.header(parsed, "References")))
        for ref in refs:
            other = self.messages.get(self._by_rfc822.get(ref, ""))
            if other and mime.normalize_subject(other.subject) == mime.normalize_subject(subject):
                return other.thread_id
        return None

    def _insert(
        self, raw: bytes, labels: Iterable[str], thread_id: str | None, when: int | None,
        auto_thread: bool = True,
    ) -> StoredMessage:
        parsed = mime.parse(raw)
        label_ids = list(dict.fromkeys(self.ensure_label(lab) for lab in labels))
        subject = mime.header(parsed, "Subject")
        if when is None:
            try:
                when = _ms(parsedate_to_datetime(mime.header(parsed, "Date")))
            except (TypeError, ValueError, IndexError):
                when = _ms(self.clock())
        mid = self._new_id()
        tid = thread_id or (auto_thread and self._thread_by_headers(parsed, subject)) or mid
        rfc822_id = (mime.message_ids(mime.header(parsed, "Message-ID")) or [""])[0]
        doc = SearchDoc(
            sender=mime.header(parsed, "From"), to=mime.header(parsed, "To"),
            cc=mime.header(parsed, "Cc"), bcc=mime.header(parsed, "Bcc"), subject=subject,
            body=mime.body_text(parsed), date=datetime.fromtimestamp(when / 1000, UTC),
            filenames=tuple(mime.filenames(parsed)), message_id=rfc822_id, size=len(raw),
            list_id=mime.header(parsed, "List-Id"), me=self.email,
        )
        refs = mime.message_ids(mime.header(parsed, "In-Reply-To"))
        refs += mime.message_ids(mime.header(parsed, "References"))
        msg = StoredMessage(
            mid, tid, raw, label_ids, when, 0, parsed, rfc822_id, subject, refs, doc
        )
        self.messages[mid] = msg
        members = self.threads.setdefault(tid, [])
        members.append(mid)
        members.sort(key=lambda m: (self.messages[m].internal_date, m))
        if rfc822_id:
            self._by_rfc822[rfc822_id] = mid
        self._record("messagesAdded", msg)
        return msg

    def add_message(
        self,
        raw: bytes,
        labels: Iterable[str] = ("INBOX",),
        thread_id: str | None = None,
        internal_date: datetime | None = None,
    ) -> str:
        """Store a message as if delivered; returns its id. A DRAFT-labelled one is a draft."""
        with self.lock:
            when = None if internal_date is None else _ms(internal_date)
            msg = self._insert(raw, labels, thread_id, when)
            if "DRAFT" in msg.labels:
                did = self._new_draft_id()
                self.drafts[did] = self._draft_json(did, msg)
            return msg.id

    def get(self, message_id: str) -> StoredMessage:
        msg = self.messages.get(message_id)
        if msg is None:
            raise not_found()
        return msg

    def _remove(self, msg: StoredMessage) -> None:
        self._record("messagesDeleted", msg)
        del self.messages[msg.id]
        members = self.threads[msg.thread_id]
        members.remove(msg.id)
        if not members:
            del self.threads[msg.thread_id]
        if self._by_rfc822.get(msg.rfc822_id) == msg.id:
            del self._by_rfc822[msg.rfc822_id]

    def delete_message(self, message_id: str) -> None:
        """Delete permanently (history: messagesDeleted); a draft's message ends the draft."""
        with self.lock:
            msg = self.get(message_id)
            for did in [d for d, v in self.drafts.items() if v["message"]["id"] == message_id]:
                del self.drafts[did]
            self._remove(msg)

    def modify_labels(
        self, message_id: str, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> StoredMessage:
        """Add/remove labels (ids or names); history: labelsAdded / labelsRemoved."""
        with self.lock:
            msg = self.get(message_id)
            added = [x for x in dict.fromkeys(map(self.ensure_label, add)) if x not in msg.labels]
            gone = [x for x in dict.fromkeys(map(self.ensure_label, remove)) if x in msg.labels]
            if added:
                msg.labels.extend(added)
                self._record("labelsAdded", msg, added)
            if gone:
                msg.labels = [lid for lid in msg.labels if lid not in gone]
                self._record("labelsRemoved", msg, gone)
            return msg

    def search(
        self, q: str | None, label_ids: Iterable[str] = (), include_spam_trash: bool = False,
        only: Iterable[str] | None = None,
    ) -> list[StoredMessage]:
        """Messages matching, newest first (Gmail lists by internalDate, descending)."""
        query = compile_query(q or "", now=self.clock())
        wanted = [self.find_label(lab) or f"?{lab}" for lab in label_ids]  # unknown: no match
        hide = set() if include_spam_trash or query.everywhere else {"SPAM", "TRASH"}
        hide -= set(wanted)
        pool = self.messages.values() if only is None else [self.messages[m] for m in only]
        found = [
            m for m in pool
            if all(lab in m.labels for lab in wanted)
            and not hide.intersection(m.labels)
            and (not q or query.matches(self.search_doc(m)))
        ]
        found.sort(key=lambda m: (m.internal_date, m.id), reverse=True)
        return found

    # --- drafts -----------------------------------------------------------------------------

    def _draft_json(self, did: str, msg: StoredMessage) -> dict:
        message = {"id": msg.id, "threadId": msg.thread_id, "labelIds": list(msg.labels)}
        return {"id": did, "message": message}

    def _draft_thread(self, raw: bytes, requested: str | None) -> tuple[str | None, dict]:
        """Gmail adds a draft to `requested` only if (a) threadId is given, (b) In-Reply-To or
        References names a message of that thread and (c) the Subjects match (Message.threadId
        in the API reference); otherwise the draft starts a thread of its own."""
        parsed = mime.parse(raw)
        subject = mime.header(parsed, "Subject")
        refs = set(mime.message_ids(mime.header(parsed, "In-Reply-To")))
        refs |= set(mime.message_ids(mime.header(parsed, "References")))
        decision = {
            "requestedThreadId": requested, "threadIdGiven": bool(requested),
            "referencesMatch": False, "subjectMatch": False,
            "stackedPrefix": mime.stacked_prefix(subject), "joined": False,
        }
        if requested:
            if requested not in self.threads:
                raise not_found()
            members = [self.messages[m] for m in self.threads[requested]]
            decision["referencesMatch"] = any(m.rfc822_id in refs for m in members if m.rfc822_id)
            decision["subjectMatch"] = any(
                mime.normalize_subject(m.subject) == mime.normalize_subject(subject)
                for m in members
            )
            decision["joined"] = decision["referencesMatch"] and decision["subjectMatch"]
        return (requested if decision["joined"] else None), decision

    def create_draft(self, raw: bytes, thread_id: str | None = None) -> dict:
        with self.lock:
            tid, decision = self._draft_thread(raw, thread_id)
            msg = self._insert(raw, ["DRAFT"], tid, _ms(self.clock()), auto_thread=False)
            did = self._new_draft_id()
            self.drafts[did] = self._draft_json(did, msg)
            self.draft_threading[did] = {**decision, "threadId": msg.thread_id, "messageId": msg.id}
            return self.drafts[did]

    def update_draft(self, draft_id: str, raw: bytes, thread_id: str | None = None) -> dict:
        """Replace the draft's message: same draft id, new message id (and thread decision)."""
        with self.lock:
            if draft_id not in self.drafts:
                raise not_found()
            tid, decision = self._draft_thread(raw, thread_id)
            self._remove(self.messages[self.drafts[draft_id]["message"]["id"]])
            msg = self._insert(raw, ["DRAFT"], tid, _ms(self.clock()), auto_thread=False)
            self.drafts[draft_id] = self._draft_json(draft_id, msg)
            self.draft_threading[draft_id] = {
                **decision, "threadId": msg.thread_id, "messageId": msg.id,
            }
            return self.drafts[draft_id]

    def delete_draft(self, draft_id: str) -> None:
        with self.lock:
            draft = self.drafts.pop(draft_id, None)
            if draft is None:
                raise not_found()
            self._remove(self.messages[draft["message"]["id"]])

    def draft_raw(self, draft_id: str) -> bytes:
        with self.lock:
            if draft_id not in self.drafts:
                raise KeyError(draft_id)
            return self.messages[self.drafts[draft_id]["message"]["id"]].raw

    def draft_message(self, draft_id: str) -> StoredMessage:
        if draft_id not in self.drafts:
            raise not_found()
        return self.messages[self.drafts[draft_id]["message"]["id"]]

    def thread_of(self, thread_id: str) -> list[StoredMessage]:
        if thread_id not in self.threads:
            raise not_found()
        return [self.messages[m] for m in self.threads[thread_id]]

