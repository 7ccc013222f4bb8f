"""A literal prefilter for the phrase patterns: skip a regular expression when its text lacks
every word the expression cannot match without.

Python's `re` tries a pattern like `\\b(?:regret|with\\s+regret|...)` at every position of
the text, so the ~100 phrase patterns cost milliseconds per message although most of them
never match. Each pattern's syntax tree (`re._parser`, the parser `re.compile` uses) tells
which literal strings every match must contain: for `\\bregret\\s+to\\s+inform` one of
{"regret"}, for an alternation one from each branch. A substring test (`in`, a fast C loop)
over those is cheaper than one regular-expression scan, and when none is present the
pattern cannot match: the answer is the same, only sooner.

When the tree holds something this module does not know (a new opcode, a flag that changes
case), it derives nothing and the pattern always runs: slower, never wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from radiosilence.understand.classify.scan import VOCABULARY, Index

try:  # the parser behind re.compile; a private module, so guarded
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a Python without it only loses the speed-up
    _p = _c = None

Needed = frozenset[str] | None  # one of these strings is in every match; None: unknown
Needs = tuple[frozenset[str], ...] | None  # each clause a Needed; None: always run

_MIN_USEFUL = 2  # a one-letter literal is in nearly every text: not worth the test
_MIN_SCANNED = 3  # the same for the branch masks of the scan (`branch_clauses`)
_MAX_CLAUSES = 3  # past the strongest few, more tests cost more than they save


class Prefiltered:
    """A compiled pattern that runs only on texts holding the literals it needs.

    A pattern whose every top-level branch starts with `\\b` also runs without that `\\b`,
    the word boundary checked on each match's start instead: `re` skips ahead to a possible
    first letter only when the pattern starts with letters, never past a leading assertion,
    which makes "\\bpurtroppo" some twenty times slower than "purtroppo" on a page of text.
    The matches are the same: at any start where the pattern without `\\b` does not match,
    the one with it does not either, and where the boundary holds both match alike.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.needed = needed_literals(pattern)
        # Per top-level branch, the clause bits its matches need (0: it may match anything).
        clauses = branch_clauses(pattern)
        self.masks = tuple(VOCABULARY.mask(c) for c in clauses) if clauses else (0,)
        self._always = 0 in self.masks
        # The bits every match needs, as one branch of a `FirstOf` (0 when it has several),
        # and the strings of its rarest clause, one of which every match holds.
        self.mask = self.masks[0] if len(self.masks) == 1 else 0
        self._rarest = tuple(VOCABULARY.clause(VOCABULARY.rarest(self.mask))) if self.mask else ()
        self._unanchored = None
        branches = top_level_branches(pattern.pattern) if clauses else []
        if branches and all(b.startswith("\\b") for b in branches) and not (
                pattern.flags & re.ASCII):
            self._unanchored = re.compile("|".join(b[2:] for b in branches), pattern.flags)

    def possible(self, text: str) -> bool:
        """Whether some branch's needs are all met in `text` (else it cannot match)."""
        return self._always or _plain or self.possible_in(VOCABULARY.seen(text))

    def possible_in(self, seen: int) -> bool:
        """`possible` for a text whose scan (`scan.Vocabulary.seen`) is `seen`."""
        return any(seen & mask == mask for mask in self.masks)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.first(text, pos) if self.possible(text) else None

    def holds(self, text: str) -> bool:
        """A quick test without a scan, for a piece of a text where this branch is live:
        whether `text` holds one of the strings every match needs (else it cannot match)."""
        return not self._rarest or _plain or any(map(text.__contains__, self._rarest))

    def first(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """`search` without the prefilter, for a caller that has checked `possible`."""
        if self._unanchored is None or _plain:
            return self.pattern.search(text, pos)
        search = self._unanchored.search
        while (found := search(text, pos)) is not None:  # `_bounded`, its first match
            if _word_boundary(text, start := found.start()):
                return found
            pos = start + 1
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if not self.possible(text):
            return iter(())
        if self._unanchored is None or _plain:
            return self.pattern.finditer(text)
        return self._bounded(text, 0)

    def _bounded(self, text: str, pos: int) -> Iterator[re.Match[str]]:
        """`finditer` from `pos` of the pattern without its leading `\\b`, keeping the matches
        that start on a word boundary."""
        assert self._unanchored is not None
        while (found := self._unanchored.search(text, pos)) is not None:
            start, end = found.span()
            if _word_boundary(text, start):
                yield found
                pos = end if end > start else start + 1
            else:
                pos = start + 1


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what `\\w` is for str patterns


def _word_boundary(text: str, at: int) -> bool:
    before = at > 0 and _is_word(text[at - 1])
    after = at < len(text) and _is_word(text[at])
    return before != after


class FirstOf:
    """`search` and `finditer` of a pattern by its alternatives (`split_branches`), each
    searched on its own behind its own prefilter, for callers that read only where the
    matches are (a branch's groups are not the pattern's).

    The same answers as the whole pattern: a regular expression's leftmost match is the
    earliest start any branch reaches, and at one start the first branch in order wins, so
    the winner is the branch match with the smallest (start, branch number); the next match
    is sought from where the last one ended, as `re.finditer` does. A branch that splits
    again is a `FirstOf` of its own, so that its alternatives are screened only when its
    common words are there. Worth it when each branch's words are rare while their union is
    not (an out-of-office phrase list in thirty languages holds "away" and "business"), and
    because a branch that starts with a word is found by `re` far sooner than an
    alternation of many.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.branches: list[Prefiltered | FirstOf] = []
        for source in split_branches(pattern.pattern):
            compiled = re.compile(source, pattern.flags)
            nested = len(split_branches(source)) > 1
            self.branches.append(FirstOf(compiled) if nested else Prefiltered(compiled))
        self.leaves: list[Prefiltered] = []  # the branches, nested ones by theirs
        for branch in self.branches:
            self.leaves += branch.leaves if isinstance(branch, FirstOf) else [branch]
        self._index = Index([leaf.mask for leaf in self.leaves])
        clauses = branch_clauses(pattern)  # as a branch of another: what all its matches need
        self.mask: int = VOCABULARY.mask(clauses[0]) if clauses and len(clauses) == 1 else 0

    def possible(self, text: str) -> bool:
        return bool(self.live(text))

    def live(self, text: str, seen: int | None = None) -> list[Prefiltered]:
        """The branches whose needs `text` meets (`seen`: its scan, by default made here),
        the only ones that can match in it or in a piece of it; those of a nested `FirstOf`
        in its place, in order."""
        if _plain:
            return self.leaves
        seen = VOCABULARY.seen(text) if seen is None else seen
        return list(map(self.leaves.__getitem__, self._index.met(seen)))

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)

    def finditer(self, text: str, live: list[Prefiltered] | None = None
                 ) -> Iterator[re.Match[str]]:
        """The matches of the whole pattern, by the branches in `live`: by default the live
        branches of `text` (`live`), or those of a text `text` is a piece of."""
        if _plain:
            yield from self.pattern.finditer(text)
            return
        live = self.live(text) if live is None else live
        if not live:
            return
        # Each live branch's leftmost match from `pos` on; one found earlier still is that
        # while it starts at or after `pos` (nothing of that branch starts in between).
        ahead: list[re.Match[str] | None] = [branch.first(text) for branch in live]
        pos = 0
        while True:
            best: re.Match[str] | None = None
            for i, found in enumerate(ahead):
                if found is not None and found.start() < pos:
                    found = ahead[i] = live[i].first(text, pos)
                if found is not None and (best is None or found.start() < best.start()):
                    best = found
            if best is None:
                return
            yield best
            pos = best.end() if best.end() > best.start() else best.start() + 1


class Screen:
    """Which of many `FirstOf` patterns may match a text and by which branches, in one loop
    over all their branches rather than a call per pattern: in a given text most patterns
    have no live branch at all."""

    def __init__(self, patterns: Sequence[FirstOf]) -> None:
        self._patterns = patterns
        self._entries = [(index, leaf) for index, pattern in enumerate(patterns)
                         for leaf in pattern.leaves]
        self._index = Index([leaf.mask for _, leaf in self._entries])

    def live(self, text: str) -> list[tuple[int, list[Prefiltered]]]:
        """(index, live branches) of each pattern that has live branches in `text`, in
        order: what `FirstOf.finditer` takes."""
        if _plain:
            return [(index, pattern.leaves) for index, pattern in enumerate(self._patterns)]
        seen = VOCABULARY.seen(text)
        found: dict[int, list[Prefiltered]] = {}
        for index, leaf in map(self._entries.__getitem__, self._index.met(seen)):
            found.setdefault(index, []).append(leaf)
        return list(found.items())


_plain = False  # see `plain`


def screening() -> bool:
    """Whether the prefilter is on (`plain` turns it off): a caller's own shortcut that
    rests on the same reasoning turns off with it, so that the plain run checks it too."""
    return not _plain


@contextmanager
def plain() -> Iterator[None]:
    """Within it, every pattern of this module runs as written, on every text: the reference
    that the prefiltered answers must equal, for the tests and the bench."""
    global _plain  # noqa: PLW0603 - a switch for tests and the bench, never set by the service
    before, _plain = _plain, True
    try:
        yield
    finally:
        _plain = before


def top_level_branches(source: str) -> list[str]:
    """`source` split at each "|" outside groups and character classes."""
    branches, start = [], 0
    for i, char, depth in _structure(source):
        if char == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
    branches.append(source[start:])
    return branches


def split_branches(source: str) -> list[str]:
    """`source` as alternatives tried in the same order: its top-level branches, or, for one
    branch that starts (perhaps after a `\\b`) with a non-capturing group of alternatives
    and no quantifier, the group's alternatives each followed by the rest: `\\b(?:A|B)C` is
    `\\bAC|\\bBC`. At each start the engine tries A then B, with C after, either way. One
    element when it splits neither way."""
    branches = top_level_branches(source)
    if len(branches) > 1 or _REFERENCE.search(source):  # copied groups would renumber
        return branches
    prefix = "\\b" if source.startswith("\\b") else ""
    group = source[len(prefix):]
    close = next((i for i, char, depth in _structure(group) if char == ")" and depth == 0),
                 None)
    if not group.startswith("(?:") or close is None or group[close + 1:close + 2] in (
            "?", "*", "+", "{"):
        return branches
    rest = group[close + 1:]
    inner = top_level_branches(group[3:close])
    if len(inner) == 1:  # "(?:X)Y" is "XY"
        return split_branches(prefix + inner[0] + rest)
    return [prefix + part + rest for part in inner]


_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # back-references, conditional groups


def _structure(source: str) -> Iterator[tuple[int, str, int]]:
    """The "(", ")" and "|" of `source` outside escapes and character classes, with the group
    depth after each parenthesis (so 0 for the ")" that closes a top-level group)."""
    depth, i = 0, 0
    in_class = False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if source[i + 1:i + 2] == "^":
                i += 1
            if source[i + 1:i + 2] == "]":  # "[]...]" and "[^]...]": a literal "]" first
                i += 1
        elif char in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[char]
            yield i, char, depth
        i += 1


def branch_clauses(pattern: re.Pattern[str]) -> list[list[frozenset[str]]] | None:
    """For each top-level branch of `pattern` (`top_level_branches`), the clauses every match
    of that branch satisfies: a match of the whole is a match of one branch, so a text that
    fails a clause of every branch cannot match. None when nothing can be told."""
    if _p is None or pattern.flags & (re.IGNORECASE | re.VERBOSE) or not isinstance(
            pattern.pattern, str):
        return None
    found = []
    for source in top_level_branches(pattern.pattern):
        try:
            clauses = _clauses(list(_p.parse(source, pattern.flags)))
        except Exception:  # an unknown shape, or a reference to another branch's group
            clauses = []
        found.append([c for c in clauses if all(map(_useful, c))])
    return found


def _useful(string: str) -> bool:
    # Words of one or two letters ("to", "we") are in nearly every text and would make
    # nearly every word of it count in the scan; a single sign like "%" or "@" is rare, and
    # so are two Chinese or Japanese characters, a whole word in those scripts ("复试").
    return (len(string) >= _MIN_SCANNED or not (string.isalnum() or string.isspace())
            or (len(string) == 2 and not string.isascii()))


def needed_literals(pattern: re.Pattern[str]) -> Needs:
    """Clauses of strings: every match of `pattern` contains one string of each clause.
    None when nothing useful can be told."""
    if _p is None or pattern.flags & (re.IGNORECASE | re.VERBOSE) or not isinstance(
            pattern.pattern, str):
        return None
    try:
        clauses = _clauses(list(_p.parse(pattern.pattern, pattern.flags)))
    except Exception:  # an unknown shape of a private structure: no filter, no harm
        return None
    useful = sorted((c for c in clauses if min(map(len, c)) >= _MIN_USEFUL), key=_strength,
                    reverse=True)[:_MAX_CLAUSES]
    return tuple(useful) or None


def possible(needs: Needs, text: str) -> bool:
    """False when `text` lacks every string of some clause: the pattern cannot match."""
    return needs is None or all(any(map(text.__contains__, clause)) for clause in needs)


def _clauses(items: list[tuple[Any, Any]]) -> list[frozenset[str]]:
    """The needs of items in a row: every match holds one string of each clause."""
    clauses: list[frozenset[str]] = []
    run = ""
    for op, value in items:
        if op is _c.LITERAL:
            run += chr(value)
            continue
        if op is _c.AT:  # \b, ^, $: zero width, the letters around stay adjacent
            continue
        if run:
            clauses.append(frozenset((run,)))
            run = ""
        need = _item(op, value)
        if need:
            clauses.append(need)
    if run:
        clauses.append(frozenset((run,)))
    return clauses


def _strength(clause: frozenset[str]) -> tuple[int, int]:
    # The clause whose shortest string is longest rules out the most texts.
    return min(map(len, clause)), -len(clause)


def _sequence(items: list[tuple[Any, Any]]) -> Needed:
    """The strongest single clause of items in a row (inside a branch one must do)."""
    clauses = _clauses(items)
    return max(clauses, key=_strength) if clauses else None


def _item(op: Any, value: Any) -> Needed:
    if op is _c.SUBPATTERN:
        return _sequence(list(value[-1]))
    if op is _c.ATOMIC_GROUP:
        return _sequence(list(value))
    if op is _c.BRANCH:
        union: set[str] = set()
        for branch in value[1]:
            need = _sequence(list(branch))
            if need is None:
                return None
            union |= need
        return frozenset(union)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _, body = value
        return _sequence(list(body)) if low >= 1 else None
    return None  # classes, any-char, lookarounds, back-references: no literal promised
