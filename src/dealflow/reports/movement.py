"""Why the open pipeline changed between two days: where it stood at the end of the first, every
change between (`movement_steps` says which bucket each falls in), and where it stood at the end of
the second, per currency (docs/method.md defines each bucket)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, null, select

from dealflow.playbook import STAGE_NAMES, Status
from dealflow.projections.units import from_units
from dealflow.reports.movement_deals import bucket_deals
from dealflow.reports.movement_sql import ALL, Filters, counted_then, grouped_pairs
from dealflow.reports.movement_steps import BUCKETS, INFLOWS, LOST, OUTFLOWS, TOTALS, stage_label, steps
from dealflow.reports.pipeline import standing
from dealflow.reports.report import Report, columns, currency_key
from dealflow.reports.sums import joined, summed
from dealflow.reports.table import Cell, Table

Tally = dict[tuple[Any, ...], list[int]]

__all__ = ["BUCKETS", "INFLOWS", "OUTFLOWS", "TOTALS", "contract", "movement_report", "tally"]


def tally(
    connection: Connection,
    start: int,
    end: int,
    filters: Filters,
    cuts: tuple[int, ...] = (),
    *,
    reading: str = ALL,
) -> tuple[Tally, Tally]:
    """The buckets, keyed (slot, currency, group, bucket), and the stage flow, keyed (slot, currency,
    from stage, to stage): each [deals, value]. `cuts` splits the days into periods (slots). With
    `reading`, only the changes of those facts are read (`movement_sql.grouped_pairs`): only the
    buckets they make are whole."""
    buckets: Tally = defaultdict(lambda: [0, 0])
    flow: Tally = defaultdict(lambda: [0, 0])
    for pair in grouped_pairs(connection, start, end, filters, cuts, reading=reading):
        for bucket, currency, group, deals, value in steps(pair, filters.by):
            totals = buckets[pair.slot, currency, group, bucket]
            totals[0] += deals
            totals[1] += value
        before = pair.before
        if before is not None and pair.after["owned"] and stage_label(before) != stage_label(pair.after):
            totals = flow[pair.slot, pair.after["currency"], stage_label(before), stage_label(pair.after)]
            totals[0] += pair.count
            totals[1] += pair.after_value
    return buckets, flow


def _start(end: list[int], buckets: Tally, group: tuple[Any, Any]) -> list[int]:
    """Where a group stood at the start: its end, less what came in, plus what went out (the balance,
    read backwards: one scan of the versions in force fewer; the tests check it against `pipeline`)."""
    deals, value = end
    for name in (*INFLOWS, *OUTFLOWS):
        moved, worth = buckets.get((0, *group, name), (0, 0))
        sign = 1 if name in INFLOWS else -1
        deals -= sign * moved if name not in ("increased", "decreased") else 0
        value -= sign * worth
    return [deals, value]


def standing_totals(connection: Connection, day: int, filters: Filters, *, latest: bool = False) -> Tally:
    """The open pipeline at the end of `day`, keyed (currency, group): [deals, value]."""
    s = standing(None if latest else day, names=filters.by == "account", owners=filters.owners)
    keys = (s.c.currency, s.c[filters.by]) if filters.by else (s.c.currency,)
    found = summed(
        connection,
        lambda money: (
            select(*keys, null(), func.count(), *money(s.c.value)).where(counted_then(s, filters)).group_by(*keys)
        ),
    )
    if filters.by:
        found = [(currency, group, count, *money) for currency, group, _, count, *money in found]
    return {(row[0], row[1]): [row[2], joined(*row[3:]) or 0] for row in found}


def movement_report(
    connection: Connection,
    *,
    start: date,
    end: date,
    by: str | None = None,
    window: tuple[date, date] | None = None,
    owners: Collection[str] | None = None,
    bucket: str | None = None,
) -> Report:
    """The open pipeline at the end of `start` and of `end`, and every change between (see above)."""
    if start > end:
        raise ValueError(f"the movement's start, {start}, is after its end, {end}")
    filters = Filters(
        window=None if window is None else (window[0].toordinal(), window[1].toordinal()), owners=owners, by=by
    )
    facts: dict[str, Any] = {
        "from": start,
        "to": end,
        "by": by,
        "close_window": None if window is None else {"start": window[0], "end": window[1]},
    }
    if owners is not None:
        facts["owners"] = list(owners)
    first, last = start.toordinal(), end.toordinal()
    latest = end == date.today()
    if bucket is not None:
        return Report({**facts, "bucket": bucket}, [bucket_deals(connection, first, last, filters, bucket, latest)])
    buckets, flow = tally(connection, first, last, filters)
    finish = standing_totals(connection, last, filters, latest=latest)
    groups = set(finish) | {key[1:3] for key in buckets}
    begin = {group: _start(finish.get(group, [0, 0]), buckets, group) for group in groups}
    rows = []
    for currency, group in sorted(groups, key=lambda k: (currency_key(k[0]), k[1] is None, k[1] or "")):
        found = {"start": begin.get((currency, group)), "end": finish.get((currency, group))}
        for name in BUCKETS:
            deals, value = found.get(name) or buckets.get((0, currency, group, name)) or (0, 0)
            amount = from_units(value) or Decimal(0)
            change = -amount if name in OUTFLOWS else amount
            row = {"currency": currency, **({by: group} if by else {}), "bucket": name}
            rows.append({**row, "deals": deals, "value": amount, "change": change})
    by_column = ((by, Cell.TEXT),) if by else ()
    movement = Table(
        "movement",
        columns(
            ("currency", Cell.TEXT),
            *by_column,
            ("bucket", Cell.TEXT),
            ("deals", Cell.INTEGER),
            ("value", Cell.MONEY),
            ("change", Cell.MONEY),
        ),
        rows,
    )
    return Report(facts, [movement, _flow_table(flow)])


def _flow_table(flow: Tally) -> Table:
    order = {name: n for n, name in enumerate((*STAGE_NAMES, LOST, Status.CLOSED.value))}
    keys = sorted(flow, key=lambda k: (currency_key(k[1]), order.get(k[2], 99), order.get(k[3], 99)))
    return Table(
        "flow",
        columns(
            ("currency", Cell.TEXT),
            ("from_stage", Cell.TEXT),
            ("to_stage", Cell.TEXT),
            ("deals", Cell.INTEGER),
            ("value", Cell.MONEY),
        ),
        [
            {
                "currency": k[1],
                "from_stage": k[2],
                "to_stage": k[3],
                "deals": flow[k][0],
                "value": from_units(flow[k][1]),
            }
            for k in keys
        ],
    )


def contract(report: Report) -> dict[str, Any]:
    """The documented JSON: each currency's (and group's) row with a {deals, value} per bucket."""
    facts = dict(report.facts)
    tables = {table.name: list(table.rows) for table in report.tables}
    if "deals" in tables:
        return {**facts, "deals": tables["deals"]}
    by = facts.get("by")
    rows: dict[tuple[Any, Any], dict[str, Any]] = {}
    for row in tables["movement"]:
        key = (row["currency"], row.get(by) if by else None)
        entry = rows.setdefault(key, {"currency": row["currency"], **({by: row[by]} if by else {})})
        entry[row["bucket"]] = {"deals": row["deals"], "value": row["value"]}
    return {**facts, "rows": list(rows.values()), "flow": tables["flow"]}
