"""Load a seed folder: dir/mail/<LABEL>/**/*.eml and dir/calendar/<calendarId>/**/*.ics.

Mail is added oldest first (by Date header, else file time) so replies thread onto the
messages they answer; the same Message-ID in two folders becomes one message with both labels,
as Gmail has one copy per message. Folder names become labels: system names (INBOX, SENT,
DRAFT, SPAM, TRASH, ...) map to system labels, anything else to a user label of that name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .calendar_ics import events_from_ics

if TYPE_CHECKING:
    from .server import Emulator


def _date(raw: bytes, path: Path) -> datetime:
    headers = BytesHeaderParser().parsebytes(raw)
    try:
        when = parsedate_to_datetime(str(headers.get("Date", "")))
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def load_seed(emu: Emulator, root: Path) -> dict[str, int]:
    """Load `root` into `emu`; returns {"messages": n, "events": m}."""
    items = []
    for folder in _folders(root / "mail"):
        for path in sorted(folder.rglob("*.eml")):
            raw = path.read_bytes()
            items.append((_date(raw, path), folder.name.lstrip("."), str(path), raw))
    items.sort(key=lambda item: (item[0], item[2]))
    by_message_id: dict[str, str] = {}
    added = 0
    for when, label, _, raw in items:
        message_id = str(BytesHeaderParser().parsebytes(raw).get("Message-ID", "")).strip()
        if message_id and message_id in by_message_id:
            emu.gmail.modify_labels(by_message_id[message_id], add=[label])
            continue
        stored = emu.gmail.add_message(raw, labels=(label,), internal_date=when)
        added += 1
        if message_id:
            by_message_id[message_id] = stored
    events = 0
    for folder in _folders(root / "calendar"):
        for path in sorted(folder.rglob("*.ics")):
            for event in events_from_ics(path.read_bytes(), emu.email):
                emu.calendar.add_event(folder.name, event)
                events += 1
    return {"messages": added, "events": events}
