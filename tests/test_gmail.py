"""The Gmail connectors with the real client against the loopback emulator; no mocks. (The
MailSource and DraftSink contracts run for them in tests/contract/test_google.py.)

Requests are counted by the emulator (`emu.counts`, `emu.quota`) and, in order, by its
transcript. Sleeps go to a recorder instead of the clock, so retries cost no time and the
delays asked for can be checked.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from pathlib import Path

import pytest

from radiosilence.apply.drafts import build_draft, draft_hash
from radiosilence.connectors.base import AuthNeeded, Changes, CursorExpired, Unavailable
from radiosilence.model import Address, FollowUp, Kind, ThreadRef
from tests.contract.draft_sink import KEY, body_of, make_draft
from tests.google_emulator import Emulator
from tests.google_rigs import Rig, gmail_emulator

NOW = datetime.now(UTC)
_serial = itertools.count(1)


# --- the rig: emulator, client, caller (tests/google_rigs.py) ------------------------------


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with gmail_emulator() as emulator:
        yield emulator


@pytest.fixture
def rig(emu: Emulator, tmp_path: Path) -> Rig:
    assert emu.base_url
    return Rig(emu, emu.base_url, tmp_path)


def mail(subject: str, sender: str = "Grace Hopper <grace@brightloom.example>",
         to: str = "Me <me@example.com>", body: str = "See you then.",
         when: datetime | None = None, reply_to: str = "", extra: str = "") -> bytes:
    """A small RFC 5322 message; `reply_to` is the Message-ID (no brackets) it answers."""
    serial = next(_serial)
    when = when or NOW - timedelta(hours=1)
    threading = f"In-Reply-To: <{reply_to}>\r\nReferences: <{reply_to}>\r\n" if reply_to else ""
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(when)}\r\nMessage-ID: <m{serial}@test.example>\r\n"
            f"{threading}{extra}MIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def message_id(raw: bytes) -> str:
    return str(BytesHeaderParser().parsebytes(raw)["Message-ID"]).strip("<>")


def subjects(changes: Changes) -> list[str]:
    return sorted(str(BytesHeaderParser().parsebytes(i.data)["Subject"]) for i in changes.items)


# --- first scan -------------------------------------------------------------------------------


@pytest.fixture
def mailbox(rig: Rig) -> dict[str, str]:
    """A mailbox with recruiting mail (wanted), other mail, and mail never to be read."""
    gmail = rig.emu.gmail
    wanted = {
        "Interview on Tuesday": gmail.add_message(mail("Interview on Tuesday")),
        "Your application": gmail.add_message(
            mail("Your application", sender="Brightloom <no-reply@us.greenhouse-mail.io>")),
        "Quick question": gmail.add_message(mail("Quick question")),  # a known company
        "Re: Quick question": gmail.add_message(
            mail("Re: Quick question", sender="Me <me@example.com>",
                 to="grace@brightloom.example"), labels=("SENT",)),
        "Pick a time": gmail.add_message(
            mail("Pick a time", sender="Brightloom via Calendly <no-reply@calendly.com>")),
    }
    others = {
        "Dinner?": gmail.add_message(mail("Dinner?", sender="friend@example.net")),
        "Newsletter": gmail.add_message(mail("Newsletter", sender="news@shop.example")),
        "Old interview": gmail.add_message(mail("Old interview", when=NOW - timedelta(days=200))),
        "Spam interview": gmail.add_message(mail("Spam interview"), labels=("SPAM",)),
        "Trashed interview": gmail.add_message(mail("Trashed interview"), labels=("TRASH",)),
        "Draft interview": gmail.add_message(mail("Draft interview"), labels=("DRAFT",)),
    }
    assert len(wanted) + len(others) == len(gmail.messages)
    return wanted


def test_first_scan_reads_the_profile_first_then_only_recruiting_mail(
        rig: Rig, mailbox: dict[str, str]) -> None:
    source = rig.source()
    lists = len(source.queries())  # the search, split in parts of at most 1200 characters
    assert lists == 2
    changes = source.changes(None)
    assert subjects(changes) == sorted(mailbox)
    assert {i.ref for i in changes.items} == set(mailbox.values())
    order = [mid for mid, _, _ in rig.emu.transcript]
    assert order[0] == "gmail.users.getProfile"
    # The search in parts, then one for the large messages (none here: all read raw).
    assert order[1:2 + lists] == ["gmail.users.messages.list"] * (lists + 1)
    assert rig.emu.counts == {"gmail.users.getProfile": 1,
                              "gmail.users.messages.list": lists + 1,
                              "batch": 1, "gmail.users.messages.get": len(mailbox)}
    assert rig.emu.total_quota() == 1 + 5 * (lists + 1) + 20 * len(mailbox)
    profile_history = rig.emu.transcript[0][2]
    assert isinstance(profile_history, dict)
    assert changes.cursor == f'{{"historyId": "{profile_history["historyId"]}"}}'


def test_items_carry_folder_labels_date_and_thread(rig: Rig, mailbox: dict[str, str]) -> None:
    items = {i.ref: i for i in rig.source().changes(None).items}
    sent = items[mailbox["Re: Quick question"]]
    inbox = items[mailbox["Interview on Tuesday"]]
    stored = rig.emu.gmail.messages[inbox.ref]
    assert (sent.folder, inbox.folder) == ("Sent", "INBOX")
    assert sent.flags == "SENT" and inbox.flags == "INBOX"
    assert inbox.data == stored.raw
    assert inbox.thread == stored.thread_id
    assert inbox.received == datetime.fromtimestamp(stored.internal_date / 1000, UTC)


def test_the_query_asks_for_recruiting_mail_in_the_window(rig: Rig) -> None:
    queries = rig.source(known=("brightloom.example",), window_days=30).queries()
    since = (datetime.now(UTC) - timedelta(days=31)).strftime("%Y/%m/%d")
    assert all(q.startswith(f"after:{since} -in:drafts {{") for q in queries)
    text = " ".join(queries)
    for term in ("interview", "application", "from:greenhouse.io", "from:calendly.com",
                 "to:greenhouse-mail.io", "from:brightloom.example", "to:brightloom.example"):
        assert f" {term} " in f" {text.replace('{', ' ').replace('}', ' ')} "
    assert "in:anywhere" not in text  # that would bring spam and trash


def test_many_known_domains_split_the_query(rig: Rig, mailbox: dict[str, str]) -> None:
    known = tuple(f"company{i}.example" for i in range(60)) + ("brightloom.example",)
    source = rig.source(known=known)
    assert len(source.queries()) > 1
    changes = source.changes(None)
    assert sorted(i.ref for i in changes.items) == sorted(mailbox.values())  # no duplicates
    assert rig.emu.counts["gmail.users.messages.get"] == len(mailbox)


def test_messages_over_the_size_limit_are_skipped(rig: Rig) -> None:
    big = rig.emu.gmail.add_message(mail("Interview packet", body="x" * 5000))
    small = rig.emu.gmail.add_message(mail("Interview time"))
    changes = rig.source(max_bytes=2000).changes(None)
    assert [i.ref for i in changes.items] == [small]
    assert changes.skipped == 1
    assert big in rig.emu.gmail.messages


# --- incremental ------------------------------------------------------------------------------


def test_an_idle_cycle_costs_one_history_call(rig: Rig, mailbox: dict[str, str]) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    rig.emu.reset_counters()
    changes = source.changes(cursor)
    assert changes.items == [] and changes.skipped == 0
    assert rig.emu.counts == {"gmail.users.history.list": 1}
    assert rig.emu.total_quota() == 2
    assert source.changes(changes.cursor).items == []


def test_ten_new_messages_cost_one_history_call_one_size_search_and_one_batch(
        rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    added = [rig.emu.gmail.add_message(mail(f"Note {n}", sender="someone@example.net"))
             for n in range(10)]
    rig.emu.reset_counters()
    changes = source.changes(cursor)
    assert [i.ref for i in changes.items] == added  # all new mail, not only recruiting
    assert rig.emu.counts == {"gmail.users.history.list": 1, "gmail.users.messages.list": 1,
                              "batch": 1, "gmail.users.messages.get": 10}
    assert rig.emu.total_quota() == 2 + 5 + 10 * 20
    rig.emu.reset_counters()
    assert source.changes(changes.cursor).items == []
    assert rig.emu.counts == {"gmail.users.history.list": 1}  # an idle cycle: no search


def test_history_leaves_out_drafts_spam_trash_and_deleted_mail(rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    gmail = rig.emu.gmail
    keep = gmail.add_message(mail("Interview follow-up"))
    gmail.add_message(mail("Spam"), labels=("SPAM",))
    gmail.add_message(mail("Draft"), labels=("DRAFT",))
    rig.sink().put(make_draft(KEY), KEY)  # our own draft: never read back as mail
    gone = gmail.add_message(mail("Interview moved"))
    gmail.delete_message(gone)  # in history, gone when fetched: 404, skipped quietly
    rig.emu.reset_counters()
    changes = source.changes(cursor)
    assert [i.ref for i in changes.items] == [keep]
    assert changes.skipped == 0
    assert rig.emu.counts["gmail.users.messages.get"] == 2  # keep, and the deleted one


def test_empty_history_pages_are_followed(rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    new = rig.emu.gmail.add_message(mail("Interview notes"))
    rig.emu.gmail.history_empty_pages = 2  # pages with a nextPageToken and no records
    changes = source.changes(cursor)
    assert [i.ref for i in changes.items] == [new]
    assert rig.emu.counts["gmail.users.history.list"] == 3


def test_many_new_messages_span_history_pages_and_batches(rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    added = [rig.emu.gmail.add_message(mail(f"Note {n}")) for n in range(120)]
    rig.emu.reset_counters()
    changes = source.changes(cursor)
    assert [i.ref for i in changes.items] == added
    assert rig.emu.counts["batch"] == 3  # 50 + 50 + 20
    assert rig.emu.counts["gmail.users.history.list"] == 1  # 500 a page


def test_expired_history_then_a_full_rescan_recovers_everything_once(tmp_path: Path) -> None:
    with Emulator(history_window=30, record=True) as emu:
        assert emu.base_url
        rig = Rig(emu, emu.base_url, tmp_path)
        first = [emu.gmail.add_message(mail(f"Interview {n}")) for n in range(3)]
        source = rig.source()
        cursor = source.changes(None).cursor
        later = [emu.gmail.add_message(mail(f"Interview update {n}")) for n in range(40)]
        with pytest.raises(CursorExpired):
            source.changes(cursor)
        rig.emu.reset_counters()
        rescan = source.changes(None)  # what the pipeline does on CursorExpired
        refs = [i.ref for i in rescan.items]
        assert sorted(refs) == sorted(first + later) and len(set(refs)) == len(refs)
        assert [mid for mid, _, _ in emu.transcript][0] == "gmail.users.getProfile"
        assert source.changes(rescan.cursor).items == []
        assert emu.sends == []


def test_garbage_cursor_is_expired(rig: Rig) -> None:
    for garbage in ("", "x", '{"historyId": "abc"}', '{"historyId": null}'):
        with pytest.raises(CursorExpired):
            rig.source().changes(garbage)
    assert rig.requests() == 0


# --- failures ---------------------------------------------------------------------------------


def test_rate_limits_and_server_errors_are_survived(rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    added = [rig.emu.gmail.add_message(mail(f"Interview {n}")) for n in range(5)]
    faults = rig.emu.faults
    faults.add("gmail.users.history.list", 429, retry_after=7)
    faults.add("gmail.users.history.list", 500)
    faults.add("gmail.users.messages.get", 500, times=2)
    faults.add("gmail.users.messages.get", 429, retry_after=3)
    changes = source.changes(cursor)
    assert [i.ref for i in changes.items] == added and changes.skipped == 0
    assert rig.emu.counts["gmail.users.history.list"] == 3
    assert rig.emu.counts["batch"] == 2  # the failed parts again, in a second round
    assert 7 <= rig.delays[0] <= 120  # Retry-After honoured (at least what Gmail asked)
    assert faults.pending == []


def test_a_message_failing_for_good_is_skipped_and_counted(rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    added = [rig.emu.gmail.add_message(mail(f"Interview {n}")) for n in range(3)]
    rig.emu.faults.add("gmail.users.messages.get", 400)
    changes = source.changes(cursor)
    assert len(changes.items) == 2 and changes.skipped == 1
    assert {i.ref for i in changes.items} < set(added)


def test_a_lasting_outage_raises_and_keeps_the_cursor(rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    new = rig.emu.gmail.add_message(mail("Interview"))
    rig.emu.faults.add("gmail.users.messages.get", 503, times=-1)
    with pytest.raises(Unavailable):
        source.changes(cursor)
    rig.emu.faults.clear()
    assert [i.ref for i in source.changes(cursor).items] == [new]  # not lost


def test_history_list_outage_raises_unavailable(rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    rig.emu.faults.add("gmail.users.history.list", 500, times=-1)
    with pytest.raises(Unavailable):
        source.changes(cursor)
    assert rig.emu.counts["gmail.users.history.list"] == rig.config.attempts


def test_a_revoked_token_means_auth_needed(emu: Emulator, tmp_path: Path) -> None:
    from google.oauth2.credentials import Credentials

    assert emu.base_url
    creds = Credentials(token=None, refresh_token="1//refresh", token_uri=emu.base_url + "token",
                        client_id="client.apps.googleusercontent.com", client_secret="secret")
    rig = Rig(emu, emu.base_url, tmp_path, credentials=creds)
    emu.gmail.add_message(mail("Interview"))
    assert len(rig.source().changes(None).items) == 1  # refreshes, then works
    assert emu.counts["oauth.token"] == 1
    emu.revoke_token()
    creds.token = None  # as after the hour an access token lives
    with pytest.raises(AuthNeeded):
        rig.source().changes(None)
    with pytest.raises(AuthNeeded):
        rig.sink().find(KEY)


# --- drafts -----------------------------------------------------------------------------------


@dataclass
class Conversation:
    thread_id: str
    first: bytes  # the employer's message our draft answers


@pytest.fixture
def conversation(rig: Rig) -> Conversation:
    first = mail("Interview with Brightloom", body="Looking forward to meeting you.")
    message = rig.emu.gmail.add_message(first)
    return Conversation(rig.emu.gmail.messages[message].thread_id, first)


def reply_draft(conversation: Conversation, key: str = KEY,
                body: str = "Thank you for today.") -> bytes:
    """A reply as the pipeline builds it (drafts.build_draft) from what it stored."""
    parent = message_id(conversation.first)
    followup = FollowUp(
        key=key, kind=Kind.THANK_YOU, interview_id="iv-3f2a9c",
        to=(Address("grace@brightloom.example", "Grace Hopper"),), due=NOW, remind_at=NOW,
        thread=ThreadRef("Interview with Brightloom", parent, (parent,), conversation.thread_id))
    msg = build_draft(followup, Address("me@example.com", "Me"), "unused", body, NOW)
    return msg.as_bytes()


def test_a_reply_draft_lands_in_the_thread(rig: Rig, conversation: Conversation) -> None:
    raw = reply_draft(conversation)
    ref = rig.sink().put(raw, KEY, thread_hint=conversation.thread_id)
    decision = rig.emu.gmail.draft_threading[ref]
    assert decision["threadIdGiven"] and decision["referencesMatch"]
    assert decision["subjectMatch"] and not decision["stackedPrefix"]
    assert decision["threadId"] == conversation.thread_id
    stored = rig.emu.gmail.draft_raw(ref)
    assert draft_hash(stored) == draft_hash(raw)
    head = BytesHeaderParser().parsebytes(stored)
    assert head["Subject"] == "Re: Interview with Brightloom"
    assert head["In-Reply-To"] == f"<{message_id(conversation.first)}>"
    assert rig.emu.counts["gmail.users.threads.get"] == 1
    assert rig.emu.counts["gmail.users.drafts.create"] == 1


def test_a_reply_draft_answers_the_latest_message_of_the_thread(
        rig: Rig, conversation: Conversation) -> None:
    first = message_id(conversation.first)
    later = mail("Re: Interview with Brightloom", body="One more thing.", reply_to=first,
                 when=NOW - timedelta(minutes=5))
    rig.emu.gmail.add_message(later, thread_id=conversation.thread_id)
    raw = reply_draft(conversation)
    ref = rig.sink().put(raw, KEY, thread_hint=conversation.thread_id)
    head = BytesHeaderParser().parsebytes(rig.emu.gmail.draft_raw(ref))
    assert head["In-Reply-To"] == f"<{message_id(later)}>"
    assert head["References"].split() == [f"<{first}>", f"<{message_id(later)}>"]
    assert rig.emu.gmail.draft_threading[ref]["threadId"] == conversation.thread_id
    assert draft_hash(rig.emu.gmail.draft_raw(ref)) == draft_hash(raw)


def test_a_thread_that_is_gone_gives_a_draft_of_its_own(
        rig: Rig, conversation: Conversation, caplog: pytest.LogCaptureFixture) -> None:
    for message in list(rig.emu.gmail.messages):
        rig.emu.gmail.delete_message(message)
    ref = rig.sink().put(reply_draft(conversation), KEY, thread_hint=conversation.thread_id)
    assert ref in rig.emu.gmail.drafts
    assert "is gone" in caplog.text


def test_a_draft_gmail_files_elsewhere_is_reported(
        rig: Rig, conversation: Conversation, caplog: pytest.LogCaptureFixture) -> None:
    raw = make_draft(KEY, subject="Thank you")  # not the thread's subject: Gmail won't join
    ref = rig.sink().put(raw, KEY, thread_hint=conversation.thread_id)
    decision = rig.emu.gmail.draft_threading[ref]
    assert decision["referencesMatch"] and not decision["subjectMatch"]
    assert decision["threadId"] != conversation.thread_id
    assert "subject differs" in caplog.text and "not " + conversation.thread_id in caplog.text
    head = BytesHeaderParser().parsebytes(rig.emu.gmail.draft_raw(ref))
    assert head["Subject"] == "Thank you"  # never changed by the sink


def test_update_keeps_the_draft_id(rig: Rig, conversation: Conversation) -> None:
    sink = rig.sink()
    ref = sink.put(reply_draft(conversation), KEY, thread_hint=conversation.thread_id)
    new = reply_draft(conversation, body="Thank you again for today.")
    assert sink.put(new, KEY, replace=ref, thread_hint=conversation.thread_id) == ref
    assert list(rig.emu.gmail.drafts) == [ref]
    assert rig.emu.gmail.draft_threading[ref]["threadId"] == conversation.thread_id
    draft = rig.sink().get(ref)  # a new process reads it back from Gmail
    assert draft is not None and body_of(draft) == "Thank you again for today."
    assert rig.emu.counts["gmail.users.drafts.update"] == 1


def test_a_draft_edited_in_gmail_is_read_again(rig: Rig) -> None:
    sink = rig.sink()
    ref = sink.put(make_draft(KEY), KEY)
    edited = make_draft(KEY, body="Thank you. I also wanted to mention my portfolio.")
    rig.emu.gmail.update_draft(ref, edited)  # the user saves an edit in Gmail
    draft = sink.get(ref)
    assert draft is not None and draft.raw == edited
    assert body_of(draft) == "Thank you. I also wanted to mention my portfolio."
    found = sink.find(KEY)
    assert found is not None and found.raw == edited


def test_get_and_find_cost_little_when_nothing_changed(rig: Rig) -> None:
    sink = rig.sink()
    ref = sink.put(make_draft(KEY), KEY)
    rig.emu.reset_counters()
    assert sink.get(ref) is not None
    assert rig.emu.counts == {"gmail.users.drafts.get": 1}  # format=minimal; bytes cached
    rig.emu.reset_counters()
    assert sink.find(KEY) is not None
    assert rig.emu.counts == {"gmail.users.drafts.list": 1}
    rig.emu.reset_counters()
    fresh = rig.sink()  # a new process: the key of each draft is read once, in a batch
    rig.emu.gmail.add_message(mail("Notes to self"), labels=("DRAFT",))  # the user's draft
    assert fresh.find(KEY) is not None
    assert rig.emu.counts == {"gmail.users.drafts.list": 1, "batch": 1,
                              "gmail.users.drafts.get": 3}  # 2 metadata, 1 raw
    rig.emu.reset_counters()
    assert fresh.find(KEY) is not None and fresh.get(ref) is not None
    assert rig.emu.counts == {"gmail.users.drafts.list": 1, "gmail.users.drafts.get": 1}


def test_delete_removes_the_draft_and_its_message(rig: Rig) -> None:
    sink = rig.sink()
    ref = sink.put(make_draft(KEY), KEY)
    message = rig.emu.gmail.drafts[ref]["message"]["id"]
    sink.delete(ref)
    sink.delete(ref)
    assert rig.emu.gmail.drafts == {} and message not in rig.emu.gmail.messages
    assert sink.get(ref) is None


def test_a_failed_create_is_not_retried(rig: Rig) -> None:
    sink = rig.sink()
    rig.emu.faults.add("gmail.users.drafts.create", 503)
    with pytest.raises(Unavailable):
        sink.put(make_draft(KEY), KEY)
    assert rig.emu.counts["gmail.users.drafts.create"] == 1
    assert rig.delays == []
    assert sink.find(KEY) is None  # the next cycle creates it; here nothing was made


def test_a_create_that_succeeded_unseen_is_found_by_key(rig: Rig) -> None:
    # The answer was lost (a timeout after Gmail saved it): find() adopts the draft.
    rig.emu.gmail.create_draft(make_draft(KEY))
    found = rig.sink().find(KEY)
    assert found is not None and found.key == KEY


def test_no_code_path_sends(rig: Rig, conversation: Conversation) -> None:
    source, sink = rig.source(), rig.sink()
    cursor = source.changes(None).cursor
    ref = sink.put(reply_draft(conversation), KEY, thread_hint=conversation.thread_id)
    sink.put(reply_draft(conversation, body="v2"), KEY, replace=ref,
             thread_hint=conversation.thread_id)
    sink.find_all(KEY)
    sink.get(ref)
    source.changes(cursor)
    sink.delete(ref)
    assert rig.emu.sends == []
    assert not [m for m in rig.emu.counts if m.endswith(".send")]


def test_retry_after_of_a_batch_part_is_honoured(rig: Rig) -> None:
    source = rig.source()
    cursor = source.changes(None).cursor
    rig.emu.gmail.add_message(mail("Interview"))
    rig.emu.faults.add("gmail.users.messages.get", 429, retry_after=30)
    assert len(source.changes(cursor).items) == 1
    assert max(rig.delays) >= 30


def test_a_draft_sent_from_gmail_comes_back_as_sent_mail(rig: Rig) -> None:
    # Gmail sends a draft by relabelling the same message (DRAFT -> SENT): history has it
    # as labelsAdded, never as messagesAdded. Missing it would hide the user's own nudge.
    source = rig.source()
    cursor = source.changes(None).cursor
    draft = rig.emu.gmail.create_draft(mail("Following up", sender="Me <me@example.com>",
                                            to="Grace Hopper <grace@brightloom.example>"))
    message_id = draft["message"]["id"]
    cursor = source.changes(cursor).cursor  # the new draft itself is not mail to read
    rig.emu.gmail.modify_labels(message_id, add=["SENT"], remove=["DRAFT"])
    changes = source.changes(cursor)
    assert [(item.ref, item.folder) for item in changes.items] == [(message_id, "Sent")]
    assert rig.emu.sends == []
