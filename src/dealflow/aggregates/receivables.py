"""Receivables arithmetic and rules on a deal's invoices: exact decimals, no over-payment.

Each rule is one function here, raising the domain's error; a command runs them on the deal, and
an import runs the same ones on a row before it writes anything, saying what they refuse in its own
words (the column, the row's values)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from dealflow.aggregates.errors import DUE, Command, InvalidInput, NotFound, Refused

Invoice = Mapping[str, Any]


def balance(invoice: Invoice) -> Decimal:
    return invoice["amount"] - invoice["paid"] - invoice["written_off"]


def check_new_invoice(
    invoices: Mapping[str, Invoice], invoice: str, amount: Decimal, issued: date, due: date, signed: Decimal
) -> None:
    if not invoice.strip():
        raise InvalidInput("give the invoice an id, such as INV-2026-001")
    if invoice.casefold() in {known.casefold() for known in invoices}:  # as the store's claim on the id
        raise Refused(f"invoice {invoice} already exists: give the new invoice another id")
    check_invoice_amount(amount)
    check_due_after_issue(issued, due)
    check_within_signed(amount, sum((i["amount"] for i in invoices.values()), Decimal(0)), signed)


def check_invoice_amount(amount: Decimal) -> None:
    """An invoice bills something."""
    if amount <= 0:
        raise InvalidInput(f"an invoice amount must be more than 0; got {amount}")


def check_due_after_issue(issued: date, due: date) -> None:
    """An invoice falls due on or after the day it is issued."""
    if due < issued:
        raise InvalidInput(
            "{} {} is before the issue date {}: an invoice falls due after it is issued",
            DUE,
            due,
            issued,
            rule="due before issued",
        )


def check_within_signed(amount: Decimal, invoiced: Decimal, signed: Decimal | None) -> None:
    """A deal's invoices come to no more than its signed amount (a ledger deal, never signed, has no ceiling)."""
    if signed is not None and invoiced + amount > signed:
        raise Refused(f"invoice of {amount} exceeds the {signed - invoiced} of the signed amount not yet invoiced")


def check_currency(currency: str | None, deal_currency: str | None) -> None:
    """A deal has one currency: an invoice in another is refused (one in none is in the deal's)."""
    if currency is not None and deal_currency is not None and currency != deal_currency:
        raise Refused(
            "this deal is in {}: a deal has one currency, so give amounts in {}", deal_currency, deal_currency
        )


def open_invoice(invoices: Mapping[str, Invoice], invoice: str) -> Invoice:
    if invoice not in invoices:
        raise NotFound("this deal has no invoice {}: {} lists its invoices", invoice, Command("show"))
    if balance(invoices[invoice]) == 0:
        raise Refused(f"invoice {invoice} is already settled: nothing is left to collect")
    return invoices[invoice]


def check_payment(invoices: Mapping[str, Invoice], invoice: str, amount: Decimal) -> None:
    left = balance(open_invoice(invoices, invoice))
    if amount <= 0:
        raise InvalidInput(f"a payment must be more than 0; got {amount}")
    check_owed(invoice, amount, left)


def check_owed(invoice: str, amount: Decimal, left: Decimal) -> None:
    """A payment is no more than what is still owed on its invoice."""
    if amount > left:
        raise Refused(f"payment of {amount} is more than the {left} still owed on invoice {invoice}")


def check_paid_after_issue(invoice: str, on: date, issued: date) -> None:
    """A payment is made on or after the day its invoice was issued."""
    if on < issued:
        raise Refused(f"a payment on {on} is before invoice {invoice} was issued on {issued}")
