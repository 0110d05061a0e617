"""Exact sums of money columns in SQL, on every store, over any number of deals.

PostgreSQL's SUM of a bigint is exact (numeric). SQLite's SUM of integers stops with "integer
overflow" past 2^63 - 1 (its TOTAL is a float, so inexact), and a few thousand deals in a currency
of large nominal amounts (IDR, VND, KRW) pass that in ten-thousandths. There a money column is
summed in two halves, v // 2^32 and v % 2^32 (each half's sum stays far below 2^63 for billions
of rows), joined in Python. Splitting costs every report 6-20 % more time in SQL (measured on
100,000 deals), so a query first sums plainly and splits only when SQLite's SUM overflowed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, literal_column
from sqlalchemy.exc import OperationalError

HALF = 1 << 32

Money = Callable[[Any], tuple[ColumnElement[Any], ColumnElement[Any]]]


def _plain(column: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    return literal_column("0"), func.sum(column)


def _split(column: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    return func.sum(column // HALF), func.sum(column % HALF)  # money columns are never negative


def summed(connection: Connection, query: Callable[[Money], Select[Any]]) -> Sequence[Sequence[Any]]:
    """The rows of `query(money)`, where `money(column)` gives the two columns of an exact sum of a
    money column, which `joined` makes one."""
    try:
        return connection.execute(query(_plain)).all()
    except OperationalError as error:
        if "integer overflow" not in str(error.orig):
            raise
    return connection.execute(query(_split)).all()


def joined(high: Any, low: Any) -> int | None:
    """The exact sum from the two columns `money` gave; None when there was nothing to sum (as SUM gives)."""
    return None if low is None else int(high) * HALF + int(low)
