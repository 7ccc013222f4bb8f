"""The real employer mail of `../shared/corpus/`: the split is fixed before anything is tuned."""

from __future__ import annotations

from collections import Counter

from tests import real_corpus


def test_split_is_fixed() -> None:
    """The split must not move once tuning has started: these counts pin it."""
    counts = {name: Counter(r.category for r in real_corpus.part(name))
              for name in ("tune", "holdout")}
    assert sum(counts["tune"].values()) == 273
    assert sum(counts["holdout"].values()) == 100
    assert counts["holdout"]["rejection"] == 29
    assert counts["holdout"]["auto_reply"] == 19
    assert counts["holdout"]["other"] == 48


def test_no_group_is_on_both_sides() -> None:
    sides: dict[str, set[str]] = {}
    for record in real_corpus.load():
        sides.setdefault(record.group, set()).add(record.part)
    assert all(len(parts) == 1 for parts in sides.values())
    relayed = {r.part for r in real_corpus.load() if r.group == "via:Welcome to the Jungle"}
    assert len(relayed) == 1  # one relay's template, one side
