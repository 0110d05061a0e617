"""Receivables for the ageing report: each invoice with its balance now, and every dated payment,
write-off and chase, so that the balance as of any past date can be summed from them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from dealflow.aggregates import events
from dealflow.playbook import Effect, action_with
from dealflow.projections.decode import Event
from dealflow.projections.projection import Handler, Processor
from dealflow.projections.units import to_day, to_units

COLLECT = action_with(Effect.COLLECTS).name
PAYMENT, WRITE_OFF, CHASE = "payment", "write-off", "chase"

Row = dict[str, Any]


@dataclass
class AgeingChanges:
    new_invoices: list[Row] = field(default_factory=list)
    changed_invoices: list[Row] = field(default_factory=list)
    movements: list[Row] = field(default_factory=list)


class AgeingView(ABC):
    """What the ageing processor reads and writes."""

    @abstractmethod
    def invoices(self, deals: Collection[str]) -> dict[tuple[str, str], Row]:
        """The stored invoices of `deals`, by (deal, invoice)."""

    @abstractmethod
    def write(self, changes: AgeingChanges) -> None:
        """Store a batch's changes."""


class AgeingProcessor(Processor):
    def __init__(self, view: AgeingView) -> None:
        self.view = view
        self.stored: dict[tuple[str, str], Row] = {}
        self.changes = AgeingChanges()

    def handlers(self) -> dict[type, Handler]:
        return {
            events.Invoiced: self.invoiced,
            events.PaymentReceived: self.payment_received,
            events.WrittenOff: self.written_off,
            events.ActionRecorded: self.action_recorded,
        }

    def load(self, batch: Collection[Event]) -> None:
        collected = {event.deal for event in batch if event.kind in ("PaymentReceived", "WrittenOff")}
        collected |= {event.deal for event in batch if event.kind == "ActionRecorded" and event.action == COLLECT}
        self.stored = self.view.invoices(collected) if collected else {}

    def invoiced(self, event: Event) -> None:
        data = event.data
        amount = to_units(data["amount"])
        invoice = {
            "deal": event.deal,
            "invoice": data["invoice"],
            "amount": amount,
            "issued": to_day(data["issued"]),
            "due": to_day(data["due"]),
            "invoiced_on": event.on,
            "paid": 0,
            "written_off": 0,
            "balance": amount,
            "chases": 0,
        }
        self.changes.new_invoices.append(invoice)
        self.stored[event.deal, data["invoice"]] = invoice

    def payment_received(self, event: Event) -> None:
        self._settle(event, PAYMENT, "paid")

    def written_off(self, event: Event) -> None:
        self._settle(event, WRITE_OFF, "written_off")

    def action_recorded(self, event: Event) -> None:
        if event.action == COLLECT:
            fields = event.data["fields"]
            self._invoice(event, fields["invoice"])["chases"] += 1
            self._move(event, fields["invoice"], CHASE, 0, f"{fields['cause']}: {fields['method']}")

    def _settle(self, event: Event, kind: str, column: str) -> None:
        invoice = self._invoice(event, event.data["invoice"])
        amount = to_units(event.data["amount"])
        invoice[column] += amount
        invoice["balance"] -= amount
        self._move(event, event.data["invoice"], kind, amount, event.data.get("reason"))

    def _move(self, event: Event, invoice: str, kind: str, amount: int, note: str | None) -> None:
        self.changes.movements.append(
            {
                "deal": event.deal,
                "invoice": invoice,
                "version": event.version,
                "kind": kind,
                "on": event.on,
                "amount": amount,
                "note": note,
            }
        )

    def _invoice(self, event: Event, invoice: str) -> Row:
        try:
            return self.stored[event.deal, invoice]
        except KeyError:
            raise LookupError(
                f"the ageing has no invoice {invoice} for event {event.id}: "
                "rebuild the projections with `dealflow projections rebuild`"
            ) from None

    def write(self) -> None:
        new = {id(row) for row in self.changes.new_invoices}
        self.changes.changed_invoices = [row for row in self.stored.values() if id(row) not in new]
        self.view.write(self.changes)
