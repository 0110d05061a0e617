"""CSV: UTF-8 (a BOM for Excel on request), one header row, ISO dates, plain decimal amounts,
and text cells neutralised against CSV injection as OWASP advises."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from dealflow.exports.table import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(text: str) -> str:
    """Prefix a quote so that a spreadsheet shows the text instead of running it (OWASP)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> str | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, int)):
        return str(value)  # numbers are never touched
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(item) for item in value)
    elif isinstance(value, dict):
        value = "; ".join(f"{k}={v}" for k, v in value.items())
    return neutralise(str(value))


def write_csv(table: Table, path: Path, *, excel: bool = False, advance: Callable[[int], None] | None = None) -> int:
    """Write `table` to `path`; returns the number of data rows."""
    count = 0
    with path.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(column.header) for column in table.columns])
        for row in table.rows:
            writer.writerow([csv_cell(row.get(column.key)) for column in table.columns])
            count += 1
            if advance is not None:
                advance(1)
    return count
