"""How projections store money and dates: exact integers that every SQL database can sum and subtract.

Money is kept in ten-thousandths (amounts have at most 4 decimal places), dates as day numbers
(`date.toordinal()`), so that a report can add balances and count days in SQL on SQLite and
PostgreSQL alike, without floats and without dialect-specific date functions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dealflow.storage.transcoded import DATA

SCALE = 4  # decimal places kept: the domain refuses amounts with more
MAX_UNITS = 2**63 - 1  # what a BigInteger column holds, on SQLite and PostgreSQL alike

_DAYS: dict[str, int] = {}  # ISO text -> day number; a log holds few distinct dates


def to_day(value: Any) -> int | None:
    """A day number from a date, ISO text, or the stored JSON form of a date."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value[DATA]  # the transcoder's form of a value (see `transcoded`)
    if isinstance(value, str):
        day = _DAYS.get(value)
        if day is None:
            day = _DAYS[value] = date.fromisoformat(value).toordinal()
        return day
    return value.toordinal()


def from_day(day: int | None) -> date | None:
    return None if day is None else date.fromordinal(day)


def to_units(value: Any) -> int | None:
    """Ten-thousandths from a Decimal, decimal text, or the stored JSON form of a Decimal."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value[DATA]  # the transcoder's form of a value (see `transcoded`)
    return fits(int(Decimal(value).scaleb(SCALE)))


def fits(units: int) -> int:
    """`units`, or OverflowError when a money column cannot hold them (the domain refuses any amount
    or deal total that large, so only a log written otherwise holds one)."""
    if not -MAX_UNITS <= units <= MAX_UNITS:
        raise OverflowError(
            f"the amount {from_units(units):,} is beyond what a projection stores (at most {from_units(MAX_UNITS):,})"
        )
    return units


@lru_cache(maxsize=65_536)  # reports of thousands of rows repeat amounts; a Decimal never changes, so one is shared
def from_units(units: int | None) -> Decimal | None:
    """The exact amount, without trailing zeros beyond what was recorded (120000, 1250.5)."""
    if units is None:
        return None
    amount = Decimal(units).scaleb(-SCALE)
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
