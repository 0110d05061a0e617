"""The deals behind one bucket of the movement (`movement --deals BUCKET`): each change into or out of
it, or each deal counted at the start or the end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, null, select

from dealflow.projections.projection import chunks
from dealflow.projections.tables import pipeline_deals
from dealflow.projections.units import from_day, from_units
from dealflow.reports.movement_sql import Filters, counted_then, listed_pairs
from dealflow.reports.movement_steps import TOTALS, steps
from dealflow.reports.pipeline import standing
from dealflow.reports.report import columns, currency_key
from dealflow.reports.table import Cell, Table


def bucket_deals(connection: Connection, first: int, last: int, filters: Filters, bucket: str, latest: bool) -> Table:
    """The deals behind one bucket: each change into or out of it, or each deal of the start or end."""
    found: list[tuple[Any, Any, int, int, int]] = []  # currency, group, deal number, day, value
    if bucket in TOTALS:
        day = first if bucket == "start" else last
        s = standing(None if latest and bucket == "end" else day, names=filters.by == "account", owners=filters.owners)
        key = s.c[filters.by] if filters.by else null()
        for currency, group, number, value in connection.execute(
            select(s.c.currency, key, s.c.id, s.c.value).where(counted_then(s, filters))
        ):
            found.append((currency, group, number, day, value or 0))
    else:
        for pair in listed_pairs(connection, first, last, filters):
            for name, currency, group, _, value in steps(pair, filters.by):
                if name == bucket:
                    assert pair.deal is not None and pair.day is not None
                    found.append((currency, group, pair.deal, pair.day, value))
    d = pipeline_deals.c
    names = {}  # the deals found alone: a bucket often lists a few of 100,000
    for chunk in chunks({number for _, _, number, _, _ in found}):
        for number, deal_id, account, owner in connection.execute(
            select(d.id, d.deal_id, d.account, d.owner).where(d.id.in_(chunk))
        ):
            names[number] = (deal_id, account, owner)
    by_column = ((filters.by, Cell.TEXT),) if filters.by else ()
    rows = []
    for currency, group, number, day, value in sorted(found, key=lambda f: (currency_key(f[0]), f[3], f[2])):
        deal_id, account, owner = names[number]
        row = {"currency": currency, **({filters.by: group} if filters.by else {}), "deal_id": deal_id}
        rows.append(
            {
                **row,
                "account": account,
                "owner": owner,
                "bucket": bucket,
                "on": from_day(day),
                "value": from_units(value),
            }
        )
    return Table(
        "deals",
        columns(
            ("currency", Cell.TEXT),
            *by_column,
            ("deal_id", Cell.TEXT),
            ("account", Cell.TEXT),
            ("owner", Cell.TEXT),
            ("bucket", Cell.TEXT),
            ("on", Cell.DATE),
            ("value", Cell.MONEY),
        ),
        rows,
    )
