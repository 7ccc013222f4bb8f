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
from collections.abc import Iterator
from typing import Any

try:  # the parser behind re.compile; a private module, so guarded
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a Python without it only loses the speed-up
    _p = _c = None

Needed = frozenset[str] | None  # one of these strings is in every match; None: unknown
Needs = tuple[frozenset[str], ...] | None  # each clause a Needed; None: always run

_MIN_USEFUL = 2  # a one-letter literal is in nearly every text: not worth the test
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
        branches = top_level_branches(pattern.pattern)
        self._unanchored = None
        if all(branch.startswith("\\b") for branch in branches):
            self._unanchored = re.compile("|".join(b[2:] for b in branches), pattern.flags)

    def possible(self, text: str) -> bool:
        return possible(self.needed, text)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if not self.possible(text):
            return None
        if self._unanchored is None:
            return self.pattern.search(text, pos)
        return next(self._bounded(text, pos), None)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if not self.possible(text):
            return iter(())
        if self._unanchored is None:
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
    """`search` and `finditer` of a pattern that may be one long alternation `A|B|C` at its
    top level, with each branch searched on its own behind its own prefilter.

    The same answers as the whole pattern: a regular expression's leftmost match is the
    earliest start any branch reaches, and at one start the first branch in order wins, so
    the winner is the branch match with the smallest (start, branch number); the next match
    is sought from where the last one ended, as `re.finditer` does. Worth it when each
    branch's words are rare while their union is not (an out-of-office phrase list in thirty
    languages holds "away" and "business").
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.branches = [Prefiltered(re.compile(source, pattern.flags))
                         for source in top_level_branches(pattern.pattern)]

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        live = [branch.pattern for branch in self.branches if branch.possible(text)]
        # Each live branch's leftmost match from `pos` on; one found earlier still is that
        # while it starts at or after `pos` (nothing of that branch starts in between).
        ahead: list[re.Match[str] | None] = [branch.search(text) for branch in live]
        pos = 0
        while True:
            best: re.Match[str] | None = None
            for i, found in enumerate(ahead):
                if found is not None and found.start() < pos:
                    found = ahead[i] = live[i].search(text, pos)
                if found is not None and (best is None or found.start() < best.start()):
                    best = found
            if best is None:
                return
            yield best
            pos = best.end() if best.end() > best.start() else best.start() + 1


def top_level_branches(source: str) -> list[str]:
    """`source` split at each "|" outside groups and character classes."""
    branches, depth, start, i = [], 0, 0, 0
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
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        i += 1
    branches.append(source[start:])
    return branches


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
