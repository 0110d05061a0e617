"""The receivables ageing report as of a date: each open invoice's balance in its bucket of days
past due, with the collection step the method recommends for the cause of its latest chase, per
customer, per currency.

As of a past date an invoice counts from the day it was recorded, and its balance is its amount
less the payments and write-offs dated on or before that day: one paid later is still open then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, select

from dealflow.coaching import remedy_step
from dealflow.projections.ageing import CHASE
from dealflow.projections.projection import rows
from dealflow.projections.tables import ageing_invoices, ageing_movements, pipeline_deals
from dealflow.projections.units import from_day, from_units
from dealflow.reports.report import Report, Settings, columns
from dealflow.reports.table import Cell, Table

BY = ("invoice", "customer")
BUCKETS = ("current", "1-30", "31-60", "61-90", "over-90")  # days past due; current is not yet due
_MONEY = tuple((bucket, Cell.MONEY) for bucket in BUCKETS)


def bucket(days_past_due: int) -> str:
    if days_past_due <= 0:
        return BUCKETS[0]
    if days_past_due <= 30:
        return BUCKETS[1]
    if days_past_due <= 60:
        return BUCKETS[2]
    if days_past_due <= 90:
        return BUCKETS[3]
    return BUCKETS[4]


def collection_step(days_past_due: int, balance: Decimal, settings: Settings, cause: str | None = None) -> str | None:
    """The step for an overdue invoice: the remedy for `cause`, the cause of its latest chase; for an
    unwilling customer, or none recorded, the matrix's, where long past due is more than
    collection-overdue-days and a large balance at least collection-large-amount (in its currency)."""
    if days_past_due <= 0:
        return None
    return remedy_step(
        cause, days_past_due > settings.collection_overdue_days, balance >= settings.collection_large_amount
    )


def open_invoices(
    connection: Connection, day: int | None, owners: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """Every invoice with a balance at the end of `day` (a day number), or now, with its deal's names
    and the cause of its latest chase by then (by date, then as recorded)."""
    i, d, m = ageing_invoices.c, pipeline_deals.c, ageing_movements.c
    owned = () if owners is None else (d.owner.in_(owners),)  # the deals `owners` own now
    names = (d.deal_id, d.account, d.currency, i.invoice, i.amount, i.issued, i.due)
    if day is None:
        query = select(*names, i.balance, i.chases, i.cause).join_from(
            ageing_invoices, pipeline_deals, i.deal == d.deal
        )
        query = query.where(i.balance > 0, *owned)
    else:
        mine = and_(m.deal == i.deal, m.invoice == i.invoice, m.on <= day)
        settled = select(func.coalesce(func.sum(m.amount), 0)).where(mine, m.kind != CHASE).scalar_subquery()
        chases = select(func.count()).where(mine, m.kind == CHASE).scalar_subquery()
        latest = select(m.cause).where(mine, m.kind == CHASE).order_by(m.on.desc(), m.version.desc()).limit(1)
        inner = (
            select(
                *names,
                (i.amount - settled).label("balance"),
                chases.label("chases"),
                latest.scalar_subquery().label("cause"),
            )
            .join_from(ageing_invoices, pipeline_deals, i.deal == d.deal)
            .where(i.invoiced_on <= day, *owned)
            .subquery()
        )
        query = select(inner).where(inner.c.balance > 0)
    return rows(connection.execute(query))


def ageing_report(
    connection: Connection,
    *,
    as_of: date,
    settings: Settings,
    by: str = "invoice",
    latest: bool = True,
    owners: Collection[str] | None = None,
) -> Report:
    """The open invoices at the end of `as_of`; with `owners`, of the deals they own now alone."""
    day = as_of.toordinal()
    invoices = []
    for row in open_invoices(connection, None if latest else day, owners):
        balance = from_units(row["balance"]) or Decimal(0)  # never 0: only open invoices are read
        late = day - row["due"]
        invoices.append(
            {
                "customer": row["account"],
                "deal": row["deal_id"],
                "invoice": row["invoice"],
                "currency": row["currency"],
                "amount": from_units(row["amount"]),
                "issued": from_day(row["issued"]),
                "due": from_day(row["due"]),
                "balance": balance,
                "days_past_due": max(late, 0),
                "bucket": bucket(late),
                "step": collection_step(late, balance, settings, row["cause"]),
                "chases": row["chases"],
            }
        )
    invoices.sort(key=lambda row: (row["customer"], row["currency"] or "", row["due"], row["invoice"]))
    facts = {
        "as_of": as_of,
        "by": by,
        "collection_overdue_days": settings.collection_overdue_days,
        "collection_large_amount": settings.collection_large_amount,
    }
    if owners is not None:
        facts["owners"] = list(owners)
    detail = _invoices(invoices) if by == "invoice" else _customers(invoices)
    return Report(facts, [detail, _totals(invoices)])


def _invoices(invoices: list[dict[str, Any]]) -> Table:
    return Table(
        "invoices",
        columns(
            ("customer", Cell.TEXT),
            ("deal", Cell.TEXT),
            ("invoice", Cell.TEXT),
            ("currency", Cell.TEXT),
            ("amount", Cell.MONEY),
            ("issued", Cell.DATE),
            ("due", Cell.DATE),
            ("balance", Cell.MONEY),
            ("days_past_due", Cell.INTEGER),
            ("bucket", Cell.TEXT),
            ("step", Cell.TEXT),
            ("chases", Cell.INTEGER),
        ),
        invoices,
    )


def _customers(invoices: list[dict[str, Any]]) -> Table:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for invoice in invoices:
        key = invoice["customer"], invoice["currency"]
        row = rows.setdefault(key, _bucket_row({"customer": key[0], "currency": key[1], "invoices": 0}))
        row["invoices"] += 1
        row[invoice["bucket"]] += invoice["balance"]
        row["total"] += invoice["balance"]
    return Table(
        "customers",
        columns(
            ("customer", Cell.TEXT), ("currency", Cell.TEXT), ("invoices", Cell.INTEGER), *_MONEY, ("total", Cell.MONEY)
        ),
        list(rows.values()),
    )


def _totals(invoices: list[dict[str, Any]]) -> Table:
    """Per currency, each bucket's sum: what every customer row adds up to."""
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: _bucket_row({"invoices": 0}))
    for invoice in invoices:
        row = rows[invoice["currency"]]
        row["invoices"] += 1
        row[invoice["bucket"]] += invoice["balance"]
        row["total"] += invoice["balance"]
    return Table(
        "totals",
        columns(("currency", Cell.TEXT), ("invoices", Cell.INTEGER), *_MONEY, ("total", Cell.MONEY)),
        [{"currency": currency, **row} for currency, row in sorted(rows.items(), key=lambda item: item[0] or "")],
    )


def _bucket_row(start: dict[str, Any]) -> dict[str, Any]:
    return start | dict.fromkeys((*BUCKETS, "total"), Decimal(0))
