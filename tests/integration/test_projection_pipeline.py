"""The pipeline projection equals the pipeline worked out again from the events, for any history,
on each store."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import projection_model as model
from conftest import Stores, examples_on
from dealflow.reports.pipeline import BY, pipeline_report
from projection_histories import batches, days_to_check, played, splits, steps, tables


def test_the_pipeline_as_of_any_day_equals_a_replay_of_the_events_up_to_that_day(stores: Stores) -> None:
    @examples_on(stores)
    @given(steps, splits, batches, st.randoms(use_true_random=False))
    def check(drawn: list, split: int, batch: int, rng: random.Random) -> None:
        with played(stores, drawn, split, batch) as (app, projections), projections.reading() as connection:
            for day in days_to_check(app, rng):
                in_force = app.settings(day)
                for by in BY:
                    report = pipeline_report(
                        connection, as_of=day, settings=in_force, by=by, latest=day == date.today()
                    )
                    assert tables(report) == model.pipeline(app, day, in_force, by), (day, by)

    check()


def test_the_pipeline_is_the_same_whatever_the_batches_it_was_built_in(stores: Stores) -> None:
    @examples_on(stores)
    @given(steps, st.sampled_from((1, 5, 10_000)))
    def check(drawn: list, batch: int) -> None:
        with played(stores, drawn, len(drawn) // 2, batch) as (app, projections), projections.reading() as connection:
            by_batches = [
                tables(pipeline_report(connection, as_of=day, settings=app.settings(day), by="stage", latest=False))
                for day in days_to_check(app, random.Random(1))
            ]
        with played(stores, drawn, 0, 10_000) as (app, projections), projections.reading() as connection:
            at_once = [
                tables(pipeline_report(connection, as_of=day, settings=app.settings(day), by="stage", latest=False))
                for day in days_to_check(app, random.Random(1))
            ]
        assert by_batches == at_once

    check()


def test_a_back_dated_note_in_a_later_batch_gives_the_same_pipeline_as_one_batch(stores: Stores) -> None:
    drawn = [
        ("open", 0, 0, 0, 0),
        ("setting", 1, 0, 0, 0),
        ("note", 0, 3, 0, 0),
        ("advance", 0, 0, 1, 0),
        ("advance", 0, 0, 3, 0),
        ("note", 0, 0, 0, 0),
        ("lose", 0, 0, 0, 0),
    ]

    def today(split: int, batch: int) -> tuple[dict, dict]:
        """Today's pipeline from the projections and worked out again from the events."""
        with played(stores, drawn, split, batch) as (app, projections), projections.reading() as connection:
            report = pipeline_report(connection, as_of=date.today(), settings=app.settings(), by="stage", latest=True)
            return tables(report), model.pipeline(app, date.today(), app.settings(), "stage")

    in_batches, replayed = today(len(drawn) // 2, 5)
    at_once, _ = today(0, 10_000)
    assert in_batches == at_once == replayed
    assert [row["deals"] for row in in_batches["lost_reasons"]] == [1], in_batches  # the lost deal, counted once
