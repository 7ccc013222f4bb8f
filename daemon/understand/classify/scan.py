"""One pass over a text that tells which of the prefilter's clauses it satisfies.

A clause (`prefilter`) is a set of strings a match must hold one of. Testing each of the
thousand-odd strings the phrase patterns need with `in` would cost more than the patterns
saved, so each clause gets a bit, and a text's scan is the mask of clauses it satisfies,
computed once per text and shared by every pattern that reads that text.

The scan goes word by word (`text.words`, shared with the model: runs of word characters
joined by single apostrophes). A string of that shape ("regret", "don't") lies, wherever it
occurs, inside one word, since nothing in it can end a word: so the text holds it exactly
when one of its words does. What each distinct word holds is worked out once and cached (a
mailbox reuses a small vocabulary), which leaves per text a set of its words, a look-up per
new word, and an `in` test for each of the few strings of other shapes ("on-site", "'ll")
whose sign ("-", "'") the text holds.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_

from radiosilence.understand.classify.text import words as words_of

_WORDY = re.compile(r"\w+(?:'\w+)*")  # a string that lies inside one word (`text.words`)
_WORD_CACHE = 50_000  # distinct words kept
_TEXT_CACHE = 16  # the few texts of the message at hand
_SMALL = 12  # masks an `Index` tests one by one: filing them would cost more


class _Tables:
    """The registered strings and the caches that depend on them: replaced whole when a
    clause is added, so that a scan running meanwhile reads one consistent set."""

    def __init__(self, wordy: dict[str, int], other: dict[str, int]) -> None:
        self.wordy = wordy  # word-character string -> bits of the clauses holding it
        self.other = other  # any other string -> the same
        self.gated = _gated(other)
        self.longest = max(map(len, wordy), default=0)
        self.words: dict[str, int] = {}  # word -> bits of the clauses it satisfies (or 0)
        self.texts: dict[str, int] = {}  # text -> bits of the clauses it satisfies


class Vocabulary:
    """The clauses of every registered pattern, a bit each, and the scans of recent texts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bits: dict[frozenset[str], int] = {}  # clause -> its bit
        self._clauses: list[frozenset[str]] = []  # bit number -> clause
        self._tables = _Tables({}, {})

    def mask(self, clauses: Iterable[frozenset[str]]) -> int:
        """The bits of `clauses`, registering the new ones."""
        clauses = list(clauses)
        with self._lock:
            if new := [clause for clause in dict.fromkeys(clauses) if clause not in self._bits]:
                wordy, other = dict(self._tables.wordy), dict(self._tables.other)
                for clause in new:
                    bit = self._bits[clause] = 1 << len(self._bits)
                    self._clauses.append(clause)
                    for string in clause:
                        table = wordy if _WORDY.fullmatch(string) else other
                        table[string] = table.get(string, 0) | bit
                self._tables = _Tables(wordy, other)  # the cached scans lack the new bits
            mask = 0
            for clause in clauses:
                mask |= self._bits[clause]
        return mask

    def rarest(self, mask: int) -> int:
        """The bit of `mask` whose clause a text is least likely to hold: the one whose
        shortest string is longest (a long word is a rare one)."""
        bits = [1 << n for n in range(mask.bit_length()) if mask >> n & 1]
        return max(bits, key=lambda bit: min(map(len, self._clauses[bit.bit_length() - 1])))

    def clause(self, bit: int) -> frozenset[str]:
        """The clause of a registered bit."""
        return self._clauses[bit.bit_length() - 1]

    def seen(self, text: str) -> int:
        """The bits of every registered clause that `text` holds one string of."""
        tables = self._tables
        if (known := tables.texts.get(text)) is not None:
            return known
        words = tables.words
        unique = set(words_of(text))
        try:  # most words are known, and hold no needed string (0, dropped by the filter)
            mask = reduce(or_, filter(None, map(words.__getitem__, unique)), 0)
        except KeyError:  # a word not seen before
            new = unique.difference(words)
            if len(words) + len(new) > _WORD_CACHE:
                words.clear()
                new = unique
            for word in new:
                words[word] = _word(tables, word)
            mask = reduce(or_, filter(None, map(words.__getitem__, unique)), 0)
        for gate, strings in tables.gated:
            if text.isascii() if gate is None else gate not in text:
                continue
            for string, bits in strings:
                if string in text:
                    mask |= bits
        if len(tables.texts) >= _TEXT_CACHE:
            tables.texts.clear()
        tables.texts[text] = mask
        return mask


def _gated(other: dict[str, int]) -> list[tuple[str | None, list[tuple[str, int]]]]:
    """The strings of other shapes ("on-site", "'ll", "%") grouped by a character each holds,
    tested only in a text holding it: None for those with a non-ASCII letter (tested only in
    a text that is not all ASCII, which Python knows without a scan), else the first sign
    that is not a letter or a digit ("-", "'"). Saves a scan of the text per string."""
    groups: dict[str | None, list[tuple[str, int]]] = {}
    for string, bits in other.items():
        gate = None if not string.isascii() else next(
            (c for c in string if not c.isalnum()), string)
        groups.setdefault(gate, []).append((string, bits))
    return list(groups.items())


def _word(tables: _Tables, word: str) -> int:
    """The bits of the clauses whose word-character strings `word` holds."""
    wordy, longest, size = tables.wordy, tables.longest, len(word)
    mask = 0
    if size * min(size, longest) > len(wordy):  # a long run (Chinese, a URL): test the strings
        for string, bits in wordy.items():
            if string in word:
                mask |= bits
        return mask
    for start in range(size):  # else look its substrings up, as long as strings can be
        for end in range(start + 1, min(size, start + longest) + 1):
            mask |= wordy.get(word[start:end], 0)
    return mask


class Index:
    """Which of many masks a scan meets, in order, without testing most of them: each mask
    is filed under its rarest bit, and only masks filed under a bit the scan holds are
    tested. (A mask is met when the scan holds all its bits: `seen & mask == mask`.)"""

    def __init__(self, masks: Sequence[int]) -> None:
        self._masks = list(masks)
        self._always = [n for n, mask in enumerate(masks) if not mask]
        self._filed: dict[int, list[int]] = {}  # bit -> the masks filed under it
        for n, mask in enumerate(masks):
            if mask:
                self._filed.setdefault(VOCABULARY.rarest(mask), []).append(n)
        self._keys = reduce(or_, self._filed, 0)

    def met(self, seen: int) -> list[int]:
        """The positions of the masks `seen` meets, in order."""
        masks = self._masks
        if len(masks) <= _SMALL:
            return [n for n, mask in enumerate(masks) if seen & mask == mask]
        found = list(self._always)
        hits = seen & self._keys
        while hits:
            low = hits & -hits
            found += self._filed[low]
            hits ^= low
        return sorted(n for n in found if seen & masks[n] == masks[n])


VOCABULARY = Vocabulary()
