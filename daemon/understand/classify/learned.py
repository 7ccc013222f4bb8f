"""The learned half of the classifier: a linear text model, scored in pure Python.

A multinomial logistic regression over the folded text (lower case, accents removed, digits
as 0): word unigrams ("w:"), word bigrams ("b:"), character 3-5-grams inside each word padded
with spaces ("c:"), and a few numbers from the rules ("r:": phrase scores per category, an
away note, a stated timeframe). Text features count how often they occur, divided by the
square root of all text features of the message, so long and short mail weigh alike.
`bench/train_classifier.py` fits it with scikit-learn on the tune part of the real corpus
and the written corpus, and writes `learned.json`; this module only reads that file
(weights pruned, temperature for calibrated confidence). No numpy, no network.

`features()` is the reference: training uses it. `Model.score()` computes the same logits,
to the last few bits, faster: it caches each word's summed character-gram weights (a word's
grams never depend on its neighbours) and adds up the message's vectors class by class in C
loops, which is what makes thousands of messages a second possible.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from operator import itemgetter, mul
from pathlib import Path

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
    """The model's view of one message: calibrated probabilities, and the weighted words
    and bigrams it read, as they occur, to tell which of them pushed them most."""

    probabilities: dict[str, float]
    words: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    scale: float  # 1 / sqrt(number of text features)
    model: Model = field(compare=False, repr=False)

    @property
    def best(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def strongest(self, category: str, limit: int = 3) -> list[tuple[str, float]]:
        """The words and bigrams that most favour `category` over the mean of the others:
        each one's lead for it (`class_leads`) times how often it occurs times `scale`,
        multiplied in C loops."""
        index = list(self.probabilities).index(category)
        words, pairs = Counter(self.words), Counter(self.pairs)
        units = itemgetter(index)
        leads = [*map(units, map(self.model.word_leads.__getitem__, words)),
                 *map(units, map(self.model.pair_leads.__getitem__, pairs))]
        counts = [*words.values(), *pairs.values()]
        names = [*words, *map(" ".join, pairs)]
        scaled = map(mul, map(mul, leads, counts), repeat(self.scale))
        ranked = sorted(zip(scaled, names, strict=True), reverse=True)[:limit]
        return [(name, lead) for lead, name in ranked if lead > 0]


class Model:
    """Weights read from the JSON file; `score` gives calibrated class probabilities."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self.classes: list[str] = list(data["classes"])  # type: ignore[call-overload]
        self.bias: list[float] = list(data["bias"])  # type: ignore[call-overload]
        self.temperature = float(data["temperature"])  # type: ignore[arg-type]
        self.weights: dict[str, list[float]] = dict(data["weights"])  # type: ignore[call-overload]
        # Per word seen so far: how many text features it makes, and, when any of them is
        # weighted, their summed weights and its `class_leads` (a word's grams never depend
        # on its neighbours, so this is worked out once per word).
        self._grams: dict[str, int] = {}
        self._vectors: dict[str, list[float]] = {}
        self.word_leads: dict[str, tuple[float, ...]] = {}
        # The weighted bigrams by their two words ("b:next step" -> ("next", "step")); a key
        # with other than one space matches no two words, which hold none.
        self._pair_vectors = {tuple(name[2:].split(" ")): weight
                              for name, weight in self.weights.items()
                              if name.startswith("b:") and name.count(" ") == 1}
        self.pair_leads = {pair: class_leads(weight)
                           for pair, weight in self._pair_vectors.items()}

    def score(self, tokens: Sequence[str], signals: Mapping[str, float]) -> Scored:
        """The logits: the bias plus `scale` times the sum, class by class, of the vector of
        each weighted word and bigram every time it occurs, one C loop per class."""
        tokens = tuple(tokens)
        try:  # every unigram, gram and bigram counts towards the scale, weighted or not
            count = sum(map(self._grams.__getitem__, tokens))
        except KeyError:  # a word not seen before
            self._learn(tokens)
            count = sum(map(self._grams.__getitem__, tokens))
        count += max(len(tokens) - 1, 0)
        scale = 1 / math.sqrt(count) if count else 0.0
        words = tuple(filter(self._vectors.__contains__, tokens))
        pairs = tuple(filter(self._pair_vectors.__contains__,
                             zip(tokens, tokens[1:], strict=False)))
        vectors = [*map(self._vectors.__getitem__, words),
                   *map(self._pair_vectors.__getitem__, pairs)]
        sums = map(sum, zip(*vectors, strict=True)) if vectors else repeat(0.0)
        logits = [bias + scale * total for bias, total in zip(self.bias, sums, strict=False)]
        for name, value in signals.items():
            if value and (weight := self.weights.get(f"r:{name}")) is not None:
                logits = [a + value * b for a, b in zip(logits, weight, strict=True)]
        return Scored(dict(zip(self.classes, softmax(logits, self.temperature), strict=True)),
                      words, pairs, scale, self)

    def _learn(self, tokens: Collection[str]) -> None:
        """Work out and keep the gram count and summed gram weights of each new word."""
        new = set(tokens).difference(self._grams)
        if len(self._grams) + len(new) > _CACHE_LIMIT:
            self._grams.clear()
            self._vectors.clear()
            self.word_leads.clear()
            new = set(tokens)
        for word in new:
            total: list[float] | None = None
            grams = word_grams(word)
            for gram in grams:
                if (weight := self.weights.get(gram)) is not None:
                    total = list(weight) if total is None else [
                        a + b for a, b in zip(total, weight, strict=True)]
            self._grams[word] = len(grams)
            if total is not None:
                self._vectors[word] = total
                self.word_leads[word] = class_leads(total)

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


def softmax(logits: Sequence[float], temperature: float = 1.0) -> list[float]:
    top = max(logits)
    exps = [math.exp((v - top) / temperature) for v in logits]
    total = sum(exps)
    return [v / total for v in exps]


@cache
def load_model(path: Path = MODEL_FILE) -> Model:
    """The packaged model, read once per process."""
    return Model(json.loads(path.read_text(encoding="utf-8")))
