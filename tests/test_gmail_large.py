"""Large Gmail messages are read without their attachments (connectors/google/gmail_parts.py),
with the real client against the loopback emulator.

A message of RAW_BELOW bytes or more, as a `larger:` search names it, comes as its part
tree (format=full) and is rebuilt without the attachments' data: what the parser reads of
it must be what it reads of the whole message. Shown on one job-search message with a PDF
and an invitation, and on CPython's own test messages (every one read both ways).
"""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from radiosilence.connectors.base import RawItem
from radiosilence.connectors.google import gmail_source
from radiosilence.connectors.google.gmail_parts import rebuild
from radiosilence.model import Mail
from radiosilence.parse.mail import parse_mail
from tests.google_emulator import Emulator
from tests.google_rigs import Rig, gmail_emulator

MIME_TESTS = Path(email.__file__).parent.parent / "test" / "test_email" / "data"
NOW = datetime.now(UTC)
INVITE = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
          b"BEGIN:VEVENT\r\nUID:iv-77@brightloom.example\r\nDTSTAMP:20260301T090000Z\r\n"
          b"DTSTART:20260310T140000Z\r\nDTEND:20260310T150000Z\r\n"
          b"SUMMARY:Interview: Platform Engineer\r\n"
          b"ORGANIZER:mailto:grace@brightloom.example\r\n"
          b"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com\r\n"
          b"END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def emu() -> Emulator:
    with gmail_emulator() as emulator:
        yield emulator  # type: ignore[misc]


@pytest.fixture
def rig(emu: Emulator, tmp_path: Path) -> Rig:
    assert emu.base_url
    return Rig(emu, emu.base_url, tmp_path)


def _parsed(item: RawItem) -> Mail:
    return parse_mail(item, own_addresses=frozenset({"me@example.com"}),
                      sent_folders=frozenset({"Sent"}), drafts_folder="Drafts", default_tz=UTC,
                      received=item.received)


def _what_is_read(mail: Mail) -> tuple[object, ...]:
    """What the parser takes from a message. An id made up for a message without a
    Message-ID is a digest of its bytes, which differ by construction: left out. The text
    is compared word for word: a message inside the message, written out again, may have
    a blank line more between its parts (the classifier reads text flattened anyway)."""
    invites = tuple((e.uid, e.start, e.summary, e.organizer) for e in mail.invites)
    ident = "" if mail.id.startswith("sha256:") else mail.id
    return (ident, mail.subject, mail.sender, mail.to, mail.cc, mail.date, mail.in_reply_to,
            mail.references, mail.body.split(), mail.reply_to, invites)


def _new_mail(rig: Rig, raws: list[bytes]) -> tuple[list[str], dict[str, RawItem]]:
    """Add `raws` after a first scan; the items the next increment reads, by ref."""
    source = rig.source(max_bytes=25 * 1024 * 1024)
    cursor = source.changes(None).cursor
    ids = [rig.emu.gmail.add_message(raw) for raw in raws]
    rig.emu.reset_counters()
    return ids, {i.ref: i for i in source.changes(cursor).items}


def test_a_large_message_is_read_without_its_attachment_but_with_its_invitation(
        rig: Rig) -> None:
    message = EmailMessage()
    message["From"] = "Grace Liang <grace@brightloom.example>"
    message["To"] = "Me <me@example.com>"
    message["Subject"] = "Entrevista: la invitación y el resumen"
    message["Date"] = format_datetime(NOW - timedelta(hours=1))
    message["Message-ID"] = make_msgid(domain="brightloom.example")
    message.set_content("Hola, te envío la invitación para el martes. ¡Hasta pronto!")
    message.add_alternative("<p>Hola, te envío la invitación para el martes.</p>",
                            subtype="html")
    message.add_attachment(bytes(range(256)) * 4096, maintype="application", subtype="pdf",
                           filename="brief.pdf")  # 1 MiB: over RAW_BELOW
    message.add_attachment(INVITE, maintype="text", subtype="calendar", filename="invite.ics")
    raw = bytes(message)
    (ref,), items = _new_mail(rig, [raw])
    item = items[ref]
    assert len(item.data) < 8_000 < gmail_source.RAW_BELOW < len(raw)
    whole = _parsed(RawItem(ref=ref, folder="INBOX", data=raw))
    assert _what_is_read(_parsed(item)) == _what_is_read(whole)
    assert whole.invites and whole.subject.startswith("Entrevista")
    counts = rig.emu.counts
    assert counts["gmail.users.messages.get"] == 1  # as parts, never raw
    assert counts["gmail.users.messages.attachments.get"] == 1  # the invitation, not the PDF


def test_small_mail_is_read_whole_in_one_batch(rig: Rig) -> None:
    small = [(f"From: grace@brightloom.example\r\nTo: me@example.com\r\nSubject: Note {n}\r\n"
              f"Date: {format_datetime(NOW - timedelta(hours=1))}\r\n"
              f"Message-ID: <note{n}@brightloom.example>\r\n\r\nSee you then.\r\n").encode()
             for n in range(3)]
    ids, items = _new_mail(rig, small)
    assert [items[i].data for i in ids] == small  # byte for byte: raw
    assert "gmail.users.messages.attachments.get" not in rig.emu.counts


def test_a_first_scan_that_matches_nothing_asks_for_no_large_messages(rig: Rig) -> None:
    rig.emu.reset_counters()
    changes = rig.source(max_bytes=25 * 1024 * 1024).changes(None)
    assert changes.items == []
    searches = rig.emu.counts["gmail.users.messages.list"]
    assert searches >= 1  # the recruiting search ran
    assert "gmail.users.messages.get" not in rig.emu.counts
    # one list call per recruiting query, none more for a `larger:` search
    assert searches == len(rig.source(max_bytes=25 * 1024 * 1024).queries())


def test_every_cpython_test_message_reads_alike_as_parts_and_whole(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted(MIME_TESTS.glob("msg_*.txt"))
    names, raws = [path.name for path in paths], [path.read_bytes() for path in paths]
    assert len(raws) > 40
    monkeypatch.setattr(gmail_source, "RAW_BELOW", 1)  # every message is large
    monkeypatch.setattr(gmail_source, "RECENT_DAYS", 365 * 200)  # their dates are old
    ids, items = _new_mail(rig, raws)
    read_as_parts, differ = 0, []
    for name, ref, raw in zip(names, ids, raws, strict=True):
        if ref not in items:
            continue  # counted below
        read_as_parts += 1
        whole = _parsed(RawItem(ref=ref, folder="INBOX", data=raw, received=items[ref].received))
        if _what_is_read(_parsed(items[ref])) != _what_is_read(whole):
            differ.append(name)
    # msg_15 nests a boundary inside a part delimited by the same boundary: a broken
    # message the two parsers (the emulator's and ours) cut into different trees.
    assert differ == ["msg_15.txt"], differ
    assert rig.emu.counts["gmail.users.messages.get"] == len(raws)
    assert read_as_parts == len(raws)


def _nested(depth: int) -> dict[str, object]:
    part: dict[str, object] = {"mimeType": "text/plain", "headers": [],
                               "body": {"data": "aGk"}}
    for _ in range(depth):
        part = {"mimeType": "multipart/mixed", "body": {"size": 0}, "parts": [part],
                "headers": [{"name": "Content-Type", "value": 'multipart/mixed; boundary="b"'}]}
    return part


@pytest.mark.parametrize("payload", [
    None, "text", [], {"headers": "From: x"},
    {"headers": [{"name": "Content-Type", "value": 'multipart/mixed; boundary="b"'}],
     "mimeType": "multipart/mixed", "parts": 5},
    {"headers": [{"name": "Content-Type", "value": 'multipart/mixed; boundary="b"'}],
     "mimeType": "multipart/mixed", "parts": ["not a part"]},
    {"headers": [], "mimeType": "text/plain", "body": {"data": "%%% not base64 %%%"}},
    {"headers": [], "mimeType": "text/plain", "body": "data"},
    _nested(200),
], ids=lambda p: type(p).__name__ if not isinstance(p, dict) else str(sorted(p))[:40])
def test_a_part_tree_that_makes_no_sense_is_one_value_error(payload: object) -> None:
    with pytest.raises(ValueError):
        rebuild(payload, lambda _: None, 4096)  # type: ignore[arg-type]


def test_parts_nested_a_few_deep_are_read() -> None:
    assert b"aGk" in rebuild(_nested(20), lambda _: None, 4096)  # type: ignore[arg-type]


def test_a_line_break_in_a_header_value_adds_no_header() -> None:
    payload = {"mimeType": "text/plain", "body": {"data": "aGk"}, "headers": [
        {"name": "Subject", "value": "Hello\r\nBcc: someone@example.net\r\n\r\nforged"}]}
    head, _, _ = rebuild(payload, lambda _: None, 4096).partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"Subject: Hello Bcc: someone@example.net  forged"
    assert b"\r\nBcc:" not in head
