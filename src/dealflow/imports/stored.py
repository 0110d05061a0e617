"""What the store already holds of the aggregates an import is about to write, asked for many at
once: one query per few hundred ids, where the repository asks one aggregate at a time.

It reads eventsourcing's events table (its 9.5 layout: originator_id as hex text on SQLite and
uuid on PostgreSQL, originator_version, topic, state) and turns each row into an event through
the application's mapper, so that ciphers, compression and upcasters apply as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

if TYPE_CHECKING:
    from dealflow.application import DealflowApp

IN_LIMIT = 500


def is_empty(app: DealflowApp) -> bool:
    return not app.recorder.max_notification_id()


def first_events(app: DealflowApp, ids: Iterable[UUID]) -> dict[UUID, Any]:
    """The first event (version 1) of each of `ids` that exists."""
    sql = "SELECT originator_id, originator_version, topic, state FROM {table} WHERE originator_version = 1 AND {ids}"
    return {event.originator_id: event for event in _events(app, sql, ids)}


def last_versions(app: DealflowApp, ids: Iterable[UUID]) -> dict[UUID, int]:
    """The latest version of each of `ids` that exists."""
    sql = "SELECT originator_id, MAX(originator_version) AS v FROM {table} WHERE {ids} GROUP BY originator_id"
    return {_uuid(row["originator_id"]): int(row["v"]) for row in _rows(app, sql, ids)}


def _events(app: DealflowApp, sql: str, ids: Iterable[UUID]) -> Iterator[Any]:
    for row in _rows(app, sql, ids):
        stored = StoredEvent(
            originator_id=_uuid(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        yield app.mapper.to_domain_event(stored)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def _rows(app: DealflowApp, template: str, ids: Iterable[UUID]) -> Iterator[Any]:
    recorder: Any = app.recorder
    table = recorder.events_table_name  # the library's own names, never user data
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), IN_LIMIT):
        part = wanted[start : start + IN_LIMIT]
        if app.store.is_sqlite:
            marks = ",".join("?" * len(part))
            statement: Any = template.format(table=table, ids=f"originator_id IN ({marks})")
            params: Any = [key.hex for key in part]
        else:
            from psycopg.sql import SQL, Identifier

            qualified = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(table))
            statement = SQL(template.format(table="{table}", ids="originator_id = ANY(%s)")).format(table=qualified)
            params = [part]
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            found = cursor.fetchall()
        yield from found
