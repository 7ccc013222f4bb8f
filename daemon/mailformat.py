"""Facts of the mail format that every layer shares, each written once.

Unfolding (RFC 5322 section 2.2.3), the reply and forward prefixes mail clients put before a
subject, and Gmail's unpadded base64url (RFC 4648 section 5). No I/O; imports nothing of ours.
"""

from __future__ import annotations

import base64
import re

_FOLDED = re.compile(r"\r?\n(?=[ \t])")
# "Re:", "RE[2]:", "AW:" (German), "SV:" (Nordic), "Antw:" (Dutch), "R:" (Italian), "TR:"
# (French forward), "WG:" (German forward), "Fw:", "Fwd:", "VS:" (Finnish): one or several.
_REPLY_PREFIXES = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|antw|r|tr|wg|fwd?)\s*(?:\[\d+\])?\s*:\s*)+", re.I)


def unfold_header(value: str) -> str:
    """A header value on one line: unfolding removes each CRLF before white space, only the
    CRLF (RFC 5322 2.2.3), then the ends are stripped."""
    return _FOLDED.sub("", value).strip()


def has_reply_prefix(subject: str) -> bool:
    """Whether the subject starts with a reply or forward prefix."""
    return _REPLY_PREFIXES.match(subject) is not None


def strip_reply_prefixes(subject: str) -> str:
    """The subject without its leading "Re:", "Fwd:", "AW: Re[2]:" ... prefixes."""
    return _REPLY_PREFIXES.sub("", subject).strip()


def b64url_decode(text: str) -> bytes:
    """Decode base64url that may lack its "=" padding, as Gmail sends it."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")
