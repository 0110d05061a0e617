"""Reading one cell of a CRM or accounting export: amounts with thousands separators and currency
signs, dates in ISO or a given format, yes/no flags, and names compared without regard to case,
spaces or punctuation. Each reader raises CellError saying what is wrong and how to fix it."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.fields import NO, YES
from dealflow.aggregates.limits import AMOUNT, DECIMALS
from dealflow.aggregates.money import parse_currency

ISO = "ISO"
_GROUPED = re.compile(r"\d{1,3}(?:[,' _]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", re.ASCII)  # not Unicode digits
_SIGNS = "$€£¥₹"
_SPACES = str.maketrans("", "", "\u00a0\u202f\u2009")  # no-break and thin spaces: thousands in some locales
TICKED = YES | {"x"}  # a spreadsheet's tick mark says yes too


class CellError(ValueError):
    """A cell that cannot be read: `problem` names the kind (for the summary), the message the fix."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def normal(name: str) -> str:
    """Names as people vary them: 'Close Date', 'close_date' and 'CloseDate' are one name."""
    return re.sub(r"[\W_]+", "", name.casefold())


def amount(text: str, *, decimal_comma: bool = False) -> Decimal:
    """1,250.50 / 1 250.50 / $1,250.50 / 1.250,50 (with decimal_comma) as the exact Decimal 1250.50."""
    cleaned = text.translate(_SPACES).strip().strip(_SIGNS).strip()
    if decimal_comma:  # 1.250,50 -> 1 250.50
        cleaned = cleaned.replace(".", " ").replace(",", ".")
    if cleaned.startswith(("-", "(")):
        raise CellError("a negative amount", f"{text!r} is negative: amounts are positive, such as 1250.50")
    if not _GROUPED.fullmatch(cleaned):
        example = "1.250,50" if decimal_comma else "1250.50 or 1,250.50"
        raise CellError("not a number", f"{text!r} is not a number: write it like {example}, or leave it blank")
    try:
        value = Decimal(re.sub(r"[,' _]", "", cleaned))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits and one point
        raise CellError("not a number", f"{text!r} is not a number") from None
    if value.as_tuple().exponent < -DECIMALS:  # type: ignore[operator]
        raise CellError("too many decimals", f"{text!r} has more than {DECIMALS} decimal places")
    if value not in AMOUNT:
        raise CellError("out of range", f"{text!r} is out of range: an amount must be {AMOUNT.describe()}")
    return value


class Dates:
    """Dates in one format: ISO (2026-03-31, also with a time after it) or a strptime format such as
    %m/%d/%Y, which also reads 3/1/2026. Remembers what it read: an export holds few distinct dates."""

    def __init__(self, fmt: str = ISO) -> None:
        self.format = fmt
        self._known: dict[str, date] = {}

    def __call__(self, text: str) -> date:
        found = self._known.get(text)
        if found is None:
            found = self._parse(text)
            if len(self._known) < 50_000:  # bounded: memory stays flat on any file
                self._known[text] = found
        return found

    def _parse(self, text: str) -> date:
        try:
            if self.format == ISO:
                day = text[:10] if len(text) > 10 and text[10] in "T " else text
                return date.fromisoformat(day)
            return datetime.strptime(text, self.format).date()
        except ValueError:
            expected = "YYYY-MM-DD" if self.format == ISO else self.format
            hint = "" if self.format != ISO else ", or give --date-format such as %m/%d/%Y"
            raise CellError("not a date", f"{text!r} is not a date in the form {expected}{hint}") from None


def currency(text: str) -> str:
    try:
        return parse_currency(text)
    except InvalidInput as error:
        raise CellError("not a currency", str(error)) from None


def flag(text: str) -> bool:
    """A yes/no cell (the words of an action's yes/no field): no, n, false or 0 is no; yes or any other
    text (such as a reason) is yes."""
    return text.casefold() not in NO


def says_only_yes(text: str) -> bool:
    """A yes cell that says no more than yes (or holds a tick, x): no reason in it to quote."""
    return normal(text) in TICKED
