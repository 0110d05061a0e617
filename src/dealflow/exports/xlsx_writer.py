"""XLSX with XlsxWriter: typed cells, a frozen bold header, autofilter, column widths,
native charts, no formula ever made from data, and the same bytes for the same data."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from dealflow.aggregates.errors import InvalidInput
from dealflow.exports.xlsx_charts import add_chart, runs_for
from dealflow.reports.table import Cell, Column, Table, as_text

# A fixed creation time: XlsxWriter stamps "now" otherwise, and the same data must give the same bytes.
FIXED_CREATED = datetime(2000, 1, 1)
EXCEL_MAX_ROWS = 1_048_576
MAX_WIDTH = 60
WIDTHS = {
    Cell.TEXT: 10,
    Cell.MONEY: 14,
    Cell.NUMBER: 12,
    Cell.INTEGER: 9,
    Cell.PERCENT: 9,
    Cell.DATE: 11,
    Cell.DATETIME: 20,
    Cell.BOOLEAN: 8,
    Cell.ANY: 12,
}
FORMATS = {
    Cell.MONEY: "#,##0.00",
    Cell.NUMBER: "#,##0.00##",  # 2 to 4 decimals: "#,##0.####" shows a whole number as "16."
    Cell.INTEGER: "0",
    Cell.PERCENT: "0.0%",
    Cell.DATE: "yyyy-mm-dd",
    Cell.DATETIME: "yyyy-mm-dd hh:mm:ss",
}
NUMERIC = (Cell.MONEY, Cell.NUMBER, Cell.INTEGER, Cell.PERCENT)
CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def write_xlsx(tables: Sequence[Table], path: Path, *, advance: Callable[[int], None] | None = None) -> int:
    """One sheet per table, in order; returns the number of data rows written."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,  # rows stream to disk: memory stays flat on 100,000-row sheets
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties({"title": "dealflow export", "author": "dealflow", "created": FIXED_CREATED})
    try:
        formats = _Formats(workbook)
        return sum(_write_sheet(workbook, table, formats, advance) for table in tables)
    finally:
        workbook.close()


class _Formats:
    """Cell formats made once per workbook; an amount is shown with its row's currency (`1,250.00 EUR`)."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.header = workbook.add_format({"bold": True, "bottom": 1})
        self.kinds = {kind: workbook.add_format({"num_format": spec}) for kind, spec in FORMATS.items()}
        self.money: dict[str, Any] = {}

    def of(self, kind: Cell, row: Mapping[str, Any]) -> Any:
        currency = row.get("currency") if kind is Cell.MONEY else None
        if not isinstance(currency, str) or not CURRENCY_CODE.fullmatch(currency):
            return self.kinds.get(kind)
        if currency not in self.money:
            self.money[currency] = self.workbook.add_format({"num_format": f'{FORMATS[kind]} "{currency}"'})
        return self.money[currency]


def _write_sheet(workbook: Any, table: Table, formats: _Formats, advance: Any) -> int:
    sheet = workbook.add_worksheet(sheet_name(table.name))
    columns = table.columns
    widths = [column.width or max(WIDTHS[column.kind], len(column.header) + 2) for column in columns]
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, formats.header)
    runs = runs_for(table, sheet, formats.header, lambda row: formats.of(Cell.MONEY, row))
    count = 0
    for row in table.rows:
        count += 1
        if count >= EXCEL_MAX_ROWS:
            raise InvalidInput(f"{table.name} has more rows than a sheet holds: export it as CSV or JSON Lines instead")
        for index, column in enumerate(columns):
            shown = _write_cell(sheet, count, index, column, row.get(column.key), formats, row)
            if shown > widths[index] and not column.width:
                widths[index] = min(shown, MAX_WIDTH)
        runs.see(row, count)
        if advance is not None:
            advance(1)
    for index, width in enumerate(widths):  # allowed after the rows, even in constant_memory mode
        sheet.set_column(index, index, width)
    sheet.autofilter(0, 0, max(count, 1), len(columns) + runs.helpers - 1)  # a chart's hidden helpers too
    if table.chart is not None and count:
        add_chart(workbook, sheet, table, count, runs)
    return count


def _write_cell(sheet: Any, row: int, col: int, column: Column, value: Any, formats: _Formats, data: Any) -> int:
    """Write one cell; returns the width its text needs (0 when a number or date)."""
    if value is None or value == "":
        return 0
    kind = column.kind
    if kind is Cell.TEXT and type(value) is str:  # the common cell first: most of a sheet is text
        sheet.write_string(row, col, value)
        return len(value) + 2
    if kind is Cell.ANY:
        kind = _kind_of(value)
    if kind in NUMERIC and isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        sheet.write_number(row, col, float(value), formats.of(kind, data))  # Excel holds doubles; CSV keeps exact text
    elif kind is Cell.DATETIME and isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        sheet.write_datetime(row, col, moment, formats.kinds[kind])
    elif kind is Cell.DATE and isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), formats.kinds[kind])
    elif kind is Cell.BOOLEAN and isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    else:
        text = as_text(value)
        sheet.write_string(row, col, text)
        return len(text) + 2
    return 0


def _kind_of(value: Any) -> Cell:
    if isinstance(value, bool):
        return Cell.BOOLEAN
    if isinstance(value, int):
        return Cell.INTEGER
    if isinstance(value, (Decimal, float)):
        return Cell.NUMBER
    if isinstance(value, datetime):
        return Cell.DATETIME
    return Cell.DATE if isinstance(value, date) else Cell.TEXT


def sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)
    return cleaned[:31] or "Sheet"
