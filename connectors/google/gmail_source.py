"""Gmail as a MailSource: a bounded search for the first scan, then history.list increments.

The cursor is JSON, `{"historyId": "<id>"}`. The first scan (cursor None) takes the
mailbox's historyId from users.getProfile *before* listing anything, so mail arriving during
the scan comes with the next history.list (at worst twice, with the same ref: harmless),
never not at all (DESIGN.md section 4; developers.google.com/gmail/api/guides/sync).

Quota (developers.google.com/gmail/api/reference/quota): messages.get costs 20 units,
history.list 2, messages.list 5. So the first scan asks the server for recruiting mail
inside the window only, an idle cycle is one history.list, and message bodies are fetched
with format=raw in batches (each call in a batch still costs its units).

Memory: reading a raw answer takes about nine times the message's size (base64 in JSON, a
batch's multipart body, the decoded bytes), so only messages below RAW_BELOW are read raw.
One search (`larger:`) names the larger ones of the cycle's span; they are read as their
parts (format=full, a few to a batch), which carry no attachment data, and rebuilt without
their attachments (gmail_parts.py) except invitations.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from radiosilence.connectors.base import (
    AuthNeeded,
    Changes,
    CursorExpired,
    MailSource,
    NotFound,
    RateLimited,
    RawItem,
    Unavailable,
)
from radiosilence.connectors.google.api import Caller
from radiosilence.connectors.google.gmail_parts import rebuild
from radiosilence.mailformat import b64url_decode

log = logging.getLogger(__name__)

PAGE_SIZE = 500  # the largest maxResults messages.list and history.list accept
RAW_BELOW = 128 * 1024  # bytes: a message this large or more is read without attachments
FULL_BATCH = 10  # messages read as parts per batch: their text alone may still be large
PART_BYTES = 2 * 1024 * 1024  # an attached part the parser reads is fetched up to this size
RECENT_DAYS = 3  # new mail of an increment arrived since about then
MAX_QUERY_CHARS = 1200  # Gmail documents no limit for `q`; long ones are split to be safe
_MB = 1024 * 1024
# System labels (developers.google.com/gmail/api/guides/labels). Spam and trash are never
# read; drafts are never mail to understand (ours would even look like the newest message).
_NEVER = frozenset({"SPAM", "TRASH", "DRAFT"})


class GmailMailSource(MailSource):
    """The recruiting mail of one Gmail account, incrementally by history id."""

    def __init__(self, service: Any, caller: Caller, batch_uri: str, window_days: int,
                 known_domains: Callable[[], Iterable[str]], user_id: str = "me", *,
                 search_words: Iterable[str] = (), relay_domains: Iterable[str] = (),
                 max_bytes: int = 25 * _MB, read_bytes: int = 4 * _MB,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.service = service
        self.caller = caller
        self.batch_uri = batch_uri
        self.window_days = window_days
        self.known_domains = known_domains  # companies of known interviews (calendar first)
        # What the first scan searches for: words of recruiting mail, matched by Gmail as
        # whole words (no stemming), and the relays that write for employers.
        self.search_words = tuple(search_words)
        self.relay_domains = sorted(relay_domains)
        self.user_id = user_id
        self.max_bytes = max_bytes
        self.read_bytes = read_bytes  # of a part read without attachments: what parse reads
        self.clock = clock

    def changes(self, cursor: str | None) -> Changes:
        """Return the messages added since `cursor`; with None, the recruiting mail of the
        window (received or sent, never spam, trash or drafts).

        Refs are Gmail message ids; `folder` is "Sent" for the user's own mail, "Drafts" for a
        draft (only when Gmail did not say so beforehand), else "INBOX"; `flags` the labels.
        `removed` is always empty (not tracked for mail). Raises CursorExpired when the
        history is too old or the cursor unreadable, AuthNeeded, and RateLimited or
        Unavailable when Gmail cannot be read now (the cursor then stays where it was).
        """
        if cursor is None:
            return self._full_scan()
        return self._since(_load_cursor(cursor))

    # --- the two ways of finding ids ---------------------------------------------------

    def _full_scan(self) -> Changes:
        users = self.service.users()
        profile = self.caller.call(users.getProfile(userId=self.user_id),
                                   "gmail.users.getProfile")
        history_id = str(profile["historyId"])  # before the scan: see the module doc
        ids: dict[str, None] = {}  # ordered set: queries may overlap
        for query in self.queries():
            ids.update(dict.fromkeys(self._list(query)))
        items, skipped = self._fetch(list(ids), self.window_days)
        log.info("Gmail first scan: %d messages matched, %d read", len(ids), len(items))
        return Changes(items=items, removed=[], cursor=_dump(history_id), skipped=skipped)

    def queries(self) -> list[str]:
        """The search for recruiting mail in the window, split when long. messages.list
        leaves out spam and trash (includeSpamTrash defaults to false) and has no label
        restriction here, so sent mail and archived mail are found too."""
        since = self._after(self.window_days)
        relays = self.relay_domains
        known = sorted({d.strip().lower() for d in self.known_domains() if d.strip()})
        terms = [*self.search_words,
                 *(f"from:{d}" for d in relays),
                 # The user's replies to a relay or an interviewer's company: they decide
                 # whether the employer owes the next word.
                 *(f"to:{d}" for d in relays),
                 *(f"{side}:{d}" for d in known for side in ("from", "to"))]
        head = f"{since} -in:drafts"
        return [f"{head} {{{' '.join(chunk)}}}" for chunk in _chunks(terms, MAX_QUERY_CHARS)]

    def _after(self, days: int) -> str:
        """The search term for mail of the last `days` days. after: takes a date read in
        Pacific time; a day's margin covers any zone."""
        return f"after:{(self.clock() - timedelta(days=days + 1)).strftime('%Y/%m/%d')}"

    def _list(self, query: str) -> Iterator[str]:
        messages = self.service.users().messages()
        token: str | None = None
        while True:
            page = self.caller.call(
                messages.list(userId=self.user_id, q=query, maxResults=PAGE_SIZE,
                              pageToken=token), "gmail.users.messages.list")
            yield from (m["id"] for m in page.get("messages", []))
            token = page.get("nextPageToken")
            if not token:
                return

    def _since(self, start: str) -> Changes:
        history = self.service.users().history()
        ids: dict[str, None] = {}
        latest, token = start, None
        while True:  # a page may carry a nextPageToken and no records: keep going
            try:
                page = self.caller.call(
                    history.list(userId=self.user_id, startHistoryId=start,
                                 historyTypes=["messageAdded", "labelAdded"],
                                 maxResults=PAGE_SIZE, pageToken=token),
                    "gmail.users.history.list")
            except NotFound as error:  # too old: developers.google.com/gmail/api/guides/sync
                raise CursorExpired(f"Gmail history from {start} is no longer kept") from error
            latest = str(page.get("historyId") or latest)
            for record in page.get("history", []):
                for message_id in _new_or_sent(record):
                    ids[message_id] = None
            token = page.get("nextPageToken")
            if not token:
                break
        items, skipped = self._fetch(list(ids), RECENT_DAYS)
        return Changes(items=items, removed=[], cursor=_dump(latest), skipped=skipped)

    # --- reading messages ----------------------------------------------------------------

    def _fetch(self, ids: list[str], days: int) -> tuple[list[RawItem], int]:
        """Read `ids` (mail of about the last `days` days); return (items in the order of
        `ids`, how many were skipped). Messages of RAW_BELOW or more, as a search of those
        days names them, are read as parts without attachments; the rest raw. Messages
        deleted meanwhile are left out without counting. Raises AuthNeeded, and RateLimited
        or Unavailable when a message stayed unreadable for a passing reason: skipping it
        would lose it, the cursor moving past it."""
        if not ids:  # nothing to read: not even the search for large ones
            return [], 0
        large = self._large(days) & set(ids)
        messages = self.service.users().messages()
        get = "gmail.users.messages.get"
        answers, errors = self.caller.batch(self.service, self.batch_uri, get, [
            (i, messages.get(userId=self.user_id, id=i, format="raw"))
            for i in ids if i not in large])
        parted, parted_errors = self.caller.batch(self.service, self.batch_uri, get, [
            (i, messages.get(userId=self.user_id, id=i, format="full"))
            for i in ids if i in large], size=FULL_BATCH)
        answers.update(parted)
        errors.update(parted_errors)
        items: list[RawItem] = []
        skipped = 0
        for message_id in ids:
            error = errors.get(message_id)
            if isinstance(error, NotFound):
                log.info("Gmail message %s was deleted meanwhile: skipped", message_id)
            elif isinstance(error, AuthNeeded | RateLimited | Unavailable):
                raise error
            elif error is not None:
                log.warning("Gmail message %s cannot be read, skipped: %s", message_id, error)
                skipped += 1
            elif {"SPAM", "TRASH"} & set(answers[message_id].get("labelIds", ())):
                log.info("Gmail message %s went to spam or trash: left out", message_id)
            elif (item := self._item(answers[message_id])) is not None:
                items.append(item)
            else:
                skipped += 1
        return items, skipped

    def _large(self, days: int) -> set[str]:
        """The ids of the messages of the last `days` days of RAW_BELOW bytes or more."""
        return set(self._list(f"{self._after(days)} larger:{RAW_BELOW - 1}"))

    def _item(self, message: dict[str, Any]) -> RawItem | None:
        """The RawItem of one messages.get answer, format raw or full; None (logged) when
        skipped."""
        labels = list(message.get("labelIds", []))
        size = int(message.get("sizeEstimate") or 0)
        if size > self.max_bytes:
            log.warning("Gmail message %s skipped: too large (%.1f MB > %.1f MB limit)",
                        message["id"], size / _MB, self.max_bytes / _MB)
            return None
        try:
            if "payload" in message:
                data = rebuild(message["payload"], lambda part: self._attached(message, part),
                               self.read_bytes)
            else:
                data = b64url_decode(message.get("raw", ""))
        except ValueError as error:  # binascii.Error: not base64; or no part tree
            log.warning("Gmail message %s skipped: unreadable answer (%s)", message["id"],
                        type(error).__name__)
            return None
        millis = message.get("internalDate")
        return RawItem(
            ref=message["id"], folder=_folder(labels), data=data, flags=",".join(labels),
            received=datetime.fromtimestamp(int(millis) / 1000, UTC) if millis else None,
            thread=message.get("threadId", ""),
        )

    def _attached(self, message: dict[str, Any], part: dict[str, Any]) -> bytes | None:
        """The data of a part of `message` the parser reads (an invitation, text, a message)
        that came as an attachment, up to PART_BYTES."""
        body = part.get("body") or {}
        if int(body.get("size") or 0) > PART_BYTES:
            log.info("Gmail message %s: an attached %s of %d bytes left unread",
                     message["id"], part.get("mimeType"), int(body.get("size") or 0))
            return None
        attachments = self.service.users().messages().attachments()
        try:
            answer = self.caller.call(
                attachments.get(userId=self.user_id, messageId=message["id"],
                                id=body["attachmentId"]),
                "gmail.users.messages.attachments.get")
        except NotFound:
            return None
        return b64url_decode(str(answer.get("data", "")))


def _folder(labels: list[str]) -> str:
    """The folder name the parser knows own mail and drafts by (settings: sent_folders,
    drafts_folder), from Gmail's system labels."""
    if "SENT" in labels:
        return "Sent"
    if "DRAFT" in labels:
        return "Drafts"
    return "INBOX"


def _chunks(terms: list[str], limit: int) -> Iterator[list[str]]:
    """`terms` in runs whose joined length stays within `limit` (one term may exceed it)."""
    chunk: list[str] = []
    size = 0
    for term in terms:
        if chunk and size + len(term) > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(term)
        size += len(term) + 1
    if chunk:
        yield chunk



def _new_or_sent(record: dict[str, Any]) -> list[str]:
    """Ids worth reading in one history record: new mail, and drafts the user just sent.

    A draft sent from Gmail keeps its message id and only gains the SENT label (and loses
    DRAFT), so it shows up as labelsAdded, never as messagesAdded: without it, a nudge the
    user sent would go unseen and the final check-in would never come.
    """
    found = []
    for added in record.get("messagesAdded", []):
        message = added.get("message", {})
        if not _NEVER & set(message.get("labelIds", ())):
            found.append(message["id"])
    for change in record.get("labelsAdded", []):
        message = change.get("message", {})
        labels = set(message.get("labelIds", ()))
        # The snapshot may still show DRAFT beside the new SENT: sent is what counts.
        if "SENT" in change.get("labelIds", ()) and not {"SPAM", "TRASH"} & labels:
            found.append(message["id"])
    return found


def _dump(history_id: str) -> str:
    return json.dumps({"historyId": history_id})


def _load_cursor(cursor: str) -> str:
    """The history id in `cursor`; CursorExpired when it is not one of ours."""
    try:
        value = json.loads(cursor)["historyId"]
    except (ValueError, TypeError, KeyError) as error:
        raise CursorExpired("Gmail cursor is unreadable") from error
    if not str(value).isdigit():
        raise CursorExpired("Gmail cursor holds no history id")
    return str(value)
