"""What the readers of a CSV row share (`import deals` and `import invoices`): how the file's cells
are read (`ReadOptions`), a row's digest, and its cells read as text, amounts, currencies and
dates, each refusal naming the cell's column and saying how to fix it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dealflow.imports import cells
from dealflow.imports.mapping import Columns
from dealflow.imports.outcome import RowError


@dataclass(frozen=True)
class ReadOptions:
    """How the cells of a file are read, whatever it imports."""

    dates: cells.Dates
    currency: str | None = None  # for rows whose currency cell is blank, or a file without one
    default_date: date | None = None  # for rows without a date they need
    id_prefix: str = ""  # put before each deal id of the file
    decimal_comma: bool = False


class RowReader:
    """Reads the cells of one row; a subclass makes the row of its import from them."""

    BLANK = "fill it in"  # what a blank cell that is needed says to do ({name}: the field)

    def __init__(self, columns: Columns, options: ReadOptions) -> None:
        self.columns = columns
        self.options = options
        self.today = date.today()

    def digest(self, row_cells: Sequence[str]) -> str:
        """The row's content, as the file gives it: a row imported again is known by it."""
        return hashlib.blake2b("\x1f".join(self.columns.raw(row_cells)).encode(), digest_size=8).hexdigest()

    def _required(self, row_cells: Sequence[str], name: str) -> str:
        text = self.columns.cell(row_cells, name)
        if text is None:
            raise RowError(self.columns.column(name), "blank", f"blank: {self.BLANK.format(name=name)}")
        return text

    def _amount(self, row_cells: Sequence[str], name: str) -> Decimal | None:
        text = self.columns.cell(row_cells, name)
        if text is None:
            return None
        try:
            return cells.amount(text, decimal_comma=self.options.decimal_comma)
        except cells.CellError as error:
            raise RowError(self.columns.column(name), error.problem, str(error)) from None

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

    def _in_the_future(self, day: date, where: str) -> RowError:
        return RowError(
            where,
            "a date in the future",
            f"{day} is in the future: an import records what has happened, by today ({self.today})",
        )
