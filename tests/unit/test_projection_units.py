"""What the projections store for amounts and days: exact ten-thousandths and day numbers, read from
the stored JSON or from Python values alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dealflow.projections.units import from_day, from_units, to_day, to_units


def test_amounts_are_kept_exactly_in_ten_thousandths():
    for text in ("0", "0.0001", "1250.5", "120000", "99999999.9999"):
        assert from_units(to_units(text)) == Decimal(text)
        assert from_units(to_units({"_type_": "decimal_str", "_data_": text})) == Decimal(text)
    assert str(from_units(to_units("120000.00"))) == "120000"


def test_days_are_day_numbers_that_subtract_to_days():
    assert to_day("2026-03-31") - to_day(date(2026, 3, 1)) == 30
    assert from_day(to_day({"_type_": "date_iso", "_data_": "2026-02-28"})) == date(2026, 2, 28)
    assert to_day(None) is None and from_day(None) is None
