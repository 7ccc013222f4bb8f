"""The real employer mail in `../shared/corpus/`, and its fixed split into "tune" and "holdout".

The corpus stays outside the repository (its texts are not ours to copy); tests and benches
read it from beside the checkout. The split is by *group*, never by record, so that the
holdout part shares no template with the part the rules and the model were tuned on:

- a group is the record's writer; mail relayed by a platform ("X (via Welcome to the
  Jungle / welcomekit)") belongs to the platform, whose template every such company shares;
- a record without a writer belongs to its source file.

Groups are dealt per dominant category, largest first (ties by a hash of the name), and
alternate: the first to "tune", the second to "holdout", and so on. That keeps every category
in both parts (the two large translated auto-reply templates land on different sides) without
looking at any classifier output. The rule was fixed before any tuning and must not move:
`test_split_is_fixed` pins its counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "employer_mail.jsonl"

_VIA = re.compile(r"\(via ([^)/]+)")


@dataclass(frozen=True)
class Record:
    id: str
    group: str
    part: str  # "tune" or "holdout"
    subject: str
    sender: str
    body: str
    category: str
    language: str
    timeframe_phrase: str | None
    return_phrase: str | None
    notes: str


def group_of(raw: dict) -> str:
    writer = raw.get("writer")
    if writer:
        via = _VIA.search(writer)
        return "via:" + via.group(1).strip() if via else "writer:" + writer
    return "source:" + raw["source"].split("@", 1)[0]


def _stable(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def assign_parts(raws: list[dict]) -> dict[str, str]:
    """Group name -> "tune" | "holdout", by the rule in the module docstring."""
    members: dict[str, Counter[str]] = defaultdict(Counter)
    for raw in raws:
        members[group_of(raw)][raw["category"]] += 1
    by_category: dict[str, list[str]] = defaultdict(list)
    for name, counts in members.items():
        dominant = max(sorted(counts), key=lambda category: counts[category])
        by_category[dominant].append(name)
    parts = {}
    for names in by_category.values():
        names.sort(key=lambda n: (-sum(members[n].values()), _stable(n)))
        for index, name in enumerate(names):
            parts[name] = "tune" if index % 2 == 0 else "holdout"
    return parts


@cache
def load() -> tuple[Record, ...]:
    """Every record with its part; skips the calling test where the corpus is absent (it is
    always present in CI, where a missing corpus fails instead)."""
    if not CORPUS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the real corpus is missing: {CORPUS}")
        pytest.skip(f"the real corpus is not beside this checkout: {CORPUS}")
    raws = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    parts = assign_parts(raws)
    return tuple(Record(
        id=raw["id"], group=group_of(raw), part=parts[group_of(raw)],
        subject=raw.get("subject") or "", sender=raw.get("from") or "",
        body=raw.get("body") or "", category=raw["category"],
        language=raw.get("language") or "", timeframe_phrase=raw.get("timeframe_phrase"),
        return_phrase=raw.get("return_phrase"), notes=raw.get("notes") or "")
        for raw in raws)


def part(name: str) -> list[Record]:
    return [record for record in load() if record.part == name]
