"""The `fields` system parameter (partial responses).

Syntax per https://developers.google.com/gmail/api/guides/performance#partial-response:
comma-separated field names, "a/b" to select a sub-field, "a(b,c)" to select several
sub-fields; arrays apply the selection to each element; "*" selects everything.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request

Selection = dict[str, "Selection | None"]  # None: keep the whole value


def parse(spec: str) -> Selection:
    selection, rest = _parse_list(spec.replace(" ", ""), 0)
    if rest != len(spec.replace(" ", "")):
        raise bad_request(f"Invalid field selection {spec}", "invalidParameter")
    return selection


def _parse_list(text: str, i: int) -> tuple[Selection, int]:
    out: Selection = {}
    while i < len(text) and text[i] != ")":
        i = _parse_path(text, i, out)
        if i < len(text) and text[i] == ",":
            i += 1
    return out, i


def _parse_path(text: str, i: int, out: Selection) -> int:
    start = i
    while i < len(text) and text[i] not in ",()/":
        i += 1
    name = text[start:i]
    if not name:
        raise bad_request(f"Invalid field selection {text}", "invalidParameter")
    if i < len(text) and text[i] == "/":
        sub = out.get(name) or {}
        i = _parse_path(text, i + 1, sub)
        out[name] = sub
    elif i < len(text) and text[i] == "(":
        sub, i = _parse_list(text, i + 1)
        if i >= len(text) or text[i] != ")":
            raise bad_request(f"Invalid field selection {text}", "invalidParameter")
        out[name] = {**(out.get(name) or {}), **sub}
        i += 1
    else:
        out[name] = None
    return i


def apply(value: Any, selection: Selection | None) -> Any:
    """`value` reduced to `selection` (None or a "*" entry keeps it whole)."""
    if selection is None or "*" in selection:
        return value
    if isinstance(value, list):
        return [apply(v, selection) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: apply(value[k], sub) for k, sub in selection.items() if k in value}
