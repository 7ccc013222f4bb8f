"""What the person tells radiosilence from the status page, written to the store as the
command line writes it: a message's label, an event tracked or ignored, a note on an
interviewer, a follow-up they did themselves. The next cycle acts on it.

Each takes the form's fields as the browser sent them and checks them against what the
store knows, so a forged or stale form changes nothing it should not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from radiosilence.model import Category
from radiosilence.store import Store
from radiosilence.understand.interviews import interview_id

MAX_NOTE = 2000


class Refusal(Exception):
    """The form asks for something that cannot be: one line saying what."""


def apply_correction(store: Store, name: str, fields: Mapping[str, str], now: datetime) -> str:
    """Write one correction; return what was done, in a few words. Raises Refusal."""
    handlers = {"label": _label, "override": _override, "note": _note, "done": _done}
    if name not in handlers:
        raise Refusal(f"no such correction: {name}")
    with store.transaction():
        return handlers[name](store, fields, now)


def _label(store: Store, fields: Mapping[str, str], now: datetime) -> str:
    message_id, category = fields.get("message_id", ""), fields.get("category", "")
    if category not in {str(c) for c in Category}:
        raise Refusal(f"not a category: {category!r}")
    if store.message(message_id) is None:
        raise Refusal("no such message")
    store.set_label(message_id, category, now)
    return f"labelled {category}"


def _override(store: Store, fields: Mapping[str, str], now: datetime) -> str:
    ident, mode = _interview(store, fields), fields.get("mode", "")
    if mode not in ("track", "ignore", "auto"):
        raise Refusal(f"not a choice: {mode!r}")
    store.set_override(ident, None if mode == "auto" else mode, now)
    return {"track": "tracked as an interview", "ignore": "ignored",
            "auto": "left to radiosilence"}[mode]


def _note(store: Store, fields: Mapping[str, str], now: datetime) -> str:
    ident, who = _interview(store, fields), fields.get("who", "").strip().lower()
    if who and who not in _people(store, ident):
        raise Refusal("that person is not in this interview")
    store.set_note(ident, who, fields.get("text", "").strip()[:MAX_NOTE], now)
    return "note saved"


def _done(store: Store, fields: Mapping[str, str], now: datetime) -> str:
    key = fields.get("key", "")
    parts = key.split("/")
    if len(parts) != 4 or parts[0] not in ("thank-you", "nudge", "final", "reply"):
        raise Refusal("not a follow-up")
    _interview(store, {"interview": parts[1]})
    store.set_done(key, now)
    return "marked done"


def _interview(store: Store, fields: Mapping[str, str]) -> str:
    ident = fields.get("interview", "")
    if ident not in {interview_id(e.uid, e.recurrence_id) for e in store.events()}:
        raise Refusal("no such interview")
    return ident


def _people(store: Store, ident: str) -> set[str]:
    found = set()
    for event in store.events():
        if interview_id(event.uid, event.recurrence_id) == ident:
            found |= {a.email.lower() for a in event.attendees}
            if event.organizer:
                found.add(event.organizer.email.lower())
    return found
