"""What the demo book holds: how many deals tell which story, and each deal's plan."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dealflow.playbook import CONCESSION_TERMS, STAGES, Effect, RelationshipReached

SEED = 6_24  # six stages, twenty-four actions
SIGNING = len(STAGES) - 2  # the index of the stage left by signing
WON = len(STAGES) - 1
PAYMENT_DAYS = 30
# Overdue invoices, one in each corner of the ageing report: (days past due when chased, small amount?)
OVERDUE = ((5, True), (100, True), (10, False), (70, False))
SMALL_INVOICE = Decimal(8_000)
PRICE, PAYMENT = CONCESSION_TERMS[:2]
KEY_LEVEL = next(r for s in STAGES for r in s.exit_signal.rules if isinstance(r, RelationshipReached)).stakeholder_level
SPECIAL = (Effect.COLLECTS, Effect.REFERRAL)  # actions only a story records

# (story, the index of the stage it ends in or leaves from, how many deals)
BOOK: tuple[tuple[str, int, int], ...] = (
    *(("open", stage, 3) for stage in range(SIGNING + 1)),
    ("concessions", SIGNING, 1),
    *((outcome, WON, n) for outcome, n in (("won", 1), ("invoiced", 1), ("partly-paid", 2), ("overdue", 4))),
    ("referral", WON, 1),
    ("closed", WON, 3),
    ("written-off", WON, 1),
    *(("lost", stage, 1) for stage in range(SIGNING + 1)),
    ("reopened", SIGNING - 1, 1),
    ("stepped-back", SIGNING - 1, 1),
)


@dataclass(frozen=True)
class Plan:
    story: str
    reach: int
    account: str
    currency: str
    title: str
    owner: str
    value: Decimal
    guide: str
    decision_maker: str
    lag: int  # days between the deal's last record and today


def whole(amount: Decimal, unit: int = 100) -> Decimal:
    return (amount / unit).to_integral_value() * unit
