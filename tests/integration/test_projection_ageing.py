"""The receivables ageing equals the ageing worked out again from the events, for any history, on
each store."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import projection_model as model
from conftest import Stores, examples_on
from dealflow.reports.ageing import ageing_report
from projection_histories import batches, days_to_check, played, splits, steps, tables


def test_the_ageing_as_of_any_day_equals_the_invoices_less_what_was_settled_by_then(stores: Stores) -> None:
    @examples_on(stores)
    @given(steps, splits, batches, st.randoms(use_true_random=False))
    def check(drawn: list, split: int, batch: int, rng: random.Random) -> None:
        with played(stores, drawn, split, batch) as (app, projections), projections.reading() as connection:
            for day in days_to_check(app, rng):
                in_force = app.settings(day)
                expected = model.ageing(app, day, in_force)
                invoices = ageing_report(connection, as_of=day, settings=in_force, latest=day == date.today())
                customers = ageing_report(connection, as_of=day, settings=in_force, by="customer", latest=False)
                assert tables(invoices)["invoices"] == expected, day
                for currency_row in tables(customers)["totals"]:
                    owed = [row["balance"] for row in expected if row["currency"] == currency_row["currency"]]
                    assert currency_row["total"] == sum(owed) and currency_row["invoices"] == len(owed)
                for row in tables(customers)["customers"]:
                    mine = [i for i in expected if (i["customer"], i["currency"]) == (row["customer"], row["currency"])]
                    assert row["total"] == sum(i["balance"] for i in mine)  # ties to the open balances, exactly
                    buckets = ("current", "1-30", "31-60", "61-90", "over-90")
                    assert row["total"] == sum(row[bucket] for bucket in buckets)

    check()
