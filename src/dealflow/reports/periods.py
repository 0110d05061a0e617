"""Calendar periods the reports count in: months ("2026-12") and quarters ("2026-Q4"), each a label
with its first and last day, so that a report's rows and its default dates agree on where a period
begins. Pure functions of dates: no clock is read here, the caller says which day it is."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

PERIODS = ("month", "quarter")


class Period(NamedTuple):
    label: str
    first_day: date
    last_day: date


def _months(period: str) -> int:
    if period not in PERIODS:
        raise ValueError(f"no period {period!r}: choose one of {', '.join(PERIODS)}")
    return 1 if period == "month" else 3


def _shifted(year: int, month: int, months: int) -> tuple[int, int]:
    """The (year, month) `months` after (or before, when negative) the given one."""
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def period_of(day: date, period: str) -> Period:
    """The month or quarter that `day` is in."""
    length = _months(period)
    month = (day.month - 1) // length * length + 1
    first = date(day.year, month, 1)
    year, after = _shifted(day.year, month, length)
    last = date(year, after, 1) - timedelta(days=1)
    label = f"{day.year}-{day.month:02d}" if period == "month" else f"{day.year}-Q{(month - 1) // 3 + 1}"
    return Period(label, first, last)


def periods_from(day: date, period: str, n: int) -> list[Period]:
    """`n` periods, the first the one containing `day`, each the one after the last."""
    found: list[Period] = []
    for _ in range(n):
        found.append(period_of(day, period))
        day = found[-1].last_day + timedelta(days=1)
    return found


def periods_before(day: date, period: str, n: int) -> list[Period]:
    """The `n` whole periods before the one containing `day`, oldest first."""
    found: list[Period] = []
    for _ in range(n):
        found.append(period_of(period_of(day, period).first_day - timedelta(days=1), period))
        day = found[-1].first_day
    return found[::-1]


def quarter_before(day: date) -> date:
    """The last day of the quarter before the one `day` is in: where a quarter's movement starts from."""
    return period_of(day, "quarter").first_day - timedelta(days=1)
