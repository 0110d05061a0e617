"""A CRM export's row read into a deal's dated history (`import deals`): the deal it is, the stage
it is in and since when, won or lost and why; each cell that cannot be read names its column and
the fix.

A deal opens in analysis on its created date. Each selling stage whose date column is mapped
(`--stage-date`) and filled is entered on that date; the deal's own stage, when no column dates
it, is entered on the last day the row gives before it (the day it opened, or the day it entered
an earlier dated stage). A won deal is signed for its amount on its won date, a lost
one lost on its lost date (from the last stage it reached, or the mapped `lost_from`) with its
reason; a closed one is also closed. Won and lost dates default to the close date column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dealflow.aggregates.errors import InvalidInput, Refused
from dealflow.aggregates.ids import DEAL_ID
from dealflow.aggregates.recording import effective_on as check_record_date
from dealflow.imports import cells
from dealflow.imports.mapping import Columns, missing_columns
from dealflow.imports.outcome import RowError
from dealflow.imports.reader import ReadOptions, RowReader
from dealflow.imports.stages import CLOSED, LOST, SELLING, WON, ReasonMap, StageMap

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


@dataclass(frozen=True, kw_only=True)
class DealOptions(ReadOptions):
    stage_map: StageMap
    reason_map: ReasonMap
    stage_dates: dict[str, str]  # stage (or won, lost, closed) -> the column holding the day it was entered


class DealReader(RowReader):
    """Reads one row of a CRM export into a DealRow, or says which cell is wrong and how to fix it."""

    BLANK = "fill it in, or give --default {name}=VALUE for blank cells"
    options: DealOptions

    def __init__(self, columns: Columns, options: DealOptions) -> None:
        missing_columns(columns, REQUIRED)
        super().__init__(columns, options)
        self.stage_dates = {
            stage: columns.find(column, f"--stage-date {stage}={column}")
            for stage, column in options.stage_dates.items()
        }

    def read(self, row_cells: Sequence[str]) -> DealRow:
        source_id = self._required(row_cells, "id")
        deal_id = self.options.id_prefix + source_id
        if not DEAL_ID.fullmatch(deal_id):
            raise RowError(
                self.columns.column("id"),
                "not a usable deal id",
                f"{deal_id!r} cannot be a deal id: ids are 1-40 letters, digits, '.', '_', '/' or '-'",
            )
        stage_text = self._required(row_cells, "stage")
        target = self.options.stage_map(stage_text)
        if target is None:
            raise RowError(
                self.columns.column("stage"),
                "stage value not mapped",
                f'{stage_text!r} is not a stage: map it, e.g. --stage-map "{stage_text}=value" '
                "(to a selling stage, or won, lost or closed)",
            )
        opened_on = self._date(row_cells, OPENED)
        value = self._amount(row_cells, "value") or None  # a CRM's 0 is an amount not yet known, as a blank cell
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
            account=self._required(row_cells, "account"),
            title=self._required(row_cells, "title"),
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
        """A deal's dates follow its life: opened, each stage entered, won or lost, closed; none in the future.
        The domain's rule on the date of each record, put to the row's dates before anything is recorded."""
        before, before_day = dated[0][0], None
        for stage, day in dated:
            try:
                check_record_date(day, before_day)
            except InvalidInput:
                raise self._in_the_future(day, self._where(stage)) from None
            except Refused:
                what = "opened" if before == OPENED else f"entered {before}" if before in SELLING else f"was {before}"
                raise RowError(
                    self._where(stage),
                    "dates out of order",
                    f"{day} is before the day it {what} ({before_day}, {self._where(before)}): fix one of them",
                ) from None
            before, before_day = stage, day

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

    def _parse_date(self, text: str, stage: str) -> date:
        try:
            return self.options.dates(text)
        except cells.CellError as error:
            raise RowError(self._where(stage), error.problem, str(error)) from None


def _entered(stage: str) -> str:
    return f"entered {stage}" if stage in SELLING else f"was {stage}"
