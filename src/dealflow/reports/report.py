"""What a report is: a few facts (the date it is as of, the settings it used) and one or more
tables, each a named part with typed columns (the export writers' `Table`), rows as plain dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from dealflow.aggregates.errors import AS_OF, InvalidInput
from dealflow.aggregates.money import canonical
from dealflow.reports.table import Cell, Column, Table


class Settings(Protocol):
    """The settings in force that the reports read: `playbook.Defaults`, which the catalogue makes at
    run time (a stage added there has its probability), so a type checker knows it by this shape."""

    stalled_days: int
    collection_overdue_days: int
    collection_large_amount: Decimal

    def probability(self, stage: str) -> Decimal: ...


@dataclass
class Report:
    facts: dict[str, Any]
    tables: list[Table] = field(default_factory=list)


def columns(*spec: tuple[str, Cell]) -> tuple[Column, ...]:
    return tuple(Column(key, kind) for key, kind in spec)


def ratio(part: int | Decimal, whole: int | Decimal, places: int = 4) -> Decimal | None:
    """part / whole to `places` decimal places (half-even), or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def as_of_day(as_of: date | None) -> date:
    """The report's date: today by default, never in the future (nothing is recorded there yet)."""
    today = date.today()
    if as_of is None:
        return today
    if as_of > today:
        raise InvalidInput(
            "{} {} is in the future: give today ({}) or an earlier date", AS_OF, as_of, today, rule="in the future"
        )
    return as_of


def weigh(amount: Decimal | None, probability: Decimal) -> Decimal:
    """An amount weighted by a stage's probability; no amount weighs nothing."""
    return (amount or Decimal(0)) * probability


def tidy_row(row: dict[str, Any]) -> dict[str, Any]:
    """Exact amounts without the trailing zeros that multiplying by a probability leaves, written as
    every JSON and CSV output writes an amount (`canonical`)."""
    return {
        key: canonical(value) if isinstance(value, Decimal) and key != "win_rate" else value
        for key, value in row.items()
    }


def currency_key(currency: str | None) -> tuple[bool, str]:
    """Currencies in alphabetical order, deals without a currency yet last."""
    return currency is None, currency or ""


def currency_first(item: tuple[Any, Any]) -> Any:
    """The order of a (key, totals) item whose key is a currency, or a tuple that begins with one."""
    key = item[0]
    return (currency_key(key[0]), *key[1:]) if isinstance(key, tuple) else currency_key(key)
