"""The emulator's Gmail search language (tests/google_emulator/gmail_query.py), pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.google_emulator.gmail_query import (
    QueryError,
    SearchDoc,
    compile_query,
    label_keys,
    text_match,
    tokenize,
)

NOW = datetime(2024, 1, 20, 12, 0, tzinfo=UTC)

DOC = SearchDoc(
    sender="Amy Lee <amy.lee@acme.example>",
    to="Sam Rivera <sam@example.net>",
    cc="recruiting@acme.example",
    subject="Re: Interview follow-up for the Data Analyst role",
    body="Thanks for coming in on Tuesday. We'll be in touch next week.",
    labels=label_keys([("INBOX", "INBOX"), ("UNREAD", "UNREAD"), ("Label_1", "Job Hunt/Acme")]),
    date=datetime(2024, 1, 16, 18, 30, tzinfo=UTC),  # 10:30 on the 16th, Pacific time
    filenames=("offer-letter.pdf",),
    message_id="<abc123@mail.acme.example>",
    size=48_000,
    me="sam@example.net",
)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("", True),
        ("from:amy", True),
        ("from:acme.example", True),
        ("from:amy.lee@acme.example", True),
        ("from:bob", False),
        ("FROM:AMY", True),
        ("to:sam@example.net", True),
        ("to:me", True),
        ("from:me", False),
        ("cc:recruiting", True),
        ("subject:interview", True),
        ("subject:interviews", False),  # whole words, as Gmail matches
        ("subject:(interview analyst)", True),
        ("subject:(interview engineer)", False),
        ('subject:"data analyst"', True),
        ('subject:"analyst data"', False),
        ('"be in touch"', True),
        ("touch", True),
        ("TOUCH", True),
        ("tou", False),
        ("amy", True),  # plain words also search the addresses
        ("interview -tuesday", False),
        ("interview -friday", True),
        ("-(from:amy)", False),
        ("from:bob OR from:amy", True),
        ("from:bob OR from:carol", False),
        ("{from:bob from:amy}", True),
        ("{from:bob from:carol}", False),
        ("(from:bob OR subject:interview) touch", True),
        ("from:amy AND subject:interview", True),
        ("after:2024/01/16", True),
        ("after:2024/01/17", False),
        ("before:2024/01/17", True),
        ("before:2024/01/16", False),
        ("after:2024-01-15 before:2024-01-17", True),
        (f"after:{int(datetime(2024, 1, 16, 18, 0, tzinfo=UTC).timestamp())}", True),
        (f"before:{int(datetime(2024, 1, 16, 18, 0, tzinfo=UTC).timestamp())}", False),
        ("newer_than:5d", True),
        ("newer_than:3d", False),
        ("older_than:3d", True),
        ("older_than:1m", False),
        ("newer_than:1y", True),
        ("in:inbox", True),
        ("in:sent", False),
        ("in:anywhere", True),
        ("is:unread", True),
        ("is:read", False),
        ("is:starred", False),
        ("label:job-hunt-acme", True),
        ("label:job-hunt/acme", True),
        ('label:"job hunt/acme"', True),
        ("label:jobs", False),
        ("has:attachment", True),
        ("has:userlabels", True),
        ("filename:pdf", True),
        ("filename:docx", False),
        ("rfc822msgid:abc123@mail.acme.example", True),
        ("rfc822msgid:<abc123@mail.acme.example>", True),
        ("larger:40K", True),
        ("smaller:40K", False),
        ("from:(amy OR bob)", True),
        ("subject:{engineer analyst}", True),
        ("foo:bar", False),  # unknown operators are text
    ],
)
def test_query_matches(q: str, expected: bool) -> None:
    assert compile_query(q, now=NOW).matches(DOC) is expected


def test_dates_are_midnight_pacific() -> None:
    # 07:00 UTC on the 16th is 23:00 on the 15th in Los Angeles: not "after:2024/01/16".
    late = SearchDoc(date=datetime(2024, 1, 16, 7, 0, tzinfo=UTC))
    assert not compile_query("after:2024/01/16").matches(late)
    assert compile_query("before:2024/01/16").matches(late)


@pytest.mark.parametrize(
    ("q", "everywhere"),
    [("in:anywhere", True), ("in:trash", True), ("in:spam x", True), ("-in:trash", False),
     ("in:inbox", False), ("x", False)],
)
def test_everywhere_flag(q: str, everywhere: bool) -> None:
    assert compile_query(q).everywhere is everywhere


@pytest.mark.parametrize(
    "q", ["after:yesterday", "newer_than:3w", "larger:big", "(a b", "a b)", "{a"]
)
def test_malformed_queries_raise(q: str) -> None:
    with pytest.raises(QueryError):
        compile_query(q)


def test_tokenize_operators_phrases_and_groups() -> None:
    kinds = [(t.kind, t.op, t.value) for t in tokenize('from:amy -"be in" subject:(a OR b)')]
    assert kinds == [
        ("TERM", "from", "amy"), ("NOT", None, ""), ("TERM", None, "be in"),
        ("FIELD", "subject", ""), ("(", None, ""), ("TERM", None, "a"), ("OR", None, ""),
        ("TERM", None, "b"), (")", None, ""),
    ]


def test_text_match_is_word_based() -> None:
    assert text_match("acme.example", "amy@acme.example")
    assert text_match("Data  Analyst", "the data-analyst role")
    assert not text_match("data", "database")
