"""A report as the writers see it: named, typed columns and a stream of rows."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
    """A native chart of one or more numeric columns against a category column."""

    title: str
    category: str
    values: tuple[str, ...]
    kind: str = "column"  # XlsxWriter chart type
    stacked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
