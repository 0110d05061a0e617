"""Receivables arithmetic on a deal's invoices: exact decimals, no over-payment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from dealflow.aggregates.errors import InvalidInput, NotFound, Refused

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
    if amount <= 0:
        raise InvalidInput(f"an invoice amount must be more than 0; got {amount}")
    if due < issued:
        raise InvalidInput(f"--due {due} is before the issue date {issued}: an invoice falls due after it is issued")
    left = signed - sum((i["amount"] for i in invoices.values()), Decimal(0))
    if amount > left:
        raise Refused(f"invoice of {amount} exceeds the {left} of the signed amount not yet invoiced")


def open_invoice(invoices: Mapping[str, Invoice], invoice: str) -> Invoice:
    if invoice not in invoices:
        raise NotFound(f"this deal has no invoice {invoice}: `dealflow show` lists its invoices")
    if balance(invoices[invoice]) == 0:
        raise Refused(f"invoice {invoice} is already settled: nothing is left to collect")
    return invoices[invoice]


def check_payment(invoices: Mapping[str, Invoice], invoice: str, amount: Decimal) -> None:
    left = balance(open_invoice(invoices, invoice))
    if amount <= 0:
        raise InvalidInput(f"a payment must be more than 0; got {amount}")
    if amount > left:
        raise Refused(f"payment of {amount} is more than the {left} still owed on invoice {invoice}")
