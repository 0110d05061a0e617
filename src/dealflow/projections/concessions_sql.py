"""The concession history's SQLAlchemy view: the summaries by deal and term, every concession and
every deadlock."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Connection, Table

from dealflow.projections.concessions import ConcessionsProcessor
from dealflow.projections.keyed_sql import SQLKeyedView
from dealflow.projections.projection import Processor, Projection, updating
from dealflow.projections.tables import concession_deadlocks, concession_terms, concessions

_UPDATE_TERM = updating(
    concession_terms, ["deal", "term"], [c.name for c in concession_terms.c if c.name not in ("deal", "term")]
)


class Concessions(Projection):
    name = "concessions"
    version = 1
    tables: ClassVar[tuple[Table, ...]] = (concession_terms, concessions, concession_deadlocks)

    def processor(self, connection: Connection) -> Processor:
        view = SQLKeyedView(connection, concession_terms, "term", _UPDATE_TERM, (concessions, concession_deadlocks))
        return ConcessionsProcessor(view)
