"""The ranges of the numbers dealflow takes (`aggregates.limits`): what each admits and what it says."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from dealflow.aggregates.errors import InvalidInput, Refused
from dealflow.aggregates.limits import (
    AMOUNT,
    MAX_AMOUNT,
    POSITIVE_AMOUNT,
    PROBABILITY,
    ROUND,
    SETTING_DAYS,
    STALLED_DAYS,
    check_total,
    whole,
)
from dealflow.aggregates.money import parse_amount
from dealflow.aggregates.settings import parse_setting
from dealflow.playbook import DEFAULTS
from dealflow.projections.units import MAX_UNITS, fits, to_units

TOO_MUCH = MAX_AMOUNT + Decimal("0.0001")


def test_the_largest_amount_fits_a_projections_64_bit_column_in_ten_thousandths():
    assert to_units(MAX_AMOUNT) == 10**18 - 1 <= MAX_UNITS


@pytest.mark.parametrize(
    ("limits", "inside", "outside"),
    [
        (AMOUNT, [0, Decimal("0.0001"), MAX_AMOUNT], [-1, TOO_MUCH]),
        (POSITIVE_AMOUNT, [Decimal("0.0001"), MAX_AMOUNT], [0, TOO_MUCH]),
        (PROBABILITY, [0, Decimal("0.35"), 1], [Decimal("1.0001"), -1]),
        (ROUND, [1, 999], [0, 1000]),
        (STALLED_DAYS, [1, 3650], [0, 3651]),
    ],
    ids=["amount", "positive-amount", "probability", "round", "stalled-days"],
)
def test_a_range_holds_its_ends_and_nothing_past_them(limits, inside, outside):
    assert all(value in limits for value in inside)
    assert not any(value in limits for value in outside)


@pytest.mark.parametrize("value", [True, 1.0, "1", None], ids=["bool", "float", "text", "none"])
def test_a_range_holds_only_exact_numbers(value):
    assert value not in ROUND


def test_a_range_says_its_ends_with_thousands_separated():
    assert AMOUNT.describe() == "from 0 to 99,999,999,999,999.9999"
    assert POSITIVE_AMOUNT.describe() == "more than 0 and at most 99,999,999,999,999.9999"
    assert STALLED_DAYS.describe() == "from 1 to 3,650 days"


@pytest.mark.parametrize("text", ["7", " 7 ", 7])
def test_a_whole_number_is_read_from_ascii_digits_or_an_int(text):
    assert whole(text, ROUND, "--round") == 7


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("١٢", "--round takes a whole number from 1 to 999; got '١٢'"),
        ("１２", "--round takes a whole number from 1 to 999"),
        ("1.5", "--round takes a whole number"),
        (True, "--round takes a whole number"),
        ("-3", "--round takes a whole number"),
        (10**20, "--round must be from 1 to 999; got 100,000,000,000,000,000,000"),
        (0, "--round must be from 1 to 999; got 0"),
    ],
    ids=["arabic-indic", "full-width", "fraction", "bool", "negative", "huge", "zero"],
)
def test_a_whole_number_out_of_range_or_not_in_ascii_digits_is_refused_saying_the_range(value, says):
    with pytest.raises(InvalidInput, match="^" + says.replace("(", r"\(").replace(")", r"\)")):
        whole(value, ROUND, "--round")


@pytest.mark.parametrize("value", [MAX_AMOUNT, str(MAX_AMOUNT), "0.0001", 1])
def test_an_amount_up_to_the_largest_is_taken(value):
    assert parse_amount(value, "--value", POSITIVE_AMOUNT) == Decimal(str(value))


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (str(TOO_MUCH), "--value must be more than 0 and at most 99,999,999,999,999.9999; got 100,000,000,000,000"),
        (10**20, "got 100,000,000,000,000,000,000"),
        ("0", "--value must be more than 0"),
        ("٣", "is not a number"),
        (Decimal("Infinity"), "is not a number"),
    ],
    ids=["one-more", "int", "zero", "eastern-arabic-digit", "infinity"],
)
def test_an_amount_out_of_range_is_refused_saying_the_range(value, says):
    with pytest.raises(InvalidInput, match=says):
        parse_amount(value, "--value", POSITIVE_AMOUNT)


def test_a_deal_total_past_the_largest_amount_is_refused_but_one_at_it_is_not():
    check_total(MAX_AMOUNT, "the invoiced total")
    with pytest.raises(Refused, match="the invoiced total would come to 100,000,000,000,000, past the most"):
        check_total(TOO_MUCH, "the invoiced total")


def test_every_setting_in_whole_days_has_a_range():
    days = {field.name for field in dataclasses.fields(DEFAULTS) if isinstance(getattr(DEFAULTS, field.name), int)}
    assert days == set(SETTING_DAYS)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("stalled-days", "0", "stalled-days must be from 1 to 3,650 days; got 0"),
        ("collection-overdue-days", "3651", "collection-overdue-days must be from 0 to 3,650 days"),
        ("gift-limit", "100000000000000", "gift-limit must be from 0 to 99,999,999,999,999.9999"),
        ("collection-large-amount", "-1", "collection-large-amount must be from 0 to"),
        ("probability-needs", "1.01", "probability-needs must be from 0 to 1; got 1.01"),
    ],
)
def test_a_setting_out_of_its_range_is_refused_saying_the_range(name, value, says):
    with pytest.raises(InvalidInput, match=says):
        parse_setting(name, value)


def test_a_projection_refuses_units_past_its_column():
    assert fits(MAX_UNITS) == MAX_UNITS
    with pytest.raises(OverflowError, match="beyond what a projection stores"):
        fits(MAX_UNITS + 1)
