"""The learned half of the classifier: a linear text model, scored in pure Python.

A multinomial logistic regression over the folded text (lower case, accents removed, digits
as 0): word unigrams ("w:"), word bigrams ("b:"), character 3-5-grams inside each word padded
with spaces ("c:"), and a few numbers from the rules ("r:": phrase scores per category, an
away note, a stated timeframe). Text features count how often they occur, divided by the
square root of all text features of the message, so long and short mail weigh alike.
`bench/train_classifier.py` fits it with scikit-learn on the tune part of the real corpus
and the written corpus, and writes `learned.json`; this module only reads that file
(weights pruned, temperature for calibrated confidence). No numpy, no network.

`features()` is the reference: training uses it. `Model.score()` computes the same logits
faster, by caching each word's summed character-gram weights (a word's grams never depend on
its neighbours), which is what makes thousands of messages a second possible.
"""

from __future__ import annotations

import heapq
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, reduce
from itertools import repeat
from operator import add, itemgetter, mul
from pathlib import Path
from typing import Any

from radiosilence.understand.classify.text import flatten, fold
from radiosilence.understand.classify.text import words as text_words

MODEL_FILE = Path(__file__).with_name("learned.json")
MAX_WORDS = 400  # the wording that decides is near the top; a pasted document is not mail
CHAR_GRAMS = (3, 4, 5)
_DIGIT = re.compile(r"\d")
_CACHE_LIMIT = 50_000  # distinct words kept; a mailbox reuses a small vocabulary


def words(subject: str, text: str) -> list[str]:
    """The folded words the model reads: the subject's, then the body's, capped, digits as
    0: the words of `fold_accents(f"{subject}\\n{text}")`. Read off the fold of the flat
    text the rules read too (`text`): the line break and runs of spaces only separate words,
    and a digit becomes another word character, so the words are the same ones."""
    found = (text_words(fold(subject)) + text_words(fold(flatten(text)))[:MAX_WORDS])[:MAX_WORDS]
    return [word if word.isalpha() else _DIGIT.sub("0", word) for word in found]


def word_grams(word: str) -> list[str]:
    """The unigram and the character grams of one word ("c: re" ... "c:ret"...)."""
    padded = f" {word} "
    grams = [f"w:{word}"]
    for size in CHAR_GRAMS:
        grams.extend(f"c:{padded[i:i + size]}" for i in range(len(padded) - size + 1))
    return grams


def text_features(tokens: Sequence[str]) -> dict[str, float]:
    """Counts of every text feature, divided by the square root of their total."""
    counts: dict[str, float] = {}
    for token in tokens:
        for gram in word_grams(token):
            counts[gram] = counts.get(gram, 0.0) + 1
    for first, second in zip(tokens, tokens[1:], strict=False):
        key = f"b:{first} {second}"
        counts[key] = counts.get(key, 0.0) + 1
    total = sum(counts.values())
    scale = 1 / math.sqrt(total) if total else 0.0
    return {key: value * scale for key, value in counts.items()}


def features(tokens: Sequence[str], signals: Mapping[str, float]) -> dict[str, float]:
    """Every feature of one message: text features plus the rules' `signals` ("r:...")."""
    return text_features(tokens) | {f"r:{name}": value for name, value in signals.items()}


@dataclass(frozen=True)
class Scored:
    """The model's view of one message: calibrated probabilities and what pushed them."""

    probabilities: dict[str, float]
    # word or bigram -> (its weights, how often, its `class_leads`)
    parts: dict[str, tuple[list[float], int, tuple[float, ...]]]
    scale: float  # 1 / sqrt(number of text features)

    @property
    def best(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def strongest(self, category: str, limit: int = 3) -> list[tuple[str, float]]:
        """The words that most favour `category` over the mean of the others: each one's
        lead for it (`class_leads`) times how often it occurs times `scale`, multiplied in
        C loops."""
        index = list(self.probabilities).index(category)
        parts = self.parts.values()
        units = map(itemgetter(index), map(itemgetter(2), parts))
        counts = map(itemgetter(1), parts)
        leads = map(mul, map(mul, units, counts), repeat(self.scale))
        ranked = heapq.nlargest(limit, zip(leads, self.parts, strict=True))
        return [(name, lead) for lead, name in ranked if lead > 0]


class Model:
    """Weights read from the JSON file; `score` gives calibrated class probabilities."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self.classes: list[str] = list(data["classes"])  # type: ignore[call-overload]
        self.bias: list[float] = list(data["bias"])  # type: ignore[call-overload]
        self.temperature = float(data["temperature"])  # type: ignore[arg-type]
        self.weights: dict[str, list[float]] = dict(data["weights"])  # type: ignore[call-overload]
        self._words: dict[str, tuple[list[float] | None, int, tuple[float, ...]]] = {}
        # The bigram weights and their leads by their two words ("b:next step" -> ("next",
        # "step")); a key with other than one space matches no two words, which hold none.
        self._bigrams = {tuple(name[2:].split(" ")): (weight, class_leads(weight))
                         for name, weight in self.weights.items()
                         if name.startswith("b:") and name.count(" ") == 1}

    def _word(self, word: str) -> tuple[list[float] | None, int, tuple[float, ...]]:
        """A word's summed gram weights (None when none is weighted), how many grams it has,
        and the weights' `class_leads`, cached."""
        if (known := self._words.get(word)) is not None:
            return known
        total: list[float] | None = None
        grams = word_grams(word)
        for gram in grams:
            if (weight := self.weights.get(gram)) is not None:
                total = list(weight) if total is None else [
                    a + b for a, b in zip(total, weight, strict=True)]
        if len(self._words) >= _CACHE_LIMIT:
            self._words.clear()
        known = self._words[word] = (total, len(grams), class_leads(total) if total else ())
        return known

    def score(self, tokens: Sequence[str], signals: Mapping[str, float]) -> Scored:
        # Repeated words and bigrams are looked up and added once, times their count.
        parts: dict[str, tuple[list[float], int, tuple[float, ...]]] = {}
        count = max(len(tokens) - 1, 0)  # every bigram counts, weighted or not
        known = self._words
        for token, times in Counter(tokens).items():
            vector, grams, lead = known.get(token) or self._word(token)
            count += grams * times
            if vector is not None:
                parts[token] = (vector, times, lead)
        bigrams = self._bigrams  # most bigrams carry no weight: only those that do are counted
        pairs = zip(tokens, tokens[1:], strict=False)
        for pair, times in Counter(filter(bigrams.__contains__, pairs)).items():
            weight, lead = bigrams[pair]
            parts[" ".join(pair)] = (weight, times, lead)
        scale = 1 / math.sqrt(count) if count else 0.0
        logits = _weighted_sums(self.bias, parts.values(), scale)
        for name, value in signals.items():
            if value and (weight := self.weights.get(f"r:{name}")) is not None:
                logits = [a + value * b for a, b in zip(logits, weight, strict=True)]
        return Scored(dict(zip(self.classes, softmax(logits, self.temperature), strict=True)),
                      parts, scale)

    def logits(self, feature_values: Mapping[str, float]) -> list[float]:
        """The uncalibrated logits of a feature dict: the slow reference `score` must equal."""
        logits = list(self.bias)
        for name, value in feature_values.items():
            if (weight := self.weights.get(name)) is not None:
                logits = [a + value * b for a, b in zip(logits, weight, strict=True)]
        return logits


def class_leads(vector: Sequence[float]) -> tuple[float, ...]:
    """For each class, how far a feature's weight for it stands above the mean of its
    weights for the others: what ranks the words of the evidence."""
    total, others = sum(vector), len(vector) - 1
    return tuple(weight - (total - weight) / others for weight in vector)


def _weighted_sums(start: Sequence[float],
                   terms: Collection[tuple[Sequence[float], int, Any]], scale: float
                   ) -> list[float]:
    """`start` plus each (vector, count, ...) of `terms` times count times `scale`: class by
    class, the same additions in the same order as adding one vector after the other (so the
    same floats), in C loops."""
    if not terms:
        return list(start)
    factors = list(map(mul, map(itemgetter(1), terms), repeat(scale)))
    columns = zip(*map(itemgetter(0), terms), strict=True)
    add_up = _sum_left_to_right
    return [add_up(map(mul, factors, column), total)
            for total, column in zip(start, columns, strict=True)]


def _reduce_sum(values: Iterable[float], start: float) -> float:
    return reduce(add, values, start)


# Below Python 3.12, sum() of floats adds left to right in C doubles: the same floats as
# reduce(add), without a call per addition (a third less time for the scorer's sums). From
# 3.12 on it compensates rounding, which is more exact but not the same last bits.
_sum_left_to_right = sum if sys.version_info < (3, 12) else _reduce_sum


def softmax(logits: Sequence[float], temperature: float = 1.0) -> list[float]:
    top = max(logits)
    exps = [math.exp((v - top) / temperature) for v in logits]
    total = sum(exps)
    return [v / total for v in exps]


@cache
def load_model(path: Path = MODEL_FILE) -> Model:
    """The packaged model, read once per process."""
    return Model(json.loads(path.read_text(encoding="utf-8")))
