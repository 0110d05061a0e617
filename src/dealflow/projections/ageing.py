"""Receivables for the ageing report: each invoice with its balance now and the cause of its latest
chase, and every dated payment, write-off and chase, so that the balance and the cause as of any past
date can be read from them."""

from __future__ import annotations

from dealflow.aggregates import events
from dealflow.playbook import Effect, action_with
from dealflow.projections.decode import Event
from dealflow.projections.keyed import KeyedProcessor, Row
from dealflow.projections.projection import Handler
from dealflow.projections.units import to_day, to_units

COLLECT = action_with(Effect.COLLECTS).name
PAYMENT, WRITE_OFF, CHASE = "payment", "write-off", "chase"
MOVEMENTS = "ageing_movements"


class AgeingProcessor(KeyedProcessor):
    """The invoices, by deal and invoice; their payments, write-offs and chases appended."""

    appends = (MOVEMENTS,)

    def handlers(self) -> dict[type, Handler]:
        return {
            events.Invoiced: self.invoiced,
            events.PaymentReceived: self.payment_received,
            events.WrittenOff: self.written_off,
            events.ActionRecorded: self.action_recorded,
        }

    def reads(self, event: Event) -> bool:
        return event.kind in ("PaymentReceived", "WrittenOff") or (
            event.kind == "ActionRecorded" and event.action == COLLECT
        )

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
            "cause": None,
            "chased_on": None,
        }
        self.added[event.deal, data["invoice"]] = invoice

    def payment_received(self, event: Event) -> None:
        self._settle(event, PAYMENT, "paid")

    def written_off(self, event: Event) -> None:
        self._settle(event, WRITE_OFF, "written_off")

    def action_recorded(self, event: Event) -> None:
        if event.action == COLLECT:
            fields = event.data["fields"]
            invoice = self._invoice(event, fields["invoice"])
            invoice["chases"] += 1
            # the latest by date, then as recorded: as the ageing as of a past day reads the movements
            if invoice["chased_on"] is None or event.on >= invoice["chased_on"]:
                invoice["cause"], invoice["chased_on"] = fields["cause"], event.on
            self._move(event, fields["invoice"], CHASE, 0, f"{fields['cause']}: {fields['method']}", fields["cause"])

    def _settle(self, event: Event, kind: str, column: str) -> None:
        invoice = self._invoice(event, event.data["invoice"])
        amount = to_units(event.data["amount"])
        invoice[column] += amount
        invoice["balance"] -= amount
        self._move(event, event.data["invoice"], kind, amount, event.data.get("reason"))

    def _move(
        self, event: Event, invoice: str, kind: str, amount: int | None, note: str | None, cause: str | None = None
    ) -> None:
        self.appended[MOVEMENTS].append(
            {
                "deal": event.deal,
                "invoice": invoice,
                "version": event.version,
                "kind": kind,
                "on": event.on,
                "amount": amount,
                "note": note,
                "cause": cause,
            }
        )

    def _invoice(self, event: Event, invoice: str) -> Row:
        found = self.found((event.deal, invoice))
        if found is None:
            raise LookupError(
                f"the ageing has no invoice {invoice} for event {event.id}: "
                "rebuild the projections with `dealflow projections rebuild`"
            )
        return found
