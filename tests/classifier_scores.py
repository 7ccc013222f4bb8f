"""Scoring the classifier on labelled mail: per-category precision and recall, accuracy,
calibration. Shared by tests/test_real_corpus.py and bench/bench_classify.py."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path

from radiosilence.model import Category, Classification
from radiosilence.understand.classify.classifier import classify, prepare
from tests import real_corpus

WRITTEN = Path(__file__).parent / "corpus" / "messages.jsonl"
EXAMPLES = Path(__file__).parent.parent / "bench" / "classify_examples.jsonl"
# The real corpus carries no usable dates; labels do not depend on the day, due dates do.
REAL_DAY = date(2025, 3, 4)

Message = tuple[str, str, dict[str, str], str, date]


@dataclass(frozen=True)
class Labelled:
    ident: str
    expected: str
    result: Classification

    @property
    def got(self) -> str:
        return str(self.result.category)


def real_messages(records: Iterable[real_corpus.Record]) -> list[tuple[str, str, Message]]:
    """(id, label, classify arguments): no headers are given, the sender is the From."""
    return [(r.id, r.category, (r.subject, r.body, {}, parseaddr(r.sender)[1].lower(),
                                REAL_DAY)) for r in records]


def written_messages() -> list[tuple[str, str, Message]]:
    messages = []
    for line in WRITTEN.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        headers = {k.lower(): v for k, v in record["headers"].items()}
        messages.append((record["id"], record["category"], (
            record["subject"], record["body"], headers, parseaddr(record["from"])[1].lower(),
            datetime.fromisoformat(record["date"]).date())))
    return messages


def run(messages: Sequence[tuple[str, str, Message]]) -> list[Labelled]:
    return [Labelled(ident, label, classify(*message)) for ident, label, message in messages]


def per_category(items: Sequence[Labelled]) -> dict[str, tuple[float, float, int]]:
    """Precision, recall and support per category (1.0 where nothing was predicted)."""
    result = {}
    for category in Category:
        name = str(category)
        predicted = sum(i.got == name for i in items)
        actual = sum(i.expected == name for i in items)
        right = sum(i.got == name == i.expected for i in items)
        result[name] = (right / predicted if predicted else 1.0,
                        right / actual if actual else 1.0, actual)
    return result


def accuracy(items: Sequence[Labelled]) -> float:
    return sum(i.got == i.expected for i in items) / len(items)


def calibration_error(items: Sequence[Labelled], bins: int = 10) -> float:
    """Expected calibration error: |accuracy - mean confidence| per confidence bin,
    weighted by the bin's share of the messages."""
    total = 0.0
    for low in range(bins):
        inside = [i for i in items
                  if low / bins < i.result.confidence <= (low + 1) / bins]
        if inside:
            gap = accuracy(inside) - sum(i.result.confidence for i in inside) / len(inside)
            total += len(inside) / len(items) * abs(gap)
    return total


def misses(items: Sequence[Labelled]) -> Counter[tuple[str, str]]:
    """(expected, got) -> count: figures only, never texts."""
    return Counter((i.expected, i.got) for i in items if i.got != i.expected)


def table(items: Sequence[Labelled], title: str) -> str:
    flagged = sum(i.result.needs_review for i in items)
    lines = [f"{title}: {len(items)} messages, accuracy {accuracy(items):.3f}, "
             f"ECE {calibration_error(items):.3f}, needs_review {flagged}",
             f"  {'category':<18} {'precision':>9} {'recall':>7} {'n':>4}"]
    for name, (precision, recall, support) in per_category(items).items():
        lines.append(f"  {name:<18} {precision:>9.3f} {recall:>7.3f} {support:>4}")
    for (expected, got), count in sorted(misses(items).items()):
        lines.append(f"  missed: {expected} -> {got}: {count}")
    return "\n".join(lines)


def example_messages() -> list[tuple[str, str, Message]]:
    """The short examples written for training (bench/classify_examples.jsonl)."""
    messages = []
    for number, line in enumerate(EXAMPLES.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            record = json.loads(line)
            messages.append((f"example-{number}", record["category"], (
                record.get("subject", ""), record["body"], {},
                parseaddr(record.get("from", ""))[1].lower(), REAL_DAY)))
    return messages


def training_messages() -> list[tuple[str, str, Message]]:
    """Everything the model is trained on, in a fixed order: real tune, written, examples."""
    return (real_messages(real_corpus.part("tune")) + written_messages()
            + example_messages())


def inputs_digest() -> str:
    """A fingerprint of what the rules hand the model for the training messages: when the
    rules change, it changes, and the model must be trained again."""
    digest = hashlib.sha256()
    for ident, label, message in training_messages():
        prepared = prepare(*message, certain=False)
        digest.update(json.dumps([ident, label, prepared.tokens, sorted(prepared.signals.items())],
                                 ensure_ascii=False).encode())
    return digest.hexdigest()[:16]
