"""The state database: one SQLite file with a schema version and forward migrations.

It keeps only recruiting-related messages and events, the sync cursors, the actions we took
(which drafts we made: this cannot be rebuilt from the mailbox) and the user's overrides.
Writes happen inside `transaction()`, so a cursor is saved together with the data it covers.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from radiosilence.fsutil import ensure_private_dir
from radiosilence.model import CalEvent, Mail
from radiosilence.statefile import (
    BACKUPS_KEPT,
    check_present,
    damaged,
    lost,
    write_backup,
    write_marker,
)
from radiosilence.store.records import (
    Action,
    ActionStatus,
    event_from_dict,
    event_to_dict,
    mail_from_dict,
    mail_to_dict,
)
from radiosilence.store.schema import MIGRATIONS, SchemaError, split_sql


class Store:
    def __init__(self, path: Path | str) -> None:
        """Open (creating if needed) the database at `path`; ':memory:' for tests.

        Raises SchemaError when the file was written by a newer version, StateLost when
        the marker beside it says a database existed here that is now missing, empty or
        another one, or when it is damaged. Open it with the state's write lock held.
        """
        self.path = None if str(path) == ":memory:" else Path(path)
        if self.path is not None:
            ensure_private_dir(self.path.parent)
            marker = check_present(self.path)
            self.path.touch(mode=0o600, exist_ok=True)
            self.path.chmod(0o600)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so every write is in an
        # explicit transaction and nothing commits behind our back.
        self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        try:
            if self.path is not None:
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self.ident = self._identity()
        except sqlite3.DatabaseError as error:
            problem = damaged(self.path, error) if self.path is not None else None
            if problem is None:
                raise
            raise problem from error
        if self.path is not None:
            self._check_marker(marker)

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise SchemaError(
                f"state database has schema {version}, this version knows up to "
                f"{len(MIGRATIONS)}: upgrade radiosilence"
            )
        for number in range(version, len(MIGRATIONS)):
            # executescript() would COMMIT on its own; run statement by statement instead.
            with self.transaction():
                for statement in split_sql(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={number + 1}")

    def _identity(self) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key='id'").fetchone()
        if row is not None:
            return str(row[0])
        with self.transaction():
            ident = uuid.uuid4().hex
            self.db.execute("INSERT INTO meta VALUES ('id', ?)", (ident,))
        return ident

    def _check_marker(self, marker: dict[str, str] | None) -> None:
        assert self.path is not None
        if marker is None:  # a new state, or one from before markers: vouch for it now
            self.mark_cycle(None)
        elif marker.get("id") != self.ident:
            raise lost(self.path, marker, f"is another one (id {self.ident})")

    def mark_cycle(self, now: datetime | None) -> None:
        """Record in the marker beside the database its id and the last cycle's time."""
        if self.path is not None:
            write_marker(self.path, self.ident, now)

    def backup(self, now: datetime, keep: int = BACKUPS_KEPT) -> Path:
        """A consistent copy of the database (SQLite's online backup API) in the backups
        folder beside it; only the newest `keep` copies are kept. Returns the copy's path."""
        assert self.path is not None, "an in-memory store has nothing to back up"
        return write_backup(self.db, self.path, now, keep)

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""
        if self.db.in_transaction:  # nested use joins the outer transaction
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- cursors -----------------------------------------------------------------------

    def cursor(self, source: str) -> str | None:
        row = self.db.execute("SELECT value FROM cursors WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def set_cursor(self, source: str, value: str | None, now: datetime) -> None:
        if value is None:
            self.db.execute("DELETE FROM cursors WHERE source=?", (source,))
            return
        self.db.execute(
            "INSERT INTO cursors VALUES (?,?,?) ON CONFLICT(source) DO UPDATE "
            "SET value=excluded.value, updated_at=excluded.updated_at",
            (source, value, now.isoformat()),
        )

    # --- messages and events -----------------------------------------------------------

    def has_message(self, message_id: str) -> bool:
        row = self.db.execute("SELECT 1 FROM messages WHERE id=?", (message_id,)).fetchone()
        return row is not None

    def put_message(self, mail: Mail) -> None:
        """Store `mail` and the invites it carries (replacing an earlier copy)."""
        self.db.execute(
            "INSERT OR REPLACE INTO messages VALUES (?,?,?,?,?)",
            (mail.id, mail.ref, mail.folder, mail.date.isoformat(),
             json.dumps(mail_to_dict(mail))),
        )
        for event in mail.invites:
            self.put_event(event)

    def messages(self) -> list[Mail]:
        rows = self.db.execute("SELECT data FROM messages ORDER BY date, id")
        return [mail_from_dict(json.loads(row[0])) for row in rows]

    def put_event(self, event: CalEvent) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO events VALUES (?,?,?,?,?)",
            (
                event.source, event.source_ref, event.uid, event.recurrence_id,
                json.dumps(event_to_dict(event)),
            ),
        )

    def remove_events(self, source: str, ref: str) -> None:
        self.db.execute("DELETE FROM events WHERE source=? AND ref=?", (source, ref))

    def clear_events(self, source: str) -> None:
        """Drop every mirrored event of `source` (a full resync follows)."""
        self.db.execute("DELETE FROM events WHERE source=?", (source,))

    def events(self) -> list[CalEvent]:
        rows = self.db.execute("SELECT data FROM events ORDER BY uid, recurrence_id, source, ref")
        return [event_from_dict(json.loads(row[0])) for row in rows]

    def contact_addresses(self) -> set[str]:
        """Addresses of everyone in stored events and messages: mail from them is kept."""
        found: set[str] = set()
        for event in self.events():
            found.update(a.email for a in event.attendees)
            if event.organizer:
                found.add(event.organizer.email)
        for mail in self.messages():
            found.add(mail.sender.email)
        return found

    # --- actions -----------------------------------------------------------------------

    def actions(self) -> dict[str, Action]:
        rows = self.db.execute("SELECT * FROM actions")
        return {row["key"]: Action(**(dict(row) | {"status": ActionStatus(row["status"])}))
                for row in rows}

    def put_action(self, action: Action) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO actions VALUES (?,?,?,?,?,?,?,?,?,?)",
            tuple(asdict(action).values()),
        )

    # --- feed records ------------------------------------------------------------------

    def feed_records(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM feed"))

    def replace_feed_records(self, rows: list[tuple[str, str, str, int, str]]) -> None:
        """Replace all feed records with `rows` of (key, uid, hash, sequence, changed_at)."""
        self.db.execute("DELETE FROM feed")
        self.db.executemany("INSERT INTO feed VALUES (?,?,?,?,?)", rows)

    def reminder_starts(self) -> dict[str, datetime]:
        """Where the last cycle placed each reminder, by follow-up key."""
        return {row["key"]: datetime.fromisoformat(row["start"])
                for row in self.db.execute("SELECT key, start FROM placements")}

    def replace_reminder_starts(self, starts: dict[str, datetime]) -> None:
        self.db.execute("DELETE FROM placements")
        self.db.executemany("INSERT INTO placements VALUES (?,?)",
                            [(key, start.isoformat()) for key, start in starts.items()])

    def set_done(self, key: str, now: datetime) -> None:
        """The person did this follow-up themselves (by phone, in person, elsewhere)."""
        self.db.execute("INSERT OR REPLACE INTO done VALUES (?,?)", (key, now.isoformat()))

    def done(self) -> dict[str, datetime]:
        return {row[0]: datetime.fromisoformat(row[1])
                for row in self.db.execute("SELECT key, at FROM done")}

    def notified(self, day: str) -> set[str]:
        """Keys of reminders announced on `day` (the person's local date, ISO)."""
        rows = self.db.execute("SELECT key FROM notified WHERE day=?", (day,))
        return {row[0] for row in rows}

    def set_notified(self, key: str, day: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO notified VALUES (?,?)", (key, day))

    # --- overrides and notes -----------------------------------------------------------

    def set_override(self, interview_id: str, mode: str | None, now: datetime) -> None:
        """mode 'track' or 'ignore'; None forgets the override."""
        if mode is None:
            self.db.execute("DELETE FROM overrides WHERE interview_id=?", (interview_id,))
            return
        self.db.execute(
            "INSERT OR REPLACE INTO overrides VALUES (?,?,?)", (interview_id, mode, now.isoformat())
        )

    def overrides(self) -> dict[str, str]:
        rows = self.db.execute("SELECT interview_id, mode FROM overrides")
        return {row[0]: row[1] for row in rows}

    def set_note(self, interview_id: str, person: str, text: str, now: datetime) -> None:
        """A note on an interview (person '') or on one interviewer (their address)."""
        self.db.execute(
            "INSERT OR REPLACE INTO notes VALUES (?,?,?,?)",
            (interview_id, person.lower(), text, now.isoformat()),
        )

    def notes(self) -> dict[tuple[str, str], str]:
        rows = self.db.execute("SELECT interview_id, person, text FROM notes")
        return {(row[0], row[1]): row[2] for row in rows}

    def set_label(self, message_id: str, category: str | None, now: datetime) -> None:
        """The person's label of a message; None forgets it (the model decides again)."""
        if category is None:
            self.db.execute("DELETE FROM labels WHERE message_id=?", (message_id,))
        else:
            self.db.execute("INSERT OR REPLACE INTO labels VALUES (?,?,?)",
                            (message_id, category, now.isoformat()))

    def labels(self) -> dict[str, str]:
        """Message-ID -> the category the person gave it."""
        rows = self.db.execute("SELECT message_id, category FROM labels")
        return {row[0]: row[1] for row in rows}

    def message(self, message_id: str) -> Mail | None:
        row = self.db.execute("SELECT data FROM messages WHERE id=?", (message_id,)).fetchone()
        return mail_from_dict(json.loads(row[0])) if row else None


    def unreadable(self) -> set[str]:
        """The digests of the items remembered as unreadable."""
        return {row[0] for row in self.db.execute("SELECT digest FROM unreadable")}

    def remember_unreadable(self, found: dict[str, str], now: datetime) -> None:
        """Remember items no parser could read: {digest: reason}."""
        self.db.executemany("INSERT OR IGNORE INTO unreadable VALUES (?,?,?)",
                            [(digest, why, now.isoformat()) for digest, why in found.items()])

    # --- housekeeping -----------------------------------------------------------------

    def prune(self, before: datetime) -> int:
        """Forget mail and events older than `before`, and finished actions not touched since.

        Drafts that still exist (drafted, edited) stay recorded whatever their age: forgetting
        one would let a later cycle write a second draft for it. Returns the rows removed.
        """
        stamp = before.isoformat()
        with self.transaction():
            removed = self.db.execute("DELETE FROM messages WHERE date < ?", (stamp,)).rowcount
            rows = list(self.db.execute("SELECT source, ref, uid, recurrence_id, data FROM events"))
            for row in rows:
                if datetime.fromisoformat(json.loads(row["data"])["end"]) < before:
                    removed += self.db.execute(
                        "DELETE FROM events WHERE source=? AND ref=? AND uid=? AND recurrence_id=?",
                        tuple(row)[:4],
                    ).rowcount
            removed += self.db.execute(
                "DELETE FROM actions WHERE status IN ('gone', 'removed') AND updated_at < ?",
                (stamp,),
            ).rowcount
            removed += self.db.execute("DELETE FROM notified WHERE day < ?",
                                       (before.date().isoformat(),)).rowcount
            # Read once more after a while: a newer version of us may read it.
            removed += self.db.execute("DELETE FROM unreadable WHERE seen < ?",
                                       (stamp,)).rowcount
        return removed

    def compact(self) -> None:
        """Fold the write-ahead log back into the database file and refresh the planner's
        statistics (SQLite: PRAGMA wal_checkpoint, PRAGMA optimize)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("PRAGMA optimize")
