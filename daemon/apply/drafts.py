"""Draft messages: real RFC 5322 mail, threaded, stamped with our key.

The key header lets us find a draft again after a crash (DESIGN.md section 3, apply);
the content hash tells an untouched draft from one the user edited.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from functools import lru_cache

from radiosilence.connectors.base import DRAFT_KEY_HEADER
from radiosilence.mailformat import strip_reply_prefixes
from radiosilence.model import Address, FollowUp

# Message-IDs are single tokens; folded at the default 78 columns the email package would
# wrap a long one in an RFC 2047 encoded-word, which no client matches for threading.
# RFC 5322 2.1.1 allows lines up to 998 characters, so fold only beyond that.
DRAFT_POLICY = email_policy.SMTP.clone(max_line_length=998)


def build_draft(followup: FollowUp, sender: Address, subject: str, body: str,
                now: datetime) -> EmailMessage:
    """The draft as an RFC 5322 message, replying in the right thread when there is one."""
    msg = EmailMessage(policy=DRAFT_POLICY)
    msg["From"] = _header_address(sender)
    msg["To"] = [_header_address(a) for a in followup.to]
    if followup.thread:
        # Gmail threads a draft only when the subject matches too (DESIGN.md section 4).
        msg["Subject"] = reply_subject(followup.thread.subject)
        msg["In-Reply-To"] = f"<{followup.thread.message_id}>"
        msg["References"] = " ".join(f"<{r}>" for r in followup.thread.references)
    else:
        msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = draft_message_id(followup.key)
    msg[DRAFT_KEY_HEADER] = followup.key
    msg.set_content(body + "\n", charset="utf-8")
    return msg


def reply_subject(subject: str) -> str:
    """'Re: ' once, whatever prefixes the subject already carries."""
    return "Re: " + (strip_reply_prefixes(subject) or subject.strip())



def draft_message_id(key: str) -> str:
    """A Message-ID derived from the key: the same follow-up always gets the same one."""
    return f"<rs.{hashlib.sha256(key.encode()).hexdigest()[:24]}@radiosilence.invalid>"


@lru_cache(maxsize=2048)  # every cycle hashes every draft again; most never change
def draft_hash(raw: bytes) -> str:
    """A hash of what the user would change: recipients, subject and the text.

    Headers a mail program rewrites on save (Date, MIME boundaries, encodings) are left
    out, so an untouched draft keeps its hash after a round trip through the client.
    Never raises: whatever bytes the person leaves in a draft (a raw UTF-8 address, a
    charset no codec knows, such as "unknown-8bit") are hashed as the bytes they are, so
    such a draft reads as edited and the cycle goes on. Our own drafts hash as before.
    """
    try:
        msg = BytesParser(policy=email_policy.default).parsebytes(raw)
        fields = [_recipients(msg), _as_bytes(str(msg["Subject"] or "").strip()),
                  *_text_lines(msg)]
    except Exception:  # a message the email package cannot take apart at all
        return hashlib.sha256(raw).hexdigest()
    return hashlib.sha256(b"\n".join(fields)).hexdigest()


def _recipients(msg: EmailMessage) -> bytes:
    try:
        found = [str(a.addr_spec) for a in getattr(msg["To"], "addresses", ())]
    except Exception:  # an address the header parser gives up on: its text as it is
        found = [str(value) for value in msg.get_all("To", [])]
    return _as_bytes(",".join(sorted(address.lower() for address in found)))


def _text_lines(msg: EmailMessage) -> list[bytes]:
    part = msg.get_body(preferencelist=("plain",)) if msg.is_multipart() else msg
    if part is None:
        return [b""]
    try:
        text = _as_bytes(str(part.get_content()))
    except (LookupError, UnicodeError, KeyError):  # no codec for its charset: the bytes
        payload = part.get_payload(decode=True)
        text = payload if isinstance(payload, bytes) else _as_bytes(str(payload))
    return [line.rstrip() for line in text.strip().splitlines()]


def _as_bytes(text: str) -> bytes:
    """UTF-8, giving back the original bytes the email package kept as surrogates."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def word_count(text: str) -> int:
    return len(re.findall(r"\b[\w'’-]+\b", text))


def _header_address(address: Address) -> HeaderAddress:
    user, _, domain = address.email.partition("@")
    return HeaderAddress(display_name=address.name, username=user, domain=domain)
