"""CSV: UTF-8 (a BOM for Excel on request), one header row, ISO dates, plain decimal amounts,
and text cells neutralised against CSV injection as OWASP advises."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from dealflow.reports.table import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"


def neutralise(text: str) -> str:
    """Prefix a quote so that a spreadsheet shows the text instead of running it (OWASP)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> str:
    """One cell's text: numbers as plain decimals (never touched, never 1E+3), dates ISO, text made inert."""
    convert = _BY_TYPE.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, (list, tuple)):
        return neutralise("; ".join(str(item) for item in value))
    if isinstance(value, dict):
        return neutralise("; ".join(f"{k}={v}" for k, v in value.items()))
    return neutralise(str(value))


_BY_TYPE: dict[type, Callable[[Any], str]] = {  # by exact type: one lookup a cell, 100,000-row exports are hot
    str: neutralise,
    type(None): lambda _: "",
    bool: lambda value: "true" if value else "false",
    int: str,
    float: repr,
    Decimal: lambda value: format(value, "f"),
    date: date.isoformat,
    datetime: datetime.isoformat,
}


def write_csv(
    tables: Sequence[Table],
    out: TextIO,
    *,
    excel: bool = False,
    advance: Callable[[int], None] | None = None,
    lineterminator: str = "\r\n",
) -> int:
    """Write the tables as one CSV (several: each row begins with its table's name, in a `part`
    column, as `dealflow pipeline --csv` prints them); returns the number of data rows. Lines end
    in CRLF as RFC 4180 says, unless `lineterminator` says otherwise (the terminal's "\n")."""
    several = len(tables) > 1
    keys = list(dict.fromkeys(column.key for table in tables for column in table.columns))
    headers = {column.key: column.header for table in tables for column in table.columns}
    writer = csv.writer(out, lineterminator=lineterminator)
    if excel:
        out.write(BOM)
    writer.writerow((["part"] if several else []) + [neutralise(headers[key]) for key in keys])
    count = 0
    for table in tables:
        lead = [table.name] if several else []
        for row in table.rows:
            writer.writerow(lead + [csv_cell(row.get(key)) for key in keys])
            count += 1
            if advance is not None:
                advance(1)
    return count
