"""The changes of the pipeline between two days, read from its dated versions (`pipeline_history`).

Every day with an event starts a deal's version, and a version ends (`valid_to`) on the day the
next begins, so each change of a deal is a pair: the version that ended on a day and the one that
began on it (from the history, or the current row). A deal opened in the period adds a pair whose
earlier side is nothing. `movement` classifies the pairs; here they are summed in SQL, grouped by
everything the classification reads (statuses, stages, currencies, the filters each side passes,
which way the value went), so that a year of changes on 100,000 deals comes back as a few hundred
rows. Pairs that change nothing the movement counts (a note, a payment) are left out in SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, literal, null, or_, select, true, union_all

from dealflow.projections.tables import pipeline_deals, pipeline_history
from dealflow.reports.sums import joined, summed

SIDES = ("status", "stage", "currency", "value", "close_by", "owner", "lost_from")


@dataclass(frozen=True)
class Filters:
    """What decides that a version counts in the pipeline besides being open: its expected close day
    within `window` (first and last day numbers, both in), and an owner among `owners`."""

    window: tuple[int, int] | None = None
    owners: Collection[str] | None = None
    by: str | None = None  # owner | stage | account: the group each side falls in


@dataclass(frozen=True)
class Pairs:
    """One group of changes: `before` and `after` are the sides' facts (`FACTS`), `count` the changes,
    `before_value`, `after_value` the sums of the sides' values (ten-thousandths); `slot` the period
    of `cuts` the day fell in; `deal` and `day` when listed one by one."""

    before: dict[str, Any] | None
    after: dict[str, Any]
    count: int
    before_value: int
    after_value: int
    slot: int = 0
    deal: int | None = None
    day: int | None = None


FACTS = ("status", "stage", "currency", "key", "in_window", "owned")


def _side(version: Any, filters: Filters, account: Any, name: str) -> list[ColumnElement[Any]]:
    """A side's facts in `FACTS` order, each labelled `name_fact` (a select keeps one of two equal
    columns, the account of both sides, unless they are named apart): the window and owner tests
    as 1/0 (1 when there is no filter)."""
    window = filters.window
    in_window = true() if window is None else version.close_by.between(*window)
    owned = true() if filters.owners is None else version.owner.in_(list(filters.owners))
    key = {"owner": version.owner, "account": account}.get(filters.by or "", null())
    facts = (
        version.status,
        version.stage,
        version.currency,
        key,
        case((in_window, 1), else_=0),
        case((owned, 1), else_=0),
    )
    return [fact.label(f"{name}_{label}") for fact, label in zip(facts, FACTS, strict=True)]


def _changed(before: Any, after: Any) -> ColumnElement[bool]:
    return or_(*(before.c[name].is_distinct_from(after.c[name]) for name in SIDES[:6]))


def _way(before: Any, after: Any) -> ColumnElement[Any]:
    """1 when the value rose, -1 when it fell, 0 when it stayed (no value counts as 0)."""
    before, after = func.coalesce(before, 0), func.coalesce(after, 0)
    return case((after > before, 1), (after < before, -1), else_=0)


def _slot(day: Any, cuts: Sequence[int]) -> ColumnElement[Any]:
    """Which period `day` is in: the number of cuts before it (0 with none)."""
    if not cuts:
        return literal(0)
    return sum((case((day > cut, 1), else_=0) for cut in cuts), start=literal(0))


def _branches(start: int, end: int, filters: Filters, cuts: Sequence[int], listed: bool) -> list[Select[Any]]:
    """One SELECT per way a pair is found: history → history, history → current, and opened."""
    d = pipeline_deals
    selects = []
    for after_table in (pipeline_history, pipeline_deals):
        before = pipeline_history.alias("b")
        after = after_table.alias("a")
        day = before.c.valid_to
        account = d.c.account if filters.by == "account" else null()
        query = (
            select(
                *_side(before.c, filters, account, "before"),
                *_side(after.c, filters, account, "after"),
                after.c.lost_from.label("lost_from"),
                _way(before.c.value, after.c.value).label("way"),
                _slot(day, cuts).label("slot"),
                func.coalesce(before.c.value, 0).label("before_value"),
                func.coalesce(after.c.value, 0).label("after_value"),
                *((before.c.id.label("deal"), day.label("day")) if listed else ()),
            )
            .select_from(before)
            .join(after, and_(after.c.id == before.c.id, after.c.valid_from == before.c.valid_to))
            .where(day > start, day <= end, _changed(before, after))
        )
        if filters.by == "account":
            query = query.join(d, d.c.id == before.c.id)
        selects.append(query)
    for first_table in (pipeline_history, pipeline_deals):
        first = first_table.alias("f")
        opened = d.alias("o")
        account = opened.c.account if filters.by == "account" else null()
        day = opened.c.opened_on
        nothing: list[ColumnElement[Any]] = [
            fact.label(f"before_{label}") for fact, label in zip((null(),) * 4 + (literal(0),) * 2, FACTS, strict=True)
        ]
        query = (
            select(
                *nothing,
                *_side(first.c, filters, account, "after"),
                first.c.lost_from.label("lost_from"),
                literal(0).label("way"),
                _slot(day, cuts).label("slot"),
                literal(0).label("before_value"),
                func.coalesce(first.c.value, 0).label("after_value"),
                *((opened.c.id.label("deal"), day.label("day")) if listed else ()),
            )
            .select_from(opened)
            .join(first, and_(first.c.id == opened.c.id, first.c.valid_from == opened.c.opened_on))
            .where(day > start, day <= end)
        )
        selects.append(query)
    return selects


WIDTH = 2 * len(FACTS) + 3  # the facts of both sides, the lost-from stage, the value's way, the slot


def grouped_pairs(
    connection: Connection, start: int, end: int, filters: Filters, cuts: Sequence[int] = ()
) -> list[Pairs]:
    """Every change in days start+1 .. end, grouped by what the movement reads, summed exactly."""
    pairs = union_all(*_branches(start, end, filters, cuts, listed=False)).subquery("pairs")
    keys = list(pairs.c)[:WIDTH]
    found = summed(
        connection,
        lambda money: select(*keys, func.count(), *money(pairs.c.before_value), *money(pairs.c.after_value)).group_by(
            *keys
        ),
    )
    return [
        _pairs(row[:WIDTH], row[WIDTH], joined(*row[WIDTH + 1 : WIDTH + 3]), joined(*row[WIDTH + 3 :])) for row in found
    ]


def listed_pairs(connection: Connection, start: int, end: int, filters: Filters) -> list[Pairs]:
    """Every change in days start+1 .. end one by one, with its deal number and day (`--deals`)."""
    found = connection.execute(union_all(*_branches(start, end, filters, (), listed=True))).all()
    return [
        _pairs(row[:WIDTH], 1, row[WIDTH], row[WIDTH + 1], deal=row[WIDTH + 2], day=row[WIDTH + 3]) for row in found
    ]


def _pairs(facts: Sequence[Any], count: int, before_value: Any, after_value: Any, **where: Any) -> Pairs:
    n = len(FACTS)
    before = dict(zip(FACTS, facts[:n], strict=True))
    after = dict(zip(FACTS, facts[n : 2 * n], strict=True))
    after["lost_from"], after["way"] = facts[2 * n], facts[2 * n + 1]
    for side in (before, after):
        side["in_window"], side["owned"] = bool(side["in_window"]), bool(side["owned"])
    return Pairs(
        before if before["status"] is not None else None,
        after,
        count,
        int(before_value or 0),
        int(after_value or 0),
        slot=facts[2 * n + 2],
        **where,
    )
