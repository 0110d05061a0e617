"""Which database role wrote each of a deal's events: on PostgreSQL, the authenticated identity beside
the `--actor` the writer declares.

Each seal row written at recording time holds the role of the session that inserted it with its
event, in the same transaction (`sealing.WRITTEN_BY`, the column's default: the server fills it).
It is not part of the seal (no hash covers it, `verify` does not read it): it is evidence of who
wrote, protected only by the database's own permissions, which a role that may write the seals
table through SQL gets around. A role is unknown for an event sealed before roles were recorded,
sealed on upgrade (the role then is the upgrader's, not the writer's), whose seal row is missing or
was sealed for another event, and for every event on SQLite, which has no authenticated identity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from dealflow.storage import sealing

if TYPE_CHECKING:
    from dealflow.storage.sql import HasStore

# Through the events table's own key, as a seal is read (the seals table has no index on the aggregate)
WRITTEN = (
    "SELECT e.originator_version AS version, s." + sealing.WRITTEN_BY + " AS role FROM {events} e "
    "JOIN {table} s ON s.position = e.notification_id AND s.originator_id = e.originator_id "
    "AND s.originator_version = e.originator_version "
    "WHERE e.originator_id = %s AND NOT s.on_upgrade AND s." + sealing.WRITTEN_BY + " IS NOT NULL"
)


def written_by(app: HasStore, originator: UUID) -> dict[int, str]:
    """The database role that wrote each of an aggregate's events, by version, where it is known: one
    read on PostgreSQL (nothing from a store whose seals table has no such column yet); none on SQLite."""
    if app.store.is_sqlite:
        return {}
    from eventsourcing.persistence import ProgrammingError
    from psycopg.errors import UndefinedColumn, UndefinedTable

    recorder = app.recorder
    statement = sealing.table_statement(recorder, WRITTEN, events=recorder.events_table_name)
    try:
        with recorder.datastore.cursor() as cursor:  # one statement on the pool's autocommit connection
            cursor.execute(statement, (originator,))
            found = cursor.fetchall()
    except ProgrammingError as error:  # a store not yet given the column (or sealed), by a read
        if not isinstance(error.__cause__, UndefinedColumn | UndefinedTable):
            raise
        return {}
    return {int(row["version"]): str(row["role"]) for row in found}
