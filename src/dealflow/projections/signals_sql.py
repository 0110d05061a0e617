"""The exit-signal items' SQLAlchemy view: one row per deal, written in the batch's transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import ClassVar

from sqlalchemy import Connection, Table, insert, select

from dealflow.aggregates.registry import REVISIONS
from dealflow.projections import tracking
from dealflow.projections.decode import Event
from dealflow.projections.projection import (
    CannotProject,
    DealHistory,
    Processor,
    Projection,
    chunks,
    execute_many,
    revised_events,
    rows,
    updating,
)
from dealflow.projections.signals import Row, SignalsProcessor, SignalsView
from dealflow.projections.tables import deal_signals

_UPDATE = updating(deal_signals, ["deal"], [c.name for c in deal_signals.c if c.name != "deal"])
_INSERT = insert(deal_signals)


class SQLSignalsView(SignalsView):
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def stored(self, deals: Collection[str]) -> dict[str, Row]:
        s = deal_signals.c
        found: dict[str, Row] = {}
        for chunk in chunks(deals):
            for row in rows(
                self.connection.execute(select(s.deal, s.deal_id, s.state, s.since, s.facts).where(s.deal.in_(chunk)))
            ):
                found[row["deal"]] = row
        return found

    def write(self, new: Sequence[Row], changed: Sequence[Row]) -> None:
        execute_many(self.connection, _INSERT, new)
        execute_many(self.connection, _UPDATE.statement, changed, _UPDATE.sources)


class Signals(Projection):
    name = "signals"
    version = 2  # 2: the deal id and the day its stage began, the agenda's order (1 lived a day, unreleased)
    tables: ClassVar[tuple[Table, ...]] = (deal_signals,)

    def processor(self, connection: Connection, revised: Collection[str] = ()) -> Processor:
        return SignalsProcessor(SQLSignalsView(connection), revised)

    def apply(
        self,
        connection: Connection,
        events: Sequence[Event],
        claim: tracking.Claim,
        deal_history: DealHistory | None = None,
    ) -> bool:
        """A batch in one processor, a correction or void included: in its place, the deal's history up to
        it as revised, whose opening starts the deal's facts afresh. (Cut at every revision as other
        projections are, the bulk book's batches, one revised deal in five, took 40 % longer to rebuild.)"""
        if not tracking.advance(connection, self.name, claim):
            return False
        revised = {event.deal for event in events if event.kind in REVISIONS}
        if revised:
            events = list(_revised_in_place(events, deal_history))
        self.processor(connection, revised).process(events, self.name)
        return True


def _revised_in_place(events: Sequence[Event], deal_history: DealHistory | None) -> Iterator[Event]:
    for event in events:
        if event.kind not in REVISIONS:
            yield event
        elif deal_history is None:
            raise CannotProject(f"the signals projection needs the deal's history to process event {event.id}")
        else:
            yield from revised_events(deal_history(event.deal, event.version))
