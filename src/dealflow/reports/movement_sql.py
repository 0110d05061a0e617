"""The changes of the pipeline between two days, read from its dated versions (`pipeline_history`
and the current rows).

Every day with an event starts a deal's version, and each version keeps the facts of the one
before it (`prev_*`, none for a deal's first), so each change of a deal is one row: the version
that began on its day. `movement` classifies the changes; here they are summed in SQL, grouped by
everything the classification reads (statuses, stages, currencies, the filters each side passes,
which way the value went), so that a year of changes on 100,000 deals comes back as a few hundred
rows. Pairs that change nothing the movement counts (a note, a payment) are left out in SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, literal, null, or_, select, true, union_all

from dealflow.playbook import Status
from dealflow.projections.tables import MOVEMENT_FACTS, PREVIOUS, pipeline_deals, pipeline_history
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


def counted_then(standing: Any, filters: Filters) -> ColumnElement[bool]:
    """Whether a deal as it stood (`reports.pipeline.standing`) counts in the pipeline: open, and
    within the close window when one is given (the owners are chosen by `standing` itself)."""
    where = [standing.c.status == Status.OPEN.value]
    if filters.window is not None:
        where.append(standing.c.close_by.between(*filters.window))
    return and_(*where)


class _Facts:
    """A version's facts under the names `_side` reads: its own (`after`) or those of the version
    before it (`before`, the `prev_` columns)."""

    def __init__(self, version: Any, prefix: str = "") -> None:
        self.version, self.prefix = version, prefix

    def __getattr__(self, name: str) -> Any:
        return self.version.c[f"{self.prefix}{name}"]


def _side(version: _Facts, filters: Filters, account: Any, name: str) -> list[ColumnElement[Any]]:
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


ALL, OUTCOMES, WINS = "all", "outcomes", "wins"
_READ = {
    OUTCOMES: (Status.WON.value, Status.CLOSED.value, Status.LOST.value),
    WINS: (Status.WON.value, Status.CLOSED.value),
}


def _changes(table: Any, reading: str) -> ColumnElement[bool]:
    """Which versions are changes: the first of a deal (opened), or one that changed what is read."""
    c = table.c
    if reading in _READ:
        return and_(c.status.in_(_READ[reading]), c.status.is_distinct_from(c[PREVIOUS + "status"]))
    return or_(
        c[PREVIOUS + "status"].is_(None), *(c[name].is_distinct_from(c[PREVIOUS + name]) for name in MOVEMENT_FACTS)
    )


def _way(before: Any, after: Any) -> ColumnElement[Any]:
    """1 when the value rose, -1 when it fell, 0 when it stayed (no value counts as 0)."""
    before, after = func.coalesce(before, 0), func.coalesce(after, 0)
    return case((after > before, 1), (after < before, -1), else_=0)


def _slot(day: Any, cuts: Sequence[int]) -> ColumnElement[Any]:
    """Which period `day` is in: the number of cuts before it (0 with none)."""
    if not cuts:
        return literal(0)
    return sum((case((day > cut, 1), else_=0) for cut in cuts), start=literal(0))


def _branches(
    start: int, end: int, filters: Filters, cuts: Sequence[int], listed: bool, reading: str
) -> list[Select[Any]]:
    """One SELECT per table of versions: each version that began in days start+1 .. end and changed
    something the movement reads is a change (`reading`: see `grouped_pairs`)."""
    d = pipeline_deals.c
    selects = []
    for table in (pipeline_history, pipeline_deals):
        before, after = _Facts(table, PREVIOUS), _Facts(table)
        day = table.c.valid_from
        account = d.account if filters.by == "account" else null()
        changed = _changes(table, reading)
        query = select(
            *_side(before, filters, account, "before"),
            *_side(after, filters, account, "after"),
            table.c.lost_from.label("lost_from"),
            _way(before.value, after.value).label("way"),
            _slot(day, cuts).label("slot"),
            func.coalesce(before.value, 0).label("before_value"),
            func.coalesce(after.value, 0).label("after_value"),
            *((table.c.id.label("deal"), day.label("day")) if listed else ()),
        ).where(day > start, day <= end, changed)
        if filters.by == "account" and table is pipeline_history:
            query = query.join_from(pipeline_history, pipeline_deals, d.id == pipeline_history.c.id)
        selects.append(query)
    return selects


WIDTH = 2 * len(FACTS) + 3  # the facts of both sides, the lost-from stage, the value's way, the slot


def grouped_pairs(
    connection: Connection,
    start: int,
    end: int,
    filters: Filters,
    cuts: Sequence[int] = (),
    *,
    reading: str = ALL,
) -> list[Pairs]:
    """Every change in days start+1 .. end, grouped by what the movement reads, summed exactly. With
    `reading` OUTCOMES only the changes that win or lose a deal are read (its `won` and `lost` are
    whole, from far fewer rows), with WINS only those that win one (`won`)."""
    pairs = union_all(*_branches(start, end, filters, cuts, False, reading)).subquery("pairs")
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
    found = connection.execute(union_all(*_branches(start, end, filters, (), True, ALL))).all()
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


def pushed_out(
    connection: Connection, start: int, end: int, windows: Sequence[tuple[int, int]], owners: Collection[str] | None
) -> dict[tuple[int, Any], tuple[int, int]]:
    """The movement's `pushed_out` over days start+1 .. end for each of several close windows that do
    not overlap, in one scan: the changes of an open deal expected in a window (and owned by one of
    `owners`) to a close date outside it. Keyed (window index, currency): (deals, value)."""
    found: dict[tuple[int, Any], tuple[int, int]] = {}
    for table in (pipeline_history, pipeline_deals):
        c = table.c
        was, now = c[PREVIOUS + "close_by"], c.close_by
        slot = case(*((was.between(*window), n) for n, window in enumerate(windows)))
        stays = or_(*(and_(was.between(*window), now.between(*window)) for window in windows))
        where = [c.valid_from > start, c.valid_from <= end, c[PREVIOUS + "status"] == Status.OPEN.value]
        where += [slot.is_not(None), now.is_distinct_from(was), or_(now.is_(None), ~stays)]
        if owners is not None:
            where.append(c[PREVIOUS + "owner"].in_(list(owners)))
        keys = (slot, c[PREVIOUS + "currency"])
        rows = summed(
            connection,
            lambda money, keys=keys, c=c, where=where: (  # type: ignore[misc]
                select(*keys, func.count(), *money(c[PREVIOUS + "value"])).where(*where).group_by(*keys)
            ),
        )
        for index, currency, count, *money in rows:
            deals, units = found.get((index, currency), (0, 0))
            found[index, currency] = (deals + count, units + (joined(*money) or 0))
    return found
