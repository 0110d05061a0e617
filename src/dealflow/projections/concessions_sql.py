"""The concession history's SQLAlchemy view: its rows, written in the batch's transaction."""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from sqlalchemy import Connection, Table, insert, select

from dealflow.projections.concessions import ConcessionChanges, ConcessionsProcessor, ConcessionsView, Row
from dealflow.projections.projection import Processor, Projection, chunks, execute_many, rows, updating
from dealflow.projections.tables import concession_deadlocks, concession_terms, concessions


class SQLConcessionsView(ConcessionsView):
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def terms(self, deals: Collection[str]) -> dict[tuple[str, str], Row]:
        found = {}
        for chunk in chunks(deals):
            query = select(concession_terms).where(concession_terms.c.deal.in_(chunk))
            for row in rows(self.connection.execute(query)):
                found[row["deal"], row["term"]] = row
        return found

    def write(self, changes: ConcessionChanges) -> None:
        connection = self.connection
        execute_many(connection, insert(concession_terms), changes.new_terms)
        execute_many(connection, insert(concessions), changes.concessions)
        execute_many(connection, insert(concession_deadlocks), changes.deadlocks)
        execute_many(connection, _UPDATE_TERM.statement, changes.changed_terms, _UPDATE_TERM.sources)


_UPDATE_TERM = updating(
    concession_terms, ["deal", "term"], [c.name for c in concession_terms.c if c.name not in ("deal", "term")]
)


class Concessions(Projection):
    name = "concessions"
    version = 1
    tables: ClassVar[tuple[Table, ...]] = (concession_terms, concessions, concession_deadlocks)

    def processor(self, connection: Connection) -> Processor:
        return ConcessionsProcessor(SQLConcessionsView(connection))
