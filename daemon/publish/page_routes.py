"""The status page's requests, for the feed's server: GET of the rendered files behind the
token, POST of the corrections, and the checks that make a POST safe.

A POST changes state only when all hold: the token in its path (else the same 404 as any
miss), a same-origin Origin (or, without one, Referer) for the Host it was sent to, a form
nonce the page carried (`page.nonce_ok`), a body under MAX_FORM_BYTES. A GET never
changes anything: GET of an action answers 405.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from radiosilence.publish.corrections import Refusal
from radiosilence.publish.page import nonce_ok

MAX_FORM_BYTES = 16 * 1024
_PAGE = re.compile(r"(?:index|iv-[0-9a-f]{4,64})\.html|style\.css|")
_ACTION = re.compile(r"action/([a-z]{2,20})")
PAGE_HEADERS = [
    ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "
     "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
]

Correct = Callable[[str, dict[str, str]], str]  # (correction, fields) -> what was done


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: list[tuple[str, str]]
    content_type: str = "text/plain; charset=utf-8"


def page_get(folder: Path, rest: str) -> Answer | None:
    """A rendered page or its stylesheet; None when `rest` names none of them."""
    if _ACTION.fullmatch(rest):
        return Answer(405, b"use the page's form\n", [("Allow", "POST")])
    if not _PAGE.fullmatch(rest):
        return None
    name = rest or "index.html"
    try:
        data = (folder / name).read_bytes()
    except FileNotFoundError:
        if name == "index.html":
            return Answer(503, b"the page is written after the first cycle\n",
                          [("Retry-After", "30")])
        return None
    kind = "text/css; charset=utf-8" if name.endswith(".css") else "text/html; charset=utf-8"
    return Answer(200, data, PAGE_HEADERS, kind)


def page_post(rest: str, headers: dict[str, str], body: bytes, secret: bytes,
              correct: Correct | None) -> Answer | None:
    """A correction; None when `rest` names no action (the caller answers 404)."""
    found = _ACTION.fullmatch(rest)
    if found is None or correct is None:
        return None
    if not _same_origin(headers):
        return Answer(403, b"refused: not sent from this page\n", [])
    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"),
                                           max_num_fields=20).items()}
    if not nonce_ok(secret, fields.pop("nonce", "")):
        return Answer(403, b"refused: the form is missing its nonce or is too old; "
                           b"reload the page\n", [])
    try:
        done = correct(found.group(1), fields)
    except Refusal as refusal:
        return Answer(400, f"refused: {refusal}\n".encode(), [])
    back = urlsplit(headers.get("referer", "")).path or "./"
    return Answer(303, f"{done}\n".encode(), [("Location", back), *PAGE_HEADERS])


def _same_origin(headers: dict[str, str]) -> bool:
    """Origin (or Referer) names the very host and port the request was sent to."""
    host = headers.get("host", "")
    if not host:
        return False
    origin = headers.get("origin")
    if origin is not None:
        return origin == f"http://{host}"
    referer = urlsplit(headers.get("referer", ""))
    return referer.scheme == "http" and referer.netloc == host
