"""Money is Decimal with an ISO 4217 currency; never float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from dealflow.aggregates.errors import Field, InvalidInput
from dealflow.aggregates.limits import AMOUNT, DECIMALS, Range

# Active ISO 4217 codes (2024 list), so that a typo such as "EUR0" or "USS" is caught.
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
    MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
    RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
    TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 - a block of codes reads better than a list of strings
)

# ISO 4217 minor units where they are not 2 (the 2024 list): JPY 1,000 and KWD 1,000.000.
_NOT_TWO_PLACES = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
MINOR_UNITS = {code: places for places, codes in _NOT_TWO_PLACES.items() for code in codes.split()}


# -5 is read, to be refused as out of range; never 1e3, 1_000, NaN, nor Unicode digits such as ١٢٣ or １２３
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)


def parse_amount(value: object, what: str | Field = "amount", limits: Range = AMOUNT) -> Decimal:
    """A finite decimal amount in `limits` (by default from 0) with at most 4 decimal places, from a
    Decimal, an int or plain text of ASCII digits such as '1250.50'."""
    if isinstance(value, float):
        raise InvalidInput("{} must be given as exact decimal text, not a float", what, rule="a float")
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise InvalidInput("{} {!r} is not a number: write it like 1250.50", what, value, rule="not a number")
    if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value.strip()):
        raise InvalidInput("{} {!r} is not a number: write it like 1250.50", what, value, rule="not a number")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits and one point
        raise InvalidInput("{} {!r} is not a number: write it like 1250.50", what, value, rule="not a number") from None
    if not amount.is_finite():
        raise InvalidInput("{} {!r} is not a number: write it like 1250.50", what, value, rule="not a number")
    exponent = amount.as_tuple().exponent  # an int: only NaN and infinities have a letter
    if isinstance(exponent, int) and exponent < -DECIMALS:
        raise InvalidInput("{} {!r} has more than {} decimal places", what, value, DECIMALS, rule="too many decimals")
    limits.check(amount, what)
    return amount


def canonical(amount: Decimal) -> Decimal:
    """120000.00 as 120000, 1250.50 as 1250.5: the same exact amount, one way of writing it, so that every
    output (JSON, CSV, reports rebuilt from projections that keep no scale) writes an amount alike."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()


@lru_cache(maxsize=65_536)  # reports repeat amounts; equal amounts (1250.50, 1250.5) have one canonical text
def amount_text(amount: Decimal) -> str:
    """An amount as every JSON output writes it: its canonical form, exact, as text ("1250.5")."""
    return str(canonical(amount))


def parse_currency(value: object) -> str:
    code = str(value).strip().upper()
    if code not in ISO_4217:
        raise InvalidInput(
            "currency {!r} is not an ISO 4217 code: use one such as EUR, USD or GBP", value, rule="not a currency"
        )
    return code
