"""Headers first keeps what reading every message whole keeps.

The same Maildir is synced twice, by a source that returns every message and by one that
asks the recruiting triage first (understand/recruiting.py): the messages stored must be the
same, while the triaged source hands over fewer. The mailbox holds the real corpus and the
written one (read from beside the checkout, never copied here), each message in three
transfer encodings, with replies whose only tie is In-Reply-To, job-board alerts,
invitations and plain noise.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from radiosilence.connectors.local.maildir import MaildirSource
from radiosilence.connectors.local.vdir import VdirCalendarSource
from radiosilence.mailformat import header_fields
from radiosilence.parse import mail as parse_mail_module
from radiosilence.store import Store
from radiosilence.sync import Sync, SyncOptions
from radiosilence.understand.recruiting import RecruitingTriage
from tests import real_corpus

NOW = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)
USER = "sam@example.net"
WINDOW_DAYS = 120
WRITTEN = Path(__file__).parent / "corpus" / "messages.jsonl"
_ids = itertools.count(1)


def _message(sender: str, subject: str, body: str, cte: str, *, days_ago: float = 3,
             to: str = USER, reply_to_id: str = "", html: bool = False,
             calendar: bool = False) -> tuple[str, bytes]:
    msg = EmailMessage(policy=SMTP)
    message_id = f"hf.{next(_ids)}@test.example"
    msg["From"] = " ".join(sender.split()) or "Recruiting <jobs@employer.example>"
    msg["To"] = to
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = format_datetime(NOW - timedelta(days=days_ago))
    msg["Message-ID"] = f"<{message_id}>"
    if reply_to_id:
        msg["In-Reply-To"] = f"<{reply_to_id}>"
        msg["References"] = f"<{reply_to_id}>"
    if html:
        msg.set_content(f"<html><body><p>{body}</p></body></html>", subtype="html", cte=cte)
    else:
        msg.set_content(body, cte=cte)
    if calendar:
        ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\n"
               "BEGIN:VEVENT\r\nUID:hf-invite@test.example\r\n"
               "DTSTART:20260320T140000Z\r\nDTEND:20260320T150000Z\r\nSUMMARY:Chat\r\n"
               "ORGANIZER:mailto:ops@quietco.example\r\n"
               f"ATTENDEE:mailto:{USER}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        msg.add_attachment(ics.encode(), maintype="text", subtype="calendar",
                           filename="invite.ics")
    return message_id, msg.as_bytes()


def _records() -> list[tuple[str, str, str]]:
    """(sender, subject, body) of the written corpus and, when present, the real one."""
    found = []
    for line in WRITTEN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            found.append((raw.get("from") or "", raw.get("subject") or "", raw.get("body") or ""))
    if real_corpus.CORPUS.exists():
        found += [(r.sender, r.subject, r.body) for r in real_corpus.load()]
    return found


def _fill(root: Path) -> int:
    """Write the mailbox; return how many messages it holds."""
    for folder in (root, root / ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    messages: list[tuple[Path, bytes]] = []
    first_ids = []
    for n, (sender, subject, body) in enumerate(_records()):
        cte = ("8bit", "base64", "quoted-printable")[n % 3]
        message_id, raw = _message(sender, subject, body, cte, html=n % 7 == 0)
        first_ids.append(message_id)
        messages.append((root / "cur", raw))
    # The user's short answers to some of them, and an answer to one of those.
    for n, answered in enumerate(first_ids[:12]):
        reply_id, raw = _message(USER, "Re: that", "Sounds good, thanks!", "8bit",
                                 to="someone@employer.example", reply_to_id=answered,
                                 days_ago=2)
        messages.append((root / ".Sent" / "cur", raw))
        if n % 4 == 0:
            messages.append((root / "cur", _message("someone@employer.example", "Re: that",
                                                    "Great, see you then.", "base64",
                                                    reply_to_id=reply_id, days_ago=1)[1]))
    noise = [
        ("Alerts <alerts@linkedin.com>", "12 new jobs for you", "A new role and an interview "
         "tip.", "8bit"),
        ("News <news@shop.example>", "Spring sale", "Everything half price this week.",
         "quoted-printable"),
        ("Friend <pal@mail.example>", "Dinner?", "Are you free on Friday evening?", "base64"),
        ("Old <hr@oldco.example>", "Interview", "An interview long ago.", "8bit"),
    ]
    for sender, subject, body, cte in noise:
        old = subject == "Interview"
        messages.append((root / "cur", _message(sender, subject, body, cte,
                                                days_ago=400 if old else 5)[1]))
    messages.append((root / "cur", _message("Ops <ops@quietco.example>", "Catch up",
                                            "See the attached.", "base64", calendar=True)[1]))
    for n, (directory, raw) in enumerate(messages):
        (directory / f"{1773000000 + n}.M{n}P1.host:2,S").write_bytes(raw)
    return len(messages)


def _sync(tmp: Path, root: Path, headers_first: bool) -> tuple[set[str], int]:
    store = Store(tmp / f"state-{headers_first}.sqlite3")
    options = SyncOptions(user=frozenset({USER}), timezone=UTC,
                          sent_folders=frozenset({"Sent"}), drafts_folder="Drafts",
                          window_days=WINDOW_DAYS)
    triage = RecruitingTriage(own=options.user, sent_folders=options.sent_folders,
                              known=store.contact_addresses, has_message=store.has_message,
                              oldest=lambda: NOW - timedelta(days=WINDOW_DAYS))
    source = MaildirSource(root, ("Trash",), "Drafts", 10 * 1024 * 1024,
                           triage=triage if headers_first else None)
    (tmp / "calendars").mkdir(exist_ok=True)
    sync = Sync(store, source, VdirCalendarSource(tmp / "calendars"), options, lambda: None)
    report = sync.run(NOW)
    kept = {m.id for m in store.messages()}
    store.close()
    return kept, report.mail_seen


def test_headers_first_stores_the_same_messages_and_reads_fewer(tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    total = _fill(root)
    whole, seen_whole = _sync(tmp_path, root, headers_first=False)
    first, seen_first = _sync(tmp_path, root, headers_first=True)
    assert seen_whole == total
    assert first == whole
    assert len(whole) > 50  # the corpus is there, and most of it is kept
    assert seen_first < seen_whole  # the noise was never read whole


def test_the_triage_keeps_replies_to_what_it_passed_in_any_order() -> None:
    triage = RecruitingTriage(own=frozenset({USER}), sent_folders=frozenset({"Sent"}),
                              known=set, has_message=lambda _: False)

    def head(raw: bytes) -> dict[str, str]:
        return header_fields(raw)

    first_id, first = _message("hr@employer.example", "Your interview", "x", "8bit")
    reply_id, reply = _message(USER, "Re: hi", "ok", "8bit", reply_to_id=first_id)
    _, answer = _message("hr@employer.example", "Re: hi", "ok", "8bit", reply_to_id=reply_id)
    _, stranger = _message(USER, "Re: hi", "ok", "8bit", reply_to_id="nobody@x.example")
    _, board = _message("alerts@linkedin.com", "Interview tips", "x", "8bit")
    heads = [(head(answer), "INBOX"), (head(reply), "Sent"), (head(stranger), "Sent"),
             (head(board), "INBOX"), (head(first), "INBOX")]  # replies before the original
    verdicts = triage.judge(heads)
    assert [v.keep for v in verdicts] == [True, True, False, False, True]
    assert verdicts[2].words and not verdicts[3].words  # look for words; drop the board


def test_reused_parsed_headers_read_as_policy_default_reads_them() -> None:
    raw = (b"From: =?utf-8?q?Gr=C3=A2ce?= <grace@example.com>, bad@@x\r\n"
           b"To: undisclosed-recipients:;\r\nSubject: Re: Interview\r\n\t(folded)\r\n"
           b"Content-Type: text/plain; charset=\"utf-8\"; format=flowed\r\n"
           b"Date: not a date\r\n\r\nbody\r\n")
    for _ in range(2):  # the second time from the cache
        ours = message_from_bytes(raw, policy=parse_mail_module._POLICY)
        theirs = message_from_bytes(raw, policy=email_policy.default)
        for name in ("From", "To", "Subject", "Content-Type", "Date"):
            assert str(ours[name]) == str(theirs[name])
            assert [type(d) for d in ours[name].defects] == \
                [type(d) for d in theirs[name].defects]
        assert ours.get_content_type() == theirs.get_content_type()
        assert ours.get_content_charset() == theirs.get_content_charset()
