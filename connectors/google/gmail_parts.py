"""A large Gmail message read without its attachments: its MIME text rebuilt from the
`format=full` answer.

`format=raw` hands over the whole message as base64 inside JSON, and a batch of them as one
multipart body: reading it takes about nine times the message's size in memory, so a 20 MB
attachment alone costs 240 MB. `format=full` gives the part tree instead (reference:
users.messages#MessagePart): headers on every part, the data of text parts inline, and
an `attachmentId` in place of the data of attachments. This module writes that tree back as
an RFC 5322 message: every header as given, each leaf with its data in base64, the parts
without data left out unless `fetch` brings them (an invitation's .ics, a forwarded
message). What the parser reads (headers, text, invitations) is all there; the attachments
it would skip are not.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from email.message import Message
from typing import Any

from radiosilence.mailformat import b64url_decode, is_invitation

# A part without inline data is asked for only when the parser reads it (parse/mail.py):
# an invitation (by type or a .ics name), text not marked as an attachment, or a message
# inside the message (a forward, a bounce, a digest).
TEXTS = frozenset({"text/plain", "text/html"})
_SKIPPED = {"content-transfer-encoding", "content-length"}
MAX_DEPTH = 50  # parts inside parts; real mail nests a handful

Fetch = Callable[[dict[str, Any]], bytes | None]  # a part with an attachmentId -> its data


def rebuild(payload: dict[str, Any], fetch: Fetch, part_bytes: int) -> bytes:
    """The message of a `format=full` payload; `fetch` is asked only for the attached parts
    the parser reads; each part's data is cut at `part_bytes` (the parser reads no
    further into a message anyway). Raises ValueError when the payload is not a part tree."""
    if not isinstance(payload, dict) or not isinstance(payload.get("headers"), list):
        raise ValueError("no part tree in the answer")
    try:
        # A message that is one attachment and nothing else keeps its headers.
        return (_part(payload, fetch, part_bytes, 0)
                or _head(payload["headers"], leaf=True) + b"\r\n")
    except (AttributeError, TypeError, KeyError) as error:  # a server answering nonsense
        raise ValueError(f"not a part tree: {type(error).__name__}") from error


def _part(part: dict[str, Any], fetch: Fetch, limit: int, depth: int) -> bytes | None:
    """One part's bytes (its headers, a blank line, its body); None for a part left out."""
    if depth > MAX_DEPTH:
        raise ValueError(f"parts nested more than {MAX_DEPTH} deep")
    headers = part.get("headers") or []
    boundary = _boundary(headers)
    # A multipart without a boundary is read as text, as parsers do: Gmail hands its data.
    if str(part.get("mimeType", "")).startswith("multipart/") and boundary is not None:
        children = [b for b in (_part(p, fetch, limit, depth + 1)
                                for p in part.get("parts") or []) if b]
        body = b"".join(b"--" + boundary + b"\r\n" + child + b"\r\n" for child in children)
        return _head(headers, leaf=False) + b"\r\n" + body + b"--" + boundary + b"--\r\n"
    data = _data(part, fetch)
    if data is None:
        return None
    if _is_message(part):  # RFC 2046 5.2: a message part is never base64
        return _head(headers, leaf=False) + b"\r\n" + data[:limit]
    encoded = base64.encodebytes(data[:limit]).replace(b"\n", b"\r\n")
    return _head(headers, leaf=True) + b"\r\n" + encoded


def _data(part: dict[str, Any], fetch: Fetch) -> bytes | None:
    body = part.get("body") or {}
    if body.get("data") is not None:
        return b64url_decode(str(body["data"]))
    if not body.get("attachmentId"):
        return b""  # an empty part: kept, it may be all a message has
    return fetch(part) if _read_by_the_parser(part) else None


def _read_by_the_parser(part: dict[str, Any]) -> bool:
    kind = str(part.get("mimeType", ""))
    if is_invitation(kind, str(part.get("filename", ""))):
        return True
    if kind in TEXTS:
        disposition = _header(part.get("headers") or [], "content-disposition") or ""
        return disposition.split(";")[0].strip().lower() != "attachment"
    return _is_message(part)


def _is_message(part: dict[str, Any]) -> bool:
    return str(part.get("mimeType", "")).startswith("message/")


def _head(headers: list[dict[str, Any]], leaf: bool) -> bytes:
    """The header block; a leaf's data is written in base64, whatever it was sent in.
    Values are written as Gmail gives them (decoded: UTF-8, which the parser reads)."""
    lines = [f"{_one_line(h.get('name'))}: {_one_line(h.get('value'))}" for h in headers
             if str(h.get("name", "")).lower() not in _SKIPPED and h.get("name")]
    if leaf:
        lines.append("Content-Transfer-Encoding: base64")
    return "".join(f"{line}\r\n" for line in lines).encode("utf-8", "surrogateescape")


def _one_line(value: object) -> str:
    """A header name or value on one line: a line break in an answer must not end the
    header block, or start a header the message never had."""
    return " ".join(str(value or "").splitlines())


def _boundary(headers: list[dict[str, Any]]) -> bytes | None:
    content_type = _header(headers, "content-type")
    if content_type is None:
        return None
    holder = Message()
    holder["Content-Type"] = content_type
    boundary = holder.get_boundary()
    return boundary.encode("utf-8", "surrogateescape") if boundary else None


def _header(headers: list[dict[str, Any]], name: str) -> str | None:
    """The value of the first header called `name` (lower case), None when there is none."""
    return next((str(h.get("value", "")) for h in headers
                 if str(h.get("name", "")).lower() == name), None)
