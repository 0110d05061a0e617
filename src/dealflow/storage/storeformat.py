"""The store's format: which dealflow may write a store, and what an older one does with a newer one's events.

FORMAT is the format of what dealflow stores: its event types (their topics) and their fields. A
store records each format it has been written at, a row each, in a small table of its own beside
eventsourcing's (`dealflow_format`: format, recorded_at); the highest is the store's format. A store
with no such table was written by a dealflow before formats were recorded: format 1.

The rule, for this dealflow and every later one: a dealflow writes into a store of its own format
or an older one (recording its own on its first write), and refuses to write into a newer one,
whose events it may not know: "this store was written by a newer dealflow (format N); upgrade to
record into it". A dealflow that adds an event type, or changes what an event means, raises FORMAT.

The format is read before a command's first write, never by a read (no round trip on every
command): a read meets a newer dealflow's event as it reads it, an event whose topic names no class
here (`UnknownEvent`), and says so for that deal, keeping the others readable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from eventsourcing.persistence import IntegrityError, ProgrammingError, StoredEvent

from dealflow.aggregates.errors import Refused
from dealflow.storage import sql

if TYPE_CHECKING:
    from dealflow.storage.sql import HasStore

FORMAT = 3  # 2: every event sealed (`sealing.py`), which an older dealflow would not do; 3: corrections and voids
SEALED_FROM = 2  # the first format that seals its events
TABLE = "dealflow_format"  # a constant: nothing in the statements below comes from data


class NewerDealflow(Refused):
    """The store holds what a newer dealflow wrote: upgrade dealflow (exit 1)."""


class NewerEvent(NewerDealflow):
    """An event whose type this dealflow does not know: a newer dealflow wrote it."""

    def __init__(self, stored: StoredEvent) -> None:
        self.stored = stored
        super().__init__(
            f"the store holds an event written by a newer dealflow ({event_name(stored.topic)}): "
            "upgrade dealflow to read it"
        )


def event_name(topic: str) -> str:
    """What the log calls an event of `topic`: its class's name in its module, e.g. Opportunity.Corrected."""
    return topic.rpartition(":")[2] or topic


def newer_store(found: int | None) -> str:
    """The refusal to write into a store a newer dealflow wrote (its format, when recorded)."""
    return f"this store was written by a newer dealflow{_format(found)}; upgrade to record into it"


def newer_deal(deal_id: str, found: int | None) -> str:
    return (
        f"deal {deal_id} holds an event written by a newer dealflow{_format(found)}: upgrade dealflow to read or "
        f"record it; `dealflow history {deal_id}` lists its events"
    )


def _format(found: int | None) -> str:
    return f" (format {found})" if found is not None and found > FORMAT else ""


def check_writable(app: HasStore) -> None:
    """Refuse to write into a store a newer dealflow wrote; record our format in one that has none."""
    found = recorded(app)
    if found is not None and found > FORMAT:
        raise NewerDealflow(newer_store(found))
    if found is None or found < FORMAT:
        if found is None or found < SEALED_FROM:  # written before seals: seal what it holds, once
            from dealflow.storage import sealing

            sealing.seal_unsealed(app)
        try:
            record(app)
        except IntegrityError:  # another writer created the table at the same moment (PostgreSQL)
            if recorded(app) is None:
                raise


# --- the format recorded in the store --------------------------------------------------------------


def recorded(app: HasStore) -> int | None:
    """The store's format as recorded; None when none is (a new store, or one written before formats were)."""
    if app.store.is_sqlite:
        if not sql.has_table(app, TABLE):
            return None
        (row,) = sql.select(app, "SELECT MAX(format) AS format FROM {table}", table=TABLE)
        found = row["format"]
    else:
        from psycopg.errors import UndefinedTable

        try:  # one statement on the pool's autocommit connection: one round trip (a transaction takes three)
            with app.recorder.datastore.cursor() as cursor:
                cursor.execute(sql.statement(app, "SELECT MAX(format) AS format FROM {table}", TABLE))
                found = cursor.fetchone()["format"]
        except ProgrammingError as error:
            if not isinstance(error.__cause__, UndefinedTable):
                raise
            return None
    return None if found is None else int(found)


def record(app: HasStore) -> None:
    """Record that this dealflow's format has written the store (once: a second time changes nothing)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    create = "CREATE TABLE IF NOT EXISTS {table} (format INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL)"
    insert = "INSERT INTO {table} (format, recorded_at) VALUES ({mark}, {mark}) ON CONFLICT (format) DO NOTHING"
    with app.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(sql.statement(app, create, TABLE))
        cursor.execute(sql.statement(app, insert, TABLE, mark=sql.param(app)), (FORMAT, now))
