"""Exact sums of a money column in SQL, on every store, over any number of deals.

SQLite's SUM of integers stops with "integer overflow" past 2^63 - 1 (its TOTAL is a float, so
inexact), and a few thousand deals in a currency of large nominal amounts (IDR, VND, KRW) pass
that in ten-thousandths. So a money column is summed in two halves, v // 2^32 and v % 2^32 (each
half's sum stays far below 2^63 for billions of rows), and the halves are joined in Python. The
same SQL runs on PostgreSQL, whose SUM of a bigint is exact anyway (numeric): one way, tested on both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

HALF = 1 << 32


def halves(column: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The two sums that `joined` makes one exact sum of (money columns are never negative)."""
    return func.sum(column // HALF), func.sum(column % HALF)


def joined(high: Any, low: Any) -> int | None:
    """The exact sum from its halves; None when there was nothing to sum (as SUM gives)."""
    return None if high is None else int(high) * HALF + int(low)
