"""A report as the writers see it: named, typed columns and a stream of rows."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


class Cell(enum.Enum):
    TEXT = "text"
    MONEY = "money"  # a Decimal; its currency sits in a column of its own
    NUMBER = "number"
    INTEGER = "integer"
    PERCENT = "percent"  # a Decimal fraction, 0.35 for 35 %
    DATE = "date"
    DATETIME = "datetime"  # aware UTC
    BOOLEAN = "boolean"
    ANY = "any"  # typed cell by cell from the value: a column of facts of different kinds


@dataclass(frozen=True)
class Column:
    key: str
    kind: Cell = Cell.TEXT
    title: str = ""
    width: int | None = None

    @property
    def header(self) -> str:
        return self.title or self.key


@dataclass
class Table:
    """One sheet, one CSV file: `rows` may be a generator, so large reports stream."""

    name: str
    columns: tuple[Column, ...]
    rows: Iterable[Mapping[str, Any]]
    chart: Chart | None = None
    total_rows: int | None = None  # for a progress bar, when known


@dataclass(frozen=True)
class Chart:
    """A native chart of one or more numeric columns against a category column. With `series_by`, one
    series per run of rows sharing that column's value (e.g. a currency), each over the same categories.

    `kind="waterfall"` draws the one value column as signed steps from a start total to an end total
    (rows `start` and `end`, drawn from zero): stacked columns over hidden helper cells, as Excel has
    no waterfall of its own; with `series_by`, a chart per run, one under the other."""

    title: str
    category: str
    values: tuple[str, ...]
    kind: str = "column"  # an XlsxWriter chart type, or "waterfall"
    stacked: bool = False
    series_by: str | None = None


def as_text(value: Any) -> str:
    """A list, mapping, date or anything else as one line of text."""
    if isinstance(value, (list, tuple)):
        return "; ".join(as_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={as_text(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)
