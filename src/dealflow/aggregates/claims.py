"""Store-wide claims that need their own aggregates: deal numbering and unique invoice ids.

Saving one of these in the same transaction as the deal makes uniqueness a property of the
store: two writers that take the same number or invoice id collide on the aggregate's version
and one of them is refused.

Every store names these classes by the module they were first defined in,
`dealflow.aggregates.registry` (their stored topics). Each class states that topic (`TOPIC`,
eventsourcing's way to move a class), so this dealflow writes what an older one reads, and
`registry` still exposes them, so that a store resolves before this module is imported.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from dealflow.aggregates.ids import NAMESPACE, invoice_uuid

_STORED_AS = "dealflow.aggregates.registry"  # the module every stored topic of these names


class DealNumbers(Aggregate):
    """Hands out D-0001, D-0002, ... to deals opened without an explicit id."""

    TOPIC = f"{_STORED_AS}:DealNumbers"
    ID = uuid5(NAMESPACE, "deal-numbers")

    class Created(Aggregate.Created):
        TOPIC = f"{_STORED_AS}:DealNumbers.Created"

    @staticmethod
    def create_id() -> UUID:
        return DealNumbers.ID

    def __init__(self) -> None:
        self.last = 0

    @event("NumberTaken", topic=f"{_STORED_AS}:DealNumbers.NumberTaken")
    def take(self, number: int) -> None:
        self.last = number


class InvoiceNumber(Aggregate):
    """Claims an invoice id for one deal, store-wide."""

    TOPIC = f"{_STORED_AS}:InvoiceNumber"

    class Created(Aggregate.Created):
        TOPIC = f"{_STORED_AS}:InvoiceNumber.Created"
        invoice: str
        deal_id: str

    @staticmethod
    def create_id(invoice: str, deal_id: str) -> UUID:
        return invoice_uuid(invoice)

    def __init__(self, invoice: str, deal_id: str) -> None:
        self.invoice = invoice
        self.deal_id = deal_id
