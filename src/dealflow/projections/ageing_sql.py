"""The receivables' SQLAlchemy view: its rows, written in the batch's transaction."""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from sqlalchemy import Connection, Table, insert, select

from dealflow.projections.ageing import AgeingChanges, AgeingProcessor, AgeingView, Row
from dealflow.projections.projection import Processor, Projection, chunks, execute_many, rows, updating
from dealflow.projections.tables import ageing_invoices, ageing_movements

_UPDATE_INVOICE = updating(ageing_invoices, ["deal", "invoice"], ["paid", "written_off", "balance", "chases"])


class SQLAgeingView(AgeingView):
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def invoices(self, deals: Collection[str]) -> dict[tuple[str, str], Row]:
        found = {}
        for chunk in chunks(deals):
            query = select(ageing_invoices).where(ageing_invoices.c.deal.in_(chunk))
            for row in rows(self.connection.execute(query)):
                found[row["deal"], row["invoice"]] = row
        return found

    def write(self, changes: AgeingChanges) -> None:
        execute_many(self.connection, insert(ageing_invoices), changes.new_invoices)
        execute_many(self.connection, insert(ageing_movements), changes.movements)
        execute_many(self.connection, _UPDATE_INVOICE.statement, changes.changed_invoices, _UPDATE_INVOICE.sources)


class Ageing(Projection):
    name = "ageing"
    version = 2
    tables: ClassVar[tuple[Table, ...]] = (ageing_invoices, ageing_movements)

    def processor(self, connection: Connection) -> Processor:
        return AgeingProcessor(SQLAgeingView(connection))
