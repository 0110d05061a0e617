"""The pipeline by owner or account, by expected close month, and its stalled deals: each from a
`standing` of the deals (see `reports.pipeline`), summed in SQL, per currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Subquery, and_, case, func, select

from dealflow.playbook import Status
from dealflow.projections.units import from_day, from_units
from dealflow.reports.report import columns, currency_key, ratio, tidy_row, weigh
from dealflow.reports.sums import joined, summed
from dealflow.reports.table import Cell, Table

OPEN, WON, CLOSED = Status.OPEN.value, Status.WON.value, Status.CLOSED.value


def by_group(connection: Connection, s: Subquery, by: str, cutoff: int, p: dict[str, Decimal]) -> Table:
    """Per owner or account and currency: the open pipeline, its weight, what was won and lost."""
    key = s.c[by]
    stalled = func.sum(case((and_(s.c.status == OPEN, s.c.valid_from <= cutoff), 1), else_=0))
    grouped = summed(
        connection,
        lambda money: (
            select(key, s.c.currency, s.c.status, s.c.stage, func.count(), *money(s.c.value))
            .add_columns(*money(s.c.signed), func.count(s.c.signed), stalled)
            .group_by(key, s.c.currency, s.c.status, s.c.stage)
        ),
    )
    totals: dict[tuple[str, Any], dict[str, Any]] = {}
    for name, currency, status, stage, count, *money, agreements, idle in grouped:
        value, signed = joined(*money[:2]), joined(*money[2:])  # each sum in two columns (`sums`)
        row = totals.setdefault((name, currency), _group_row(by, name, currency))
        amount = from_units(value or 0) or Decimal(0)
        if status == OPEN:
            row["open"] += count
            row["value"] += amount
            row["weighted"] += weigh(amount, p[stage])
            row["stalled"] += idle
        elif status in (WON, CLOSED):
            row["won"] += agreements  # won means signed: an imported ledger deal never was
            row["won_value"] += from_units(signed or 0)
        else:
            row["lost"] += count
            row["lost_value"] += amount
    for row in totals.values():
        row["win_rate"] = ratio(row["won"], row["won"] + row["lost"])
    return Table(
        f"{by}s",
        columns(
            (by, Cell.TEXT),
            ("currency", Cell.TEXT),
            ("open", Cell.INTEGER),
            ("value", Cell.MONEY),
            ("weighted", Cell.MONEY),
            ("stalled", Cell.INTEGER),
            ("won", Cell.INTEGER),
            ("won_value", Cell.MONEY),
            ("lost", Cell.INTEGER),
            ("lost_value", Cell.MONEY),
            ("win_rate", Cell.PERCENT),
        ),
        [tidy_row(totals[key]) for key in sorted(totals, key=lambda k: (k[0], currency_key(k[1])))],
    )


def _group_row(by: str, name: str, currency: Any) -> dict[str, Any]:
    zero = Decimal(0)
    counts = dict.fromkeys(("open", "stalled", "won", "lost"), 0)
    return {
        by: name,
        "currency": currency,
        **counts,
        **dict.fromkeys(("value", "weighted", "won_value", "lost_value"), zero),
    }


def forecast(connection: Connection, s: Subquery, p: dict[str, Decimal]) -> Table:
    """Open deals by the month they are expected to close (their forecast close date)."""
    grouped = summed(
        connection,
        lambda money: (
            select(s.c.close_by, s.c.currency, s.c.stage, func.count(), *money(s.c.value))
            .where(s.c.status == OPEN)
            .group_by(s.c.close_by, s.c.currency, s.c.stage)
        ),
    )
    months: dict[tuple[str | None, Any], dict[str, Any]] = {}
    for close_by, currency, stage, count, *money in grouped:
        value = joined(*money)
        closes = from_day(close_by) if close_by else None
        month = closes.strftime("%Y-%m") if closes else None
        row = months.setdefault((month, currency), {"month": month, "currency": currency, "deals": 0})
        amount = from_units(value or 0) or Decimal(0)
        row["deals"] += count
        row["value"] = row.get("value", Decimal(0)) + amount
        row["weighted"] = row.get("weighted", Decimal(0)) + weigh(amount, p[stage])
    return Table(
        "forecast",
        columns(
            ("month", Cell.TEXT),
            ("currency", Cell.TEXT),
            ("deals", Cell.INTEGER),
            ("value", Cell.MONEY),
            ("weighted", Cell.MONEY),
        ),
        [tidy_row(months[key]) for key in sorted(months, key=lambda k: (k[0] is None, k[0] or "", currency_key(k[1])))],
    )


def stalled_deals(connection: Connection, s: Subquery, day: int, cutoff: int) -> Table:
    found = connection.execute(
        select(s.c.deal_id, s.c.account, s.c.owner, s.c.stage, s.c.currency, s.c.value, s.c.valid_from)
        .where(s.c.status == OPEN, s.c.valid_from <= cutoff)
        .order_by(s.c.valid_from, s.c.deal_id)
    ).all()
    return Table(
        "stalled",
        columns(
            ("deal", Cell.TEXT),
            ("account", Cell.TEXT),
            ("owner", Cell.TEXT),
            ("stage", Cell.TEXT),
            ("currency", Cell.TEXT),
            ("value", Cell.MONEY),
            ("last_event_on", Cell.DATE),
            ("idle_days", Cell.INTEGER),
        ),
        [
            {
                "deal": deal_id,
                "account": account,
                "owner": owner,
                "stage": stage,
                "currency": currency,
                "value": from_units(value),
                "last_event_on": from_day(last),
                "idle_days": day - last,
            }
            for deal_id, account, owner, stage, currency, value, last in found
        ],
    )
