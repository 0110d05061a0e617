"""Each deal's one-line facts, as the workbook's deals sheet and `export deals --detail` give them:
the deal as `deals --json` lists it, its days in the stage (as `show` counts them), the day of its
last activity, what was signed, invoiced and is still open, how overdue its oldest open invoice
is, and how many concessions each side made. One query of the projections, never a deal loaded.

As of a past day each deal reads its version in force then (the pipeline's `standing`), the
invoices recorded by then with the payments and write-offs dated by then, and the concessions made
by then; a deal's action and its number of events are kept for its latest version alone, so they
are left empty there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, Subquery, case, func, null, select

from dealflow.playbook import US
from dealflow.projections.ageing import CHASE
from dealflow.projections.tables import ageing_invoices, ageing_movements, concessions, pipeline_deals
from dealflow.projections.units import from_day, from_units
from dealflow.reports.deals import DEAL_COLUMNS
from dealflow.reports.pipeline import standing
from dealflow.reports.sums import joined, summed
from dealflow.reports.table import Cell, Column, Table

FACT_COLUMNS = (
    *(column for column in DEAL_COLUMNS if column.key != "version"),
    Column("days_in_stage", Cell.INTEGER),
    Column("last_activity_on", Cell.DATE),
    Column("signed", Cell.MONEY),
    Column("invoiced", Cell.MONEY),
    Column("open_balance", Cell.MONEY),
    Column("days_past_due", Cell.INTEGER),  # the oldest open invoice's, as `ageing` counts them
    Column("concessions_ours", Cell.INTEGER),
    Column("concessions_theirs", Cell.INTEGER),
    Column("version", Cell.INTEGER),
)
_MONEY = ("value", "signed", "invoiced", "open_balance")
_DAYS = ("close_by", "opened_on", "last_activity_on")


def deal_facts_table(connection: Connection, *, as_of: date, latest: bool = True) -> Table:
    """Every deal open by the end of `as_of` with its facts then, in the order opened; `latest` says
    nothing can be dated after `as_of` (it is today), so that the current rows alone answer."""
    day = as_of.toordinal()
    query = _query(day, latest)
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    invoiced = _invoiced(connection, None if latest else day)
    return Table("deals", FACT_COLUMNS, _rows(connection, query, invoiced, day), total_rows=total)


def _rows(connection: Connection, query: Select[Any], invoiced: dict[str, Any], day: int) -> Iterator[dict[str, Any]]:
    for found in connection.execute(query).mappings():
        row = dict(found)
        since = row.pop("stage_since")
        row["days_in_stage"] = day - since  # as `show` counts them: since a lost or closed deal left its stage
        amount, open_balance, oldest_due = invoiced.get(row.pop("deal"), (None, None, None))
        row["invoiced"], row["open_balance"] = amount, open_balance
        row["days_past_due"] = None if oldest_due is None else max(day - oldest_due, 0)
        row.update({key: from_units(row[key]) for key in _MONEY})
        row.update({key: from_day(row[key]) for key in _DAYS})
        yield {column.key: row[column.key] for column in FACT_COLUMNS}


def _query(day: int, latest: bool) -> Select[Any]:
    d = pipeline_deals.c
    s = standing(None if latest else day)
    given = _concessions(None if latest else day)
    now_only = {key: d[key] if latest else null() for key in ("action", "version")}
    names = [d.deal, d.deal_id.label("id"), d.account, d.title]
    standing_then = [s.c[key] for key in ("owner", "status", "stage", "value", "currency", "close_by")]
    facts = [
        s.c.stage_since, s.c.valid_from.label("last_activity_on"), s.c.signed,
        func.coalesce(given.c.ours, 0).label("concessions_ours"),
        func.coalesce(given.c.theirs, 0).label("concessions_theirs"),
    ]  # fmt: skip
    return (
        select(*names, *standing_then, d.opened_on, *facts, *(value.label(key) for key, value in now_only.items()))
        .join_from(s, pipeline_deals, s.c.id == d.id)
        .outerjoin(given, given.c.deal == d.deal)
        .order_by(s.c.id)
    )


def _invoiced(connection: Connection, day: int | None) -> dict[str, tuple[int | None, int | None, int | None]]:
    """Per deal with invoices: what was invoiced, what is still open and the due day of its oldest
    open invoice, by the end of `day` (a day number) when given, else now. Summed exactly (`sums`):
    an imported deal's invoices are bounded by no signed amount."""
    i, m = ageing_invoices.c, ageing_movements.c
    if day is None:
        each = select(i.deal, i.amount, i.balance, i.due)
    else:
        settled = (
            select(func.coalesce(func.sum(m.amount), 0))
            .where(m.deal == i.deal, m.invoice == i.invoice, m.on <= day, m.kind != CHASE)
            .scalar_subquery()
        )
        each = select(i.deal, i.amount, (i.amount - settled).label("balance"), i.due).where(i.invoiced_on <= day)
    e = each.subquery()
    found = summed(
        connection,
        lambda money: select(
            e.c.deal, *money(e.c.amount), *money(e.c.balance), func.min(case((e.c.balance > 0, e.c.due)))
        ).group_by(e.c.deal),
    )
    return {deal: (joined(a, b), joined(c, d), due) for deal, a, b, c, d, due in found}


def _concessions(day: int | None) -> Subquery:
    """Per deal: how many concessions we made and how many the customer made, by `day` when given."""
    c = concessions.c
    query = select(
        c.deal,
        func.sum(case((c.by == US, 1), else_=0)).label("ours"),
        func.sum(case((c.by == US, 0), else_=1)).label("theirs"),
    ).group_by(c.deal)
    if day is not None:
        query = query.where(c.on <= day)
    return query.subquery("given")
