"""eventsourcing's SQLite application recorder, sealing each event in the transaction that inserts it.

The library's recorder inserts a save's events in one transaction (`_insert_events`, given the
transaction's cursor: the one private name called here); this one then writes their seals
(`sealing.py`) on the same cursor, so that an event is stored with its seal or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from dealflow.storage import sealing


class SealingSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), sealing.SQLITE_CREATE]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        positions = super()._insert_events(c, stored_events, **kwargs) or []
        sealed = sealing.rows(stored_events, sealing.sqlite_previous(c, self.events_table_name))
        c.executemany(sealing.SQLITE_INSERT, sealing.placed(sealed, positions))
        return positions
