"""The state: what radiosilence keeps between cycles, in one SQLite file.

It keeps only recruiting-related messages and events, the sync cursors, the actions we took
(which drafts we made: this cannot be rebuilt from the mailbox) and the user's overrides.
Writes happen inside `transaction()`, so a cursor is saved together with the data it covers.

- `database`: `Store`, the file and every read and write of it;
- `schema`: the migrations, one per schema version;
- `records`: `Action` (a follow-up we acted on) and the JSON forms of messages and events.
"""

from radiosilence.statefile import StateLost
from radiosilence.store.database import Store
from radiosilence.store.records import Action, ActionStatus
from radiosilence.store.schema import MIGRATIONS, SchemaError

__all__ = ["MIGRATIONS", "Action", "ActionStatus", "SchemaError", "StateLost", "Store"]
