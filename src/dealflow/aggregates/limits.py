"""The range of every number a person or a file gives dealflow, in one place, so that the commands,
the three imports and the settings refuse the same values with the same words.

Why these bounds: the projections keep an amount in ten-thousandths in a 64-bit integer column
(at most 9,223,372,036,854,775,807), so one amount, and each total a deal keeps of amounts (its
value after upsells, what it has invoiced, what each side has conceded on a term), stays at most
99,999,999,999,999.9999: 10^18 - 1 ten-thousandths, with room to spare. Reports add amounts of
many deals exactly (see `projections.sums`), so no bound is needed across deals. Days, rounds and
probabilities are bounded by what makes sense, far inside what every column holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from dealflow.aggregates.errors import Field, InvalidInput, Refused

DECIMALS = 4  # an amount's decimal places: the projections keep ten-thousandths
MAX_AMOUNT = Decimal("99999999999999.9999")  # 10^14 less one ten-thousandth
ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)  # never Unicode digits such as ١٢٣ or １２３, which int() reads


@dataclass(frozen=True)
class Range:
    """Numbers from `low` (or more than `low` when not `low_allowed`) up to `high`, both included."""

    low: Decimal
    high: Decimal
    low_allowed: bool = True
    unit: str = ""

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.low_allowed:
            return f"from {_number(self.low)} to {_number(self.high)}{unit}"
        return f"more than {_number(self.low)} and at most {_number(self.high)}{unit}"

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
            return False
        return (self.low <= value if self.low_allowed else self.low < value) and value <= self.high

    def check(self, value: Decimal | int, what: str | Field) -> None:
        """Raises InvalidInput naming `what`, the value and this range."""
        if value not in self:
            raise InvalidInput("{} must be {}; got {}", what, self.describe(), _number(value), rule="out of range")


def _number(value: Decimal | int) -> str:
    """1,000,000 and 99,999,999,999,999.9999: thousands separated, no trailing zeros on a whole number."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return f"{value:,}"


AMOUNT = Range(Decimal(0), MAX_AMOUNT)  # a bottom line, a concession's from and to, a gift, a threshold
POSITIVE_AMOUNT = Range(Decimal(0), MAX_AMOUNT, low_allowed=False)  # a deal's value, a signed amount, an invoice
PROBABILITY = Range(Decimal(0), Decimal(1))
ROUND = Range(Decimal(1), Decimal(999))  # a concession's negotiation round
STALLED_DAYS = Range(Decimal(1), Decimal(3650), unit="days")  # 0 would call every deal stalled
OVERDUE_DAYS = Range(Decimal(0), Decimal(3650), unit="days")  # 0: any overdue invoice is long overdue
SETTING_DAYS = {"stalled_days": STALLED_DAYS, "collection_overdue_days": OVERDUE_DAYS}


def whole(value: object, limits: Range, what: str | Field) -> int:
    """A whole number in `limits`, from an int or text of ASCII digits (such as a JSON line's or a CSV cell's)."""
    if isinstance(value, str) and ASCII_DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(
            "{} takes a whole number {}; got {!r}", what, limits.describe(), value, rule="not a whole number"
        )
    limits.check(value, what)
    return value


def check_total(total: Decimal, what: str) -> None:
    """A total a deal keeps must stay within what one amount may be: Refused (the data cannot hold it)."""
    if total > MAX_AMOUNT:
        raise Refused(
            f"{what} would come to {_number(total)}, past the most a deal can hold ({_number(MAX_AMOUNT)}): "
            "record it as a deal of its own"
        )
