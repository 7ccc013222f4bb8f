"""Gmail's search language (`q` of messages.list, threads.list, drafts.list), evaluated locally.

Supported, after https://support.google.com/mail/answer/7190 and the API's filtering guide:
from: to: cc: bcc: subject: after: before: newer_than: older_than: in: label: is: has:
filename: rfc822msgid: category: larger: smaller:, plain words and "quoted phrases" (matched as
whole words, case-insensitive, over subject, body and addresses), implicit AND, OR, {a b}
(OR group), -negation, (grouping) and op:(a b) (the operator applies to each term inside).

Dates in after:/before: are midnight Pacific time, as the Gmail API filtering guide states
("All dates used in the search query are interpreted as midnight on that date in the PST
timezone"); a bare integer is epoch seconds. newer_than:/older_than: take d, m (30 d), y.
Unknown operators are searched as plain text, as Gmail does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")
OPERATORS = {
    "from", "to", "cc", "bcc", "subject", "after", "before", "newer_than", "older_than",
    "newer", "older", "in", "label", "is", "has", "filename", "rfc822msgid", "category",
    "larger", "smaller", "deliveredto", "list",
}
_IN = {"drafts": "draft", "chat": "chats"}
_UNITS = {"d": 1, "m": 30, "y": 365}
_WORD = re.compile(r"\w+", re.UNICODE)


class QueryError(ValueError):
    """The query cannot be evaluated (a malformed date or size, unbalanced brackets)."""


@dataclass(frozen=True)
class SearchDoc:
    """What a message offers to search; labels hold ids and names, lower-cased."""

    sender: str = ""
    to: str = ""
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    body: str = ""
    labels: frozenset[str] = frozenset()
    date: datetime | None = None
    filenames: tuple[str, ...] = ()
    message_id: str = ""
    size: int = 0
    list_id: str = ""
    me: str = ""  # the mailbox owner's address, for from:me / to:me
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def words(self, name: str) -> str:
        """" w1 w2 ... " of a field, cached: the haystack for whole-word matching."""
        if name not in self._cache:
            if name == "text":
                raw = " ".join([self.subject, self.body, self.sender, self.to, self.cc])
            else:
                raw = getattr(self, name)
            self._cache[name] = " " + " ".join(_WORD.findall(raw.casefold())) + " "
        return self._cache[name]


def text_match(needle: str, haystack: str) -> bool:
    """True when the words of `needle` occur consecutively, as whole words, in `haystack`."""
    words = _WORD.findall(needle.casefold())
    if not words:
        return True
    hay = " " + " ".join(_WORD.findall(haystack.casefold())) + " "
    return (" " + " ".join(words) + " ") in hay


# --- tokens ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tok:
    kind: str  # "(" ")" "{" "}" "OR" "NOT" "TERM" "FIELD" (operator followed by a group)
    value: str = ""
    op: str | None = None


def tokenize(q: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "(){}":
            toks.append(Tok(c))
            i += 1
        elif c == "-" and i + 1 < n and not q[i + 1].isspace():
            toks.append(Tok("NOT"))
            i += 1
        elif c == '"':
            end = q.find('"', i + 1)
            end = n if end < 0 else end
            toks.append(Tok("TERM", q[i + 1:end]))
            i = end + 1
        else:
            start = i
            while i < n and not q[i].isspace() and q[i] not in '(){}"':
                i += 1
            word = q[start:i]
            op, sep, value = word.partition(":")
            op = op.lower()
            if sep and op in OPERATORS:
                if not value and i < n and q[i] == '"':
                    end = q.find('"', i + 1)
                    end = n if end < 0 else end
                    value, i = q[i + 1:end], end + 1
                elif not value and i < n and q[i] in "({":
                    toks.append(Tok("FIELD", op=op))
                    continue
                toks.append(Tok("TERM", value, op))
            elif word == "OR" or word == "|":
                toks.append(Tok("OR"))
            elif word != "AND":
                toks.append(Tok("TERM", word))
    return toks


# --- parser: query := or* ; or := unary ("OR" unary)* ; unary := "-" unary | primary ---------

Node = Callable[[SearchDoc], bool]


class _Parser:
    def __init__(self, toks: list[Tok], now: datetime) -> None:
        self.toks, self.i, self.now = toks, 0, now
        self.everywhere = False  # in:anywhere / in:spam / in:trash named, not negated
        self.negated = False

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def seq(self, ctx: str | None, end: str | None) -> Node:
        items = []
        while (tok := self.peek()) is not None and tok.kind != end:
            if tok.kind in (")", "}"):
                raise QueryError(f"unbalanced {tok.kind!r}")
            items.append(self.alternatives(ctx))
        return lambda d: all(f(d) for f in items)

    def alternatives(self, ctx: str | None) -> Node:
        items = [self.unary(ctx)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            if self.peek() is None:
                break
            items.append(self.unary(ctx))
        return items[0] if len(items) == 1 else (lambda d: any(f(d) for f in items))

    def unary(self, ctx: str | None) -> Node:
        tok = self.take()
        if tok.kind == "NOT":
            if self.peek() is None:
                return lambda d: True
            self.negated = not self.negated
            inner = self.unary(ctx)
            self.negated = not self.negated
            return lambda d: not inner(d)
        if tok.kind == "OR":
            return self.unary(ctx) if self.peek() is not None else (lambda d: True)
        if tok.kind == "FIELD":
            return self.group(tok.op)
        if tok.kind in ("(", "{"):
            self.i -= 1
            return self.group(ctx)
        if tok.kind in (")", "}"):
            raise QueryError(f"unbalanced {tok.kind!r}")
        return self.term(tok.op or ctx, tok.value)

    def group(self, ctx: str | None) -> Node:
        opener = self.take()
        closer = ")" if opener.kind == "(" else "}"
        if opener.kind == "(":
            node = self.seq(ctx, ")")
        else:
            items = []
            while (tok := self.peek()) is not None and tok.kind != "}":
                items.append(self.unary(ctx))
            node = lambda d: any(f(d) for f in items)  # noqa: E731
        if self.peek() is None or self.take().kind != closer:
            raise QueryError(f"missing {closer!r}")
        return node

    def term(self, op: str | None, value: str) -> Node:
        return _term(self, op, value)


def _label_key(name: str) -> str:
    return re.sub(r"[\s/_-]+", "-", name.strip().casefold())


def _date(value: str) -> datetime:
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    m = re.fullmatch(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", value)
    if not m:
        raise QueryError(f"bad date {value!r}")
    return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=PACIFIC)


def _age(value: str) -> timedelta:
    m = re.fullmatch(r"(\d+)([dmy])", value.lower())
    if not m:
        raise QueryError(f"bad relative date {value!r}")
    return timedelta(days=int(m[1]) * _UNITS[m[2]])


def _size(value: str) -> int:
    m = re.fullmatch(r"(\d+)([km]?)", value.lower())
    if not m:
        raise QueryError(f"bad size {value!r}")
    return int(m[1]) * {"": 1, "k": 1024, "m": 1024 * 1024}[m[2]]


def _term(p: _Parser, op: str | None, value: str) -> Node:  # noqa: C901 - one branch per op
    v = value.casefold()
    if op is None:
        return lambda d: text_match(value, d.words("text"))
    if op in ("from", "to", "cc", "bcc", "deliveredto"):
        name = {"from": "sender", "deliveredto": "to"}.get(op, op)
        if v == "me":
            return lambda d: bool(d.me) and text_match(d.me, getattr(d, name))
        return lambda d: text_match(value, d.words(name))
    if op == "subject":
        return lambda d: text_match(value, d.words("subject"))
    if op == "list":
        return lambda d: text_match(value, d.list_id)
    if op in ("after", "before"):
        when = _date(value)
        if op == "after":
            return lambda d: d.date is not None and d.date >= when
        return lambda d: d.date is not None and d.date < when
    if op in ("newer_than", "older_than", "newer", "older"):
        cutoff = p.now - _age(value)
        if op.startswith("newer"):
            return lambda d: d.date is not None and d.date >= cutoff
        return lambda d: d.date is not None and d.date < cutoff
    if op == "in":
        if v in ("anywhere", "spam", "trash") and not p.negated:
            p.everywhere = True
        if v == "anywhere":
            return lambda d: True
        key = _IN.get(v, v)
        return lambda d: key in d.labels
    if op == "label":
        key = _label_key(value)
        return lambda d: key in d.labels
    if op == "category":
        key = f"category_{v}"
        return lambda d: key in d.labels
    if op == "is":
        if v == "read":
            return lambda d: "unread" not in d.labels
        return lambda d: v in d.labels
    if op == "has":
        if v == "attachment":
            return lambda d: bool(d.filenames)
        if v == "userlabels":
            return lambda d: any(lab.startswith("label_") for lab in d.labels)
        if v == "nouserlabels":
            return lambda d: not any(lab.startswith("label_") for lab in d.labels)
        return lambda d: v in d.labels
    if op == "filename":
        return lambda d: any(v in f.casefold() for f in d.filenames)
    if op == "rfc822msgid":
        key = v.strip("<>")
        return lambda d: d.message_id.casefold().strip("<>") == key
    size = _size(value)
    if op == "larger":
        return lambda d: d.size > size
    return lambda d: d.size < size


@dataclass(frozen=True)
class Query:
    """A compiled query: call `matches(doc)`; `everywhere` tells messages.list not to hide
    SPAM and TRASH (the query named in:anywhere, in:spam or in:trash)."""

    text: str
    matches: Node
    everywhere: bool


def compile_query(q: str, now: datetime | None = None) -> Query:
    """Compile Gmail search text; raises QueryError for what Gmail would reject."""
    parser = _Parser(tokenize(q or ""), now or datetime.now(UTC))
    node = parser.seq(None, None)
    return Query(q or "", node, parser.everywhere)


def label_keys(ids_and_names: list[tuple[str, str]]) -> frozenset[str]:
    """The SearchDoc.labels set for labels given as (id, name) pairs."""
    keys = set()
    for label_id, name in ids_and_names:
        keys.add(label_id.casefold())
        keys.add(_label_key(name))
    return frozenset(keys)
