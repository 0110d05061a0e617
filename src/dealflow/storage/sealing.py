"""The seals table beside eventsourcing's events table, written in the same transaction as the events.

`dealflow_seals` holds a row per stored event, keyed by its position in the log (appended as the
events are, which costs far less than a second index on the aggregate and version): the event's
aggregate and version, its seal (`seals.py`), and whether it was sealed on upgrade (a store
written before dealflow sealed events is sealed once, on the first write of a dealflow that does)
or at recording time. Both recorders (`sqlite_recorder.py`, `postgres_recorder.py`) write it as
they insert the events; an event's previous seal is read through the events table's own key, so
a command pays one read more. A row is never changed: a second one for the same position is
ignored, and `verify` says where the two disagree.

On PostgreSQL a seal row also holds `written_by`, the database role that wrote it: the column's
default, filled by the server on insert (no statement names it, so a save pays no round trip for
it and dealflow declares nothing), which `roles.py` reads for `history`. It is not part of the seal:
no hash covers it and `verify` does not read it. It is evidence of who wrote, beside the `--actor`
the writer declares, protected only by the database's own permissions: a role that may insert into
or update the seals table through SQL can write any name there. SQLite has no authenticated
identity, and records none.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from dealflow.storage import seals, sql

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent

    from dealflow.storage.sql import HasStore

TABLE = "dealflow_seals"  # a constant: nothing in the statements below comes from data
COLUMNS = "position, originator_id, originator_version, seal, on_upgrade"
SQLITE_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (position INTEGER PRIMARY KEY, originator_id TEXT NOT NULL, "
    "originator_version INTEGER NOT NULL, seal BLOB NOT NULL, on_upgrade INTEGER NOT NULL DEFAULT 0)"
)
SQLITE_INSERT = f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
SQLITE_PREVIOUS = (
    "SELECT s.seal FROM {events} e JOIN " + TABLE + " s ON s.position = e.rowid "
    "WHERE e.originator_id = ? AND e.originator_version = ?"
)
# session_user, not current_user: the role the connection authenticated as. current_user follows
# SET ROLE (and is a SECURITY DEFINER function's owner inside it), so a writer could name any role it
# is a member of; session_user changes only by SET SESSION AUTHORIZATION, which takes a superuser.
WRITTEN_BY = "written_by"
POSTGRES_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table} (position bigint PRIMARY KEY, originator_id uuid NOT NULL, "
    "originator_version bigint NOT NULL, seal bytea NOT NULL, on_upgrade boolean NOT NULL DEFAULT false, "
    f"{WRITTEN_BY} text DEFAULT session_user)"
)
POSTGRES_INSERT = "INSERT INTO {table} (" + COLUMNS + ") VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
POSTGRES_PREVIOUS = (
    "SELECT e.originator_id, e.originator_version, s.seal FROM {events} e JOIN {table} s "
    "ON s.position = e.notification_id JOIN unnest(%s::uuid[], %s::bigint[]) AS w(id, v) "
    "ON e.originator_id = w.id AND e.originator_version = w.v"
)

Previous = Callable[[str, int], "bytes | None"]  # an aggregate's (hex id) seal at a version, if sealed
Sealed = tuple[Any, int, bytes]  # an event's aggregate id, version and seal


def rows(stored_events: Sequence[StoredEvent], previous: Previous, *, uuids: bool = False) -> list[Sealed]:
    """The seals of events written together, in the order given (each aggregate's in version order).
    The previous seal of an aggregate's first event here is read by `previous`; one that is not
    sealed (a row removed) chains from zero bytes, which `verify` reports."""
    last: dict[str, tuple[int, bytes]] = {}
    found = []
    for event in stored_events:
        key = seals.key(event.originator_id)
        version = event.originator_version
        held = last.get(key)
        if held is not None and held[0] == version - 1:
            before = held[1]
        else:
            before = (previous(key, version - 1) if version > 1 else None) or seals.ZERO
        seal = seals.chained(before, seals.digest(key, version, event.topic, event.state))
        last[key] = (version, seal)
        found.append((event.originator_id if uuids else key, version, seal))
    return found


def placed(sealed: Sequence[Sealed], positions: Sequence[int], *, on_upgrade: bool = False) -> list[tuple[Any, ...]]:
    """The seal rows: each event's seal at the position its insert gave it."""
    return [(position, *row, on_upgrade) for row, position in zip(sealed, positions, strict=True)]


class Recent:
    """The last seal this process wrote for each aggregate, remembered once its transaction committed:
    a process that records on a deal again (an import, the demo, a server) chains its next event
    without reading the seal back. A seal, once stored, never changes, so the memory is never stale;
    an aggregate another process wrote since is at another version, and is read."""

    LIMIT = 10_000  # aggregates remembered: the oldest forgotten first

    def __init__(self) -> None:
        self.seals: OrderedDict[str, tuple[int, bytes]] = OrderedDict()  # O(1) to forget the oldest
        self.lock = threading.Lock()

    def get(self, key: str, version: int) -> bytes | None:
        held = self.seals.get(key)
        return held[1] if held is not None and held[0] == version else None

    def remember(self, sealed: Iterable[Sealed]) -> None:
        with self.lock:
            held = self.seals
            for originator, version, seal in sealed:
                key = seals.key(originator)
                held[key] = (version, seal)
                held.move_to_end(key)  # the most recent is forgotten last
            while len(held) > self.LIMIT:
                held.popitem(last=False)


def sqlite_previous(cursor: Any, events_table: str, recent: Recent | None = None) -> Previous:
    statement = SQLITE_PREVIOUS.format(events=events_table)  # the library's own table name

    def previous(key: str, version: int) -> bytes | None:
        remembered = recent.get(key, version) if recent is not None else None
        if remembered is not None:
            return remembered
        cursor.execute(statement, (key, version))
        row = cursor.fetchone()
        return None if row is None else bytes(row[0])

    return previous


def postgres_previous(recorder: Any, stored_events: Iterable[StoredEvent], recent: Recent | None = None) -> Previous:
    """The seals a save chains from, read in one round trip before its transaction (none when this
    process remembers them): each aggregate's event before its first here, stored already (the save
    loaded the aggregate at that version)."""
    first: dict[Any, int] = {}
    for event in stored_events:
        first.setdefault(event.originator_id, event.originator_version)
    held: dict[tuple[str, int], bytes] = {}
    wanted = []
    for originator, version in first.items():
        remembered = recent.get(seals.key(originator), version - 1) if recent is not None and version > 1 else None
        if remembered is not None:
            held[(seals.key(originator), version - 1)] = remembered
        elif version > 1:
            wanted.append((originator, version - 1))
    if not wanted:
        return lambda key, version: held.get((key, version))
    statement = table_statement(recorder, POSTGRES_PREVIOUS, events=recorder.events_table_name)
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(statement, ([o for o, _ in wanted], [v for _, v in wanted]))
        for r in cursor.fetchall():
            held[(seals.key(r["originator_id"]), r["originator_version"])] = bytes(r["seal"])
    return lambda key, version: held.get((key, version))


def table_statement(recorder: Any, template: str, events: str | None = None) -> Any:
    """A PostgreSQL statement on the seals table (and the events table) in the recorder's schema."""
    from psycopg.sql import SQL, Identifier

    schema = Identifier(recorder.datastore.schema)
    named = {"table": SQL("{}.{}").format(schema, Identifier(TABLE))}
    if events is not None:
        named["events"] = SQL("{}.{}").format(schema, Identifier(events))
    return SQL(template).format(**named)


# --- the upgrade: a store written before seals, sealed once ----------------------------------------------

UNSEALED = (
    "SELECT e.{position} AS position, e.originator_id, e.originator_version, e.topic, e.state FROM {table} e "
    "WHERE NOT EXISTS (SELECT 1 FROM {seals} s WHERE s.position = e.{position}) ORDER BY e.{position}"
)


def create_table(app: HasStore) -> None:
    """The seals table, where a store written before seals has none (a recorder made without creating
    tables, as a command on an existing store is, does not make it)."""
    create = SQLITE_CREATE if app.store.is_sqlite else table_statement(app.recorder, POSTGRES_CREATE)
    with app.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(create)
    if not app.store.is_sqlite:
        add_written_by(app.recorder)


# --- the role that wrote each seal row, on PostgreSQL: a column a store sealed before it gains -----------

HAS_WRITTEN_BY = (
    "SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    f"WHERE n.nspname = %s AND c.relname = %s AND a.attname = '{WRITTEN_BY}' AND NOT a.attisdropped"
)
# Added without a default, then given one: `ADD COLUMN ... DEFAULT session_user` would fill every row
# already there with the role running the ALTER (PostgreSQL stores a stable default once, for them
# all), naming it as the writer of events it never wrote. The rows sealed before stay NULL: unknown.
ADD_WRITTEN_BY = (
    f"ALTER TABLE {{table}} ADD COLUMN IF NOT EXISTS {WRITTEN_BY} text, "
    f"ALTER COLUMN {WRITTEN_BY} SET DEFAULT session_user"
)
# The ALTER waits this long at most for a session holding the table (a long `verify`, say), rather than
# hold up every save queued behind it; the column is then added by a later command.
LOCK_WAIT = "SET LOCAL lock_timeout = '5s'"


def add_written_by(recorder: Any) -> None:
    """Give a PostgreSQL seals table made before roles were recorded its `written_by` column, when the
    tables are created or checked (a command that may make the store, the upgrade of one written
    before seals): one read where it is there already. Only the table's owner may alter it: another
    role leaves it for the owner's next such command, recording no role until then, and so does a
    table held too long by another session."""
    from eventsourcing.persistence import OperationalError, ProgrammingError
    from psycopg.errors import InsufficientPrivilege, LockNotAvailable

    with recorder.datastore.cursor() as cursor:  # one statement on the pool's autocommit connection
        cursor.execute(HAS_WRITTEN_BY, (recorder.datastore.schema, TABLE))
        if cursor.fetchone() is not None:
            return
    try:
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(LOCK_WAIT)
            cursor.execute(table_statement(recorder, ADD_WRITTEN_BY))
    except (ProgrammingError, OperationalError) as error:
        if not isinstance(error.__cause__, InsufficientPrivilege | LockNotAvailable):
            raise


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
        if sqlite:
            previous = sqlite_previous(cursor, app.recorder.events_table_name)
        else:
            previous = postgres_previous(app.recorder, events)
        written = placed(rows(events, previous, uuids=not sqlite), positions, on_upgrade=True)
        if sqlite:
            cursor.executemany(SQLITE_INSERT, written)
        else:
            cursor.executemany(table_statement(app.recorder, POSTGRES_INSERT), written)
    return len(written)
