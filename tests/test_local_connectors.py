"""The local connectors on real folders: Maildir source and draft sink, vdir calendars (the
contracts run for them in tests/contract/test_local.py).

ctime cannot be set, so incremental tests never sleep: they move the cursor's thresholds
(its format is documented in each connector) or rely on a rename giving a fresh ctime.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

import pytest

from radiosilence.connectors.base import Changes, CursorExpired, Unavailable
from radiosilence.connectors.local.maildir import MaildirSource, split_info
from radiosilence.connectors.local.maildir_drafts import MaildirDraftSink
from radiosilence.connectors.local.vdir import VdirCalendarSource
from tests.contract.draft_sink import KEY, body_of, make_draft
from tests.local_rigs import make_maildir, needs_permissions

SECRET = "the salary we discussed is 123456"
LIMIT = 4096


# --- helpers ---------------------------------------------------------------------------------


def message(subject: str, body: str = SECRET) -> bytes:
    return (f"From: Grace <grace@example.com>\nTo: ada@example.org\nSubject: {subject}\n"
            f"Message-ID: <{subject.replace(' ', '.')}@example.com>\n\n{body}\n").encode()


def deliver(folder: Path, unique: str, data: bytes) -> None:
    """Deliver as an MDA does: write tmp/<unique>, then rename it into new/."""
    (folder / "tmp").mkdir(exist_ok=True)
    (folder / "tmp" / unique).write_bytes(data)
    os.rename(folder / "tmp" / unique, folder / "new" / unique)


def store(folder: Path, unique: str, flags: str, data: bytes) -> None:
    """Store a message already seen by a client: cur/<unique>:2,<flags>."""
    (folder / "cur" / f"{unique}:2,{flags}").write_bytes(data)


def shifted(cursor: str, seconds: float) -> str:
    """Return `cursor` as if its scans had started `seconds` later."""
    doc = json.loads(cursor)
    delta = int(seconds * 1e9)
    if "thresholds" in doc:
        doc["thresholds"] = {k: v + delta for k, v in doc["thresholds"].items()}
    else:
        doc["threshold"] += delta
    return json.dumps(doc)


def refs(changes: Changes) -> set[str]:
    return {item.ref for item in changes.items}


def source(root: Path, skip: Iterable[str] = ("Trash",)) -> MaildirSource:
    return MaildirSource(root, skip_folders=skip, drafts_folder="Drafts", max_message_bytes=LIMIT)


@pytest.fixture
def plus_root(tmp_path: Path) -> Path:
    """A Maildir++ tree: the root is INBOX, subfolders are dot-prefixed."""
    root = make_maildir(tmp_path / "Maildir")
    deliver(root, "1700000001.M1P1.host", message("inbox new"))
    store(root, "1700000002.M2P1.host", "S", message("inbox seen"))
    store(make_maildir(root / ".Sent"), "1700000003.M3P1.host", "S", message("sent"))
    store(make_maildir(root / ".Archive.2024"), "1700000004.M4P1.host", "RS", message("old"))
    store(make_maildir(root / ".Drafts"), "1700000005.M5P1.host", "D", message("draft"))
    store(make_maildir(root / ".Trash"), "1700000006.M6P1.host", "ST", message("trash"))
    (root / ".notmuch" / "xapian").mkdir(parents=True)  # hidden, not a maildir
    return root


@pytest.fixture
def verbatim_root(tmp_path: Path) -> Path:
    """An mbsync/lieer tree: one plain directory per folder, nested ones too."""
    root = tmp_path / "Mail"
    deliver(make_maildir(root / "INBOX"), "1700000001.M1P1.host", message("inbox new"))
    store(make_maildir(root / "Sent", ("cur",)), "1700000002.M2P1.host", "S", message("sent"))
    store(make_maildir(root / "Archive" / "2024", ("cur", "new")), "1700000003.M3P1.host", "S",
          message("archived"))
    store(make_maildir(root / "drafts"), "1700000004.M4P1.host", "D", message("draft"))
    store(make_maildir(root / "[Gmail]" / "Spam"), "1700000005.M5P1.host", "", message("spam"))
    make_maildir(root / ".notmuch" / "xapian")  # hidden: not a folder in a verbatim tree
    return root


# --- Maildir source: layouts -------------------------------------------------------------------


def test_maildir_plus_layout(plus_root: Path) -> None:
    changes = source(plus_root).changes(None)
    assert {(i.folder, i.ref, i.flags) for i in changes.items} == {
        ("INBOX", "INBOX/1700000001.M1P1.host", ""),
        ("INBOX", "INBOX/1700000002.M2P1.host", "S"),
        ("Sent", "Sent/1700000003.M3P1.host", "S"),
        ("Archive.2024", "Archive.2024/1700000004.M4P1.host", "RS"),
    }
    assert changes.removed == [] and changes.skipped == 0
    item = next(i for i in changes.items if i.ref == "Sent/1700000003.M3P1.host")
    assert item.data == message("sent")


def test_verbatim_layout(verbatim_root: Path) -> None:
    changes = source(verbatim_root, skip=("[Gmail].Spam",)).changes(None)
    assert {(i.folder, i.ref) for i in changes.items} == {
        ("INBOX", "INBOX/1700000001.M1P1.host"),
        ("Sent", "Sent/1700000002.M2P1.host"),  # cur/ only: tmp and new dropped by git
        ("Archive/2024", "Archive/2024/1700000003.M3P1.host"),
    }


def test_skip_folders_are_case_insensitive(verbatim_root: Path) -> None:
    changes = source(verbatim_root, skip=("inbox", "[gmail]/spam", "ARCHIVE/2024")).changes(None)
    assert {i.folder for i in changes.items} == {"Sent"}


def test_nested_folder_below_a_folder(verbatim_root: Path) -> None:
    make_maildir(verbatim_root / "Archive")
    store(verbatim_root / "Archive", "1700000009.M9P1.host", "S", message("archive top"))
    folders = {i.folder for i in source(verbatim_root).changes(None).items}
    assert {"Archive", "Archive/2024"} <= folders


@needs_permissions
def test_unreadable_folder_is_left_out_with_a_warning(
        verbatim_root: Path, caplog: pytest.LogCaptureFixture) -> None:
    (verbatim_root / "Sent").chmod(0)  # used to raise PermissionError out of the scan
    try:
        changes = source(verbatim_root).changes(None)
    finally:
        (verbatim_root / "Sent").chmod(0o755)
    assert {i.folder for i in changes.items} == {"INBOX", "Archive/2024", "[Gmail]/Spam"}
    assert "cannot list" in caplog.text


def test_missing_root_is_unavailable(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(Unavailable, match=str(missing)):
        source(missing).changes(None)


@pytest.mark.parametrize("cursor", [
    "", "not json", "[]", "42", "{}", '{"v": 2, "thresholds": {}}',
    '{"v": 1, "thresholds": []}', '{"v": 1, "thresholds": {"cur": "soon"}}',
    '{"v": 1, "threshold": 5, "refs": []}',  # a vdir cursor
])
def test_garbage_cursor_expires(plus_root: Path, cursor: str) -> None:
    with pytest.raises(CursorExpired):
        source(plus_root).changes(cursor)


def test_split_info() -> None:
    assert split_info("1700000000.M1P2.host:2,RS") == ("1700000000.M1P2.host", "RS")
    assert split_info("1700000000.M1P2.host!2,S") == ("1700000000.M1P2.host", "S")
    assert split_info("1700000000.M1P2.host,U=12:2,") == ("1700000000.M1P2.host,U=12", "")
    assert split_info("1700000000.M1P2.host") == ("1700000000.M1P2.host", "")


# --- Maildir source: incremental ---------------------------------------------------------------


def test_second_call_returns_nothing_new(plus_root: Path) -> None:
    mail = source(plus_root)
    first = mail.changes(None)
    assert len(first.items) == 4
    later = mail.changes(shifted(first.cursor, 3))  # the scan ran 3 s later: all is older
    assert later.items == [] and later.skipped == 0
    assert mail.changes(shifted(later.cursor, 3)).items == []  # its own cursor is accepted


def test_an_idle_scan_lists_no_folder_whose_entries_did_not_change(
        plus_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mail = source(plus_root)
    first = mail.changes(None)
    listed: list[Path] = []
    scan = MaildirSource._scan
    monkeypatch.setattr(MaildirSource, "_scan", lambda self, folder, directory, threshold: (
        listed.append(directory), scan(self, folder, directory, threshold))[1])
    later = mail.changes(shifted(first.cursor, 3))  # 3 s later: no folder changed since
    assert later.items == [] and listed == []
    deliver(plus_root / ".Sent", "1700000100.M7P1.host", message("late"))
    assert "Sent/1700000100.M7P1.host" in [i.ref for i in mail.changes(first.cursor).items]
    assert plus_root / ".Sent" / "new" in listed


def test_new_delivery_shows_up(plus_root: Path) -> None:
    mail = source(plus_root)
    first = mail.changes(None)
    deliver(plus_root / ".Sent", "1700000100.M7P1.host", message("late"))
    second = mail.changes(first.cursor)
    new = [i for i in second.items if i.ref == "Sent/1700000100.M7P1.host"]
    assert len(new) == 1 and new[0].data == message("late") and new[0].flags == ""


def test_new_folder_is_read_whole(plus_root: Path) -> None:
    mail = source(plus_root)
    cursor = shifted(mail.changes(None).cursor, 3)
    store(make_maildir(plus_root / ".Jobs"), "1700000200.M8P1.host", "S", message("offer"))
    assert refs(mail.changes(cursor)) == {"Jobs/1700000200.M8P1.host"}


def test_move_from_new_to_cur_keeps_the_ref(plus_root: Path) -> None:
    mail = source(plus_root)
    first = mail.changes(None)
    unique = "1700000001.M1P1.host"
    assert "INBOX/" + unique in refs(first)
    os.rename(plus_root / "new" / unique, plus_root / "cur" / f"{unique}:2,S")  # a client read it
    moved = [i for i in mail.changes(first.cursor).items if i.ref == "INBOX/" + unique]
    assert [(i.folder, i.flags) for i in moved] == [("INBOX", "S")]


def test_flag_change_is_a_change_with_the_same_ref(plus_root: Path) -> None:
    mail = source(plus_root)
    first = mail.changes(None)
    cur = plus_root / ".Sent" / "cur"
    os.rename(cur / "1700000003.M3P1.host:2,S", cur / "1700000003.M3P1.host:2,FS")
    flagged = [i for i in mail.changes(first.cursor).items if i.folder == "Sent"]
    assert [(i.ref, i.flags) for i in flagged] == [("Sent/1700000003.M3P1.host", "FS")]


# --- Maildir source: what is skipped -----------------------------------------------------------


def test_foreign_and_oversized_files_are_skipped_and_counted(
        plus_root: Path, caplog: pytest.LogCaptureFixture) -> None:
    (plus_root / "cur" / ".uidvalidity").write_bytes(b"1\n")  # a dotfile
    (plus_root / "new" / "subdir").mkdir()  # a directory
    os.mkfifo(plus_root / "cur" / "1700000300.M1P1.fifo:2,S")  # not a regular file: never opened
    (plus_root / "tmp" / "1700000301.M1P1.host").write_bytes(message("half delivered"))
    (plus_root / "new" / "1700000302.M1P1.host").write_bytes(message("big", SECRET * 400))
    with caplog.at_level(logging.DEBUG, logger="radiosilence"):
        changes = source(plus_root).changes(None)
    assert len(changes.items) == 4  # the messages of the fixture only; tmp/ is never read
    assert changes.skipped == 4
    assert "message too large" in caplog.text and "MB limit" in caplog.text
    assert SECRET not in caplog.text


@needs_permissions
def test_unreadable_message_is_skipped_and_counted(plus_root: Path) -> None:
    path = plus_root / "cur" / "1700000002.M2P1.host:2,S"
    path.chmod(0)
    changes = source(plus_root).changes(None)
    assert "INBOX/1700000002.M2P1.host" not in refs(changes)
    assert changes.skipped == 1


def test_drafts_are_never_mail_to_understand(plus_root: Path, verbatim_root: Path) -> None:
    for root in (plus_root, verbatim_root):
        MaildirDraftSink(root, "Drafts").put(make_draft(KEY), KEY)
        assert not any("draft" in i.folder.lower() for i in source(root).changes(None).items)


# --- Maildir draft sink (its contract runs in tests/contract/test_local.py) -----------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def draft_files(folder: Path) -> list[str]:
    return sorted(p.name for sub in ("cur", "new", "tmp") for p in (folder / sub).iterdir())


def test_draft_lands_in_cur_with_the_draft_flag_privately(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "Mail" / "INBOX").parent
    ref = MaildirDraftSink(root, "Drafts").put(make_draft(KEY), KEY)
    drafts = root / "Drafts"
    assert draft_files(drafts) == [f"{ref}:2,D"]
    assert (drafts / "cur" / f"{ref}:2,D").read_bytes() == make_draft(KEY)
    assert mode(drafts / "cur" / f"{ref}:2,D") == 0o600
    assert [mode(drafts / sub) for sub in ("", "cur", "new", "tmp")] == [0o700] * 4
    unique, _ = split_info(ref)
    assert unique == ref and ref.split(".")[0].isdigit() and f"P{os.getpid()}" in ref


def test_maildir_plus_root_gets_a_dot_drafts_folder(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "Maildir")
    ref = MaildirDraftSink(root, "Drafts").put(make_draft(KEY), KEY)
    assert (root / ".Drafts" / "cur" / f"{ref}:2,D").is_file()
    assert not (root / "Drafts").exists()


def test_existing_drafts_folder_is_found_case_insensitively(verbatim_root: Path) -> None:
    ref = MaildirDraftSink(verbatim_root, "Drafts").put(make_draft(KEY), KEY)
    assert (verbatim_root / "drafts" / "cur" / f"{ref}:2,D").is_file()
    assert not (verbatim_root / "Drafts").exists()


def test_missing_tmp_of_an_existing_drafts_folder_is_recreated(tmp_path: Path) -> None:
    drafts = make_maildir(tmp_path / "Mail" / "Drafts", ("cur",))
    ref = MaildirDraftSink(tmp_path / "Mail", "Drafts").put(make_draft(KEY), KEY)
    assert (drafts / "tmp").is_dir() and (drafts / "cur" / f"{ref}:2,D").is_file()


def test_user_edit_keeps_the_ref(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path, "Drafts")
    ref = sink.put(make_draft(KEY), KEY)
    cur = tmp_path / "Drafts" / "cur"
    # The user's client rewrites the draft and marks it seen: new content, new info.
    (tmp_path / "Drafts" / "tmp" / ref).write_bytes(make_draft(KEY, "Thanks a lot, Grace!"))
    os.rename(tmp_path / "Drafts" / "tmp" / ref, cur / f"{ref}:2,DS")
    (cur / f"{ref}:2,D").unlink()
    draft, found = sink.get(ref), sink.find(KEY)
    assert draft is not None and found is not None
    assert body_of(draft) == "Thanks a lot, Grace!" and found.ref == ref
    sink.delete(ref)
    assert list(cur.iterdir()) == []


def test_duplicate_key_after_a_crash_finds_the_oldest(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = MaildirDraftSink(tmp_path, "Drafts")
    newer = sink.put(make_draft(KEY, "newer"), KEY)
    older = "1600000000.M5P7Q0.otherhost"  # written by an earlier run that crashed
    (tmp_path / "Drafts" / "cur" / f"{older}:2,D").write_bytes(make_draft(KEY, "older"))
    with caplog.at_level(logging.WARNING, logger="radiosilence"):
        found = sink.find(KEY)
    assert found is not None and found.ref == older and body_of(found) == "older"
    assert "2 drafts" in caplog.text
    assert sink.get(newer) is not None


def test_users_own_drafts_have_no_key(verbatim_root: Path) -> None:
    sink = MaildirDraftSink(verbatim_root, "Drafts")
    own = sink.get("1700000004.M4P1.host")
    assert own is not None and own.key == "" and own.raw == message("draft")
    assert sink.find("") is None  # a draft without our key is never one of ours


def test_get_and_delete_of_unknown_refs(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path, "Drafts")
    assert sink.get("1700000000.M1P1.nowhere") is None  # no Drafts folder yet
    sink.delete("1700000000.M1P1.nowhere")
    sink.put(make_draft(KEY), KEY)
    assert sink.get("../../etc/passwd") is None


def test_sink_on_a_missing_root_is_unavailable(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path / "unmounted", "Drafts")
    for call in (lambda: sink.find(KEY), lambda: sink.get("x"), lambda: sink.delete("x"),
                 lambda: sink.put(make_draft(KEY), KEY)):
        with pytest.raises(Unavailable, match="unmounted"):
            call()
    assert not (tmp_path / "unmounted").exists()


# --- vdir -----------------------------------------------------------------------------------


def event(uid: str, summary: str = "Interview") -> bytes:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20240501T090000Z\r\nDTSTART:20240502T140000Z\r\n"
            f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def write_atomically(path: Path, data: bytes) -> None:
    """Write as vdirsyncer does: a temp file beside, then rename over the name."""
    tmp = path.with_name(path.name + "x7Gq2")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@pytest.fixture
def calendars(tmp_path: Path) -> Path:
    root = tmp_path / "calendars"
    for ref in ("work/a1.ics", "work/b2.ics", "personal/c3.ics"):
        (root / ref).parent.mkdir(parents=True, exist_ok=True)
        (root / ref).write_bytes(event(ref))
    (root / "work" / "displayname").write_text("Work")
    (root / "work" / "color").write_text("#ff0000")
    (root / "work" / ".a1.ics.swp").write_bytes(b"junk")
    (root / "work" / "a1.icsq8Zr1").write_bytes(b"half written")  # vdirsyncer's temp file
    (root / ".vdirsyncer").mkdir()
    (root / ".vdirsyncer" / "status.ics").write_bytes(b"not a calendar")
    return root


def test_vdir_per_calendar_layout(calendars: Path) -> None:
    changes = VdirCalendarSource(calendars).changes(None)
    assert [(i.ref, i.folder) for i in changes.items] == [
        ("personal/c3.ics", ""), ("work/a1.ics", ""), ("work/b2.ics", "")]
    assert changes.items[0].data == event("personal/c3.ics")
    assert changes.removed == [] and changes.skipped == 0


def test_vdir_flat_layout(tmp_path: Path) -> None:
    (tmp_path / "one.ics").write_bytes(event("one"))
    (tmp_path / "TWO.ICS").write_bytes(event("two"))
    (tmp_path / ".hidden.ics").write_bytes(event("hidden"))
    (tmp_path / "notes.txt").write_text("not an event")
    assert refs(VdirCalendarSource(tmp_path).changes(None)) == {"one.ics", "TWO.ICS"}


def test_vdir_second_call_returns_nothing_new(calendars: Path) -> None:
    vdir = VdirCalendarSource(calendars)
    first = vdir.changes(None)
    later = vdir.changes(shifted(first.cursor, 3))
    assert (later.items, later.removed) == ([], [])


def test_vdir_change_is_reported_with_the_same_ref(calendars: Path) -> None:
    vdir = VdirCalendarSource(calendars)
    first = vdir.changes(None)
    write_atomically(calendars / "work" / "b2.ics", event("work/b2.ics", "Rescheduled"))
    changed = [i for i in vdir.changes(first.cursor).items if i.ref == "work/b2.ics"]
    assert [i.data for i in changed] == [event("work/b2.ics", "Rescheduled")]


def test_vdir_new_file_is_reported_even_with_an_old_ctime(calendars: Path) -> None:
    vdir = VdirCalendarSource(calendars)
    cursor = shifted(vdir.changes(None).cursor, 3)  # all files now predate the threshold
    (calendars / "personal" / "d4.ics").write_bytes(event("d4"))
    assert refs(vdir.changes(cursor)) == {"personal/d4.ics"}


def test_vdir_deletion_is_reported_in_removed(calendars: Path) -> None:
    vdir = VdirCalendarSource(calendars)
    first = vdir.changes(None)
    (calendars / "work" / "a1.ics").unlink()
    second = vdir.changes(shifted(first.cursor, 3))
    assert (second.items, second.removed) == ([], ["work/a1.ics"])
    assert vdir.changes(second.cursor).removed == []


def test_vdir_removed_calendar_reports_all_its_refs(calendars: Path) -> None:
    vdir = VdirCalendarSource(calendars)
    first = vdir.changes(None)
    for path in (calendars / "work").iterdir():
        path.unlink()
    (calendars / "work").rmdir()
    assert vdir.changes(first.cursor).removed == ["work/a1.ics", "work/b2.ics"]


@needs_permissions
def test_vdir_unreadable_calendar_is_not_reported_removed(calendars: Path) -> None:
    vdir = VdirCalendarSource(calendars)
    first = vdir.changes(None)
    (calendars / "work").chmod(0)
    try:
        second = vdir.changes(shifted(first.cursor, 3))
    finally:
        (calendars / "work").chmod(0o755)
    assert (second.removed, second.skipped) == ([], 1)


@needs_permissions
def test_vdir_unreadable_file_is_skipped_and_counted(calendars: Path) -> None:
    (calendars / "work" / "a1.ics").chmod(0)
    changes = VdirCalendarSource(calendars).changes(None)
    assert "work/a1.ics" not in refs(changes) and changes.skipped == 1


def test_vdir_missing_root_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="nowhere"):
        VdirCalendarSource(tmp_path / "nowhere").changes(None)


@pytest.mark.parametrize("cursor", [
    "garbage", "{}", '{"v": 1, "threshold": "x", "refs": []}',
    '{"v": 1, "threshold": 5, "refs": [1]}', '{"v": 1, "thresholds": {}}'])
def test_vdir_garbage_cursor_expires(calendars: Path, cursor: str) -> None:
    with pytest.raises(CursorExpired):
        VdirCalendarSource(calendars).changes(cursor)
