"""XLSX with XlsxWriter: typed cells, a frozen bold header, autofilter, column widths,
native charts, no formula ever made from data, and the same bytes for the same data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from dealflow.exports.table import Cell, Column, Table

# A fixed creation time: XlsxWriter stamps "now" otherwise, and the same data must give the same bytes.
FIXED_CREATED = datetime(2000, 1, 1)
EXCEL_MAX_ROWS = 1_048_576
WIDTHS = {
    Cell.TEXT: 18,
    Cell.MONEY: 14,
    Cell.NUMBER: 12,
    Cell.INTEGER: 9,
    Cell.PERCENT: 9,
    Cell.DATE: 11,
    Cell.DATETIME: 20,
    Cell.BOOLEAN: 8,
}
FORMATS = {
    Cell.MONEY: {"num_format": "#,##0.00"},
    Cell.NUMBER: {"num_format": "#,##0.####"},
    Cell.INTEGER: {"num_format": "0"},
    Cell.PERCENT: {"num_format": "0.0%"},
    Cell.DATE: {"num_format": "yyyy-mm-dd"},
    Cell.DATETIME: {"num_format": "yyyy-mm-dd hh:mm:ss"},
}


def write_xlsx(tables: Sequence[Table], path: Path, *, advance: Callable[[int], None] | None = None) -> int:
    """One sheet per table, in order; returns the number of data rows written."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,  # rows stream to disk: memory stays flat on 100,000-row sheets
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    workbook.set_properties({"title": "dealflow export", "author": "dealflow", "created": FIXED_CREATED})
    header = workbook.add_format({"bold": True, "bottom": 1})
    formats = {kind: workbook.add_format(spec) for kind, spec in FORMATS.items()}
    total = 0
    for table in tables:
        total += _write_sheet(workbook, table, header, formats, advance)
    workbook.close()
    return total


def _write_sheet(workbook: Any, table: Table, header: Any, formats: dict[Cell, Any], advance: Any) -> int:
    sheet = workbook.add_worksheet(_sheet_name(table.name))
    for index, column in enumerate(table.columns):  # widths first: constant_memory writes rows as they come
        width = column.width or max(WIDTHS[column.kind], len(column.header) + 2)
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(table.columns):
        sheet.write_string(0, index, column.header, header)
    count = 0
    for row in table.rows:
        if count + 1 >= EXCEL_MAX_ROWS:
            raise OverflowError(f"{table.name} has more rows than a sheet holds: export it as CSV instead")
        for index, column in enumerate(table.columns):
            _write_cell(sheet, count + 1, index, column, row.get(column.key), formats)
        count += 1
        if advance is not None:
            advance(1)
    sheet.autofilter(0, 0, max(count, 1), len(table.columns) - 1)
    if table.chart is not None and count:
        _add_chart(workbook, sheet, table, count)
    return count


def _write_cell(sheet: Any, row: int, col: int, column: Column, value: Any, formats: dict[Cell, Any]) -> None:
    if value is None or value == "":
        return
    kind = column.kind
    if kind in (Cell.MONEY, Cell.NUMBER, Cell.INTEGER, Cell.PERCENT) and isinstance(value, (Decimal, int, float)):
        sheet.write_number(row, col, float(value), formats[kind])  # Excel holds doubles; the CSV keeps exact text
    elif kind is Cell.DATETIME and isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), formats[kind])
    elif kind is Cell.DATE and isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), formats[kind])
    elif kind is Cell.BOOLEAN:
        sheet.write_boolean(row, col, bool(value))
    else:
        sheet.write_string(row, col, _text(value))


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _add_chart(workbook: Any, sheet: Any, table: Table, count: int) -> None:
    chart_spec = table.chart
    assert chart_spec is not None
    keys = [column.key for column in table.columns]
    subtype = {"subtype": "stacked"} if chart_spec.stacked else {}
    chart = workbook.add_chart({"type": chart_spec.kind, **subtype})
    category = keys.index(chart_spec.category)
    for key in chart_spec.values:
        col = keys.index(key)
        chart.add_series(
            {
                "name": [sheet.name, 0, col],
                "categories": [sheet.name, 1, category, count, category],
                "values": [sheet.name, 1, col, count, col],
            }
        )
    chart.set_title({"name": chart_spec.title})
    chart.set_size({"width": 720, "height": 360})
    sheet.insert_chart(1, len(keys) + 1, chart)


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)
    return cleaned[:31] or "Sheet"
