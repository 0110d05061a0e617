"""`import deals`: a CRM's opportunities, one deal a row (read by `imports.deal_reader`), each
placed in its stage by events that record the row they came from and are dated by the row's dates.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dealflow.aggregates.errors import DealflowError
from dealflow.aggregates.ids import deal_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.imports.deal_reader import DealReader, DealRow
from dealflow.imports.outcome import RowError, judge_against_store
from dealflow.imports.scratch import Scratch
from dealflow.imports.stages import CLOSED
from dealflow.storage import stored

if TYPE_CHECKING:
    from dealflow.application import DealflowApp
    from dealflow.imports.runner import Item


class DealImport:
    """Checks rows against the store and builds the deals they describe."""

    noun = "deal"

    def __init__(self, reader: DealReader, file: str) -> None:
        self.reader = reader
        self.file = file

    def parse(self, row_cells: Sequence[str]) -> tuple[DealRow, str, str]:
        row = self.reader.read(row_cells)
        return row, row.deal_id.casefold(), self.reader.digest(row_cells)

    def encode(self, row: DealRow) -> str:
        return json.dumps(
            [
                row.deal_id,
                row.source_id,
                row.account,
                row.title,
                row.owner,
                _text(row.value),
                row.currency,
                _text(row.close_by),
                row.opened_on.isoformat(),
                row.target,
                [(stage, day.isoformat()) for stage, day in row.moves],
                _text(row.won_on),
                _text(row.closed_on),
                _text(row.lost_on),
                row.reason,
                row.competitor,
                row.defaulted,
            ]
        )

    def decode(self, text: str) -> DealRow:
        (
            deal_id,
            source_id,
            account,
            title,
            owner,
            value,
            currency,
            close_by,
            opened_on,
            target,
            moves,
            won_on,
            closed_on,
            lost_on,
            reason,
            competitor,
            defaulted,
        ) = json.loads(text)
        return DealRow(
            deal_id,
            source_id,
            account,
            title,
            owner,
            None if value is None else Decimal(value),
            currency,
            _day(close_by),
            date.fromisoformat(opened_on),
            target,
            [(stage, date.fromisoformat(day)) for stage, day in moves],
            _day(won_on),
            _day(closed_on),
            _day(lost_on),
            reason,
            competitor,
            defaulted,
        )

    def screen(self, app: DealflowApp, items: Sequence[Item], scratch: Scratch, empty: bool) -> None:
        """Rows whose deal the store already has: imported from the same content, or not."""
        if empty:
            return
        found = stored.first_events(app, (deal_uuid(item.parsed.deal_id) for item in items))
        for item in items:
            opened = found.get(deal_uuid(item.parsed.deal_id))
            if opened is None:
                continue
            taken = RowError(
                self.reader.columns.column("id"),
                "deal id taken",
                f"deal {opened.deal_id} exists and was not imported: map another id column, or give --id-prefix",
                refused=True,
            )
            judge_against_store(
                item,
                opened,
                taken=taken,
                what=f"deal {opened.deal_id}",
                fix="record the change with dealflow's commands",
            )

    def build(
        self, items: Sequence[Item], actor: str, created: Counter[str], scratch: Scratch
    ) -> tuple[list[Opportunity], int]:
        deals = []
        for item in items:
            row: DealRow = item.parsed
            source = {"file": self.file, "line": item.line, "source_id": row.source_id, "hash": item.digest}
            try:
                deals.append(_deal(row, source, actor))
            except DealflowError as error:
                raise RowError.of(error, item.line) from None
            created[row.target] += 1
        return deals, sum(len(deal.pending_events) for deal in deals)


def _deal(row: DealRow, source: dict[str, Any], actor: str) -> Opportunity:
    deal = Opportunity.open_imported(
        source=source,
        deal_id=row.deal_id,
        account=row.account,
        title=row.title,
        actor=actor,
        on=row.opened_on,
        owner=row.owner,
        value=row.value,
        currency=row.currency,
        close_by=row.close_by,
    )
    for stage, day in row.moves:
        deal.place_imported(stage, source=source, actor=actor, on=day)
    if row.won_on is not None:
        deal.win_imported(amount=row.value, currency=row.currency, source=source, actor=actor, on=row.won_on)
    if row.target == CLOSED and row.closed_on is not None:  # a closed row is won, and dated, when read
        deal.close_imported(source=source, actor=actor, on=row.closed_on)
    if row.lost_on is not None:
        reason = row.reason or ""  # a lost row's reason is mapped when read
        deal.lose_imported(reason=reason, competitor=row.competitor, source=source, actor=actor, on=row.lost_on)
    return deal


def _text(value: date | Decimal | None) -> str | None:
    return None if value is None else str(value)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
