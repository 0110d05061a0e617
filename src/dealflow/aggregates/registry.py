"""Store-wide facts that need their own aggregates: deal numbering and unique invoice ids.

Saving one of these in the same transaction as the deal makes uniqueness a
property of the store: two writers that take the same number or invoice id
collide on the aggregate's version and one of them is refused.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from dealflow.aggregates.ids import NAMESPACE, invoice_uuid


class DealNumbers(Aggregate):
    """Hands out D-0001, D-0002, ... to deals opened without an explicit id."""

    ID = uuid5(NAMESPACE, "deal-numbers")

    @staticmethod
    def create_id() -> UUID:
        return DealNumbers.ID

    def __init__(self) -> None:
        self.last = 0

    @event("NumberTaken")
    def take(self, number: int) -> None:
        self.last = number


class InvoiceNumber(Aggregate):
    """Claims an invoice id for one deal, store-wide."""

    @staticmethod
    def create_id(invoice: str, deal_id: str) -> UUID:
        return invoice_uuid(invoice)

    def __init__(self, invoice: str, deal_id: str) -> None:
        self.invoice = invoice
        self.deal_id = deal_id
