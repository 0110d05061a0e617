"""The forecast by period of expected close, and how good past forecasts were.

For the current period and the next ones: the open deals expected to close in each, their value
(the best case), weighted by the stage probabilities in force, the part in commitment, what was
won in the period so far, and the deals whose close date slipped out of it since the current
period began. For each past period (`accuracy`): the same forecast as it stood at the end of the
day before the period began (the pipeline as of that day), against what was won in the period
(the movement's `won` over it): the backtest a log of every change makes exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, or_, select
from sqlalchemy import Table as SQLTable

from dealflow.aggregates.money import canonical
from dealflow.playbook import SIGNING_STAGE, STAGE_NAMES, Status
from dealflow.projections.tables import pipeline_deals, pipeline_history
from dealflow.projections.units import from_units
from dealflow.reports.movement import tally
from dealflow.reports.movement_sql import WINS, Filters, pushed_out
from dealflow.reports.periods import Period, periods_before, periods_from
from dealflow.reports.pipeline import standing
from dealflow.reports.report import Report, Settings, columns, currency_key, ratio
from dealflow.reports.sums import Money, joined, summed
from dealflow.reports.table import Cell, Table

OPEN = Status.OPEN.value
COMMITTED = SIGNING_STAGE.name
MONEY = ("best_case", "weighted", "committed", "won", "slipped")


def forecast_report(
    connection: Connection,
    *,
    today: date,
    settings_on: Callable[[date], Settings],
    period: str = "quarter",
    periods: int = 4,
    accuracy: bool = False,
    owners: Collection[str] | None = None,
) -> Report:
    ahead = periods_from(today, period, periods)
    settings = settings_on(today)
    probabilities = {stage: settings.probability(stage) for stage in STAGE_NAMES}
    facts: dict[str, Any] = {"as_of": today, "period": period, "periods": periods, "probabilities": probabilities}
    if owners is not None:
        facts["owners"] = list(owners)
    tables = [_ahead(connection, today, ahead, probabilities, owners)]
    if accuracy:
        tables += _accuracy(connection, periods_before(today, period, periods), settings_on, owners)
    return Report(facts, tables)


def _expected(
    connection: Connection,
    day: int | None,
    spans: list[Period],
    probabilities: dict[str, Decimal],
    owners: Collection[str] | None,
    by_owner: bool = False,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The open deals expected to close in each period of `spans`, as of the end of `day` (now for None):
    keyed (period index, currency[, owner]), each {deals, best_case, weighted, committed_deals, committed}."""
    s = standing(day, owners=owners)
    first, last = spans[0].first_day.toordinal(), spans[-1].last_day.toordinal()
    keys = [s.c.close_by, s.c.currency, s.c.stage, *((s.c.owner,) if by_owner else ())]
    found = summed(
        connection,
        lambda money: (
            select(*keys, func.count(), *money(s.c.value))
            .where(and_(s.c.status == OPEN, s.c.close_by.between(first, last)))
            .group_by(*keys)
        ),
    )
    starts = [span.first_day.toordinal() for span in spans]
    totals: dict[tuple[Any, ...], dict[str, Any]] = {}
    for close_by, currency, stage, *rest in found:
        owner = rest.pop(0) if by_owner else None
        count, value = rest[0], from_units(joined(*rest[1:]) or 0) or Decimal(0)
        index = sum(1 for start in starts if close_by >= start) - 1
        key = (index, currency, owner) if by_owner else (index, currency)
        row = totals.setdefault(key, _zero())
        row["deals"] += count
        row["best_case"] += value
        row["weighted"] += value * probabilities[stage]
        if stage == COMMITTED:
            row["committed_deals"] += count
            row["committed"] += value
    return totals


def _zero() -> dict[str, Any]:
    return {"deals": 0, "best_case": Decimal(0), "weighted": Decimal(0), "committed_deals": 0, "committed": Decimal(0)}


def _ahead(
    connection: Connection, today: date, ahead: list[Period], p: dict[str, Decimal], owners: Collection[str] | None
) -> Table:
    expected = _expected(connection, None if today == date.today() else today.toordinal(), ahead, p, owners)
    began = ahead[0].first_day.toordinal() - 1
    end = today.toordinal()
    won, _ = tally(connection, began, end, Filters(owners=owners), reading=WINS)
    windows = [(span.first_day.toordinal(), span.last_day.toordinal()) for span in ahead]
    slipped_out = pushed_out(connection, began, end, windows, owners)
    currencies = {key[1] for key in expected} | {key[1] for key in won if key[3] == "won"}
    currencies |= {currency for _, currency in slipped_out}
    rows = []
    for currency in sorted(currencies, key=currency_key):
        for index, span in enumerate(ahead):
            row = expected.get((index, currency)) or _zero()
            gained = won.get((0, currency, None, "won"), [0, 0]) if index == 0 else [0, 0]
            slipped = slipped_out.get((index, currency), (0, 0))
            rows.append(
                {
                    "currency": currency,
                    "period": span.label,
                    "starts": span.first_day,
                    "ends": span.last_day,
                    **row,
                    "weighted": canonical(row["weighted"]),
                    "won_deals": gained[0],
                    "won": from_units(gained[1]),
                    "slipped_deals": slipped[0],
                    "slipped": from_units(slipped[1]),
                }
            )
    return Table(
        "periods",
        columns(
            ("currency", Cell.TEXT),
            ("period", Cell.TEXT),
            ("starts", Cell.DATE),
            ("ends", Cell.DATE),
            ("deals", Cell.INTEGER),
            ("best_case", Cell.MONEY),
            ("weighted", Cell.MONEY),
            ("committed_deals", Cell.INTEGER),
            ("committed", Cell.MONEY),
            ("won_deals", Cell.INTEGER),
            ("won", Cell.MONEY),
            ("slipped_deals", Cell.INTEGER),
            ("slipped", Cell.MONEY),
        ),
        rows,
    )


def _accuracy(
    connection: Connection, past: list[Period], settings_on: Callable[[date], Settings], owners: Collection[str] | None
) -> list[Table]:
    """Each past period's forecast at its start against what was won in it, for the team and per owner."""
    said: dict[tuple[Any, ...], dict[str, Any]] = {}
    eves = [span.first_day - timedelta(days=1) for span in past]
    weights = [{stage: settings_on(eve).probability(stage) for stage in STAGE_NAMES} for eve in eves]
    for (index, currency, stage, owner), (count, units) in _said_at_eves(connection, past, owners).items():
        row = said.setdefault((index, currency, owner), _zero())
        value = from_units(units) or Decimal(0)
        row["deals"] += count
        row["best_case"] += value
        row["weighted"] += value * weights[index][stage]
        if stage == COMMITTED:
            row["committed_deals"] += count
            row["committed"] += value
    cuts = tuple(span.last_day.toordinal() for span in past[:-1])
    first, last = past[0].first_day.toordinal() - 1, past[-1].last_day.toordinal()
    won, _ = tally(connection, first, last, Filters(owners=owners, by="owner"), cuts, reading=WINS)
    owned: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(_outcome)
    for key, row in said.items():
        owned[key].update(row)
    for (index, currency, owner, bucket), (deals, units) in won.items():
        if bucket == "won":
            owned[index, currency, owner]["won_deals"] += deals
            owned[index, currency, owner]["won"] += from_units(units) or 0
    team: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(_outcome)
    for (index, currency, _), row in owned.items():
        for name, value in row.items():
            team[index, currency][name] += value

    def rows(found: dict[tuple[Any, ...], dict[str, Any]]) -> list[dict[str, Any]]:
        listed = []
        for key in sorted(found, key=lambda k: (k[0], currency_key(k[1]), *(str(part) for part in k[2:]))):
            span, row = past[key[0]], found[key]
            facts = {"period": span.label, "starts": span.first_day, "ends": span.last_day, "currency": key[1]}
            if len(key) > 2:
                facts["owner"] = key[2]
            listed.append(
                {
                    **facts,
                    "forecast_deals": row["deals"],
                    "best_case": row["best_case"],
                    "weighted": canonical(row["weighted"]),
                    "committed": row["committed"],
                    "won_deals": row["won_deals"],
                    "won": row["won"],
                    "accuracy": ratio(row["won"], row["weighted"]),
                }
            )
        return listed

    head = (("period", Cell.TEXT), ("starts", Cell.DATE), ("ends", Cell.DATE), ("currency", Cell.TEXT))
    figures = (
        ("forecast_deals", Cell.INTEGER),
        ("best_case", Cell.MONEY),
        ("weighted", Cell.MONEY),
        ("committed", Cell.MONEY),
        ("won_deals", Cell.INTEGER),
        ("won", Cell.MONEY),
        ("accuracy", Cell.PERCENT),
    )
    return [
        Table("accuracy", columns(*head, *figures), rows(team)),
        Table("accuracy_by_owner", columns(*head, ("owner", Cell.TEXT), *figures), rows(owned)),
    ]


def _said_at_eves(
    connection: Connection, past: list[Period], owners: Collection[str] | None
) -> dict[tuple[Any, ...], tuple[int, int]]:
    """The open deals expected to close in each period as they stood the day before it began, all
    periods in one scan of the versions: keyed (period index, currency, stage, owner), (deals, value).
    The periods do not overlap, so a version's close date names the one period, and the one day,
    at whose eve it may have been in force."""
    found: dict[tuple[Any, ...], tuple[int, int]] = {}
    for table in (pipeline_history, pipeline_deals):
        for slot, currency, stage, owner, count, *money in summed(connection, _in_force_at_eves(table, past, owners)):
            deals, units = found.get((slot, currency, stage, owner), (0, 0))
            found[slot, currency, stage, owner] = (deals + count, units + (joined(*money) or 0))
    return found


def _in_force_at_eves(
    table: SQLTable, past: list[Period], owners: Collection[str] | None
) -> Callable[[Money], Select[Any]]:
    v = table.c
    bounds = [(span.first_day.toordinal(), span.last_day.toordinal()) for span in past]
    slot = case(*((v.close_by.between(first, last), n) for n, (first, last) in enumerate(bounds)))

    def at_eve(first: int, last: int) -> ColumnElement[bool]:  # the cheap test first: most versions fail it
        held = [v.close_by.between(first, last), v.valid_from < first]
        return and_(*held, v.valid_to >= first) if table is pipeline_history else and_(*held)

    where = [v.status == OPEN, or_(*(at_eve(first, last) for first, last in bounds))]
    if owners is not None:
        where.append(v.owner.in_(list(owners)))
    keys = (slot.label("slot"), v.currency, v.stage, v.owner)
    return lambda money: select(*keys, func.count(), *money(v.value)).where(*where).group_by(*keys)


def _outcome() -> dict[str, Any]:
    return {**_zero(), "won_deals": 0, "won": Decimal(0)}
