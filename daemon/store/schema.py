"""The state database's schema: one migration per version, applied in order at open."""

from __future__ import annotations


class SchemaError(Exception):
    """The database was written by a newer radiosilence, or is not ours."""


# Each entry moves the schema one version forward. Never edit a released entry: add one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE messages (
        id TEXT PRIMARY KEY, ref TEXT NOT NULL, folder TEXT NOT NULL,
        date TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE TABLE events (
        source TEXT NOT NULL, ref TEXT NOT NULL, uid TEXT NOT NULL,
        recurrence_id TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (source, ref, uid, recurrence_id)
    );
    CREATE TABLE cursors (source TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE actions (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, interview_id TEXT NOT NULL,
        recipient TEXT NOT NULL, draft_ref TEXT NOT NULL, content_hash TEXT NOT NULL,
        status TEXT NOT NULL, due TEXT NOT NULL, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE feed (
        key TEXT PRIMARY KEY, uid TEXT NOT NULL, content_hash TEXT NOT NULL,
        sequence INTEGER NOT NULL, changed_at TEXT NOT NULL
    );
    CREATE TABLE overrides (
        interview_id TEXT PRIMARY KEY, mode TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE TABLE notes (
        interview_id TEXT NOT NULL, person TEXT NOT NULL, text TEXT NOT NULL,
        updated_at TEXT NOT NULL, PRIMARY KEY (interview_id, person)
    );
    """,
    # 2: the person's own labels of messages (`radiosilence label`): they win over the model,
    # and survive rescans and cursor resets because nothing but the person writes them.
    """
    CREATE TABLE labels (
        message_id TEXT PRIMARY KEY, category TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    """,
    # 3: facts about the database itself (its id is repeated in the marker file beside
    # it); where each reminder was placed, so one moved past its planned time (which had
    # passed) stays put until it rings instead of moving every cycle; which reminders a
    # desktop notification announced on which day, so none is announced twice; and the
    # follow-ups the person says they did themselves (the status page's "done").
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE placements (key TEXT PRIMARY KEY, start TEXT NOT NULL);
    CREATE TABLE notified (key TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (key, day));
    CREATE TABLE done (key TEXT PRIMARY KEY, at TEXT NOT NULL);
    """,
    # 4: the digests of items no parser could read, so that an unchanged one a source hands
    # over again (a cursor reset, a calendar link that changed elsewhere) is not read again.
    """
    CREATE TABLE unreadable (digest TEXT PRIMARY KEY, reason TEXT NOT NULL, seen TEXT NOT NULL);
    """,
)


def split_sql(script: str) -> list[str]:
    """A migration's statements, to run one by one (executescript() would COMMIT)."""
    return [part.strip() for part in script.split(";") if part.strip()]
