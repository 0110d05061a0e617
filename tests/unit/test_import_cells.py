"""Reading the cells of CRM and accounting exports: amounts, dates, flags and names as people write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dealflow.imports.cells import CellError, Dates, amount, currency, flag, normal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1250.50", "1250.50"),
        ("1,250.50", "1250.50"),
        ("120,000", "120000"),
        ("1 250 000.00", "1250000.00"),
        ("1\u00a0250", "1250"),
        ("1'250.5", "1250.5"),
        ("$1,250.50", "1250.50"),
        ("€ 99", "99"),
        ("0", "0"),
    ],
)
def test_amounts_are_read_with_thousands_separators_and_currency_signs_as_exact_decimals(text, expected):
    value = amount(text)

    assert value == Decimal(expected) and str(value) == expected


def test_a_decimal_comma_reads_points_as_thousands_separators():
    assert amount("1.250,50", decimal_comma=True) == Decimal("1250.50")
    assert amount("1250,5", decimal_comma=True) == Decimal("1250.5")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("TBD", "not a number"),
        ("12,50", "not a number"),  # a decimal comma, without --decimal-comma
        ("1,2345,000", "not a number"),
        ("1e3", "not a number"),
        ("-500", "a negative amount"),
        ("(500.00)", "a negative amount"),
        ("1.23456", "too many decimals"),
    ],
)
def test_what_is_not_a_plain_positive_amount_says_so_and_how_to_write_it(text, problem):
    with pytest.raises(CellError) as refused:
        amount(text)

    assert refused.value.problem == problem
    assert repr(text) in str(refused.value)


def test_iso_dates_are_read_with_or_without_a_time_after_them():
    dates = Dates()

    assert dates("2025-03-31") == dates("2025-03-31T09:30:00Z") == dates("2025-03-31 09:30") == date(2025, 3, 31)


def test_a_date_format_reads_month_first_dates_with_or_without_leading_zeros():
    dates = Dates("%m/%d/%Y")

    assert dates("3/1/2025") == dates("03/01/2025") == date(2025, 3, 1)


def test_a_date_not_in_the_format_says_which_format_is_expected():
    with pytest.raises(CellError, match=r"'3/31/2025' is not a date in the form YYYY-MM-DD, or give --date-format"):
        Dates()("3/31/2025")
    with pytest.raises(CellError, match=r"'2025-31-03' is not a date in the form %m/%d/%Y"):
        Dates("%m/%d/%Y")("2025-31-03")


def test_names_match_without_regard_to_case_spaces_or_punctuation():
    assert normal("Close Date") == normal("close_date") == normal("CloseDate") == normal(" close-date ")
    assert normal("Closed Won") == normal("closedwon")


def test_currencies_are_iso_codes_in_any_case():
    assert currency("eur") == "EUR"
    with pytest.raises(CellError, match="not an ISO 4217 code"):
        currency("Euro")


@pytest.mark.parametrize(("text", "expected"), [("yes", True), ("Y", True), ("wrong quantity", True), ("no", False),
                                                 ("FALSE", False), ("0", False)])  # fmt: skip
def test_a_flag_is_no_only_when_it_says_no(text, expected):
    assert flag(text) is expected
