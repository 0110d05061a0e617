"""The pipeline report, per currency (never adding currencies), from the pipeline projection.

"As of" a past date it reads each deal's version in force at the end of that day, else the
current one; the settings (stage probabilities, stalled days) are those in force on that day.
Every figure is summed in SQL, so that 100,000 deals answer in a fraction of a second.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Subquery, and_, case, func, select, union_all

from dealflow.exports.table import Cell, Table
from dealflow.playbook import STAGE_NAMES, Defaults, Status
from dealflow.projections.report import Report, columns, ratio
from dealflow.projections.tables import STAGE_BIT, days_in, pipeline_deals, pipeline_history
from dealflow.projections.units import from_day, from_units

BY = ("stage", "owner", "account", "month", "stalled")
OPEN, WON, LOST, CLOSED = Status.OPEN.value, Status.WON.value, Status.LOST.value, Status.CLOSED.value
_VERSION = [c.name for c in pipeline_history.c if c.name not in ("id", "valid_to")]


def standing(as_of: int | None, *, names: bool = False) -> Subquery:
    """Every deal as it stood at the end of day `as_of` (a day number), or as it stands now;
    with `names`, its id, account and opening day as well (a join, for the reports that show them)."""
    d, h = pipeline_deals.c, pipeline_history.c
    current = select(d.id, *(d[name] for name in _VERSION))
    if names:
        current = current.add_columns(d.deal_id, d.account, d.opened_on)
    if as_of is None:
        return current.subquery("standing")
    earlier = select(h.id, *(h[name] for name in _VERSION)).where(h.valid_from <= as_of, h.valid_to > as_of)
    if names:
        earlier = earlier.add_columns(d.deal_id, d.account, d.opened_on).join_from(
            pipeline_history, pipeline_deals, h.id == d.id
        )
    return union_all(current.where(d.valid_from <= as_of), earlier).subquery("standing")


def pipeline_report(
    connection: Connection, *, as_of: date, settings: Defaults, by: str = "stage", latest: bool = True
) -> Report:
    """The pipeline at the end of `as_of`; `latest` says nothing can be dated after it (it is today),
    so that the current versions alone answer."""
    day = as_of.toordinal()
    source = standing(None if latest else day, names=by in ("stalled", "account"))
    cutoff = day - settings.stalled_days
    probabilities = {stage: settings.probability(stage) for stage in STAGE_NAMES}
    facts = {
        "as_of": as_of,
        "by": by,
        "stalled_days": settings.stalled_days,
        "probabilities": probabilities,
    }
    if by == "stage":
        tables = _by_stage(connection, source, day, cutoff, probabilities, one_scan=not latest)
    elif by == "stalled":
        tables = [_stalled_table(connection, source, day, cutoff)]
    elif by == "month":
        tables = [_forecast(connection, source, probabilities)]
    else:
        tables = [_by_group(connection, source, by, cutoff, probabilities)]
    return Report(facts, tables)


def _by_stage(
    connection: Connection, s: Subquery, day: int, cutoff: int, p: dict[str, Decimal], *, one_scan: bool
) -> list[Table]:
    """Stages, flow, outcomes and lost reasons. The current deals are read twice, each time from
    less (an index covers the grouping); the versions as of a past day once, flow sums included."""
    stalled = func.sum(case((and_(s.c.status == OPEN, s.c.valid_from <= cutoff), 1), else_=0))
    flow = _flow_sums(s, day)
    grouped = connection.execute(
        select(s.c.status, s.c.stage, s.c.currency, s.c.lost_reason, func.count(), func.sum(s.c.value))
        .add_columns(func.sum(s.c.signed), stalled, *(flow if one_scan else ()))
        .group_by(s.c.status, s.c.stage, s.c.currency, s.c.lost_reason)
    ).all()
    if one_scan:
        spent = [sum(row[8 + n] or 0 for row in grouped) for n in range(len(flow))]
    else:
        spent = [total or 0 for total in connection.execute(select(*flow)).one()]
    stages: dict[tuple[Any, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    outcomes: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    reasons: dict[tuple[Any, str], list[int]] = defaultdict(lambda: [0, 0])
    for status, stage, currency, reason, count, value, signed, idle, *_ in grouped:
        if status in (OPEN, WON):
            totals = stages[currency, stage]
            totals[0], totals[1], totals[2] = totals[0] + count, totals[1] + (value or 0), totals[2] + idle
        if status in (WON, CLOSED):
            outcome = outcomes[currency]
            outcome[0], outcome[1] = outcome[0] + count, outcome[1] + (signed or 0)
        elif status == LOST:
            outcome = outcomes[currency]
            outcome[2], outcome[3] = outcome[2] + count, outcome[3] + (value or 0)
            reasons[currency, reason][0] += count
            reasons[currency, reason][1] += value or 0
    return [
        _stage_table(stages, p),
        _flow_table(spent),
        Table(
            "outcomes",
            columns(
                ("currency", Cell.TEXT),
                ("won", Cell.INTEGER),
                ("won_value", Cell.MONEY),
                ("lost", Cell.INTEGER),
                ("lost_value", Cell.MONEY),
                ("win_rate", Cell.PERCENT),
            ),
            [
                {
                    "currency": currency,
                    "won": won,
                    "won_value": from_units(won_value),
                    "lost": lost,
                    "lost_value": from_units(lost_value),
                    "win_rate": ratio(won, won + lost),
                }
                for currency, (won, won_value, lost, lost_value) in sorted(outcomes.items(), key=_currency_first)
            ],
        ),
        Table(
            "lost_reasons",
            columns(("currency", Cell.TEXT), ("reason", Cell.TEXT), ("deals", Cell.INTEGER), ("value", Cell.MONEY)),
            [
                {"currency": currency, "reason": reason, "deals": count, "value": from_units(value)}
                for (currency, reason), (count, value) in sorted(reasons.items(), key=_currency_first)
            ],
        ),
    ]


def _stage_table(stages: dict[tuple[Any, str], list[int]], p: dict[str, Decimal]) -> Table:
    rows = []
    for currency in sorted({currency for currency, _ in stages}, key=_currency_key):
        for stage in STAGE_NAMES:
            count, value, idle = stages.get((currency, stage), (0, 0, 0))
            amount = from_units(value)
            rows.append(
                {
                    "currency": currency,
                    "stage": stage,
                    "deals": count,
                    "value": amount,
                    "probability": p[stage],
                    "weighted": _tidy(_weigh(amount, p[stage])),
                    "stalled": idle,
                }
            )
    return Table(
        "stages",
        columns(
            ("currency", Cell.TEXT),
            ("stage", Cell.TEXT),
            ("deals", Cell.INTEGER),
            ("value", Cell.MONEY),
            ("probability", Cell.PERCENT),
            ("weighted", Cell.MONEY),
            ("stalled", Cell.INTEGER),
        ),
        rows,
    )


def _flow_sums(s: Subquery, day: int) -> list[Any]:
    """Per stage, the days spent in it (ended stays, plus the present one up to the day), then how many entered it."""
    days = [
        func.sum(s.c[days_in(stage)] + case((s.c.stage == stage, day - s.c.stage_since), else_=0))
        for stage in STAGE_NAMES
    ]
    entered = [func.sum(case((s.c.entered.op("&")(STAGE_BIT[stage]) != 0, 1), else_=0)) for stage in STAGE_NAMES]
    return [*days, *entered]


def _flow_table(totals: list[int]) -> Table:
    """Days in each stage and stage-to-stage conversion, from the `_flow_sums` totals."""
    spent = dict(zip(STAGE_NAMES, totals[: len(STAGE_NAMES)], strict=True))
    reached = dict(zip(STAGE_NAMES, totals[len(STAGE_NAMES) :], strict=True))
    rows = []
    for stage, following in zip(STAGE_NAMES, (*STAGE_NAMES[1:], None), strict=True):
        rows.append(
            {
                "stage": stage,
                "entered": reached[stage],
                "cumulative_days": spent[stage],
                "average_days": ratio(spent[stage], reached[stage], 1),
                "next": following,
                "converted": reached[following] if following else None,
                "conversion": ratio(reached[following], reached[stage]) if following else None,
            }
        )
    return Table(
        "flow",
        columns(
            ("stage", Cell.TEXT),
            ("entered", Cell.INTEGER),
            ("cumulative_days", Cell.INTEGER),
            ("average_days", Cell.NUMBER),
            ("next", Cell.TEXT),
            ("converted", Cell.INTEGER),
            ("conversion", Cell.PERCENT),
        ),
        rows,
    )


def _stalled_table(connection: Connection, s: Subquery, day: int, cutoff: int) -> Table:
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


def _by_group(connection: Connection, s: Subquery, by: str, cutoff: int, p: dict[str, Decimal]) -> Table:
    """Per owner or account and currency: the open pipeline, its weight, what was won and lost."""
    key = s.c[by]
    stalled = func.sum(case((and_(s.c.status == OPEN, s.c.valid_from <= cutoff), 1), else_=0))
    grouped = connection.execute(
        select(key, s.c.currency, s.c.status, s.c.stage, func.count(), func.sum(s.c.value), func.sum(s.c.signed))
        .add_columns(stalled)
        .group_by(key, s.c.currency, s.c.status, s.c.stage)
    ).all()
    totals: dict[tuple[str, Any], dict[str, Any]] = {}
    for name, currency, status, stage, count, value, signed, idle in grouped:
        row = totals.setdefault((name, currency), _group_row(by, name, currency))
        amount = from_units(value or 0) or Decimal(0)
        if status == OPEN:
            row["open"] += count
            row["value"] += amount
            row["weighted"] += _weigh(amount, p[stage])
            row["stalled"] += idle
        elif status in (WON, CLOSED):
            row["won"] += count
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
        [_normal(totals[key]) for key in sorted(totals, key=lambda k: (k[0], _currency_key(k[1])))],
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


def _forecast(connection: Connection, s: Subquery, p: dict[str, Decimal]) -> Table:
    """Open deals by the month they are expected to close (their forecast close date)."""
    grouped = connection.execute(
        select(s.c.close_by, s.c.currency, s.c.stage, func.count(), func.sum(s.c.value))
        .where(s.c.status == OPEN)
        .group_by(s.c.close_by, s.c.currency, s.c.stage)
    ).all()
    months: dict[tuple[str | None, Any], dict[str, Any]] = {}
    for close_by, currency, stage, count, value in grouped:
        month = from_day(close_by).strftime("%Y-%m") if close_by else None  # type: ignore[union-attr]
        row = months.setdefault((month, currency), {"month": month, "currency": currency, "deals": 0})
        amount = from_units(value or 0) or Decimal(0)
        row["deals"] += count
        row["value"] = row.get("value", Decimal(0)) + amount
        row["weighted"] = row.get("weighted", Decimal(0)) + _weigh(amount, p[stage])
    return Table(
        "forecast",
        columns(
            ("month", Cell.TEXT),
            ("currency", Cell.TEXT),
            ("deals", Cell.INTEGER),
            ("value", Cell.MONEY),
            ("weighted", Cell.MONEY),
        ),
        [_normal(months[key]) for key in sorted(months, key=lambda k: (k[0] is None, k[0] or "", _currency_key(k[1])))],
    )


def _weigh(amount: Decimal | None, probability: Decimal) -> Decimal:
    return (amount or Decimal(0)) * probability


def _normal(row: dict[str, Any]) -> dict[str, Any]:
    """Exact amounts without the trailing zeros that multiplying by a probability leaves."""
    return {
        key: _tidy(value) if isinstance(value, Decimal) and key != "win_rate" else value for key, value in row.items()
    }


def _tidy(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()


def _currency_key(currency: str | None) -> tuple[bool, str]:
    return currency is None, currency or ""


def _currency_first(item: tuple[Any, Any]) -> Any:
    key = item[0]
    return (_currency_key(key[0]), *key[1:]) if isinstance(key, tuple) else _currency_key(key)
