"""Drafts in the account's Drafts folder (SPECIAL-USE \\Drafts), over IMAP.

A draft is APPENDed with \\Draft and \\Seen, found again by `UID SEARCH HEADER
X-Radiosilence-Key`, and removed by \\Deleted plus UID EXPUNGE (UIDPLUS; a plain EXPUNGE
otherwise). Replacing appends the new draft before removing the old one, so a crash leaves
two copies at worst, never none, as the Maildir sink does; the apply step clears the copy.
An APPEND is never repeated after an error: the draft may exist, and the next cycle's
`find` adopts it. Nothing here submits or sends mail.
"""

from __future__ import annotations

import logging
import re

from imapclient import IMAPClient

from radiosilence.connectors.base import (
    DRAFT_KEY_HEADER,
    DraftSink,
    StoredDraft,
    Unavailable,
    draft_key,
)
from radiosilence.connectors.imap.folders import discover
from radiosilence.connectors.imap.session import ImapSession

log = logging.getLogger(__name__)

DEFAULT_FOLDER = "Drafts"  # created when the server has no Drafts folder at all
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.I)
_FLAGS = (b"\\Draft", b"\\Seen")


class ImapDraftSink(DraftSink):
    """Drafts of one IMAP account. A ref is "UIDVALIDITY/UID" in the Drafts folder."""

    def __init__(self, session: ImapSession, folder: str = "") -> None:
        self.session = session
        self.folder_override = folder
        self._folder: str | None = None

    def find(self, key: str) -> StoredDraft | None:
        """Return the oldest draft stamped `key`, or None; Unavailable on errors."""
        matches = self.find_all(key)
        if len(matches) > 1:
            log.warning("%d drafts carry the same key (an interrupted replace?); using the "
                        "oldest, %s", len(matches), matches[0].ref)
        return matches[0] if matches else None

    def find_all(self, key: str) -> list[StoredDraft]:
        """Return every draft stamped `key`, oldest (lowest UID) first."""
        if not key:  # a user's own draft has no key and is never ours
            return []
        return self.session.run(lambda client: self._find_all(client, key))

    def get(self, ref: str) -> StoredDraft | None:
        """Return the draft `ref` as it stands, None when gone (or UIDVALIDITY changed)."""
        validity, uid = _split(ref)
        if uid is None:
            return None
        return self.session.run(lambda client: self._get(client, validity, uid))

    def put(self, raw: bytes, key: str, replace: str | None = None,
            thread_hint: str = "") -> str:
        """APPEND `raw` as a draft, then remove `replace`; return the new ref. Raises
        ValueError when `raw` lacks our key header with `key`, Unavailable on errors."""
        if draft_key(raw) != key:
            raise ValueError(f"draft does not carry {DRAFT_KEY_HEADER} with the key given")
        ref = self.session.run(lambda client: self._append(client, raw, key), retry=False)
        if replace is not None and replace != ref:
            self.delete(replace)  # only now that the new draft is safe
        return ref

    def delete(self, ref: str) -> None:
        """Remove the draft `ref`; one already gone is fine. Unavailable on errors."""
        validity, uid = _split(ref)
        if uid is not None:
            self.session.run(lambda client: self._delete(client, validity, uid))

    # --- on the connection ---------------------------------------------------------------

    def _folder_name(self, client: IMAPClient, create: bool = False) -> str | None:
        if self._folder is None:
            self._folder = self.folder_override or discover(client).role("\\Drafts")
        if self._folder is None and create:
            log.info("no Drafts folder on the server: creating %s", DEFAULT_FOLDER)
            client.create_folder(DEFAULT_FOLDER)
            client.subscribe_folder(DEFAULT_FOLDER)
            self._folder = DEFAULT_FOLDER
        return self._folder

    def _select(self, client: IMAPClient) -> int | None:
        """Select the Drafts folder (read-write); return its UIDVALIDITY, None if none."""
        folder = self._folder_name(client)
        if folder is None:
            return None
        return self.session.select(client, folder, readonly=False)

    def _find_all(self, client: IMAPClient, key: str) -> list[StoredDraft]:
        validity = self._select(client)
        if validity is None:
            return []
        # SEARCH HEADER matches substrings: the exact key is checked on the bytes.
        uids = client.search(["HEADER", DRAFT_KEY_HEADER, key])
        drafts = self._load(client, validity, uids)
        return [d for d in drafts if d.key == key]

    def _get(self, client: IMAPClient, validity: int, uid: int) -> StoredDraft | None:
        if self._select(client) != validity:
            return None
        found = self._load(client, validity, [uid])
        return found[0] if found else None

    def _load(self, client: IMAPClient, validity: int, uids: list[int]) -> list[StoredDraft]:
        """The drafts `uids` not marked \\Deleted, in UID order."""
        if not uids:
            return []
        fetched = client.fetch(sorted(uids), ["BODY.PEEK[]", "FLAGS"])
        drafts = []
        for uid in sorted(fetched):
            data = fetched[uid]
            flags = {f.lower() for f in data.get(b"FLAGS", ()) if isinstance(f, bytes)}
            raw = data.get(b"BODY[]")
            if b"\\deleted" in flags or not isinstance(raw, bytes):
                continue
            drafts.append(StoredDraft(ref=f"{validity}/{uid}", key=draft_key(raw), raw=raw))
        return drafts

    def _append(self, client: IMAPClient, raw: bytes, key: str) -> str:
        folder = self._folder_name(client, create=True)
        assert folder is not None
        answer = client.append(folder, raw, flags=_FLAGS)
        match = _APPENDUID.search(answer if isinstance(answer, bytes) else str(answer).encode())
        if match:
            return f"{int(match[1])}/{int(match[2])}"
        # No UIDPLUS: the newest draft with our key is the one just appended.
        validity = self._select(client)
        uids = client.search(["HEADER", DRAFT_KEY_HEADER, key])
        newest = max((d for d in self._load(client, validity or 0, uids) if d.key == key),
                     key=lambda d: int(d.ref.rpartition("/")[2]), default=None)
        if newest is None:
            raise Unavailable("the draft just appended cannot be found again")
        return newest.ref

    def _delete(self, client: IMAPClient, validity: int, uid: int) -> None:
        if self._select(client) != validity:
            return  # the folder was rebuilt: that draft is gone
        if not client.search(["UID", str(uid)]):
            return  # already gone
        client.add_flags([uid], [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge([uid])
        else:
            # Expunges every \Deleted message of Drafts, which the user's client meant to
            # remove anyway; servers without UIDPLUS leave no narrower way.
            client.expunge()


def _split(ref: str) -> tuple[int, int | None]:
    """(UIDVALIDITY, UID) of a ref; UID None for a ref that is not ours."""
    validity, _, uid = ref.partition("/")
    if not (validity.isdigit() and uid.isdigit()):
        return 0, None
    return int(validity), int(uid)
