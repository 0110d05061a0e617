"""The pipeline report, per currency (never adding currencies), from the pipeline projection.

"As of" a past date it reads each deal's version in force at the end of that day, else the
current one; the settings (stage probabilities, stalled days) are those in force on that day.
Every figure is summed in SQL, so that 100,000 deals answer in a fraction of a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Subquery, and_, case, func, select, union_all

from dealflow.aggregates.money import canonical
from dealflow.playbook import STAGE_NAMES, Status
from dealflow.projections.tables import PREVIOUS, STAGE_BIT, days_in, pipeline_deals, pipeline_history
from dealflow.projections.units import from_units
from dealflow.reports.pipeline_groups import by_group, forecast, stalled_deals
from dealflow.reports.report import Report, Settings, columns, currency_first, currency_key, ratio, weigh
from dealflow.reports.sums import joined, summed
from dealflow.reports.table import Cell, Table

BY = ("stage", "owner", "account", "month", "stalled")
OPEN, WON, LOST, CLOSED = Status.OPEN.value, Status.WON.value, Status.LOST.value, Status.CLOSED.value
_VERSION = [c.name for c in pipeline_history.c if c.name not in ("id", "valid_to") and not c.name.startswith(PREVIOUS)]


def standing(as_of: int | None, *, names: bool = False, owners: Collection[str] | None = None) -> Subquery:
    """Every deal as it stood at the end of day `as_of` (a day number), or as it stands now;
    with `names`, its id, account and opening day as well (a join, for the reports that show them);
    with `owners`, only the deals one of them owned then."""
    d, h = pipeline_deals.c, pipeline_history.c
    current = select(d.id, *(d[name] for name in _VERSION))
    if owners is not None:
        current = current.where(d.owner.in_(owners))
    if names:
        current = current.add_columns(d.deal_id, d.account, d.opened_on)
    if as_of is None:
        return current.subquery("standing")
    earlier = select(h.id, *(h[name] for name in _VERSION)).where(h.valid_from <= as_of, h.valid_to > as_of)
    if owners is not None:
        earlier = earlier.where(h.owner.in_(owners))
    if names:
        earlier = earlier.add_columns(d.deal_id, d.account, d.opened_on).join_from(
            pipeline_history, pipeline_deals, h.id == d.id
        )
    return union_all(current.where(d.valid_from <= as_of), earlier).subquery("standing")


def pipeline_report(
    connection: Connection,
    *,
    as_of: date,
    settings: Settings,
    by: str = "stage",
    latest: bool = True,
    owners: Collection[str] | None = None,
) -> Report:
    """The pipeline at the end of `as_of`; `latest` says nothing can be dated after it (it is today),
    so that the current versions alone answer. With `owners`, of the deals they owned then alone."""
    day = as_of.toordinal()
    source = standing(None if latest else day, names=by in ("stalled", "account"), owners=owners)
    cutoff = day - settings.stalled_days
    probabilities = {stage: settings.probability(stage) for stage in STAGE_NAMES}
    facts = {
        "as_of": as_of,
        "by": by,
        "stalled_days": settings.stalled_days,
        "probabilities": probabilities,
    }
    if owners is not None:
        facts["owners"] = list(owners)
    if by == "stage":
        tables = _by_stage(connection, source, day, cutoff, probabilities)
    elif by == "stalled":
        tables = [stalled_deals(connection, source, day, cutoff)]
    elif by == "month":
        tables = [forecast(connection, source, probabilities)]
    else:
        tables = [by_group(connection, source, by, cutoff, probabilities)]
    return Report(facts, tables)


def _by_stage(connection: Connection, s: Subquery, day: int, cutoff: int, p: dict[str, Decimal]) -> list[Table]:
    """Stages, flow, outcomes and lost reasons, in one scan: of an index that covers it, for the
    current deals (measured on 100,000 deals: 5 ms against 60-117 ms reading the table for the
    flow), or of the versions as of a past day."""
    stalled = func.sum(case((and_(s.c.status == OPEN, s.c.valid_from <= cutoff), 1), else_=0))
    flow = _flow_sums(s, day)
    grouped = summed(
        connection,
        lambda money: (
            select(s.c.status, s.c.stage, s.c.currency, s.c.lost_reason, func.count(), *money(s.c.value))
            .add_columns(*money(s.c.signed), func.count(s.c.signed), stalled, *flow)
            .group_by(s.c.status, s.c.stage, s.c.currency, s.c.lost_reason)
        ),
    )
    spent = [sum(row[11 + n] or 0 for row in grouped) for n in range(len(flow))]  # after 11 columns, as below
    stages: dict[tuple[Any, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    outcomes: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    reasons: dict[tuple[Any, str], list[int]] = defaultdict(lambda: [0, 0])
    for status, stage, currency, reason, count, *money, agreements, idle in (row[:11] for row in grouped):
        value, signed = joined(*money[:2]), joined(*money[2:])  # each sum in two columns (`sums`)
        if status in (OPEN, WON):
            totals = stages[currency, stage]
            totals[0], totals[1], totals[2] = totals[0] + count, totals[1] + (value or 0), totals[2] + idle
        if status in (WON, CLOSED):  # won means signed: an imported ledger deal never was, and is no win
            outcome = outcomes[currency]
            outcome[0], outcome[1] = outcome[0] + agreements, outcome[1] + (signed or 0)
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
                for currency, (won, won_value, lost, lost_value) in sorted(outcomes.items(), key=currency_first)
            ],
        ),
        Table(
            "lost_reasons",
            columns(("currency", Cell.TEXT), ("reason", Cell.TEXT), ("deals", Cell.INTEGER), ("value", Cell.MONEY)),
            [
                {"currency": currency, "reason": reason, "deals": count, "value": from_units(value)}
                for (currency, reason), (count, value) in sorted(reasons.items(), key=currency_first)
            ],
        ),
    ]


def _stage_table(stages: dict[tuple[Any, str], list[int]], p: dict[str, Decimal]) -> Table:
    rows = []
    for currency in sorted({currency for currency, _ in stages}, key=currency_key):
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
                    "weighted": canonical(weigh(amount, p[stage])),
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
