"""Parse one raw message (RFC 5322 + MIME) into a `Mail`.

Pure: bytes in, a dataclass out. The stdlib `email` package with `policy.default` does
the work; this module makes it safe for whatever a real mailbox holds. Mail is untrusted
input and the stdlib's header parser has raised on malformed headers more than once, so
every header has a raw-text fallback and one unreadable MIME part is skipped, not fatal.
Nothing here logs a subject, an address or a body.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

from radiosilence.connectors.base import RawItem, account_folder, same_folder
from radiosilence.mailformat import is_invitation, message_fields, unfold_header
from radiosilence.model import Address, CalEvent, Mail
from radiosilence.parse.calendar import ParseError, parse_calendar
from radiosilence.parse.limits import DEFAULT_LIMITS, Deadline, Limits

__all__ = ["ParseError", "parse_mail", "parse_head", "html_to_text"]

logger = logging.getLogger(__name__)

# html.parser is not linear on every pathological input; this bounds its work.
MAX_HTML_CHARS = 2_000_000
_MB = 1024 * 1024
# policy.default's header parser is superlinear (8,000 addresses: 1.4 s, compat32: 0.06 s);
# longer headers go straight to the linear compat32 functions.
MAX_PARSED_HEADER = 16_384

# Kept for understanding (auto-replies per RFC 3834, mailing lists per RFC 2369 / 2919,
# our own stamp on drafts); everything else is dropped.
KEPT_HEADERS = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "x-radiosilence-key",
    "x-mailer",
    "return-path",
    "date",  # its own offset is the writer's clock, which dates in the text are relative to
)

_MSG_ID = re.compile(r"<([^<>]*)>")
_SURROGATE = re.compile(r"[\udc80-\udcff]")
_REAL_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
# An addr-spec (RFC 5322 3.4.1) as mail really uses it; quoted local parts are dropped.
_ADDR_SPEC = re.compile(r'[^\s@<>()\[\],;:"\\]+@[^\s@<>()\[\],;:"\\]+')
_SPACE = re.compile(r"\s+")


def parse_mail(
    item: RawItem,
    *,
    own_addresses: frozenset[str],
    sent_folders: frozenset[str],
    drafts_folder: str,
    default_tz: tzinfo,
    received: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Mail:
    """Return the `Mail` in `item`; raise `ParseError` only when it has no usable date.

    `received` (the delivery time the source knows) stands in for a missing or unreadable
    Date header. A Date without a zone is read in `default_tz`; `Mail.date` is aware UTC.
    Of a message past limits.message_read_bytes its start is read (text and invitations
    come before attachments); past limits.seconds_per_item it raises TooSlow.
    """
    deadline = limits.deadline()
    data = item.data
    if len(data) > limits.message_read_bytes:
        logger.info("%s: only its first %d MB are read (limits.message_read_mb)", item.ref,
                    limits.message_read_bytes // _MB)
        data = data[:limits.message_read_bytes]
    msg = _message(data)
    raws = message_fields(msg)
    message_id = _first_id(_head_text(raws, "message-id")) or _content_id(item.data)
    sender = (_head_addresses(raws, "from") or _head_addresses(raws, "sender")
              or (Address(""),))[0]
    body, invites = _walk(msg, message_id, default_tz, limits, deadline)
    own_emails = {a.lower() for a in own_addresses}
    return Mail(
        id=message_id,
        ref=item.ref,
        folder=item.folder,
        date=_date_of(raws.get("date"), received, default_tz),
        sender=sender,
        to=_head_addresses(raws, "to"),
        cc=_head_addresses(raws, "cc"),
        subject=_head_text(raws, "subject"),
        in_reply_to=_first_id(_head_text(raws, "in-reply-to")),
        references=_ids(_head_text(raws, "references")),
        headers={name: _head_text(raws, name) for name in KEPT_HEADERS if name in raws},
        body=body,
        own=_in_folders(item.folder, sent_folders) or sender.email in own_emails,
        draft=_in_folders(item.folder, frozenset({drafts_folder})) or _draft_flag(item.flags),
        invites=invites,
        thread_hint=item.thread,  # the provider's thread id (Gmail); "" for Maildir
        reply_to=_head_addresses(raws, "reply-to"),
    )


def parse_head(
    raws: Mapping[str, str],
    folder: str,
    *,
    own_addresses: frozenset[str],
    sent_folders: frozenset[str],
    default_tz: tzinfo,
) -> Mail:
    """Return the `Mail` of a message known by its header fields alone (`raws`: lower-case
    name -> raw value of the first field of each name, as mailformat.header_fields gives
    them), with no body and no invites: what a headers-first triage judges, read as
    `parse_mail` reads it. A field plain enough for both ways to agree on is read the cheap
    way, any other through policy.default, as parse_mail does. Without a usable Date it is
    dated at the far end of time (never "old")."""
    sender = (_head_addresses(raws, "from") or _head_addresses(raws, "sender")
              or (Address(""),))[0]
    try:
        date = _date_of(raws.get("date"), None, default_tz)
    except ParseError:
        date = datetime.max.replace(tzinfo=UTC)
    own_emails = {a.lower() for a in own_addresses}
    return Mail(
        id=_first_id(_head_text(raws, "message-id")), ref="", folder=folder, date=date,
        sender=sender, to=_head_addresses(raws, "to"), cc=_head_addresses(raws, "cc"),
        subject=_head_text(raws, "subject"),
        in_reply_to=_first_id(_head_text(raws, "in-reply-to")),
        references=_ids(_head_text(raws, "references")), headers={}, body="",
        own=_in_folders(folder, sent_folders) or sender.email in own_emails, draft=False,
        invites=(), reply_to=_head_addresses(raws, "reply-to"),
    )


# In these, policy.default and a plain split may read a header differently (encoded words,
# quoted or commented parts, escapes, groups, 8-bit bytes); without them both agree.
_NOT_PLAIN = re.compile(r'=\?|["()\\;:\[\]]|[^\x00-\x7f]')


def _head_text(raws: Mapping[str, str], name: str) -> str:
    raw = raws.get(name)
    if raw is None:
        return ""
    if _NOT_PLAIN.search(raw) is None:
        return unfold_header(raw).strip()
    return _header(_one_header(name, raw), name)


def _head_addresses(raws: Mapping[str, str], name: str) -> tuple[Address, ...]:
    raw = raws.get(name)
    if raw is None:
        return ()
    if _NOT_PLAIN.search(raw) is not None:
        return _addresses(_one_header(name, raw), name)
    found = []
    # Plain text is "Name <spec>" or "spec", comma-separated: split as getaddresses would,
    # at a fraction of its cost (a first scan judges every message's headers).
    for part in unfold_header(raw).split(","):
        display, bracket, rest = part.partition("<")
        if "@" in display and bracket:  # no phrase: policy.default reads it its own way
            return _addresses(_one_header(name, raw), name)
        spec = rest.partition(">")[0] if bracket else display
        email = spec.strip().lower()
        if _ADDR_SPEC.fullmatch(email):
            found.append(Address(email, display.strip() if bracket else ""))
    return tuple(found)


def _one_header(name: str, raw: str) -> Message:
    """A message holding just the header `name`, parsed by policy.default as parse_mail's."""
    msg = Message(policy=policy.default)
    msg.set_raw(name, raw)  # stored as the parser stores it, parsed on access
    return msg


class _ReusingPolicy(EmailPolicy):
    """policy.default, except that a header value met before is not parsed again: the
    stdlib parses a header at every access (Content-Type is read about five times per
    message), and mail repeats its Content-Type, To and MIME-Version values endlessly.
    Parsed headers are immutable str subclasses, so one can serve every message."""

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):
            return value
        value = "".join(_LINE_SEPARATOR.split(value))
        if len(value) > _REUSED_CHARS:  # rarely repeated, and not worth the memory
            return self.header_factory(name, value)
        return _parsed_header(name, value)


_LINE_SEPARATOR = re.compile(r"\n|\r")
_REUSED_CHARS = 1000
_POLICY = _ReusingPolicy()


@lru_cache(maxsize=4096)
def _parsed_header(name: str, value: str) -> Any:
    return policy.default.header_factory(name, value)


def _message(data: bytes) -> Message:
    # The feed parser records defects instead of raising (RFC 5322 leaves a lot to taste);
    # anything it still raises means the bytes are not a message at all.
    try:
        return BytesParser(policy=_POLICY).parsebytes(data)
    except Exception as exc:
        raise ParseError(f"not readable as a mail message ({type(exc).__name__})") from exc


@lru_cache(maxsize=256)  # a scan asks for every message, and a mailbox has few folders
def _in_folders(folder: str, folders: frozenset[str]) -> bool:
    # One level down counts too: mbsync's per-account layout ("personal/Sent").
    return bool(folder) and any(same_folder(folder, f) or account_folder(folder, f)
                                for f in folders)


def _draft_flag(flags: str) -> bool:
    """Maildir's "D" info flag, or a DRAFT label from a source that passes labels.

    Maildir flags are single letters from "DFPRST" (plus lower-case keywords); a label
    string like "UNREAD" also holds a D, so it must not be read letter by letter.
    """
    if re.fullmatch(r"[DFPRST]*[a-z]*", flags):
        return "D" in flags
    return "DRAFT" in re.split(r"[\s,]+", flags.upper())


def _content_id(data: bytes) -> str:
    """Stand-in for a missing Message-ID: stable for the same bytes, in any folder."""
    return "sha256:" + hashlib.sha256(data).hexdigest()[:32]


# --- headers -------------------------------------------------------------------------------


def _raw(msg: Message, name: str) -> str | None:
    """The first raw value of header `name`, unparsed (works with any policy)."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _header(msg: Message, name: str) -> str:
    """Header text with RFC 2047 encoded words decoded, unfolded, stripped; '' if absent."""
    raw = _raw(msg, name)
    if raw is None:
        return ""
    try:
        if len(raw) > MAX_PARSED_HEADER:
            raise OverflowError("too long for the policy.default parser")
        text = str(msg[name])
    except Exception:  # the stdlib's header classes raise on some malformed input
        text = _decode_words(raw)
    return _clean(unfold_header(text)).strip()


def _decode_words(raw: str) -> str:
    """compat32-style decoding of encoded words; the raw text when even that fails."""
    try:
        return str(make_header(decode_header(unfold_header(raw))))
    except Exception:  # unknown charset or a malformed encoded word
        return raw


def _clean(text: str) -> str:
    """Undo the stdlib's surrogate escapes (undecodable 8-bit bytes in headers)."""
    if not _SURROGATE.search(text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), None)


def _addresses(msg: Message, name: str) -> tuple[Address, ...]:
    """Mailboxes of an address header (RFC 5322 3.4), lower-cased; () when unreadable.

    Entries without a domain ("undisclosed-recipients", a bare local name) are dropped.
    """
    raw = _raw(msg, name)
    if raw is None:
        return ()
    try:
        if len(raw) > MAX_PARSED_HEADER:
            raise OverflowError("too long for the policy.default parser")
        header: Any = msg[name]  # policy.default: an AddressHeader
        pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
    except Exception:
        # compat32's parser: linear and lenient. Split first, then decode each name: a
        # decoded name may hold the commas and brackets that separate addresses.
        pairs = [(_decode_words(n), a) for n, a in getaddresses([unfold_header(raw)])]
    found: list[Address] = []
    for display, spec in pairs:
        email = _clean(spec).strip().lower()
        if _ADDR_SPEC.fullmatch(email):
            found.append(Address(email, _clean(display).strip().strip('"').strip()))
    return tuple(found)


def _first_id(value: str) -> str:
    ids = _ids(value)
    return ids[0] if ids else ""


def _ids(value: str) -> tuple[str, ...]:
    """Message ids (RFC 5322 3.6.4) without angle brackets, in order, once each."""
    if not value:
        return ()
    found = [m.strip() for m in _MSG_ID.findall(value)] or value.split()
    return tuple(dict.fromkeys("".join(i.split()) for i in found if i.strip()))


def _date_of(raw: str | None, received: datetime | None, default_tz: tzinfo) -> datetime:
    moment = _parse_date(unfold_header(raw)) if raw else None
    if moment is None:
        moment = received
    if moment is None:
        raise ParseError("no Date and no received time")
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=default_tz)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # "31 Dec 9999 23:59:59 -1200" is past the last representable day
        if received is not None and moment is not received:
            return received.astimezone(UTC)
        raise ParseError("Date out of range and no received time") from None


def _parse_date(raw: str) -> datetime | None:
    """RFC 5322 3.3 date-time. "-0000" means UTC with no local zone known, so it is UTC;
    a date with no zone at all (obsolete syntax) stays naive for `default_tz`."""
    text = raw.strip()
    usual = _USUAL_DATE.fullmatch(text)
    if usual is not None:
        return _usual_date(usual)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None and re.search(r"-0000\b", raw):
        moment = moment.replace(tzinfo=UTC)
    return moment


# "Tue, 3 Mar 2026 10:00:00 +0100", as nearly all mail writes it: read without the stdlib's
# general parser, which costs a first scan more than the rest of a message's headers.
_USUAL_DATE = re.compile(r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) "
                         r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]\d{3}) "
                         r"(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)", re.ASCII)
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def _usual_date(found: re.Match[str]) -> datetime | None:
    day, month, year, hour, minute, second, sign, zone_h, zone_m = found.groups()
    offset = (int(zone_h) * 3600 + int(zone_m) * 60) * (-1 if sign == "-" else 1)
    try:
        return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute),
                        int(second), tzinfo=_zone(offset))
    except ValueError:  # 30 February, hour 24: no date, as the stdlib says
        return None


@lru_cache(maxsize=64)
def _zone(offset: int) -> tzinfo:
    return timezone(timedelta(seconds=offset))


# --- body and invites ----------------------------------------------------------------------


class _Parts:
    """What the walk over the MIME tree collects; sizes are tracked to stay linear."""

    def __init__(self, message_id: str, default_tz: tzinfo, limits: Limits,
                 deadline: Deadline) -> None:
        self.message_id = message_id
        self.default_tz = default_tz
        self.limits = limits
        self.deadline = deadline
        self.plain: list[str] = []
        self.html: list[str] = []
        self.size = {"plain": 0, "html": 0}
        self.invites: list[CalEvent] = []

    def take(self, part: Message) -> None:
        ctype = part.get_content_type()
        attachment = part.get_content_disposition() == "attachment"
        if is_invitation(ctype, part.get_filename() or ""):
            self.invites.extend(_invite(part, self.message_id, self.default_tz, self.limits,
                                        self.deadline))
        elif ctype == "text/plain" and not attachment:
            self._add(self.plain, "plain", self.limits.body_chars, part)
        elif ctype == "text/html" and not attachment:
            self._add(self.html, "html", MAX_HTML_CHARS, part)

    def _add(self, texts: list[str], kind: str, cap: int, part: Message) -> None:
        """Stop collecting at the cap, so a huge mail costs linear time, not more."""
        if self.size[kind] < cap:
            text = _text(part)[:cap]
            texts.append(text)
            self.size[kind] += len(text)

    def body(self) -> str:
        most = self.limits.body_chars
        if self.plain:
            return "\n\n".join(self.plain)[:most]
        html = "\n".join(self.html)[:MAX_HTML_CHARS]
        return html_to_text(html)[:most] if html else ""


def _walk(msg: Message, message_id: str, default_tz: tzinfo, limits: Limits,
          deadline: Deadline) -> tuple[str, tuple[CalEvent, ...]]:
    """The text body and the events of every calendar part, one pass over the parts, at
    most limits.mime_parts of them. Raises TooSlow past the item's deadline."""
    parts = _Parts(message_id, default_tz, limits, deadline)
    leaves = (part for part in msg.walk() if not part.is_multipart())
    for count, part in enumerate(leaves):
        if count == limits.mime_parts:
            logger.warning("%s has more than %d MIME parts: the rest are not read",
                           message_id, limits.mime_parts)
            break
        deadline.check(message_id)
        try:
            parts.take(part)
        except Exception as exc:  # stdlib header classes on malformed MIME headers
            logger.warning(
                "skipped an unreadable MIME part in %s (%s)", message_id, type(exc).__name__
            )
    # Google sends the same invite inline (text/calendar) and attached (invite.ics).
    return parts.body(), tuple(dict.fromkeys(parts.invites))


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Declared charset, else UTF-8 (bad bytes become U+FFFD), else cp1252 / latin-1.

    Mislabelled text is common (8-bit UTF-8 declared us-ascii, unknown names like
    "x-unknown"). Text with no valid UTF-8 sequence at all is 8-bit Western text, read as
    cp1252 (what "latin-1" means in practice) or latin-1, which maps every byte: never raises.
    """
    for name in (charset, "utf-8"):
        if not name:
            continue
        try:
            return data.decode(name)
        except (LookupError, ValueError):  # unknown name, bad bytes, "idna" and the like
            continue
    text = data.decode("utf-8", "replace")
    if _REAL_NON_ASCII.search(text):  # real UTF-8 sequences: UTF-8 with a few bad bytes
        return text
    try:  # no UTF-8 at all: 8-bit Western text, usually cp1252 sent as "latin-1"
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _invite(part: Message, message_id: str, default_tz: tzinfo, limits: Limits,
            deadline: Deadline) -> list[CalEvent]:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        return []
    charset = part.get_content_charset()
    if charset and charset.lower() not in ("utf-8", "utf8", "us-ascii"):
        # icalendar reads UTF-8 (RFC 5545 3.1.4); re-encode a part sent in another charset.
        payload = decode_bytes(payload, charset).encode("utf-8")
    try:
        return parse_calendar(payload, source="mail", source_ref=message_id,
                              default_tz=default_tz, limits=limits, deadline=deadline)
    except ParseError as exc:
        logger.warning("skipped an unreadable invite in %s: %s", message_id, exc)
        return []


# --- HTML ----------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt footer form h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table tbody td th thead tr ul".split()
)
_DROPPED_TAGS = frozenset({"script", "style", "head", "title", "template"})


class _TextExtractor(HTMLParser):
    """Collects text, a line break at block boundaries, nothing from script/style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._dropping = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self._dropping += 1
        elif tag in _BLOCK_TAGS:
            self._pre += tag == "pre"
            self.chunks.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:  # <br/>, <hr/>
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCK_TAGS:
            self._pre = max(0, self._pre - (tag == "pre"))
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        # HTML collapses white space, line breaks included, except inside <pre>.
        if not self._dropping:
            self.chunks.append(data if self._pre else _SPACE.sub(" ", data))


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: whitespace collapsed, at most one blank line in a row."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except (AssertionError, ValueError):  # html.parser on badly broken markup
        pass
    lines = (line.strip() for line in "".join(extractor.chunks).splitlines())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()
