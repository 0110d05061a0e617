"""Statements against eventsourcing's own tables, written once for SQLite and PostgreSQL.

eventsourcing 9.5 lays out an application's events in one table (the application recorder's
`events_table_name`): the position (SQLite's rowid, PostgreSQL's notification_id), originator_id (hex
text on SQLite, uuid on PostgreSQL), originator_version, topic and state (the transcoder's JSON
bytes). Its recorder has no query for what dealflow asks of many aggregates at once; the modules of
this package ask it here, and nowhere else does.

Every statement is one of this package's constant templates: the table's name is the library's
own, composed with psycopg's `sql.Identifier` on PostgreSQL; every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from eventsourcing.persistence import Mapper

from dealflow.storage.store import Store


class HasStore(Protocol):
    """What the storage functions need of an application: its store, its recorder and its mapper.
    `DealflowApp` is one; so is anything that opens the same store through eventsourcing."""

    @property
    def store(self) -> Store: ...

    @property
    def recorder(self) -> Any: ...

    @property
    def mapper(self) -> Mapper[Any]: ...


def position(app: HasStore) -> str:
    """The column holding an event's position in the log."""
    return "rowid" if app.store.is_sqlite else "notification_id"


def param(app: HasStore) -> str:
    """The driver's placeholder for one bound value."""
    return "?" if app.store.is_sqlite else "%s"


def statement(app: HasStore, template: str, table: str | None = None, **parts: str) -> Any:
    """`template` as the driver wants it: `{table}` naming the table (by default the events table), each
    other `{part}` one of the callers' constant fragments (a column, a placeholder, a JSON path to a
    field name of their own). The only place that formats SQL."""
    recorder = app.recorder
    name = table or recorder.events_table_name  # the library's own names and ours, never user data
    if app.store.is_sqlite:
        return template.format(table=name, **parts)
    from psycopg.sql import SQL, Identifier

    qualified = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(name))
    return SQL(template.format(table="{table}", **parts)).format(table=qualified)


def qualified(app: HasStore, name: str) -> str:
    """One of dealflow's own tables (a constant name) as a statement's part: in the store's schema on
    PostgreSQL, quoted, its braces doubled for `statement`'s formatting."""
    if app.store.is_sqlite:
        return name
    schema = app.recorder.datastore.schema
    quoted = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))
    return quoted.replace("{", "{{").replace("}", "}}")


def select(app: HasStore, template: str, *params: Any, table: str | None = None, **parts: str) -> Iterator[Any]:
    """The rows of a read, by name, a row at a time (the library's cursor is not iterable)."""
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement(app, template, table, **parts), params)
        while (row := cursor.fetchone()) is not None:
            yield row


def select_all(app: HasStore, template: str, params: Any, **parts: str) -> list[Any]:
    """Every row of a read at once, the transaction closed before they are used."""
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement(app, template, **parts), params)
        return list(cursor.fetchall())


def has_table(app: HasStore, name: str) -> bool:
    """Whether the store holds the table `name` (in the store's schema on PostgreSQL)."""
    recorder = app.recorder
    if app.store.is_sqlite:
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        where: tuple[str, ...] = (name,)
    else:
        query = "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s"
        where = (recorder.datastore.schema, name)
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(query, where)
        return cursor.fetchone() is not None


def has_log(app: HasStore) -> bool:
    """Whether the store holds eventsourcing's events table: a dealflow store, written or made."""
    return has_table(app, app.recorder.events_table_name)
