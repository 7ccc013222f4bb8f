"""A message's text in the forms the patterns read: flat (each run of whitespace one space,
none at the ends), folded (`dates.fold_accents`: lower case, no accents) and cut in words.

The rules, the away note, the timeframe, the question detector and the model all read the
same text of one message. Each form is made once per text and shared through a small cache
instead of being remade by every reader: the functions are pure, so a cached answer is the
answer. Folding is also the same character for character, so the fold of a piece of a text
is that piece of the text's fold, except around a capital sigma, whose lower case depends
on the letters beside it (final "ς" or "σ"): `fold_piece` covers that.
"""

from __future__ import annotations

import re
from functools import lru_cache

from radiosilence.parse.dates import fold_accents

_WORD = re.compile(r"\w+(?:'\w+)*")  # a run of word characters, with inner apostrophes
_TEXTS = 16  # the subject, the text and its flat form of the message at hand, and a few more


@lru_cache(maxsize=_TEXTS)
def flatten(text: str) -> str:
    """`text` with each run of whitespace one space, stripped: what substituting one space
    for each match of the pattern of whitespace and stripping gives, in a third of the time
    (`str.split` and the pattern know the same whitespace, `str.isspace`; a test holds the
    two equal over every code point)."""
    return " ".join(text.split())


@lru_cache(maxsize=_TEXTS)
def fold(text: str) -> str:
    """`fold_accents(text)`, made once per text."""
    return fold_accents(text)


def fold_piece(text: str, start: int, end: int) -> str:
    """`fold_accents(text[start:end])`, cut from the fold of the whole `text` when that is the
    same thing (no capital sigma in `text`)."""
    if "Σ" in text:
        return fold_accents(text[start:end])
    return fold(text)[start:end]


@lru_cache(maxsize=_TEXTS)
def words(text: str) -> tuple[str, ...]:
    """The words of `text`: runs of word characters (`\\w`), joined by single apostrophes
    ("don't", "l'equipe"). Every run of word characters lies inside one of them."""
    return tuple(_WORD.findall(text))
