"""Facts of the mail format that every layer shares, each written once.

Unfolding (RFC 5322 section 2.2.3), splitting a message's header block into fields, the reply
and forward prefixes mail clients put before a subject, which parts hold an invitation, and
Gmail's unpadded base64url (RFC 4648 section 5). No I/O; imports nothing of ours.
"""

from __future__ import annotations

import base64
import re
from email.message import Message
from email.parser import BytesHeaderParser

_FOLDED = re.compile(r"\r?\n(?=[ \t])")
# "Re:", "RE[2]:", "AW:" (German), "SV:" (Nordic), "Antw:" (Dutch), "R:" (Italian), "TR:"
# (French forward), "WG:" (German forward), "Fw:", "Fwd:", "VS:" (Finnish): one or several.
_REPLY_PREFIXES = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|antw|r|tr|wg|fwd?)\s*(?:\[\d+\])?\s*:\s*)+", re.I)


def unfold_header(value: str) -> str:
    """A header value on one line: unfolding removes each CRLF before white space, only the
    CRLF (RFC 5322 2.2.3), then the ends are stripped."""
    if "\n" not in value:  # most values are on one line: no pass of the pattern for them
        return value.strip()
    return _FOLDED.sub("", value).strip()


def has_reply_prefix(subject: str) -> bool:
    """Whether the subject starts with a reply or forward prefix."""
    return _REPLY_PREFIXES.match(subject) is not None


def strip_reply_prefixes(subject: str) -> str:
    """The subject without its leading "Re:", "Fwd:", "AW: Re[2]:" ... prefixes."""
    return _REPLY_PREFIXES.sub("", subject).strip()


INVITATION_TYPES = ("text/calendar", "application/ics")


def is_invitation(content_type: str, filename: str) -> bool:
    """Whether a MIME part holds a calendar invitation: by its type, or by a .ics name
    (mail programs also send one as application/octet-stream)."""
    return content_type in INVITATION_TYPES or filename.lower().endswith(".ics")


def b64url_decode(text: str) -> bytes:
    """Decode base64url that may lack its "=" padding, as Gmail sends it."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


# The feed parser's test for a header or continuation line (email.feedparser.headerRE): the
# first line that is neither, a blank one included, ends the header block.
_HEADER_LINE = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # CRLF, CR and LF all end a line
# Two line ends in a row make a blank line; in bytes every such pair holds one of these.
_BLANK_MARKS = (b"\n\n", b"\n\r", b"\r\r")
HEAD_SCAN_LIMIT = 256 * 1024  # past this without a blank line, the stdlib reads the head


def header_fields(data: bytes) -> dict[str, str]:
    """{lower-case name: raw value} of the first header of each name in the message `data`:
    what `BytesHeaderParser().parsebytes(data).raw_items()` gives, in a fifth of its time (a
    first scan looks at every message's headers; tests hold the two equal)."""
    end = HEAD_SCAN_LIMIT
    for mark in _BLANK_MARKS:
        found = data.find(mark, 0, end + len(mark))
        if found >= 0:
            end = found
    if end == HEAD_SCAN_LIMIT and len(data) > end:
        return _stdlib_fields(data)
    return _split_fields(data[:end + 2].decode("ascii", "surrogateescape"))


# The header block: the lines from the start for which _HEADER_LINE holds.
_BLOCK = re.compile(r"(?:(?:From |[\041-\071\073-\176]*:|[\t ])[^\r\n]*(?:\r\n|\r|\n|\Z))*")
# A field and its continuation lines, in a block whose lines all end in LF or CRLF.
_FIELD = re.compile(r"^([\041-\071\073-\176]+):[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.M)


def _split_fields(text: str) -> dict[str, str]:
    """The header fields at the start of `text`, read as email.feedparser reads them: in
    one pass of a pattern when no line is odd, else line by line."""
    block = text[:_BLOCK.match(text).end()]  # type: ignore[union-attr]  # it matches ""
    if not block or block[0] in " \t:" or block.startswith("From ") or "\nFrom " in block \
            or "\n:" in block or block.count("\r") != block.count("\r\n"):
        return _split_lines(block)
    fields: dict[str, str] = {}
    for name, value in _FIELD.findall(block):
        fields.setdefault(name.lower(), value)
    return fields


def _split_lines(text: str) -> dict[str, str]:
    """_split_fields for odd blocks: continuations first, envelope lines, lone CRs."""
    fields: dict[str, str] = {}
    name, lines = "", []  # the field being read, and its lines
    for match in _LINE.finditer(text):
        line = match.group()
        if not _HEADER_LINE.match(line):
            break
        if line[0] in " \t":
            if name:  # a continuation; one before any field is dropped, as the stdlib does
                lines.append(line)
            continue
        if name:
            _add_field(fields, name, lines)
            name = ""
        colon = line.find(":")
        # A "From " envelope line is no field, nor is a line with no name before its colon.
        if line.startswith("From ") or colon == 0:
            continue
        name, lines = line[:colon], [line[colon + 1:].lstrip(" \t")]
    if name:
        _add_field(fields, name, lines)
    return fields


def _add_field(fields: dict[str, str], name: str, lines: list[str]) -> None:
    fields.setdefault(name.lower(), "".join(lines).rstrip("\r\n"))


def _stdlib_fields(data: bytes) -> dict[str, str]:
    return message_fields(BytesHeaderParser().parsebytes(data))


def message_fields(msg: Message) -> dict[str, str]:
    """header_fields of a message the stdlib has parsed already (with any policy)."""
    fields: dict[str, str] = {}
    for name, value in msg.raw_items():
        fields.setdefault(name.lower(), str(value))
    return fields
