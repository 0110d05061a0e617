"""The seals table beside eventsourcing's events table, written in the same transaction as the events.

`dealflow_seals` holds a row per stored event: its aggregate and version (the events table's key),
its position in the log when it was written, its digest and seal (`seals.py`), and whether it was
sealed on upgrade (a store written before dealflow sealed events is sealed once, on the first write
of a dealflow that does) or at recording time. Both recorders (`sqlite_recorder.py`,
`postgres_recorder.py`) write it as they insert the events; an event's previous seal is read from
it, so a command pays one primary-key read more. A row is never changed: a second one for the same
event is ignored, and `verify` says where the two disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from dealflow.storage import seals, sql

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent

    from dealflow.storage.sql import HasStore

TABLE = "dealflow_seals"  # a constant: nothing in the statements below comes from data
COLUMNS = "originator_id, originator_version, position, digest, seal, on_upgrade"
SQLITE_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
    "position INTEGER, digest BLOB NOT NULL, seal BLOB NOT NULL, on_upgrade INTEGER NOT NULL DEFAULT 0, "
    "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID"
)
SQLITE_INSERT = f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
SQLITE_PREVIOUS = f"SELECT seal FROM {TABLE} WHERE originator_id = ? AND originator_version = ?"
POSTGRES_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
    "position bigint, digest bytea NOT NULL, seal bytea NOT NULL, on_upgrade boolean NOT NULL DEFAULT false, "
    "PRIMARY KEY (originator_id, originator_version))"
)
POSTGRES_INSERT = "INSERT INTO {table} (" + COLUMNS + ") VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
POSTGRES_PREVIOUS = (
    "SELECT s.originator_id, s.originator_version, s.seal FROM {table} s "
    "JOIN unnest(%s::uuid[], %s::bigint[]) AS w(id, v) ON s.originator_id = w.id AND s.originator_version = w.v"
)

Previous = Callable[[str, int], "bytes | None"]  # an aggregate's (hex id) seal at a version, if sealed


def rows(
    stored_events: Sequence[StoredEvent],
    positions: Sequence[int] | None,
    previous: Previous,
    *,
    on_upgrade: bool = False,
    uuids: bool = False,
) -> list[tuple[Any, ...]]:
    """The seal rows of events written together, in the order given (each aggregate's in version
    order). The previous seal of an aggregate's first event here is read by `previous`; one that is
    not sealed (a row removed) chains from zero bytes, which `verify` reports."""
    last: dict[str, tuple[int, bytes]] = {}
    found = []
    for index, event in enumerate(stored_events):
        key = seals.key(event.originator_id)
        version = event.originator_version
        held = last.get(key)
        if held is not None and held[0] == version - 1:
            before = held[1]
        else:
            before = (previous(key, version - 1) if version > 1 else None) or seals.ZERO
        event_digest = seals.digest(key, version, event.topic, event.state)
        seal = seals.chained(before, event_digest)
        last[key] = (version, seal)
        position = positions[index] if positions else None
        found.append((event.originator_id if uuids else key, version, position, event_digest, seal, on_upgrade))
    return found


def placed(sealed: list[tuple[Any, ...]], positions: Sequence[int]) -> list[tuple[Any, ...]]:
    """Seal rows computed before their events had positions, given them."""
    return [(*row[:2], position, *row[3:]) for row, position in zip(sealed, positions, strict=True)]


def sqlite_previous(cursor: Any) -> Previous:
    def previous(key: str, version: int) -> bytes | None:
        cursor.execute(SQLITE_PREVIOUS, (key, version))
        row = cursor.fetchone()
        return None if row is None else bytes(row[0])

    return previous


def postgres_previous(recorder: Any, stored_events: Iterable[StoredEvent]) -> Previous:
    """The seals a save chains from, read in one round trip before its transaction: each aggregate's
    event before its first here, stored already (the save loaded the aggregate at that version)."""
    first: dict[Any, int] = {}
    for event in stored_events:
        first.setdefault(event.originator_id, event.originator_version)
    wanted = [(originator, version - 1) for originator, version in first.items() if version > 1]
    if not wanted:
        return _none
    statement = table_statement(recorder, POSTGRES_PREVIOUS)
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(statement, ([o for o, _ in wanted], [v for _, v in wanted]))
        held = {(seals.key(r["originator_id"]), r["originator_version"]): bytes(r["seal"]) for r in cursor.fetchall()}
    return lambda key, version: held.get((key, version))


def _none(key: str, version: int) -> bytes | None:
    return None


def table_statement(recorder: Any, template: str) -> Any:
    """A PostgreSQL statement on the seals table in the recorder's schema."""
    from psycopg.sql import SQL, Identifier

    qualified = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(TABLE))
    return SQL(template).format(table=qualified)


# --- the upgrade: a store written before seals, sealed once ----------------------------------------------

UNSEALED = (
    "SELECT e.{position} AS position, e.originator_id, e.originator_version, e.topic, e.state FROM {table} e "
    "WHERE NOT EXISTS (SELECT 1 FROM {seals} s WHERE s.originator_id = e.originator_id "
    "AND s.originator_version = e.originator_version) ORDER BY e.{position}"
)


def create_table(app: HasStore) -> None:
    """The seals table, where a store written before seals has none (a recorder made without creating
    tables, as a command on an existing store is, does not make it)."""
    create = SQLITE_CREATE if app.store.is_sqlite else table_statement(app.recorder, POSTGRES_CREATE)
    with app.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(create)


def seal_unsealed(app: HasStore) -> int:
    """Seal every event the store holds without a seal, in log order, marked as sealed on upgrade; the
    number sealed. Run before a dealflow that seals first writes into a store written before it."""
    from eventsourcing.persistence import StoredEvent

    create_table(app)
    found = list(sql.select(app, UNSEALED, position=sql.position(app), seals=sql.qualified(app, TABLE)))
    if not found:
        return 0
    events = [StoredEvent(r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])) for r in found]
    positions = [r["position"] for r in found]
    sqlite = app.store.is_sqlite
    with app.recorder.datastore.transaction(commit=True) as cursor:
        previous = sqlite_previous(cursor) if sqlite else postgres_previous(app.recorder, events)
        written = rows(events, positions, previous, on_upgrade=True, uuids=not sqlite)
        if sqlite:
            cursor.executemany(SQLITE_INSERT, written)
        else:
            cursor.executemany(table_statement(app.recorder, POSTGRES_INSERT), written)
    return len(written)
