"""`import deals`: a CRM's opportunities, one deal a row, each placed in its stage by events that
record the row it came from and are dated by the row's dates.

A deal opens in analysis on its created date. Each selling stage whose date column is mapped
(--stage-date) and filled is entered on that date; the deal's own stage, when no column dates it,
is entered on the day it opened. A won deal is signed for its amount on its won date, a lost one
lost on its lost date with its reason, a closed one also closed (every account paid). Won and
lost dates default to the close date column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from dealflow.aggregates.errors import DealflowError, InvalidInput
from dealflow.aggregates.ids import check_deal_id, deal_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.imports import cells, stored
from dealflow.imports.mapping import Columns, Field
from dealflow.imports.outcome import Outcome, RowError
from dealflow.imports.stages import CLOSED, LOST, SELLING, WON, ReasonMap, StageMap

FIELDS = (
    Field("id", "the deal's id in the source; it becomes the deal id", ("opportunity id", "deal id", "record id")),
    Field("account", "the customer", ("account name", "company", "company name", "customer", "organization")),
    Field("title", "what the deal is about", ("opportunity name", "deal name", "opportunity", "name", "subject")),
    Field("owner", "the salesperson; default the actor", ("opportunity owner", "deal owner", "owner name", "sales rep")),
    Field("value", "the expected value; a won deal's signed amount", ("amount", "deal value", "opportunity amount")),
    Field("currency", "ISO 4217 code of the value; else --currency", ("currency code", "opportunity currency")),
    Field("stage", "the stage value, mapped by --stage-map", ("stage name", "deal stage", "sales stage", "status")),
    Field("opened_on", "the day the deal was opened", ("created date", "create date", "date created", "created")),
    Field("close_date", "expected close date; a won or lost deal's date", ("close date", "closed date", "closing date")),
    Field("lost_reason", "why a lost deal was lost (--reason-map)", ("loss reason", "reason lost", "closed lost reason")),
    Field("competitor", "who a lost deal was lost to", ("primary competitor", "lost to")),
    Field("lost_from", "the stage a lost deal was lost in", ("stage before lost", "previous stage")),
)
REQUIRED = ("id", "account", "title", "stage")


@dataclass
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
    defaulted: bool = False


@dataclass(frozen=True)
class DealOptions:
    stage_map: StageMap
    reason_map: ReasonMap
    stage_dates: dict[str, str]  # stage -> column
    dates: cells.Dates
    currency: str | None = None
    default_date: date | None = None
    id_prefix: str = ""
    decimal_comma: bool = False


class DealReader:
    """Reads one row of a CRM export into a DealRow, or says which cell is wrong and how to fix it."""

    def __init__(self, columns: Columns, options: DealOptions) -> None:
        missing = [name for name in REQUIRED if not columns.has(name)]
        if missing:
            raise InvalidInput(
                f"no column for {', '.join(missing)}: name it with --map, e.g. --map {missing[0]}=\"Column Name\" "
                f"(the columns are {', '.join(repr(c) for c in columns.header)})"
            )
        self.columns = columns
        self.options = options
        self.stage_dates = {stage: columns.find(column, f"--stage-date {stage}={column}") for stage, column in
                            options.stage_dates.items()}  # fmt: skip
        self.today = date.today()

    def key(self, row: DealRow) -> str:
        return row.deal_id.casefold()

    def digest(self, cells_: Sequence[str]) -> str:
        return hashlib.blake2b("\x1f".join(self.columns.raw(cells_)).encode(), digest_size=8).hexdigest()

    def read(self, cells_: Sequence[str]) -> DealRow:
        c = self.columns
        source_id = self._text(cells_, "id")
        deal_id = self.options.id_prefix + source_id
        try:
            check_deal_id(deal_id)
        except InvalidInput:
            raise RowError(
                c.column("id"), "not a usable deal id",
                f"{source_id!r} cannot be a deal id: ids are 1-40 letters, digits, '.', '_', '/' or '-'",
            ) from None  # fmt: skip
        stage_text = self._text(cells_, "stage")
        target = self.options.stage_map(stage_text)
        if target is None:
            raise RowError(
                c.column("stage"), "stage value not mapped",
                f"{stage_text!r} is not a stage: map it, e.g. --stage-map \"{stage_text}=value\" "
                "(to a selling stage, or won, lost or closed)",
            )  # fmt: skip
        opened_on, defaulted = self._needed(cells_, "opened_on")
        value = self._amount(cells_, "value")
        currency = self._currency(cells_)
        if value is not None and currency is None:
            raise RowError(c.column("value"), "no currency", "an amount needs a currency: map a currency column "
                           "or give --currency, e.g. --currency EUR")  # fmt: skip
        row = DealRow(
            deal_id=deal_id,
            source_id=source_id,
            account=self._text(cells_, "account"),
            title=self._text(cells_, "title"),
            owner=c.cell(cells_, "owner"),
            value=value,
            currency=currency,
            close_by=self._date(cells_, "close_date"),
            opened_on=opened_on,
            target=target,
            defaulted=defaulted,
        )
        self._place(cells_, row)
        return row

    # --- the stages and their dates ------------------------------------------------------------

    def _place(self, cells_: Sequence[str], row: DealRow) -> None:
        dated: list[tuple[str, str, date]] = [("opened_on", self.columns.column("opened_on"), row.opened_on)]
        last = row.target if row.target in SELLING else self._lost_from(cells_) if row.target == LOST else None
        for stage in SELLING[1 : SELLING.index(last) + 1 if last else len(SELLING)]:
            day = self._stage_date(cells_, stage)
            if day is None and stage == row.target:
                day, defaulted = self._needed_stage(stage, row.opened_on)
                row.defaulted |= defaulted
            if day is not None:
                dated.append((stage, self._where(stage), day))
                row.moves.append((stage, day))
        if last not in (None, SELLING[0]) and (not row.moves or row.moves[-1][0] != last):
            row.moves.append((last, row.moves[-1][1] if row.moves else row.opened_on))  # lost from there
        if row.target in (WON, CLOSED):
            if row.value is None or row.value <= 0:
                raise RowError(self.columns.column("value"), "won without an amount",
                               "blank: a won deal needs its signed amount (more than 0)")  # fmt: skip
            row.won_on = self._outcome_date(cells_, WON, row)
            dated.append((WON, self._where(WON), row.won_on))
            row.closed_on = row.won_on
            if row.target == CLOSED and CLOSED in self.stage_dates:
                row.closed_on = self._outcome_date(cells_, CLOSED, row)
                dated.append((CLOSED, self._where(CLOSED), row.closed_on))
        if row.target == LOST:
            row.lost_on = self._outcome_date(cells_, LOST, row)
            dated.append((LOST, self._where(LOST), row.lost_on))
            row.reason = self.options.reason_map(self.columns.cell(cells_, "lost_reason"))
            row.competitor = self.columns.cell(cells_, "competitor")
        _in_order(dated, self.today)

    def _lost_from(self, cells_: Sequence[str]) -> str | None:
        text = self.columns.cell(cells_, "lost_from")
        if text is None:
            return None
        stage = self.options.stage_map(text)
        if stage not in SELLING:
            raise RowError(self.columns.column("lost_from"), "not a selling stage",
                           f"{text!r} is not a selling stage: map it with --stage-map, e.g. \"{text}=needs\"")  # fmt: skip
        return stage

    def _stage_date(self, cells_: Sequence[str], stage: str) -> date | None:
        index = self.stage_dates.get(stage)
        text = cells_[index].strip() if index is not None else ""
        return self._parse_date(text, self._where(stage)) if text else None

    def _needed_stage(self, stage: str, opened_on: date) -> tuple[date, bool]:
        """The date the deal entered its own stage: its column's, else --default-date, else the day it opened."""
        if stage not in self.stage_dates:
            return opened_on, False
        if self.options.default_date is None:
            raise RowError(self._where(stage), "no date", "blank: fill in the day the deal entered "
                           f"{stage}, or give --default-date")  # fmt: skip
        return self.options.default_date, True

    def _outcome_date(self, cells_: Sequence[str], outcome: str, row: DealRow) -> date:
        day = self._stage_date(cells_, outcome)
        if day is None and outcome != CLOSED:
            day = self._date(cells_, "close_date")
        if day is None:
            if self.options.default_date is None:
                raise RowError(self._where(outcome), "no date", f"blank: a {outcome} deal needs the day it was "
                               f"{outcome}; fill it in or give --default-date")  # fmt: skip
            row.defaulted = True
            day = self.options.default_date
        return day

    def _where(self, stage: str) -> str:
        if stage in self.stage_dates:
            return f"column {self.columns.header[self.stage_dates[stage]]!r}"
        if stage in (WON, LOST) and "close_date" in self.columns.index:
            return self.columns.column("close_date")
        return "--default-date" if self.options.default_date else f"the {stage} date"

    # --- cells -------------------------------------------------------------------------------

    def _text(self, cells_: Sequence[str], name: str) -> str:
        text = self.columns.cell(cells_, name)
        if text is None:
            raise RowError(self.columns.column(name), "blank",
                           f"blank: fill it in, or give --default {name}=VALUE for blank cells")  # fmt: skip
        return text

    def _amount(self, cells_: Sequence[str], name: str) -> Decimal | None:
        text = self.columns.cell(cells_, name)
        if text is None:
            return None
        try:
            return cells.amount(text, decimal_comma=self.options.decimal_comma)
        except cells.CellError as error:
            raise RowError(self.columns.column(name), error.problem, str(error)) from None

    def _currency(self, cells_: Sequence[str]) -> str | None:
        text = self.columns.cell(cells_, "currency") or self.options.currency
        if text is None:
            return None
        try:
            return cells.currency(text)
        except cells.CellError as error:
            raise RowError(self.columns.column("currency"), error.problem, str(error)) from None

    def _date(self, cells_: Sequence[str], name: str) -> date | None:
        text = self.columns.cell(cells_, name)
        return None if text is None else self._parse_date(text, self.columns.column(name))

    def _needed(self, cells_: Sequence[str], name: str) -> tuple[date, bool]:
        day = self._date(cells_, name)
        if day is not None:
            return day, False
        if self.options.default_date is None:
            raise RowError(self.columns.column(name), "no date",
                           "blank: fill in the date, or give --default-date for rows without one")  # fmt: skip
        return self.options.default_date, True

    def _parse_date(self, text: str, where: str) -> date:
        try:
            return self.options.dates(text)
        except cells.CellError as error:
            raise RowError(where, error.problem, str(error)) from None


def _in_order(dated: list[tuple[str, str, date]], today: date) -> None:
    """A deal's dates follow its life: opened, each stage entered, won or lost, closed; none in the future."""
    for index, (_, where, day) in enumerate(dated):
        if day > today:
            raise RowError(where, "a date in the future",
                           f"{day} is in the future: an import records what has happened, by today ({today})")  # fmt: skip
        if index:
            before, before_where, before_day = dated[index - 1]
            if day < before_day:
                what = "opened" if before == "opened_on" else f"entered {before}" if before in SELLING else before
                raise RowError(where, "dates out of order",
                               f"{day} is before the day it {what} ({before_day}, {before_where}): fix one of them")  # fmt: skip


# --- the import ---------------------------------------------------------------------------------


class DealImport:
    """Checks rows against the store and builds the deals they describe."""

    noun = "deal"

    def __init__(self, reader: DealReader, file: str) -> None:
        self.reader = reader
        self.file = file

    def parse(self, cells_: Sequence[str]) -> tuple[DealRow, str, str]:
        row = self.reader.read(cells_)
        return row, self.reader.key(row), self.reader.digest(cells_)

    def encode(self, row: DealRow) -> str:
        return json.dumps([_text_of(getattr(row, name)) for name in _ROW_FIELDS])

    def decode(self, text: str) -> DealRow:
        values = dict(zip(_ROW_FIELDS, json.loads(text), strict=True))
        for name in ("close_by", "opened_on", "won_on", "closed_on", "lost_on"):
            values[name] = _day(values[name])
        values["value"] = None if values["value"] is None else Decimal(values["value"])
        values["moves"] = [(stage, date.fromisoformat(day)) for stage, day in values["moves"]]
        return DealRow(**values)

    def screen(self, app: Any, items: Sequence[Any], scratch: Any, empty: bool) -> None:
        """Rows whose deal the store already has: imported from the same content, or not."""
        if empty:
            return
        found = stored.first_events(app, (deal_uuid(item.parsed.deal_id) for item in items))
        for item in items:
            opened = found.get(deal_uuid(item.parsed.deal_id))
            if opened is None:
                continue
            source = getattr(opened, "imported", None)
            if source is None:
                item.refuse(RowError(self.reader.columns.column("id"), "deal id taken",
                                     f"deal {opened.deal_id} exists and was not imported: map another id column, "
                                     "or give --id-prefix", refused=True))  # fmt: skip
            elif source.get("hash") == item.digest:
                item.outcome = Outcome.ALREADY
            else:
                item.outcome = Outcome.CHANGED
                item.error = RowError(None, "changed", f"deal {opened.deal_id} was imported from "
                                      f"{source.get('file')}:{source.get('line')} with other values; an import does "
                                      "not change a deal: record the change with dealflow's commands")  # fmt: skip

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


_ROW_FIELDS = tuple(f.name for f in fields(DealRow))


def _text_of(value: Any) -> Any:
    if isinstance(value, (date, Decimal)):
        return str(value)
    if isinstance(value, list):
        return [[stage, str(day)] for stage, day in value]
    return value


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _deal(row: DealRow, source: dict[str, Any], actor: str) -> Opportunity:
    deal = Opportunity.open_imported(
        source=source, deal_id=row.deal_id, account=row.account, title=row.title, actor=actor, on=row.opened_on,
        owner=row.owner, value=row.value, currency=row.currency, close_by=row.close_by,
    )  # fmt: skip
    for stage, day in row.moves:
        deal.place_imported(stage, source=source, actor=actor, on=day)
    if row.target in (WON, CLOSED):
        deal.win_imported(amount=row.value, currency=row.currency, source=source, actor=actor, on=row.won_on)  # type: ignore[arg-type]
    if row.target == CLOSED:
        deal.close_imported(source=source, actor=actor, on=row.closed_on)  # type: ignore[arg-type]
    if row.target == LOST:
        deal.lose_imported(reason=row.reason, competitor=row.competitor, source=source, actor=actor, on=row.lost_on)  # type: ignore[arg-type]
    return deal
