"""The pipeline's SQLAlchemy view: its rows, written in the batch's transaction."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, and_, delete, func, insert, select, update

from dealflow.aggregates.lifecycle import sub_state_of
from dealflow.projections.decode import Event
from dealflow.projections.pipeline import PipelineProcessor
from dealflow.projections.pipeline_view import PipelineChanges, PipelineView, Row
from dealflow.projections.projection import DealHistory, Processor, Projection, chunks, execute_many, rows, updating
from dealflow.projections.tables import pipeline_deals, pipeline_history


class SQLPipelineView(PipelineView):
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def current(self, deals: Collection[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        for chunk in chunks(deals):
            for row in rows(self.connection.execute(select(pipeline_deals).where(pipeline_deals.c.deal.in_(chunk)))):
                found[row["deal"]] = row
        return found

    def last_id(self) -> int:
        return self.connection.execute(select(func.max(pipeline_deals.c.id))).scalar() or 0

    def history(self, deal: int, after: int, before: int) -> list[Row]:
        h = pipeline_history.c
        query = (
            select(pipeline_history)
            .where(h.id == deal, h.valid_to > after, h.valid_from < before)
            .order_by(h.valid_from)
        )
        return rows(self.connection.execute(query))

    def write(self, changes: PipelineChanges) -> None:
        connection, h = self.connection, pipeline_history.c
        execute_many(connection, insert(pipeline_deals), changes.new_deals)
        execute_many(connection, _UPDATE_CURRENT.statement, changes.changed_deals, _UPDATE_CURRENT.sources)
        for deal, day in changes.rewrites.items():
            connection.execute(delete(pipeline_history).where(and_(h.id == deal, h.valid_from >= day)))
        execute_many(connection, _INSERT_HISTORY, changes.history)


# a stored deal's opening never changes (a revised deal's rows are inserted again): an UPDATE that leaves
# those columns out writes less and leaves the account's index alone
_OPENING = ("id", "deal", "deal_id", "account", "title", "opened_on", "account_key", "search")
_UPDATE_CURRENT = updating(pipeline_deals, ["id"], [c.name for c in pipeline_deals.c if c.name not in _OPENING])
_INSERT_HISTORY = insert(pipeline_history)


class Pipeline(Projection):
    name = "pipeline"
    # 3: each deal's title, latest version and action, and the text `deals` finds it by;
    # 4: a concession on price sets the expected value
    version = 4
    tables: ClassVar[tuple[Table, ...]] = (pipeline_deals, pipeline_history)

    def processor(self, connection: Connection, numbers: dict[str, int] | None = None) -> Processor:
        return PipelineProcessor(SQLPipelineView(connection), numbers)

    def derive_again(self, connection: Connection, revision: Event, deal_history: DealHistory | None) -> None:
        """The revised deal's rows derived again, then the revision's own version and the state it
        leaves: the revision is the deal's latest event (`deals` shows both, as loading the deal does)."""
        super().derive_again(connection, revision, deal_history)
        d = pipeline_deals.c
        connection.execute(
            update(pipeline_deals)
            .where(d.deal == revision.deal)
            .values(version=revision.version, action=sub_state_of(revision.state))
        )

    def forget(self, connection: Connection, deal: str) -> dict[str, Any]:
        """Delete a deal's versions; its next processor gives it its number again (the order deals were opened)."""
        number = connection.execute(select(pipeline_deals.c.id).where(pipeline_deals.c.deal == deal)).scalar()
        if number is None:
            return {}
        connection.execute(delete(pipeline_history).where(pipeline_history.c.id == number))
        connection.execute(delete(pipeline_deals).where(pipeline_deals.c.deal == deal))
        return {"numbers": {deal: number}}
