"""Months and quarters as the movement and forecast reports count them: labels, bounds, and runs of
periods that tile the calendar."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealflow.reports.periods import period_of, periods_before, periods_from, quarter_before

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))
kinds = st.sampled_from(["month", "quarter"])


def test_a_quarter_is_labelled_by_year_and_number_and_runs_from_its_first_to_its_last_day():
    assert period_of(date(2026, 11, 5), "quarter") == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert period_of(date(2026, 1, 1), "quarter") == ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))


def test_a_month_is_labelled_by_year_and_month_and_knows_a_leap_february():
    assert period_of(date(2026, 12, 31), "month") == ("2026-12", date(2026, 12, 1), date(2026, 12, 31))
    assert period_of(date(2028, 2, 10), "month").last_day == date(2028, 2, 29)


def test_the_quarter_before_ends_on_the_day_before_this_quarter_begins_even_across_a_year():
    assert quarter_before(date(2026, 5, 17)) == date(2026, 3, 31)
    assert quarter_before(date(2026, 1, 1)) == date(2025, 12, 31)
    assert quarter_before(date(2026, 12, 31)) == date(2026, 9, 30)


def test_periods_from_begin_with_the_current_one_and_periods_before_end_just_before_it():
    day = date(2026, 2, 14)
    assert [p.label for p in periods_from(day, "quarter", 3)] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert [p.label for p in periods_before(day, "quarter", 3)] == ["2025-Q2", "2025-Q3", "2025-Q4"]
    assert [p.label for p in periods_before(day, "month", 2)] == ["2025-12", "2026-01"]
    assert periods_from(day, "month", 0) == [] == periods_before(day, "month", 0)


def test_an_unknown_period_is_refused_with_the_ones_there_are():
    with pytest.raises(ValueError, match="month, quarter"):
        period_of(date(2026, 1, 1), "week")


@given(days, kinds, st.integers(min_value=1, max_value=30))
def test_consecutive_periods_tile_the_calendar_with_no_gap_or_overlap(day, kind, n):
    run = [*periods_before(day, kind, n), *periods_from(day, kind, n)]

    assert run[n] == period_of(day, kind) and run[n].first_day <= day <= run[n].last_day
    for period in run:
        assert period.first_day <= period.last_day
        assert period_of(period.first_day, kind) == period == period_of(period.last_day, kind)
    for earlier, later in pairwise(run):
        assert later.first_day == earlier.last_day + timedelta(days=1)
    assert len({period.label for period in run}) == len(run)
    assert quarter_before(day) == period_of(day, "quarter").first_day - timedelta(days=1)


def test_the_movement_command_names_the_buckets_the_report_counts():
    from dealflow.cli.movement import BUCKET_NAMES
    from dealflow.reports.movement import BUCKETS

    assert BUCKET_NAMES == BUCKETS
