"""Why the open pipeline changed between two days: where it stood at the end of the first, every
change between, and where it stood at the end of the second, per currency (docs/method.md defines
each bucket).

A change is a deal's version ending on a day and the next beginning (`movement_sql`). Whether a
version counts is whether it is open, expected to close within the close window (when one is
given) and owned by one of the owners (when they are named). A change is then:
* into the pipeline: `created` (the deal was opened), `reopened` (it was lost, won or closed),
  `pulled_in` (its close date moved into the window), `moved_in` (from another group: another
  currency, owner or stage of `--by`, or an owner not named before);
* out of it: `won`, `lost`, `pushed_out` (its close date left the window), `moved_out`;
* within it: `increased` or `decreased`, by how much its value changed.
A deal won or lost on a day first takes the value and currency it was won or lost at (a signing
sets the amount signed), as `increased`/`decreased` or `moved_*`, then leaves at that value: so
`won` is what was signed. So start + inflows − outflows = end, exactly, in count and value; a
value change moves no deal in or out, and a deal lost and reopened twice counts twice each way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, null, select

from dealflow.playbook import SIGNING_STAGE, Status
from dealflow.projections.tables import pipeline_deals
from dealflow.projections.units import from_day, from_units
from dealflow.reports.movement_sql import Filters, Pairs, grouped_pairs, listed_pairs
from dealflow.reports.pipeline import standing
from dealflow.reports.report import Report, columns, currency_key
from dealflow.reports.sums import joined, summed
from dealflow.reports.table import Cell, Table

INFLOWS = ("created", "reopened", "increased", "pulled_in", "moved_in")
OUTFLOWS = ("decreased", "won", "lost", "pushed_out", "moved_out")
TOTALS = ("start", "end")
BUCKETS = ("start", *INFLOWS, *OUTFLOWS, "end")
BY = ("owner", "stage", "account")
OPEN, LOST = Status.OPEN.value, Status.LOST.value
OUTCOMES = {Status.WON.value: "won", Status.CLOSED.value: "won", LOST: "lost"}

Side = dict[str, Any]
Step = tuple[str, Any, Any, int, int]  # bucket, currency, group, deals, value (ten-thousandths)


def counted(side: Side | None) -> bool:
    return side is not None and side["status"] == OPEN and side["in_window"] and side["owned"]


def group_of(side: Side, by: str | None) -> Any:
    return side["stage"] if by == "stage" else side["key"]


def steps(pair: Pairs, by: str | None) -> Iterator[Step]:
    """What one group of changes does to the pipeline, bucket by bucket."""
    before, after = pair.before, pair.after
    outcome = OUTCOMES.get(after["status"])
    if outcome is None:
        yield from _step(before, after, pair, by)
        return
    if before is not None and OUTCOMES.get(before["status"]) == outcome:
        return  # won, then closed: it left the pipeline before
    stage = before["stage"] if before is not None and before["status"] == OPEN else None
    if stage is None:
        stage = after["lost_from"] if outcome == "lost" else SIGNING_STAGE.name
    leaving = {**after, "status": OPEN, "stage": stage}  # the deal the moment before it was won or lost
    yield from _step(before, leaving, pair, by)
    if counted(leaving):
        yield outcome, leaving["currency"], group_of(leaving, by), pair.count, pair.after_value


def _step(before: Side | None, after: Side, pair: Pairs, by: str | None) -> Iterator[Step]:
    was, now = counted(before), counted(after)
    if was and now:
        assert before is not None
        old, new = (before["currency"], group_of(before, by)), (after["currency"], group_of(after, by))
        if old != new:
            yield "moved_out", *old, pair.count, pair.before_value
            yield "moved_in", *new, pair.count, pair.after_value
        elif pair.after_value != pair.before_value:
            rose = pair.after_value > pair.before_value
            yield "increased" if rose else "decreased", *new, pair.count, abs(pair.after_value - pair.before_value)
    elif now:
        if before is None:
            bucket = "created"
        elif before["status"] != OPEN:
            bucket = "reopened"
        elif not before["in_window"]:
            bucket = "pulled_in"
        else:
            bucket = "moved_in"
        yield bucket, after["currency"], group_of(after, by), pair.count, pair.after_value
    elif was:
        assert before is not None
        bucket = "pushed_out" if not after["in_window"] else "moved_out"
        yield bucket, before["currency"], group_of(before, by), pair.count, pair.before_value


def stage_label(side: Side) -> str:
    return side["stage"] or side["status"]


Tally = dict[tuple[Any, ...], list[int]]


def tally(
    connection: Connection, start: int, end: int, filters: Filters, cuts: tuple[int, ...] = ()
) -> tuple[Tally, Tally]:
    """The buckets, keyed (slot, currency, group, bucket), and the stage flow, keyed (slot, currency,
    from stage, to stage): each [deals, value]. `cuts` splits the days into periods (slots)."""
    buckets: Tally = defaultdict(lambda: [0, 0])
    flow: Tally = defaultdict(lambda: [0, 0])
    for pair in grouped_pairs(connection, start, end, filters, cuts):
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


def standing_totals(connection: Connection, day: int, filters: Filters, *, latest: bool = False) -> Tally:
    """The open pipeline at the end of `day`, keyed (currency, group): [deals, value]."""
    s = standing(None if latest else day, names=filters.by == "account", owners=filters.owners)
    keys = (s.c.currency, s.c[filters.by]) if filters.by else (s.c.currency,)
    where = [s.c.status == OPEN]
    if filters.window is not None:
        where.append(s.c.close_by.between(*filters.window))
    found = summed(
        connection,
        lambda money: select(*keys, null(), func.count(), *money(s.c.value)).where(and_(*where)).group_by(*keys),
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
        return Report({**facts, "bucket": bucket}, [_deals(connection, first, last, filters, bucket, latest)])
    buckets, flow = tally(connection, first, last, filters)
    begin, finish = (
        standing_totals(connection, first, filters),
        standing_totals(connection, last, filters, latest=latest),
    )
    groups = set(begin) | set(finish) | {key[1:3] for key in buckets}
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
    order = {name: n for n, name in enumerate((*_stage_names(), LOST, Status.CLOSED.value))}
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


def _stage_names() -> tuple[str, ...]:
    from dealflow.playbook import STAGE_NAMES

    return STAGE_NAMES


def _deals(connection: Connection, first: int, last: int, filters: Filters, bucket: str, latest: bool) -> Table:
    """The deals behind one bucket: each change into or out of it, or each deal of the start or end."""
    found: list[tuple[Any, Any, int, int, int]] = []  # currency, group, deal number, day, value
    if bucket in TOTALS:
        day = first if bucket == "start" else last
        s = standing(None if latest and bucket == "end" else day, names=filters.by == "account", owners=filters.owners)
        where = [s.c.status == OPEN]
        if filters.window is not None:
            where.append(s.c.close_by.between(*filters.window))
        key = s.c[filters.by] if filters.by else null()
        for currency, group, number, value in connection.execute(
            select(s.c.currency, key, s.c.id, s.c.value).where(and_(*where))
        ):
            found.append((currency, group, number, day, value or 0))
    else:
        for pair in listed_pairs(connection, first, last, filters):
            for name, currency, group, _, value in steps(pair, filters.by):
                if name == bucket:
                    assert pair.deal is not None and pair.day is not None
                    found.append((currency, group, pair.deal, pair.day, value))
    d = pipeline_deals.c
    names = (
        {
            number: (deal_id, account, owner)
            for number, deal_id, account, owner in connection.execute(select(d.id, d.deal_id, d.account, d.owner))
        }
        if found
        else {}
    )
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
