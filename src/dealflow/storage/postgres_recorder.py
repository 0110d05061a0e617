"""eventsourcing's PostgreSQL application recorder, sealing each event as it inserts it, and writing a
large save in slices.

Seals (`sealing.py`): the previous seals a save chains from are read before its transaction (they
belong to events already stored); the new seals are written in the transaction that inserts the
events, after the insert, with the positions it returned (`_fetch_ids_after_insert_events`, the
library's step that reads them, extended here). The role that wrote each is the column's default,
filled by the server: the insert does not name it.

The library inserts a save's events with one statement (an array of every event, unnested), sent
in libpq's pipeline mode. Measured on PostgreSQL 15 with psycopg 3.3 (C and Python
implementations alike): a statement of 12,000 imported events, about 5 MB, never returned, the
server waiting for the rest of the message and the client for the results; 9,000 events did.
Here a save of more than `SLICE` events is written as one slice-sized statement after another,
in one transaction that holds the library's table lock, without pipeline mode: still all or
nothing, the positions in the same order, every statement small. Saves of a single command are
far smaller and take the library's own path.

Four of the library's private methods are kept here, the only place that calls them: its table lock
and NOTIFY (`_lock_table`, `_notify_channel`: without the lock, a follower reading the log could pass
a position that a slower transaction fills in later), its plain INSERT ... unnest and the read of the
positions it returned. What they buy a user: an import of 12,000 events or more that does not hang
(tests/integration/test_application.py saves 12,000 in one go on PostgreSQL). The library's other
path for a large save, its database function (POSTGRES_ENABLE_DB_FUNCTIONS), takes no table lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow

from dealflow.storage import sealing

SLICE = 2_000  # events a statement: about 1 MB of imported events


class SlicedPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.recent = sealing.Recent()
        self.sql_create_statements.append(sealing.table_statement(self, sealing.POSTGRES_CREATE))
        self.insert_seals_statement = sealing.table_statement(self, sealing.POSTGRES_INSERT)

    def create_table(self) -> None:
        """The library's tables and the seals table, which a store sealed before roles were recorded
        gains its `written_by` column in (`sealing.add_written_by`)."""
        super().create_table()
        sealing.add_written_by(self)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions:  # the library's database function would write no seals
            raise NotImplementedError("dealflow seals every event: POSTGRES_ENABLE_DB_FUNCTIONS is not supported")
        previous = sealing.postgres_previous(self, stored_events, self.recent)
        written: list[sealing.Sealed] = []
        if len(stored_events) <= SLICE:
            positions = super().insert_events(stored_events, previous=previous, written=written, **kwargs)
        else:
            positions = self._insert_in_slices(stored_events, previous, written)
        self.recent.remember(written)  # committed
        return positions

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or []
        sealed = kwargs.get("sealed") or sealing.rows(stored_events, kwargs["previous"], uuids=True)
        curs.executemany(self.insert_seals_statement, sealing.placed(sealed, positions))
        kwargs["written"].extend(sealed)
        return positions

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_in_slices(
        self, stored_events: Sequence[StoredEvent], previous: sealing.Previous, written: list[sealing.Sealed]
    ) -> list[int]:
        sealed = sealing.rows(stored_events, previous, uuids=True)  # an aggregate's chain crosses slices
        notification_ids: list[int] = []
        with self.datastore.get_connection() as connection, connection.transaction():
            with connection.cursor() as cursor:
                self._lock_table(cursor)
                self._notify_channel(cursor)
            for start in range(0, len(stored_events), SLICE):
                part = stored_events[start : start + SLICE]
                with connection.cursor() as cursor:
                    PostgresAggregateRecorder._insert_stored_events(self, cursor, part)  # the plain INSERT ... unnest
                    part_sealed = sealed[start : start + SLICE]
                    found = self._fetch_ids_after_insert_events(cursor, part, sealed=part_sealed, written=written)
                    notification_ids.extend(found or ())
        return notification_ids
