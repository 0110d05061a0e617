"""The keyed rows' SQLAlchemy view (see `keyed`): one table of rows by deal and key, updated in
place, and the tables a batch appends to, all written in the batch's transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, Table, insert, select

from dealflow.projections.keyed import Key, KeyedChanges, KeyedView, Row
from dealflow.projections.projection import Update, chunks, execute_many, rows


class SQLKeyedView(KeyedView):
    """`table`'s rows by `deal` and `key`; `update` writes a changed one back, the `appended`
    tables take the rows a batch adds."""

    def __init__(
        self, connection: Connection, table: Table, key: str, update: Update, appended: Sequence[Table]
    ) -> None:
        self.connection = connection
        self.table = table
        self.key = key
        self.update = update
        self.appended = appended

    def stored(self, deals: Collection[str]) -> dict[Key, Row]:
        found = {}
        for chunk in chunks(deals):
            query = select(self.table).where(self.table.c.deal.in_(chunk))
            for row in rows(self.connection.execute(query)):
                found[row["deal"], row[self.key]] = row
        return found

    def write(self, changes: KeyedChanges) -> None:
        connection = self.connection
        execute_many(connection, insert(self.table), changes.new)
        for table in self.appended:
            execute_many(connection, insert(table), changes.appended[table.name])
        execute_many(connection, self.update.statement, changes.changed, self.update.sources)
