"""Reading the event log for exports, never all of it at once: pages of notifications, one deal's
events with their positions, and one field of every deal's first or last event up to a position.

The last two read eventsourcing's own events table (its 9.5 layout: originator_id as hex text on
SQLite and uuid on PostgreSQL, originator_version, topic, state as JSON bytes, and the position,
SQLite's rowid or PostgreSQL's notification_id): its recorder has no query for them, asking deal
by deal costs a round trip each, and the database reads the one field out of the JSON faster than
Python parses it (measured on 100,000 deals: 0.95 s against 1.6 s). An event stored by an older
class version is read through the library's mapper instead, so that its upcasters run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import Notification

if TYPE_CHECKING:
    from dealflow.application import DealflowApp

PAGE = 5_000  # notifications a page: memory stays flat on a million-event log
_COLUMNS = "{position} AS id, originator_id, originator_version, topic, state"


def pages(app: DealflowApp, *, stop: int | None = None, size: int = PAGE) -> Iterator[Sequence[Notification]]:
    """The log from its first notification up to `stop` (default: all), a page at a time."""
    start = 1
    while True:
        page = app.recorder.select_notifications(start, size, stop=stop)
        if page:
            yield page
        if len(page) < size:
            return
        start = page[-1].id + 1


def of_originator(app: DealflowApp, originator: UUID) -> list[Notification]:
    """One aggregate's events, oldest first, each with its position in the log."""
    key = originator.hex if app.store.is_sqlite else originator
    sql = f"SELECT {_COLUMNS} FROM {{table}} WHERE originator_id = {{param}} ORDER BY originator_version"
    return [
        Notification(
            id=row["id"],
            originator_id=originator,
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in _select(app, sql, key)
    ]


def count(app: DealflowApp, upto: int) -> int:
    """The events stored up to position `upto`."""
    (row,) = _select(app, "SELECT COUNT(*) AS n FROM {table} WHERE {position} <= {param}", upto)
    return int(row["n"])


def first_field(app: DealflowApp, topic: str, field: str, upto: int) -> Iterator[tuple[str, Any]]:
    """(aggregate id in hex, `field`) of every aggregate whose first event, up to `upto`, is of `topic`."""
    sql = "SELECT originator_id, originator_version, {json} AS value, {upcast} AS upcast FROM {table} e"
    sql += " WHERE originator_version = 1 AND topic = {param} AND {position} <= {param}"
    return _fields(app, sql, field, topic, upto)


def last_field(app: DealflowApp, field: str, upto: int) -> Iterator[tuple[str, Any, int]]:
    """(aggregate id in hex, `field`, version) of every aggregate's latest event up to `upto`."""
    sql = (
        "SELECT e.originator_id, e.originator_version, {json} AS value, {upcast} AS upcast FROM {table} e"
        " JOIN (SELECT originator_id, MAX(originator_version) AS v FROM {table} WHERE {position} <= {param}"
        " GROUP BY originator_id) m ON e.originator_id = m.originator_id AND e.originator_version = m.v"
    )
    return ((key, value, version) for key, value, version in _fields(app, sql, field, upto, versions=True))


def _fields(app: DealflowApp, sql: str, field: str, *params: Any, versions: bool = False) -> Iterator[Any]:
    if app.mapper.cipher is not None or app.mapper.compressor is not None:
        raise NotImplementedError("exporting from an encrypted or compressed store is not supported")
    for row in _select(app, sql, *params, field=field):
        originator = row["originator_id"]
        key = originator.hex if isinstance(originator, UUID) else originator
        value = row["value"] if row["upcast"] is None else _upcast(app, key, row["originator_version"], field)
        yield (key, value, row["originator_version"]) if versions else (key, value)


def _upcast(app: DealflowApp, key: str, version: int, field: str) -> Any:
    stored = app.recorder.select_events(UUID(key), gt=version - 1, lte=version)
    return getattr(app.mapper.to_domain_event(stored[0]), field, None)


def _select(app: DealflowApp, template: str, *params: Any, field: str = "") -> Iterator[Any]:
    recorder: Any = app.recorder
    table = recorder.events_table_name  # the library's own names and ours, never user data
    if app.store.is_sqlite:
        json, upcast = (f"json_extract(CAST(e.state AS TEXT), '$.{name}')" for name in (field, "class_version"))
        statement: Any = template.format(position="rowid", table=table, param="?", json=json, upcast=upcast)
    else:
        from psycopg.sql import SQL, Identifier

        json, upcast = (f"convert_from(e.state, 'UTF8')::json ->> '{name}'" for name in (field, "class_version"))
        text = template.format(position="notification_id", table="{table}", param="%s", json=json, upcast=upcast)
        qualified = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(table))
        statement = SQL(text).format(table=qualified)  # type: ignore[arg-type]
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, params)
        while (row := cursor.fetchone()) is not None:  # a row at a time: the library's cursor is not iterable
            yield row
