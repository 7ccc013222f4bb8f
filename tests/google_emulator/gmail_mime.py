"""RFC 5322 / MIME bytes to the Gmail v1 `MessagePart` tree, snippets and threading keys.

Gmail's payload (reference: users.messages#MessagePart): the root part has partId "", its
children "0", "1", ..., grandchildren "1.0"; multipart containers carry body {"size": 0};
text leaves carry body {"size", "data"} with data base64url (padded, as Python's
urlsafe_b64decode needs); parts with a filename or non-text content carry an `attachmentId`
instead of data, fetched with users.messages.attachments.get.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.header
import email.policy
import html
import re
from email.message import Message
from email.utils import getaddresses

SNIPPET_CHARS = 200
_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|wg|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]+>")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64decode_lenient(text: str) -> bytes:
    """Decode base64url or standard base64, padded or not (Gmail accepts both in `raw`)."""
    cleaned = re.sub(r"\s+", "", text).replace("+", "-").replace("/", "_")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.urlsafe_b64decode(cleaned)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64 payload: {exc}") from exc


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def header(msg: Message, name: str) -> str:
    """A header's value, RFC 2047-decoded and unfolded, "" when absent."""
    value = msg.get(name)
    return "" if value is None else decode_header_value(value)


def decode_header_value(value: object) -> str:
    try:
        text = str(email.header.make_header(email.header.decode_header(str(value))))
    except (ValueError, LookupError, UnicodeError):
        text = str(value)
    return re.sub(r"\r?\n(?=[ \t])", "", text).strip()  # unfolded (RFC 5322 2.2.3)


def normalize_subject(subject: str) -> str:
    """Subject with reply/forward prefixes ("Re: Fwd: AW:") removed, whitespace collapsed."""
    return " ".join(_PREFIX.sub("", subject or "").split()).casefold()


def stacked_prefix(subject: str) -> bool:
    """True for "Re: Re: ..."-style subjects (more than one reply/forward prefix)."""
    m = _PREFIX.match(subject or "")
    return m is not None and m.group(0).count(":") > 1


def message_ids(value: str) -> list[str]:
    return _MSGID.findall(value or "")


def addresses(msg: Message, name: str) -> list[str]:
    return [addr.lower() for _, addr in getaddresses(msg.get_all(name, [])) if addr]


def _is_attachment(part: Message) -> bool:
    if part.get_filename():
        return True
    if (part.get("Content-Disposition") or "").lower().startswith("attachment"):
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _leaf_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        # message/rfc822 holds one message; message/delivery-status a list of header blocks
        inner = part.get_payload()
        blocks = inner if isinstance(inner, list) else [inner]
        return b"".join(block.as_bytes() for block in blocks if isinstance(block, Message))
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def iter_parts(msg: Message, part_id: str = ""):
    """Yield (partId, part) depth first, numbering like Gmail."""
    yield part_id, msg
    if msg.is_multipart() and msg.get_content_maintype() == "multipart":
        for i, child in enumerate(msg.get_payload()):
            yield from iter_parts(child, f"{part_id}.{i}" if part_id else str(i))


def attachment_id(message_id: str, part_id: str) -> str:
    return "ANGjdJ" + b64url(f"{message_id}:{part_id}".encode()).rstrip("=")


def part_of_attachment(attachment: str) -> tuple[str, str]:
    """(message id, part id) an attachmentId was made from; ValueError if it is not ours."""
    if not attachment.startswith("ANGjdJ"):
        raise ValueError(attachment)
    message_id, _, part_id = b64decode_lenient(attachment[6:]).decode().partition(":")
    return message_id, part_id


def headers_list(part: Message, only: set[str] | None = None) -> list[dict[str, str]]:
    return [
        {"name": name, "value": decode_header_value(value)}
        for name, value in part.items()
        if only is None or name.lower() in only
    ]


def payload(msg: Message, message_id: str, part_id: str = "") -> dict:
    """The Gmail `MessagePart` for `msg` (format=full)."""
    out: dict = {
        "partId": part_id,
        "mimeType": msg.get_content_type(),
        "filename": decode_header_value(msg.get_filename() or ""),
        "headers": headers_list(msg),
    }
    if msg.is_multipart() and msg.get_content_maintype() == "multipart":
        out["body"] = {"size": 0}
        out["parts"] = [
            payload(child, message_id, f"{part_id}.{i}" if part_id else str(i))
            for i, child in enumerate(msg.get_payload())
        ]
        return out
    data = _leaf_bytes(msg)
    if _is_attachment(msg):
        out["body"] = {"attachmentId": attachment_id(message_id, part_id), "size": len(data)}
    elif data:
        out["body"] = {"size": len(data), "data": b64url(data)}
    else:
        out["body"] = {"size": 0}
    return out


def attachment_data(msg: Message, part_id: str) -> bytes | None:
    for pid, part in iter_parts(msg):
        if pid == part_id:
            return _leaf_bytes(part)
    return None


def _text_of(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def body_text(msg: Message) -> str:
    """All text/plain parts, or the tag-stripped text/html ones when there is no plain text."""
    plain, htmls = [], []
    for _, part in iter_parts(msg):
        if part.is_multipart() or _is_attachment(part):
            continue
        if part.get_content_type() == "text/plain":
            plain.append(_text_of(part))
        elif part.get_content_type() == "text/html":
            text = re.sub(r"(?s)<(script|style).*?</\1>|<[^>]+>", " ", _text_of(part))
            htmls.append(html.unescape(text))
    return "\n".join(plain or htmls)


def snippet(msg: Message) -> str:
    """Gmail's snippet: the start of the body text, whitespace collapsed, HTML-escaped."""
    text = " ".join(body_text(msg).split())[:SNIPPET_CHARS]
    return html.escape(text).replace("&#x27;", "&#39;")


def filenames(msg: Message) -> list[str]:
    return [
        decode_header_value(part.get_filename())
        for _, part in iter_parts(msg)
        if not part.is_multipart() and part.get_filename()
    ]
