"""Money is Decimal with an ISO 4217 currency; never float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from dealflow.aggregates.errors import InvalidInput

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


PLAIN_DECIMAL = re.compile(r"\d+(\.\d+)?")


def parse_amount(value: object, what: str = "amount") -> Decimal:
    """A non-negative, finite decimal amount from a Decimal, int or plain text such as '1250.50'."""
    if isinstance(value, float):
        raise InvalidInput(f"{what} must be given as exact decimal text, not a float")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{what} {value!r} is not a number: write it like 1250.50") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(f"{what} {value!r} must be a positive number such as 1250.50")
    if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value.strip()):  # 1e3, 1_000
        raise InvalidInput(f"{what} {value!r} is not a number: write it like 1250.50")
    if amount.as_tuple().exponent < -4:  # type: ignore[operator]
        raise InvalidInput(f"{what} {value!r} has more than 4 decimal places")
    return amount


def canonical(amount: Decimal) -> Decimal:
    """120000.00 as 120000, 1250.50 as 1250.5: the same exact amount, one way of writing it, so that every
    output (JSON, CSV, reports rebuilt from projections that keep no scale) writes an amount alike."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()


def parse_currency(value: object) -> str:
    code = str(value).strip().upper()
    if code not in ISO_4217:
        raise InvalidInput(f"currency {value!r} is not an ISO 4217 code: use one such as EUR, USD or GBP")
    return code
