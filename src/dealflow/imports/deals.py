"""`import deals`: a CRM's opportunities, one deal a row, each placed in its stage by events that
record the row they came from and are dated by the row's dates.

A deal opens in analysis on its created date. Each selling stage whose date column is mapped
(`--stage-date`) and filled is entered on that date; the deal's own stage, when no column dates
it, is entered on the last day the row gives before it (the day it opened, or the day it entered
an earlier dated stage). A won deal is signed for its amount on its won date, a lost
one lost on its lost date (from the last stage it reached, or the mapped `lost_from`) with its
reason; a closed one is also closed. Won and lost dates default to the close date column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from dealflow.aggregates.errors import DealflowError
from dealflow.aggregates.ids import DEAL_ID, deal_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.imports import cells
from dealflow.imports.mapping import Columns, missing_columns
from dealflow.imports.outcome import RowError, judge_against_store
from dealflow.imports.stages import CLOSED, LOST, SELLING, WON, ReasonMap, StageMap
from dealflow.storage import stored

REQUIRED = ("id", "account", "title", "stage")
OPENED = "opened_on"


@dataclass(slots=True)
class DealRow:
    deal_id: str
    source_id: str
    account: str
    title: str
    owner: str | None
    value: Decimal | None
    currency: str | None
    close_by: date | None
    opened_on: date
    target: str  # a selling stage, or won, lost, closed
    moves: list[tuple[str, date]] = field(default_factory=list)  # selling stages entered after opening
    won_on: date | None = None
    closed_on: date | None = None
    lost_on: date | None = None
    reason: str | None = None
    competitor: str | None = None
    defaulted: bool = False  # a needed date came from --default-date


@dataclass(frozen=True)
class DealOptions:
    stage_map: StageMap
    reason_map: ReasonMap
    stage_dates: dict[str, str]  # stage (or won, lost, closed) -> the column holding the day it was entered
    dates: cells.Dates
    currency: str | None = None
    default_date: date | None = None
    id_prefix: str = ""
    decimal_comma: bool = False


class DealReader:
    """Reads one row of a CRM export into a DealRow, or says which cell is wrong and how to fix it."""

    def __init__(self, columns: Columns, options: DealOptions) -> None:
        missing_columns(columns, REQUIRED)
        self.columns = columns
        self.options = options
        self.stage_dates = {
            stage: columns.find(column, f"--stage-date {stage}={column}")
            for stage, column in options.stage_dates.items()
        }
        self.today = date.today()

    def digest(self, row_cells: Sequence[str]) -> str:
        return hashlib.blake2b("\x1f".join(self.columns.raw(row_cells)).encode(), digest_size=8).hexdigest()

    def read(self, row_cells: Sequence[str]) -> DealRow:
        source_id = self._text(row_cells, "id")
        deal_id = self.options.id_prefix + source_id
        if not DEAL_ID.fullmatch(deal_id):
            raise RowError(
                self.columns.column("id"),
                "not a usable deal id",
                f"{deal_id!r} cannot be a deal id: ids are 1-40 letters, digits, '.', '_', '/' or '-'",
            )
        stage_text = self._text(row_cells, "stage")
        target = self.options.stage_map(stage_text)
        if target is None:
            raise RowError(
                self.columns.column("stage"),
                "stage value not mapped",
                f'{stage_text!r} is not a stage: map it, e.g. --stage-map "{stage_text}=value" '
                "(to a selling stage, or won, lost or closed)",
            )
        opened_on = self._date(row_cells, OPENED)
        value = self._amount(row_cells)
        currency = self._currency(row_cells)
        if value is not None and currency is None:
            raise RowError(
                self.columns.column("value"),
                "no currency",
                "an amount needs a currency: map a currency column or give --currency, e.g. --currency EUR",
            )
        row = DealRow(
            deal_id=deal_id,
            source_id=source_id,
            account=self._text(row_cells, "account"),
            title=self._text(row_cells, "title"),
            owner=self.columns.cell(row_cells, "owner"),
            value=value,
            currency=currency,
            close_by=self._date(row_cells, "close_date"),
            opened_on=opened_on or self._default(OPENED),
            target=target,
            defaulted=opened_on is None,
        )
        self._place(row_cells, row)
        return row

    # --- the stages and their dates ------------------------------------------------------------

    def _place(self, row_cells: Sequence[str], row: DealRow) -> None:
        target = row.target
        dated: list[tuple[str, date]] = [(OPENED, row.opened_on)]
        last = target if target in SELLING else self._lost_from(row_cells) if target == LOST else None
        for stage in SELLING[1 : SELLING.index(last) + 1 if last else len(SELLING)]:
            day = self._stage_date(row_cells, stage)
            if day is None and stage == target:  # its own stage: the last day the row gives, unless a column is blank
                day = dated[-1][1] if stage not in self.stage_dates else self._default(stage)
                row.defaulted |= stage in self.stage_dates
            if day is not None:
                dated.append((stage, day))
                row.moves.append((stage, day))
        if last not in (None, SELLING[0]) and (not row.moves or row.moves[-1][0] != last):
            row.moves.append((last, dated[-1][1]))  # lost from there: entered on a day the row does not give
        if target in (WON, CLOSED):
            if row.value is None or row.value <= 0:
                raise RowError(
                    self.columns.column("value"),
                    "won without an amount",
                    "blank: a won deal needs its signed amount (more than 0)",
                )
            row.won_on = row.closed_on = self._outcome_date(row_cells, WON, row)
            dated.append((WON, row.won_on))
            if target == CLOSED and CLOSED in self.stage_dates:
                row.closed_on = self._outcome_date(row_cells, CLOSED, row)
                dated.append((CLOSED, row.closed_on))
        elif target == LOST:
            row.lost_on = self._outcome_date(row_cells, LOST, row)
            dated.append((LOST, row.lost_on))
            row.reason = self.options.reason_map(self.columns.cell(row_cells, "lost_reason"))
            row.competitor = self.columns.cell(row_cells, "competitor")
        self._in_order(dated)

    def _in_order(self, dated: list[tuple[str, date]]) -> None:
        """A deal's dates follow its life: opened, each stage entered, won or lost, closed; none in the future."""
        previous = None
        for stage, day in dated:
            if day > self.today:
                raise RowError(
                    self._where(stage),
                    "a date in the future",
                    f"{day} is in the future: an import records what has happened, by today ({self.today})",
                )
            if previous is not None and day < previous[1]:
                before, before_day = previous
                what = "opened" if before == OPENED else f"entered {before}" if before in SELLING else f"was {before}"
                raise RowError(
                    self._where(stage),
                    "dates out of order",
                    f"{day} is before the day it {what} ({before_day}, {self._where(before)}): fix one of them",
                )
            previous = (stage, day)

    def _lost_from(self, row_cells: Sequence[str]) -> str | None:
        text = self.columns.cell(row_cells, "lost_from")
        if text is None:
            return None
        stage = self.options.stage_map(text)
        if stage not in SELLING:
            raise RowError(
                self.columns.column("lost_from"),
                "not a selling stage",
                f'{text!r} is not a selling stage: map it with --stage-map, e.g. "{text}=needs"',
            )
        return stage

    def _stage_date(self, row_cells: Sequence[str], stage: str) -> date | None:
        index = self.stage_dates.get(stage)
        text = row_cells[index].strip() if index is not None else ""
        return self._parse_date(text, stage) if text else None

    def _outcome_date(self, row_cells: Sequence[str], outcome: str, row: DealRow) -> date:
        day = self._stage_date(row_cells, outcome)
        if day is None and outcome != CLOSED and outcome not in self.stage_dates:
            day = self._date(row_cells, "close_date")
        if day is None:
            row.defaulted = True
            return self._default(outcome)
        return day

    def _default(self, stage: str) -> date:
        if self.options.default_date is None:
            what = "the day it was opened" if stage == OPENED else f"the day it {_entered(stage)}"
            raise RowError(self._where(stage), "no date", f"blank: fill in {what}, or give --default-date")
        return self.options.default_date

    def _where(self, stage: str) -> str:
        if stage in self.stage_dates:
            return f"column {self.columns.header[self.stage_dates[stage]]!r}"
        if stage == OPENED or (stage in (WON, LOST) and "close_date" in self.columns.index):
            return self.columns.column(OPENED if stage == OPENED else "close_date")
        if self.options.default_date is not None:
            return "--default-date"
        return f"--stage-date {stage}"

    # --- cells -------------------------------------------------------------------------------

    def _text(self, row_cells: Sequence[str], name: str) -> str:
        text = self.columns.cell(row_cells, name)
        if text is None:
            raise RowError(
                self.columns.column(name), "blank", f"blank: fill it in, or give --default {name}=VALUE for blank cells"
            )
        return text

    def _amount(self, row_cells: Sequence[str]) -> Decimal | None:
        text = self.columns.cell(row_cells, "value")
        if text is None:
            return None
        try:
            amount = cells.amount(text, decimal_comma=self.options.decimal_comma)
        except cells.CellError as error:
            raise RowError(self.columns.column("value"), error.problem, str(error)) from None
        return amount or None  # a CRM's 0 is an amount not yet known, as a blank cell: a deal is worth more than 0

    def _currency(self, row_cells: Sequence[str]) -> str | None:
        text = self.columns.cell(row_cells, "currency") or self.options.currency
        if text is None:
            return None
        try:
            return cells.currency(text)
        except cells.CellError as error:
            raise RowError(self.columns.column("currency"), error.problem, str(error)) from None

    def _date(self, row_cells: Sequence[str], name: str) -> date | None:
        text = self.columns.cell(row_cells, name)
        if text is None:
            return None
        try:
            return self.options.dates(text)
        except cells.CellError as error:
            raise RowError(self.columns.column(name), error.problem, str(error)) from None

    def _parse_date(self, text: str, stage: str) -> date:
        try:
            return self.options.dates(text)
        except cells.CellError as error:
            raise RowError(self._where(stage), error.problem, str(error)) from None


def _entered(stage: str) -> str:
    return f"entered {stage}" if stage in SELLING else f"was {stage}"


# --- the import ---------------------------------------------------------------------------------


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

    def screen(self, app: Any, items: Sequence[Any], scratch: Any, empty: bool) -> None:
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

    def build(self, items: Sequence[Any], actor: str, created: Any, scratch: Any) -> tuple[list[Opportunity], int]:
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
    if row.target == CLOSED:
        deal.close_imported(source=source, actor=actor, on=row.closed_on)  # type: ignore[arg-type]
    if row.lost_on is not None:
        deal.lose_imported(reason=row.reason, competitor=row.competitor, source=source, actor=actor, on=row.lost_on)  # type: ignore[arg-type]
    return deal


def _text(value: date | Decimal | None) -> str | None:
    return None if value is None else str(value)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
