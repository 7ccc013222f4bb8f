"""Gmail's Drafts as a DraftSink: drafts.create/update/get/list/delete, nothing that sends.

No OAuth scope allows drafts without also allowing send (DESIGN.md section 4): this module
never calls messages.send or drafts.send, and the tests check that nothing does.

A ref is the Gmail draft id, stable across drafts.update; the draft's *message* id changes
with every save, by us or by the user in Gmail. Message ids are immutable, so what we know of
one (its key header, its bytes) is cached per message id: repeated get() and find() in one
process cost one drafts.get(format=minimal) or one drafts.list, and bytes are read again only
when the user (or anyone) saved the draft since.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import Any

from radiosilence.connectors.base import (
    DRAFT_KEY_HEADER,
    DraftSink,
    NotFound,
    StoredDraft,
    draft_key,
)
from radiosilence.connectors.google.api import Caller
from radiosilence.mailformat import (
    b64url_decode,
    b64url_encode,
    strip_reply_prefixes,
    unfold_header,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 500  # drafts.list maxResults ceiling
_MSGID = re.compile(r"<[^<>\s]+>")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_THREADING = (b"in-reply-to", b"references")
_written = itertools.count()  # order of the drafts this process wrote


@dataclass
class _Known:
    """What we know of one draft message (immutable on Gmail's side)."""

    key: str
    order: tuple[int, int]  # (creation time in ms, sequence): oldest first
    raw: bytes | None = None  # None until read (or written) by us


class GmailDraftSink(DraftSink):
    """Drafts in one Gmail account, found again by our key header."""

    def __init__(self, service: Any, caller: Caller, user_id: str = "me", *,
                 batch_uri: str = "") -> None:
        self.service = service
        self.caller = caller
        self.user_id = user_id
        self.batch_uri = batch_uri or default_batch_uri(service)
        self._known: dict[str, _Known] = {}  # by message id

    def find(self, key: str) -> StoredDraft | None:
        """Return the oldest draft stamped with `key`, or None."""
        matches = self.find_all(key)
        if len(matches) > 1:
            log.warning("%d Gmail drafts carry the same key; using the oldest, %s",
                        len(matches), matches[0].ref)
        return matches[0] if matches else None

    def find_all(self, key: str) -> list[StoredDraft]:
        """Return every draft stamped with `key`, oldest first. One drafts.list (all pages),
        plus drafts.get(format=metadata) in batches for messages not seen before. Raises
        (never answers "none") when a draft cannot be read: a wrong "none" would make the
        caller write a second draft."""
        if not key:  # a user's own draft has no key and is never ours
            return []
        listing = self._list()
        unknown = [draft for draft, message in listing if message not in self._known]
        resolved = dict(listing)
        resolved.update(self._read_metadata(unknown))
        live = set(resolved.values())
        self._known = {m: k for m, k in self._known.items() if m in live}  # prune the cache
        found = []
        for draft, message in resolved.items():
            known = self._known.get(message)
            if known is None or known.key != key:
                continue
            if known.raw is not None:
                found.append((known.order, draft, StoredDraft(draft, key, known.raw)))
            elif (read := self._read_raw(draft)) is not None and read[0].key == key:
                found.append((read[1].order, draft, read[0]))  # saved again meanwhile?
        return [stored for _, _, stored in sorted(found, key=lambda f: (f[0], f[1]))]

    def get(self, ref: str) -> StoredDraft | None:
        """Return the draft `ref` as it stands, None when it is gone (sent or deleted)."""
        try:
            draft = self.caller.call(self._drafts().get(userId=self.user_id, id=ref,
                                                        format="minimal"),
                                     "gmail.users.drafts.get")
        except NotFound:
            return None
        known = self._known.get(draft["message"]["id"])
        if known is not None and known.raw is not None:
            return StoredDraft(ref, known.key, known.raw)
        read = self._read_raw(ref)
        return read[0] if read is not None else None

    def put(self, raw: bytes, key: str, replace: str | None = None,
            thread_hint: str = "") -> str:
        """Write `raw` as a draft (drafts.update of `replace` when it still exists, else
        drafts.create) in the thread `thread_hint`; return the draft id.

        Gmail threads a draft only with threadId, In-Reply-To/References and a matching
        subject (DESIGN.md section 4). With a thread hint the reply headers are pointed at
        the thread's latest message; Subject, To and the text are never changed, so the
        content hash of what the caller built still holds. drafts.create is tried once: a
        lost answer may hide a success, which the next cycle's find(key) adopts. Raises
        ValueError when `raw` lacks our key header with `key`.
        """
        if draft_key(raw) != key:
            raise ValueError(f"draft does not carry {DRAFT_KEY_HEADER} with the key given")
        thread = thread_hint
        if thread_hint:
            raw, thread = self._point_at_thread(raw, thread_hint)
        message: dict[str, str] = {"raw": b64url_encode(raw)}
        if thread:
            message["threadId"] = thread
        draft = self._update(replace, message) if replace is not None else None
        if draft is None:
            # Sent as JSON, not as a media upload (DESIGN.md section 4).
            draft = self.caller.call(
                self._drafts().create(userId=self.user_id, body={"message": message}),
                "gmail.users.drafts.create", retry=False)
        written = draft.get("message", {})
        if thread and written.get("threadId") != thread:
            log.warning("Gmail put draft %s in thread %s, not %s as asked", draft["id"],
                        written.get("threadId"), thread)
        if "id" in written:
            order = (int(time.time() * 1000), next(_written))
            self._known[written["id"]] = _Known(key, order, raw)
        return str(draft["id"])

    def delete(self, ref: str) -> None:
        """Remove the draft `ref` for good; one already gone is fine."""
        try:
            self.caller.call(self._drafts().delete(userId=self.user_id, id=ref),
                             "gmail.users.drafts.delete")
        except NotFound:
            log.debug("Gmail draft %s was already gone", ref)

    # --- helpers ---------------------------------------------------------------------

    def _drafts(self) -> Any:
        return self.service.users().drafts()

    def _update(self, ref: str, message: dict[str, str]) -> dict[str, Any] | None:
        """drafts.update of `ref` (the same content twice is harmless, so it may be
        retried); None when that draft is gone (the user sent or deleted it)."""
        try:
            return dict(self.caller.call(
                self._drafts().update(userId=self.user_id, id=ref,
                                      body={"id": ref, "message": message}),
                "gmail.users.drafts.update"))
        except NotFound:
            log.info("Gmail draft %s to replace is gone: writing a new one", ref)
            return None

    def _list(self) -> list[tuple[str, str]]:
        """(draft id, message id) of every draft, all pages."""
        found: list[tuple[str, str]] = []
        token: str | None = None
        while True:
            page = self.caller.call(
                self._drafts().list(userId=self.user_id, maxResults=PAGE_SIZE,
                                    pageToken=token), "gmail.users.drafts.list")
            found.extend((d["id"], d["message"]["id"]) for d in page.get("drafts", []))
            token = page.get("nextPageToken")
            if not token:
                return found

    def _read_metadata(self, drafts: list[str]) -> dict[str, str]:
        """Learn the key of each draft's message (drafts.get has no metadataHeaders: the
        metadata format brings every header, still without the body). Returns {draft id:
        message id}; drafts gone meanwhile are left out, other failures raise."""
        if not drafts:
            return {}
        requests = [(d, self._drafts().get(userId=self.user_id, id=d, format="metadata"))
                    for d in drafts]
        answers, errors = self.caller.batch(self.service, self.batch_uri,
                                            "gmail.users.drafts.get", requests)
        for problem in errors.values():
            if not isinstance(problem, NotFound):
                raise problem
        resolved = {}
        for draft, answer in answers.items():
            message = answer["message"]
            headers = message.get("payload", {}).get("headers", [])
            key = next((unfold_header(h["value"]) for h in headers
                        if h["name"].lower() == DRAFT_KEY_HEADER.lower()), "")
            order = (int(message.get("internalDate") or 0), 0)
            self._known.setdefault(message["id"], _Known(key, order))
            resolved[draft] = message["id"]
        return resolved

    def _read_raw(self, ref: str) -> tuple[StoredDraft, _Known] | None:
        """The draft `ref` with its bytes (drafts.get format=raw) and what we now know of
        its message; None when the draft is gone."""
        try:
            draft = self.caller.call(self._drafts().get(userId=self.user_id, id=ref,
                                                        format="raw"),
                                     "gmail.users.drafts.get")
        except NotFound:
            return None
        message = draft["message"]
        text = message.get("raw", "")
        raw = b64url_decode(text)
        key = draft_key(raw)
        order = (int(message.get("internalDate") or 0), 0)
        known = self._known.setdefault(message["id"], _Known(key, order))
        known.raw = raw
        return StoredDraft(ref, key, raw), known

    def _point_at_thread(self, raw: bytes, thread_id: str) -> tuple[bytes, str]:
        """`raw` replying to the latest message of the thread, and the thread id to use
        ("" when the thread is gone: the draft is then written on its own)."""
        try:
            thread = self.caller.call(
                self.service.users().threads().get(
                    userId=self.user_id, id=thread_id, format="metadata",
                    metadataHeaders=["Message-ID", "References", "In-Reply-To", "Subject"]),
                "gmail.users.threads.get")
        except NotFound:
            log.warning("Gmail thread %s is gone: the draft is written on its own", thread_id)
            return raw, ""
        mail = [m for m in thread.get("messages", []) if "DRAFT" not in m.get("labelIds", ())]
        if not mail:
            return raw, thread_id
        # threads.get lists messages oldest first; internalDate settles any doubt.
        last = max(enumerate(mail), key=lambda im: (int(im[1].get("internalDate") or 0),
                                                    im[0]))[1]
        headers = {h["name"].lower(): h["value"]
                   for h in last.get("payload", {}).get("headers", [])}
        parent = _MSGID.findall(headers.get("message-id", ""))
        if not parent:
            return raw, thread_id
        chain = _MSGID.findall(headers.get("references") or headers.get("in-reply-to", ""))
        references = list(dict.fromkeys([*chain, parent[0]]))  # RFC 5322 3.6.4
        if _subject(raw) != _topic(headers.get("subject", "")):
            log.warning("draft subject differs from thread %s: Gmail may not thread it",
                        thread_id)
        return _with_threading(raw, parent[0], references), thread_id


def default_batch_uri(service: Any) -> str:
    """The batch endpoint beside the service's own (an emulator's, when the client was
    pointed at one): new_batch_http_request() would ignore the override (DESIGN.md 4)."""
    base = str(getattr(service, "_baseUrl", "") or "")
    if not base or "googleapis.com" in base:
        return "https://www.googleapis.com/batch/gmail/v1"
    return base.rstrip("/") + "/batch/gmail/v1"


def _with_threading(raw: bytes, parent: str, references: list[str]) -> bytes:
    """`raw` with In-Reply-To and References replaced; every other byte is kept as it was
    (the body is not re-encoded, so the content hash cannot move)."""
    end = _HEADER_END.search(raw)
    head, rest = (raw[:end.start()], raw[end.start():]) if end else (raw, b"")
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    kept, dropping = [], False
    for line in head.split(eol):
        if line[:1] in (b" ", b"\t"):  # a folded continuation of the header above
            if not dropping:
                kept.append(line)
            continue
        dropping = line.split(b":", 1)[0].strip().lower() in _THREADING
        if not dropping:
            kept.append(line)
    kept.append(b"In-Reply-To: " + parent.encode())
    kept.append(b"References: " + (eol + b" ").join(r.encode() for r in references))
    return eol.join(kept) + rest


def _headers(raw: bytes) -> Any:
    return BytesHeaderParser().parsebytes(raw)



def _subject(raw: bytes) -> str:
    return _topic(str(_headers(raw).get("Subject") or ""))


def _topic(subject: str) -> str:
    """A subject without reply prefixes, as Gmail compares them for threading."""
    return " ".join(strip_reply_prefixes(unfold_header(subject)).split()).casefold()

