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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recent = sealing.Recent()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), sealing.SQLITE_CREATE]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        written: list[sealing.Sealed] = []
        positions = super().insert_events(stored_events, written=written, **kwargs)
        self.recent.remember(written)  # committed
        return positions

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], *, written: list[Any] | None = None, **kwargs: Any
    ) -> Sequence[int]:
        positions = super()._insert_events(c, stored_events, **kwargs) or []
        sealed = sealing.rows(stored_events, sealing.sqlite_previous(c, self.events_table_name, self.recent))
        c.executemany(sealing.SQLITE_INSERT, sealing.placed(sealed, positions))
        if written is not None:
            written.extend(sealed)
        return positions
