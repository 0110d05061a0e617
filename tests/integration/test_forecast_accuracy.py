"""The forecast and its accuracy for any dated history, on each store: a past period's forecast is
`pipeline --as-of` the day before it began (its expected-close months), what was won in it is the
movement's `won` over it; the periods ahead are today's pipeline by close month."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conftest import Stores, examples_on
from dealflow.reports.forecast import forecast_report
from dealflow.reports.movement import contract, movement_report
from dealflow.reports.periods import period_of
from dealflow.reports.pipeline import pipeline_report
from projection_histories import OWNERS, batches, played, splits, steps, tables

PERIODS = 14  # the histories span 400 days: every month of them, by months


def test_past_forecasts_are_the_pipeline_at_their_start_against_the_movement_over_them(stores: Stores) -> None:
    @examples_on(stores)
    @given(steps, splits, batches, st.randoms(use_true_random=False))
    def check(drawn: list, split: int, batch: int, rng: random.Random) -> None:
        owners = None if rng.random() < 0.6 else rng.sample(OWNERS, 1)
        with played(stores, drawn, split, batch) as (app, projections), projections.reading() as connection:
            today = date.today()
            report = forecast_report(
                connection, today=today, settings_on=app.settings, period="month", periods=PERIODS, accuracy=True,
                owners=owners,
            )  # fmt: skip
            found = tables(report)
            for row in found["accuracy"]:
                eve = row["starts"] - timedelta(days=1)
                said = _month(connection, app, eve, row["starts"], row["currency"], owners)
                assert (row["forecast_deals"], row["best_case"], row["weighted"]) == said, row
                won = _won(connection, eve, row["ends"], row["currency"], owners)
                assert (row["won_deals"], row["won"]) == won, row
                expected = None if not row["weighted"] else round(row["won"] / row["weighted"], 4)
                assert row["accuracy"] == expected
            by_owner: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0)])
            for row in found["accuracy_by_owner"]:
                totals = by_owner[row["period"], row["currency"]]
                for n, name in enumerate(("forecast_deals", "weighted", "won_deals", "won")):
                    totals[n] += row[name]
            team = {
                (row["period"], row["currency"]): [
                    row[name] for name in ("forecast_deals", "weighted", "won_deals", "won")
                ]
                for row in found["accuracy"]
            }
            assert team == dict(by_owner)
            current = period_of(today, "month")
            began = current.first_day - timedelta(days=1)
            for row in found["periods"]:
                window = (row["starts"], row["ends"])
                moved = movement_report(connection, start=began, end=today, window=window, owners=owners)
                slipped = _bucket(contract(moved)["rows"], row["currency"], "pushed_out")
                assert (row["slipped_deals"], row["slipped"]) == slipped, row
                if row["starts"] == current.first_day:
                    won = _won(connection, began, today, row["currency"], owners)
                    assert (row["won_deals"], row["won"]) == won, row
                if row["starts"] > today:
                    said = _month(connection, app, today, row["starts"], row["currency"], owners, now=True)
                    assert (row["deals"], row["best_case"], row["weighted"]) == said, row

    check()


def _month(connection: Any, app: Any, day: date, month: date, currency: Any, owners: Any, now: bool = False) -> tuple:
    """`pipeline --as-of day --by month`: the row of `month` in `currency` (zeros when there is none)."""
    report = pipeline_report(
        connection, as_of=day, settings=app.settings(day), by="month", latest=now, owners=owners
    )  # fmt: skip
    for row in tables(report)["forecast"]:
        if row["month"] == month.strftime("%Y-%m") and row["currency"] == currency:
            return row["deals"], row["value"], row["weighted"]
    return 0, Decimal(0), Decimal(0)


def _won(connection: Any, start: date, end: date, currency: Any, owners: Any) -> tuple[int, Decimal]:
    return _bucket(contract(movement_report(connection, start=start, end=end, owners=owners))["rows"], currency, "won")


def _bucket(rows: list[dict[str, Any]], currency: Any, bucket: str) -> tuple[int, Decimal]:
    for row in rows:
        if row["currency"] == currency:
            return row[bucket]["deals"], row[bucket]["value"]
    return 0, Decimal(0)
