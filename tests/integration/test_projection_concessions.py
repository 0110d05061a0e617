"""The concession history equals the concessions worked out again from the events, for any history,
on each store."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given

import projection_model as model
from conftest import Stores, examples_on
from dealflow.reports.concessions import concessions_report
from projection_histories import batches, played, splits, steps, tables


def test_each_deals_concessions_and_their_summary_equal_a_replay_of_its_events(stores: Stores) -> None:
    @examples_on(stores)
    @given(steps, splits, batches)
    def check(drawn: list, split: int, batch: int) -> None:
        with played(stores, drawn, split, batch) as (app, projections), projections.reading() as connection:
            summary = tables(concessions_report(connection))["summary"]
            for deal_id in app.deal_ids():
                report = tables(concessions_report(connection, deal_id))
                expected = model.concessions(app, deal_id)
                order = {term: n for n, term in enumerate(("price", "payment", "delivery", "service", "other"))}
                assert report["concessions"] == sorted(expected, key=lambda row: order[row["term"]]), deal_id
                assert len(report["deadlocks"]) == model.deadlocks(app, deal_id)
                given_by: dict[tuple, Decimal] = defaultdict(Decimal)
                for row in expected:
                    given_by[row["term"], row["by"]] += row["size"]
                for row in (row for row in summary if row["deal"] == deal_id and row["term"]):
                    assert row["we_gave"] == given_by[row["term"], "us"]
                    assert row["they_gave"] == given_by[row["term"], "customer"]
                    assert row["deadlocks"] == model.deadlocks(app, deal_id)

    check()
