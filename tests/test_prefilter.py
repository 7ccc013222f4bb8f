"""The phrase patterns' prefilter answers exactly what the plain patterns answer, only sooner:
on every message of both corpora and on generated near-misses around word boundaries."""

from __future__ import annotations

import random
import re

import pytest

from radiosilence.parse.dates import fold_accents
from radiosilence.understand.classify import signals, timeframe
from radiosilence.understand.classify.classifier import MAX_TEXT, strip_quoted
from radiosilence.understand.classify.prefilter import (
    FirstOf,
    Prefiltered,
    needed_literals,
    top_level_branches,
)
from radiosilence.understand.classify.rules import RULES
from tests import classifier_scores, real_corpus


def _texts() -> list[str]:
    messages = (classifier_scores.written_messages()
                + classifier_scores.real_messages(real_corpus.load()))
    texts = []
    for _, _, (subject, body, *_rest) in messages:
        flat = re.sub(r"\s+", " ", strip_quoted(body)[:MAX_TEXT]).strip()
        texts += [fold_accents(flat), fold_accents(subject)]
    return texts


def _near_misses(needs: list[str], count: int, seed: int) -> list[str]:
    """Texts of the patterns' own words glued to letters, digits, "_" and punctuation, so
    that the word-boundary check meets every kind of neighbour."""
    pick = random.Random(seed)
    glue = ["", " ", "x", "_", "1", "é", ".", "'", "-", " not ", " we ", " to "]
    return ["".join(pick.choice(glue) + pick.choice(needs) for _ in range(pick.randint(1, 12)))
            for _ in range(count)]


TEXTS = _texts()
WORDS = sorted({word for rule in RULES for leaf in rule.pattern.leaves
                for clause in leaf.needed or () for word in clause})
GENERATED = _near_misses(WORDS, 3000, seed=7)


@pytest.mark.parametrize("index", range(len(RULES)))
def test_each_rule_finds_the_same_matches_as_its_plain_pattern(index: int) -> None:
    fast = RULES[index].pattern
    for text in TEXTS + GENERATED:
        assert [m.span() for m in fast.finditer(text)] == \
            [m.span() for m in fast.pattern.finditer(text)], text


@pytest.mark.parametrize("fast", [signals.AUTO_BODY, signals.AUTO_SYSTEM, signals.ASKS,
                                  timeframe._CUES], ids=["away", "system", "asks", "cues"])
def test_the_patterns_searched_branch_by_branch_give_the_same_answer(fast: FirstOf) -> None:
    words = sorted({w for b in fast.leaves for clause in b.needed or () for w in clause})
    for text in TEXTS + _near_misses(words, 3000, seed=11):
        plain = fast.pattern.search(text)
        found = fast.search(text)
        assert (found.span() if found else None) == (plain.span() if plain else None), text


def test_most_texts_skip_most_rules() -> None:
    """The point of it all: on real mail, a rule's regular expression runs for a minority
    of the texts (the figure guards against a derivation that quietly needs nothing)."""
    runs = sum(rule.pattern.possible(text) for rule in RULES for text in TEXTS)
    assert runs < 0.45 * len(RULES) * len(TEXTS)
    assert all(leaf.mask for rule in RULES for leaf in rule.pattern.leaves)


def test_needed_literals_of_small_patterns() -> None:
    # Every clause must hold; the strongest (longest shortest string) are tested first.
    assert needed_literals(re.compile(r"\bregret\s+to\s+inform")) == (
        frozenset({"regret"}), frozenset({"inform"}), frozenset({"to"}))
    assert needed_literals(re.compile(r"\b(?:moving|proceed)\s+with")) == (
        frozenset({"moving", "proceed"}), frozenset({"with"}))
    # Optional and starred parts promise nothing; a one-letter literal is not worth a test.
    assert needed_literals(re.compile(r"(?:sorry\s+)?unfortunately")) == (
        frozenset({"unfortunately"}),)
    assert needed_literals(re.compile(r"(?:abc)*x?")) is None
    assert needed_literals(re.compile(r"a\s+b")) is None
    # A branch that promises nothing makes the whole alternation promise nothing.
    assert needed_literals(re.compile(r"offer|\d+")) is None
    # Case-insensitive patterns would need folded tests: they always run.
    assert needed_literals(re.compile(r"regret", re.I)) is None


def test_a_prefiltered_pattern_never_runs_without_its_words() -> None:
    fast = Prefiltered(re.compile(r"\bregret\s+to\s+inform"))
    assert not fast.possible("we are happy to inform you")
    assert fast.possible("regret to inform")
    assert fast.search("xregret to inform you") is None  # the boundary still counts
    found = fast.search("we regret to inform you")
    assert found is not None and found.span() == (3, 19)


def test_top_level_branches_ignore_bars_in_groups_classes_and_escapes() -> None:
    assert top_level_branches(r"a|[|]|b\|c|(d|e)|[]|]x|[^]|]y") == [
        "a", "[|]", r"b\|c", "(d|e)", "[]|]x", "[^]|]y"]
