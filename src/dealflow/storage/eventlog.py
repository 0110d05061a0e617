"""Reading the event log without all of it at once: pages of notifications, one aggregate's events
with their positions, counts, one field of every deal's first or last event up to a position, and
the raw rows the projections decode.

The first/last reads go to eventsourcing's events table (see `sql`): its recorder has no query for
them, asking deal by deal costs a round trip each, and the database reads the one field out of the
JSON faster than Python parses it (measured on 100,000 deals: 0.95 s against 1.6 s). An event
stored by an older class version is read through the library's mapper instead, so that its
upcasters run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.persistence import Notification

from dealflow.storage import sql

if TYPE_CHECKING:
    import sqlite3

    from eventsourcing.domain import DomainEvent

    from dealflow.storage.sql import HasStore

PAGE = 5_000  # notifications a page: memory stays flat on a million-event log

Row = tuple[int, "UUID | str", int, str, bytes]  # position, aggregate id, version, topic, state


def head(app: HasStore) -> int:
    """The log's last position (0 for an empty log); a lost race on PostgreSQL may leave gaps before it."""
    return app.recorder.max_notification_id() or 0


def channel(app: HasStore) -> str:
    """The PostgreSQL channel eventsourcing's recorder NOTIFYs on every insert: what a follower LISTENs to."""
    return str(app.recorder.channel_name)


def pages(
    app: HasStore, *, stop: int | None = None, size: int = PAGE, topics: Sequence[str] = ()
) -> Iterator[Sequence[Notification]]:
    """The log from its first notification up to `stop` (default: all), a page at a time; only the
    events of `topics` when some are given."""
    start = 1
    while True:
        page = app.recorder.select_notifications(start, size, stop=stop, topics=topics)
        if page:
            yield page
        if len(page) < size:
            return
        start = page[-1].id + 1


def recorded_at(app: HasStore, position: int) -> datetime | None:
    """When the event at `position` was recorded (UTC); None for an empty log or a position not held."""
    if not position:
        return None
    found = app.recorder.select_notifications(position, 1)
    return cast("DomainEvent", app.mapper.to_domain_event(found[0])).timestamp if found else None


def after(app: HasStore, position: int, limit: int = 1) -> Sequence[Notification]:
    """Up to `limit` notifications after `position`."""
    return app.recorder.select_notifications(position + 1, limit)


def of_originator(app: HasStore, originator: UUID) -> list[Notification]:
    """One aggregate's events, oldest first, each with its position in the log."""
    key = originator.hex if app.store.is_sqlite else originator
    template = "SELECT {position} AS id, originator_id, originator_version, topic, state FROM {table}"
    template += " WHERE originator_id = {param} ORDER BY originator_version"
    return [
        Notification(
            id=row["id"],
            originator_id=originator,
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in sql.select(app, template, key, **_parts(app))
    ]


def count(app: HasStore, upto: int | None = None) -> int:
    """The events stored (up to position `upto`); not the log's head, which a lost race on PostgreSQL skips past."""
    if upto is None:
        (row,) = sql.select(app, "SELECT COUNT(*) AS n FROM {table}")
    else:
        (row,) = sql.select(app, "SELECT COUNT(*) AS n FROM {table} WHERE {position} <= {param}", upto, **_parts(app))
    return int(row["n"])


def first_field(app: HasStore, topic: str, field: str, upto: int) -> Iterator[tuple[str, Any]]:
    """(aggregate id in hex, `field`) of every aggregate whose first event, up to `upto`, is of `topic`."""
    template = "SELECT originator_id, originator_version, {json} AS value, {upcast} AS upcast FROM {table} e"
    template += " WHERE originator_version = 1 AND topic = {param} AND {position} <= {param}"
    return _fields(app, template, field, topic, upto)


def _fields(app: HasStore, template: str, field: str, *params: Any, versions: bool = False) -> Iterator[Any]:
    if app.mapper.cipher is not None or app.mapper.compressor is not None:
        raise NotImplementedError("exporting from an encrypted or compressed store is not supported")
    for row in sql.select(app, template, *params, **_parts(app, field)):
        originator = row["originator_id"]
        key = originator.hex if isinstance(originator, UUID) else originator
        value = row["value"] if row["upcast"] is None else _upcast(app, key, row["originator_version"], field)
        yield (key, value, row["originator_version"]) if versions else (key, value)


def _upcast(app: HasStore, key: str, version: int, field: str) -> Any:
    stored = app.recorder.select_events(UUID(key), gt=version - 1, lte=version)
    return getattr(app.mapper.to_domain_event(stored[0]), field, None)


def _parts(app: HasStore, field: str = "") -> dict[str, str]:
    """The dialect's position column, placeholder and JSON reads for this module's templates (`field`
    is one of its callers' own field names), formatted into them by `sql.statement`."""
    if app.store.is_sqlite:
        json, upcast = (f"json_extract(CAST(e.state AS TEXT), '$.{name}')" for name in (field, "class_version"))
    else:
        json, upcast = (f"convert_from(e.state, 'UTF8')::json ->> '{name}'" for name in (field, "class_version"))
    return {"position": sql.position(app), "param": sql.param(app), "json": json, "upcast": upcast}


# eventsourcing 9.5's SQLite events table (the application's default name): position, aggregate id
# as hex text, version, topic, state. A constant: nothing in it comes from data.
_SQLITE_PAGE = (
    "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
    "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?"
)


class Rows:
    """Pages of the log as plain rows (position, aggregate id, version, topic, state), for a reader
    that decodes them itself: the projections. Use `close` when done."""

    def __init__(self, app: HasStore) -> None:
        self.app = app
        self._sqlite: sqlite3.Connection | None = None
        self._fast = app.store.is_sqlite and app.recorder.events_table_name == "stored_events"

    def page(self, after: int, size: int, head: int) -> list[Row]:
        """Up to `size` rows after position `after` and up to `head`, in order."""
        if self._fast:
            return self._connection().execute(_SQLITE_PAGE, (after, head, size)).fetchall()
        found = self.app.recorder.select_notifications(after + 1, size, stop=head)
        return [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in found]

    def _connection(self) -> sqlite3.Connection:
        """On SQLite, a plain connection of its own that gives rows as tuples and the deals' ids as the
        text stored, which is the projections' key. Measured on 1M events, in pages of 60,000: 1.0 s to
        read the log, against 2.4-2.6 s through eventsourcing's recorder (rows by name, `Notification`s)."""
        if self._sqlite is None:
            import sqlite3  # only a SQLite store's projections pay for it

            path = self.app.store.env["SQLITE_DBNAME"]
            timeout = float(self.app.store.env.get("SQLITE_LOCK_TIMEOUT", "30"))
            self._sqlite = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        return self._sqlite

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
