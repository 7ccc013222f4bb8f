"""UID sets as IMAP writes them ("1:4,7,9:12"): compact in a cursor, explicit in a command.

IMAPClient 4.1 fails on `fetch('1:*', ...)`, and "N:*" matches the last message even when its
UID is below N (RFC 3501 6.4.8), so commands here only ever name UIDs we know.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def compact(uids: Iterable[int]) -> str:
    """Return the sorted UIDs as IMAP sequence-set text, '' for none."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}:{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def expand(text: str) -> set[int]:
    """Return the UIDs of sequence-set text written by `compact`; ValueError when malformed."""
    found: set[int] = set()
    for part in filter(None, text.split(",")):
        low, _, high = part.partition(":")
        first, last = int(low), int(high or low)
        if first < 1 or last < first:
            raise ValueError(f"bad UID range {part!r}")
        found.update(range(first, last + 1))
    return found


def chunks(uids: Iterable[int], size: int) -> Iterator[list[int]]:
    """Yield the UIDs sorted, `size` at a time: bounded command lines and responses."""
    ordered = sorted(uids)
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]
