"""The files around the state database: the marker that vouches for it, and its backups.

The marker (`state.marker` beside `state.sqlite3`, named so that deleting `state.sqlite3*`
leaves it) holds the database's id and the last cycle's time. A missing or empty database
where the marker says one existed is refused: starting afresh would forget which drafts
the person deleted, and write them again. Backups are consistent copies made with SQLite's
online backup API, the newest few kept.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from radiosilence.fsutil import atomic_write, ensure_private_dir

BACKUPS_KEPT = 5  # daily copies, by the service's housekeeping


class StateLost(Exception):
    """The database is missing, empty, damaged or not the one its marker vouches for."""


def marker_path(database: Path) -> Path:
    return database.with_name(database.stem + ".marker")


def backups_folder(database: Path) -> Path:
    return database.parent / "backups"


def read_marker(database: Path) -> dict[str, str] | None:
    """The marker of `database`, or None when there is none."""
    try:
        data = json.loads(marker_path(database).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"id": "?", "last_cycle": "?"}  # damaged: still says a database was here
    return {key: str(value) for key, value in data.items()} if isinstance(data, dict) else None


def write_marker(database: Path, ident: str, last_cycle: datetime | None) -> None:
    """Vouch for `database` (id `ident`); without `last_cycle`, the recorded one stays."""
    last = last_cycle.isoformat() if last_cycle else \
        (read_marker(database) or {}).get("last_cycle", "")
    text = json.dumps({"database": str(database), "id": ident, "last_cycle": last})
    atomic_write(marker_path(database), (text + "\n").encode())


def check_present(database: Path) -> dict[str, str] | None:
    """The marker, after refusing (StateLost) a database it vouches for that is now
    missing or empty. Call before SQLite opens (and so creates) the file."""
    marker = read_marker(database)
    if marker and not database.exists():
        raise lost(database, marker, "is missing")
    if marker and database.stat().st_size == 0:
        raise lost(database, marker, "is empty")
    return marker


def lost(database: Path, marker: dict[str, str], what: str) -> StateLost:
    return StateLost(
        f"{database} {what}, but {marker_path(database)} says the state (id "
        f"{marker.get('id', '?')}, last cycle {marker.get('last_cycle') or 'never'}) was "
        f"there: {choice(database)}")


def damaged(database: Path, error: sqlite3.DatabaseError) -> StateLost | None:
    """StateLost for damage, as opposed to an outage (locked, disk full, read-only): these
    SQLite messages say the file itself is wrong (sqlite3.h result codes CORRUPT, NOTADB)."""
    text = str(error).lower()
    if "malformed" in text or "not a database" in text:
        return StateLost(f"{database}: the state database is damaged ({error}): "
                         f"{choice(database)}")
    return None


def choice(database: Path) -> str:
    return (f"restore it (copies are kept in {backups_folder(database)}), or run "
            "`radiosilence reset` to start over knowing that deleted drafts may come back")


def write_backup(db: sqlite3.Connection, database: Path, now: datetime,
                 keep: int = BACKUPS_KEPT) -> Path:
    """A consistent copy of the open `db` in the backups folder beside `database`; only
    the newest `keep` copies stay. Returns the copy's path."""
    folder = ensure_private_dir(backups_folder(database))
    target = folder / f"{database.stem}-{now:%Y%m%dT%H%M%S}.sqlite3"
    partial = target.with_name(f".{target.name}.tmp")  # a kill mid-copy leaves no "backup"
    copy = sqlite3.connect(str(partial))
    try:
        db.backup(copy)
    finally:
        copy.close()
    partial.chmod(0o600)
    partial.replace(target)
    for old in sorted(folder.glob(f"{database.stem}-*.sqlite3"))[:-keep or None]:
        old.unlink()
    return target
