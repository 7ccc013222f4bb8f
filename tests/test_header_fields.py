"""mailformat.header_fields reads every header block as the stdlib's BytesHeaderParser does:
on CPython's own test messages, the bundled sample mail, and generated heads made of the odd
line ends, continuations, envelope lines and stray bytes that real mailboxes hold."""

from __future__ import annotations

import email
import random
from datetime import UTC
from email import policy
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from radiosilence import mailformat
from radiosilence.mailformat import header_fields, message_fields
from radiosilence.parse import mail

MIME_TESTS = Path(email.__file__).parent.parent / "test" / "test_email" / "data"
SAMPLE = Path(__file__).resolve().parent.parent / "daemon" / "sample" / "mail"


def _stdlib(data: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in BytesHeaderParser().parsebytes(data).raw_items():
        fields.setdefault(name.lower(), str(value))
    return fields


def _files() -> list[Path]:
    found = [p for p in MIME_TESTS.glob("msg_*.txt")]
    found += [p for p in SAMPLE.rglob("*") if p.is_file()]
    return sorted(found)


def test_real_messages_read_alike() -> None:
    files = _files()
    assert len(files) > 60  # CPython's test messages are there, and the sample mail
    for path in files:
        data = path.read_bytes()
        assert header_fields(data) == _stdlib(data), path.name


_PIECES = [
    b"From: Ann <ann@x.example>", b"To: b@y.example, c@z.example", b"Subject: Interview",
    b"Subject: second subject", b"Date: Tue, 3 Mar 2026 10:00:00 +0100", b"X-Empty:",
    b"Message-ID: <a@b>", b"from: lower@x.example", b"References: <1@x>", b" folded more",
    b"\tfolded by tab", b"From sender@x.example Tue Mar  3 10:00:00 2026", b":no name",
    b"not a header line", b"Subj ect: space in name", b"X-Bytes: caf\xc3\xa9 \xff\xfe",
    b"X-Colon:a:b:c", b"   ", b"X-NUL: a\x00b", b"", b"From: second@x.example",
    b"Content-Type: text/plain;\r\n charset=utf-8", b"X-Long: " + b"w" * 300,
]
_ENDS = [b"\n", b"\r\n", b"\r", b"\n\r", b"\r\r\n"]


def _generated(pick: random.Random) -> bytes:
    lines = [pick.choice(_PIECES) + pick.choice(_ENDS) for _ in range(pick.randint(0, 14))]
    body = pick.choice([b"", b"body text\n", b"\n\nmore", b"From: in the body\n"])
    return b"".join(lines) + body


@pytest.mark.parametrize("seed", range(4))
def test_generated_heads_read_alike(seed: int) -> None:
    pick = random.Random(seed)
    for _ in range(2500):
        data = _generated(pick)
        assert header_fields(data) == _stdlib(data), data


def test_a_head_with_no_blank_line_within_the_limit_is_read_by_the_stdlib(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mailformat, "HEAD_SCAN_LIMIT", 64)
    data = b"".join(b"X-Field-%d: value\n" % i for i in range(20)) + b"Subject: late\n"
    assert header_fields(data)["subject"] == "late"
    assert header_fields(data) == _stdlib(data)


# --- parse_mail reads plain headers without policy.default, with the same answers -------------

_VALUES = [
    "Ann Example <ann@x.example>", '"Example, Ann" <ann@x.example>', "ann@x.example",
    "ann@x.example <ann@x.example>", "=?utf-8?q?Gr=C3=A2ce?= <grace@x.example>",
    "Ann (HR) <ann@x.example>", "undisclosed-recipients:;", "a@x.example, b@y.example",
    "Bob, <c@z.example>", "<d@w.example>", "Team: e@x.example, f@x.example;", "x",
    "Interview on Monday", "Re: =?iso-8859-1?q?Entrevista_ma=F1ana?=", "<id1@x> <id2@y>",
    "  spaced   out  ", "tab\tinside", "caf\udcc3\udca9 8-bit", "a\r\n folded value",
    "Ann <ann@x.example>,\r\n\tBob <bob@y.example>", "<a@b> (comment)", "one@two@three",
    "[brackets] <g@x.example>", "back\\slash <h@x.example>", "",
]
_NAMES = ["from", "to", "cc", "reply-to", "subject", "message-id", "references", "x-autoreply"]


_ADDRESS_NAMES = {"from", "to", "cc", "reply-to"}


def _used(name: str, text: str) -> object:
    """What parse_mail keeps of a text header: the first id, all ids, or the text."""
    if name == "message-id":
        return mail._first_id(text)
    return mail._ids(text) if name == "references" else text


def _policy_reading(data: bytes) -> tuple[object, ...]:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    return tuple((mail._addresses(msg, name) if name in _ADDRESS_NAMES else
                  _used(name, mail._header(msg, name))) for name in _NAMES)


def _fast_reading(data: bytes) -> tuple[object, ...]:
    raws = message_fields(BytesParser(policy=policy.default).parsebytes(data))
    return tuple((mail._head_addresses(raws, name) if name in _ADDRESS_NAMES else
                  _used(name, mail._head_text(raws, name))) for name in _NAMES)


def test_parse_mail_reads_real_headers_as_policy_default_does() -> None:
    for path in _files():
        data = path.read_bytes()
        assert _fast_reading(data) == _policy_reading(data), path.name


def test_parse_mail_reads_odd_headers_as_policy_default_does() -> None:
    pick = random.Random(3)
    for _ in range(1500):
        head = "".join(f"{pick.choice(_NAMES).title()}: {pick.choice(_VALUES)}\r\n"
                       for _ in range(pick.randint(1, 6)))
        data = head.encode("utf-8", "surrogateescape") + b"\r\nbody\r\n"
        assert _fast_reading(data) == _policy_reading(data), head


def _stdlib_date(raw: str) -> object:
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def test_usual_dates_read_as_the_stdlib_reads_them() -> None:
    pick = random.Random(5)
    days = ["Mon, ", "Tue, ", "", "Sun, "]
    months = ["Jan", "Feb", "Mar", "Sep", "Dec"]
    seen = 0
    for _ in range(4000):
        raw = (f"{pick.choice(days)}{pick.randint(0, 32)} {pick.choice(months)} "
               f"{pick.choice([1970, 2026, 9999, 1000, 1999])} {pick.randint(0, 25):02d}:"
               f"{pick.randint(0, 60):02d}:{pick.randint(0, 61):02d} "
               f"{pick.choice('+-')}{pick.choice([0, 1, 5, 14, 23, 24, 99]):02d}"
               f"{pick.choice([0, 30, 45, 99]):02d}")
        assert mail._USUAL_DATE.fullmatch(raw), raw  # each takes the quick way
        seen += mail._parse_date(raw) is not None
        assert mail._parse_date(raw) == _stdlib_date(raw), raw
    assert seen > 1000  # and most are dates
