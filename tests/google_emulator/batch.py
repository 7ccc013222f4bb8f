"""The batch endpoint: multipart/mixed in, multipart/mixed out.

Per developers.google.com/gmail/api/guides/batch: each part is `application/http` holding one
HTTP request (request line, headers, blank line, body) with a Content-ID; the answer holds one
`application/http` part per request, in order, with Content-ID "response-<request's id>". At
most 100 calls per batch. google-api-python-client writes the parts with bare LF line ends and
splits each answer part on CRLF CRLF, so we accept both and answer with CRLF.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from .errors import bad_request

MAX_CALLS = 100


@dataclass
class Part:
    content_id: str  # without the angle brackets
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes


def _boundary(content_type: str, subtype: str) -> str:
    msg = Message()
    msg["Content-Type"] = content_type
    boundary = msg.get_param("boundary")
    if msg.get_content_type() != f"multipart/{subtype}" or not isinstance(boundary, str):
        raise bad_request(f"Expected multipart/{subtype} with a boundary")
    return boundary


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in re.split(rb"\r?\n", block):
        if b":" in line:
            name, _, value = line.partition(b":")
            out[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return out


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    m = re.search(rb"\r?\n\r?\n", data)
    if not m:
        return data, b""
    return data[: m.start()], data[m.end():]


def split_multipart(content_type: str, body: bytes, subtype: str) -> list[tuple[dict, bytes]]:
    """(headers, body) of each part of a multipart body (RFC 2046 section 5.1.1), bytes kept
    as sent; bare LF line ends are accepted as well as CRLF."""
    delimiter = b"--" + _boundary(content_type, subtype).encode()
    parts = []
    for chunk in body.split(delimiter)[1:]:  # [0] is the preamble
        if chunk.startswith(b"--"):
            break  # the close delimiter
        chunk = re.sub(rb"^[ \t]*\r?\n", b"", chunk, count=1)
        chunk = re.sub(rb"\r?\n$", b"", chunk, count=1)  # the line end belongs to the delimiter
        head, inner = _split_head(chunk)
        parts.append((_headers(head), inner))
    return parts


def parse(content_type: str, body: bytes) -> list[Part]:
    """The calls of a batch request body."""
    parts = []
    for part_headers, inner in split_multipart(content_type, body, "mixed"):
        content_id = part_headers.get("content-id", "").strip().strip("<>")
        request_head, inner_body = _split_head(inner)
        request_line, _, header_block = request_head.partition(b"\n")
        words = request_line.decode("latin-1").strip().split()
        if len(words) < 2:
            raise bad_request("Malformed request line in batch part")
        headers = _headers(header_block)
        if "content-length" in headers and headers["content-length"].isdigit():
            inner_body = inner_body[: int(headers["content-length"])]
        url = urlsplit(words[1])
        parts.append(Part(
            content_id, words[0].upper(), url.path,
            parse_qs(url.query, keep_blank_values=True), headers, inner_body,
        ))
    if len(parts) > MAX_CALLS:
        raise bad_request(f"A batch can hold at most {MAX_CALLS} calls, got {len(parts)}")
    return parts


def render(answers: list[tuple[str, int, dict[str, str], bytes]]) -> tuple[str, bytes]:
    """(Content-Type, body) of the batch answer for (content id, status, headers, body)s."""
    boundary = "batch_" + uuid.uuid4().hex
    out = bytearray()
    for content_id, status, headers, body in answers:
        out += f"--{boundary}\r\nContent-Type: application/http\r\n".encode()
        out += f"Content-ID: <response-{content_id}>\r\n\r\n".encode()
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        out += f"HTTP/1.1 {status} {reason}\r\n".encode()
        for name, value in headers.items():
            out += f"{name}: {value}\r\n".encode()
        out += f"Content-Length: {len(body)}\r\n\r\n".encode()
        out += body + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/mixed; boundary={boundary}", bytes(out)
