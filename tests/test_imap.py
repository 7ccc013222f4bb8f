"""What is special to the IMAP connector, against a real Dovecot (tests/imap_rigs.py): no
\\Seen ever set, vanished UIDs and a new UIDVALIDITY, headers first over the wire, TLS and
login errors, passwords kept out of logs, and folders found by SPECIAL-USE."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from radiosilence.config.settings import ConfigError, load_settings
from radiosilence.connectors.base import AuthNeeded, Unavailable
from radiosilence.connectors.imap.folders import discover
from radiosilence.connectors.imap.session import ImapAccount, ImapSession, is_loopback
from radiosilence.connectors.imap.source import ImapMailSource
from radiosilence.understand.recruiting import RecruitingTriage
from radiosilence.wiring import open_engine
from tests.contract.mail_source import recruiting_mail
from tests.imap_rigs import (  # noqa: F401 (the fixtures)
    PASSWORD,
    Dovecot,
    Proxy,
    admin,
    dovecot_fixture,
    new_user,
    proxy_fixture,
    session,
)

MAX = 10 * 1024 * 1024


def _triage() -> RecruitingTriage:
    return RecruitingTriage(own=frozenset({"ada@example.org"}), sent_folders=frozenset({"Sent"}),
                            known=set, has_message=lambda _: False)


def _plain(subject: str, body: str, cte: str = "7bit", sender: str = "x@news.example") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "ada@example.org", subject
    msg["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    msg["Message-ID"] = f"<{abs(hash((subject, body)))}@news.example>"
    msg.set_content(body, cte=cte)
    return msg.as_bytes()


@pytest.fixture
def user(dovecot: Dovecot) -> str:
    name = new_user()
    admin(dovecot, name).logout()  # the mailbox exists from the first login on
    return name


def test_reading_never_marks_mail_seen(dovecot: Dovecot, user: str) -> None:
    client = admin(dovecot, user)
    client.append("INBOX", recruiting_mail("Interview on Friday"))
    client.append("INBOX", _plain("Sale", "Half price"))
    for triage in (None, _triage()):
        ImapMailSource(session(dovecot.port, user), MAX, triage=triage).changes(None)
    client.select_folder("INBOX", readonly=True)
    flags = client.get_flags(client.search("ALL"))
    assert len(flags) == 2 and all(b"\\Seen" not in f for f in flags.values()), flags


def test_expunged_mail_is_reported_removed(dovecot: Dovecot, user: str) -> None:
    client = admin(dovecot, user)
    for subject in ("Interview one", "Interview two"):
        client.append("INBOX", recruiting_mail(subject))
    source = ImapMailSource(session(dovecot.port, user), MAX)
    first = source.changes(None)
    gone = next(i.ref for i in first.items if b"Interview two" in i.data)
    client.select_folder("INBOX")
    uid = int(gone.rpartition("/")[2])
    client.delete_messages([uid])
    client.uid_expunge([uid])
    later = source.changes(first.cursor)
    assert later.items == [] and later.removed == [gone]
    assert source.changes(later.cursor).removed == []


def test_a_new_uidvalidity_reads_the_folder_again(dovecot: Dovecot, user: str) -> None:
    client = admin(dovecot, user)
    client.create_folder("Archive")
    client.append("Archive", recruiting_mail("Interview archived"))
    source = ImapMailSource(session(dovecot.port, user), MAX, folders=["Archive"])
    first = source.changes(None)
    (old,) = [i.ref for i in first.items]
    client.delete_folder("Archive")  # a server rebuilt its index: new UIDVALIDITY
    client.create_folder("Archive")
    client.append("Archive", recruiting_mail("Interview archived"))
    later = source.changes(first.cursor)
    assert [i.ref for i in later.items] != [old] and len(later.items) == 1
    assert later.removed == [old]


def test_a_first_scan_reads_only_the_window_and_never_the_rest_again(
        dovecot: Dovecot, proxy: Proxy, user: str) -> None:
    client = admin(dovecot, user)
    old = datetime.now(UTC) - timedelta(days=400)
    client.append("INBOX", recruiting_mail("Interview long ago"), msg_time=old)
    client.append("INBOX", recruiting_mail("Interview this week"))
    since = (datetime.now(UTC) - timedelta(days=122)).date()
    source = ImapMailSource(session(proxy.port, user), MAX, since=lambda: since)
    first = source.changes(None)
    assert [b"this week" in i.data for i in first.items] == [True]
    client.append("INBOX", recruiting_mail("Interview feedback"))
    later = source.changes(first.cursor)
    assert [b"feedback" in i.data for i in later.items] == [True]
    assert source.changes(later.cursor).items == []


def test_headers_first_fetches_whole_only_what_may_be_kept(
        dovecot: Dovecot, proxy: Proxy, user: str) -> None:
    client = admin(dovecot, user)
    client.append("INBOX", _plain("Weekly digest", "Gardening news. " * 12000))  # ~190 KB
    client.append("INBOX", recruiting_mail("Interview schedule"))
    # The word is only in the body, and base64 hides it from any raw look: the server's
    # SEARCH finds it.
    client.append("INBOX", _plain("Hello", "We would like to schedule an interview.",
                                  cte="base64", sender="hr@quietco.example"))
    client.append("INBOX", _plain("Jobs for you", "A new role: interview tips",
                                  sender="alerts@linkedin.com"))
    changes = ImapMailSource(session(proxy.port, user), MAX, triage=_triage()).changes(None)
    subjects = sorted(str(i.data.split(b"Subject: ")[1].split(b"\n")[0].strip())
                      for i in changes.items)
    assert subjects == ["b'Hello'", "b'Interview schedule'"]
    assert proxy.bytes_down < 50_000, proxy.bytes_down  # the digest never came over whole


def test_a_new_message_costs_a_few_commands_and_an_idle_cycle_one_per_folder(
        dovecot: Dovecot, proxy: Proxy, user: str) -> None:
    source = ImapMailSource(session(proxy.port, user), MAX, triage=_triage())
    cursor = source.changes(None).cursor
    admin(dovecot, user).append("INBOX", recruiting_mail("Interview next week"))
    proxy.reset()
    changed = source.changes(cursor)
    assert len(changed.items) == 1
    assert proxy.total() <= 8, dict(proxy.commands)  # LIST, 2 STATUS, EXAMINE, SEARCH, FETCHes
    proxy.reset()
    source.changes(changed.cursor)
    assert dict(proxy.commands) == {"LIST": 1, "STATUS": 2}


def test_a_wrong_password_is_auth_needed_and_never_logged(
        dovecot: Dovecot, user: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-Password-42"
    bad = ImapSession(ImapAccount("127.0.0.1", user, wrong, port=dovecot.port,
                                  security="none"))
    with pytest.raises(AuthNeeded) as caught:
        ImapMailSource(bad, MAX).changes(None)
    good = ImapSession(ImapAccount("127.0.0.1", user, PASSWORD, port=dovecot.port,
                                   security="none"))
    ImapMailSource(good, MAX).changes(None)
    assert wrong not in str(caught.value) and wrong not in caplog.text
    assert PASSWORD not in caplog.text
    assert wrong not in repr(bad.account)


def test_tls_against_a_plain_port_is_unavailable(dovecot: Dovecot, user: str) -> None:
    for security in ("tls", "starttls"):
        account = ImapAccount("127.0.0.1", user, PASSWORD, port=dovecot.port,
                              security=security)
        with pytest.raises(Unavailable):
            ImapMailSource(ImapSession(account), MAX).changes(None)


def test_no_encryption_only_for_this_machine() -> None:
    for host in ("127.0.0.1", "::1", "localhost", "[::1]"):
        assert is_loopback(host)
        ImapAccount(host, "u", "p", security="none")
    for host in ("imap.example.org", "10.0.0.1", "192.168.1.2"):
        with pytest.raises(ValueError):
            ImapAccount(host, "u", "p", security="none")
    with pytest.raises(ValueError):
        ImapAccount("imap.example.org", "u", "p", security="ssl3")


class _Listing:
    """The one call `discover` makes, answered as a server would."""

    def __init__(self, folders: list[tuple[tuple[bytes, ...], str]]) -> None:
        self.folders = folders

    def list_folders(self) -> list[tuple[tuple[bytes, ...], bytes, str]]:
        return [(flags, b"/", name) for flags, name in self.folders]


def test_gmail_folders_are_found_by_special_use_whatever_their_language() -> None:
    german = _Listing([((b"\\HasNoChildren",), "INBOX"),
                       ((b"\\HasChildren", b"\\Noselect"), "[Gmail]"),
                       ((b"\\All", b"\\HasNoChildren"), "[Gmail]/Alle Nachrichten"),
                       ((b"\\Drafts", b"\\HasNoChildren"), "[Gmail]/Entw\u00fcrfe"),
                       ((b"\\HasNoChildren", b"\\Sent"), "[Gmail]/Gesendet"),
                       ((b"\\HasNoChildren", b"\\Junk"), "[Gmail]/Spam"),
                       ((b"\\HasNoChildren", b"\\Trash"), "[Gmail]/Papierkorb")])
    folders = discover(german)  # type: ignore[arg-type]
    assert folders.watched() == ["[Gmail]/Alle Nachrichten"]  # not Spam, Trash or Drafts
    assert folders.role("\\Drafts") == "[Gmail]/Entw\u00fcrfe"
    assert folders.label("[Gmail]/Gesendet") == "Sent"
    plain = discover(_Listing([((), "INBOX"), ((), "Sent Items"), ((), "Drafts"),
                               ((), "Junk")]))  # type: ignore[arg-type]
    assert plain.watched() == ["INBOX", "Sent Items"]
    assert plain.role("\\Drafts") == "Drafts"
    assert plain.watched(["inbox", "Nowhere"]) == ["INBOX"]


def test_wiring_refuses_an_incomplete_imap_config(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("pw\n")
    secret.chmod(0o600)
    base = ('[user]\naddresses = ["ada@example.org"]\n[sources]\nmail = "imap"\n'
            f'[paths]\nstate_dir = "{tmp_path / "state"}"\n')
    for imap, expected in (
            (f'[imap]\nusername = "ada"\npassword_file = "{secret}"\n', "imap.host"),
            (f'[imap]\nhost = "imap.example.org"\nusername = "ada"\nsecurity = "none"\n'
             f'password_file = "{secret}"\n', "imap.security"),
            ('[imap]\nhost = "imap.example.org"\nusername = "ada"\n', "password")):
        config = tmp_path / "config.toml"
        config.write_text(base + imap, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            open_engine(load_settings(config))
        assert expected in str(caught.value), caught.value


def test_only_the_start_of_a_long_message_comes_over(dovecot: Dovecot, user: str) -> None:
    client = admin(dovecot, user)
    long_one = recruiting_mail("Interview on Friday").replace(
        b"\r\n\r\n", b"\r\n\r\n" + b"agenda " * 20_000 + b"\r\n", 1)
    client.append("INBOX", long_one)
    client.append("INBOX", recruiting_mail("Interview on Monday"))
    items = ImapMailSource(session(dovecot.port, user), MAX, read_bytes=50_000).changes(None).items
    sizes = sorted(len(item.data) for item in items)
    assert sizes[0] < 50_000 and sizes[1] == 50_001  # the short one whole, the long one cut
    whole = ImapMailSource(session(dovecot.port, user), MAX).changes(None).items
    assert max(len(item.data) for item in whole) > 140_000
