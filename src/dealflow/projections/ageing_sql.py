"""The receivables' SQLAlchemy view: the invoices by deal and invoice, and their dated movements."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Connection, Table

from dealflow.projections.ageing import AgeingProcessor
from dealflow.projections.keyed_sql import SQLKeyedView
from dealflow.projections.projection import Processor, Projection, updating
from dealflow.projections.tables import ageing_invoices, ageing_movements

_UPDATE_INVOICE = updating(
    ageing_invoices, ["deal", "invoice"], ["paid", "written_off", "balance", "chases", "cause", "chased_on"]
)


class Ageing(Projection):
    name = "ageing"
    version = 3
    tables: ClassVar[tuple[Table, ...]] = (ageing_invoices, ageing_movements)

    def processor(self, connection: Connection) -> Processor:
        view = SQLKeyedView(connection, ageing_invoices, "invoice", _UPDATE_INVOICE, (ageing_movements,))
        return AgeingProcessor(view)
