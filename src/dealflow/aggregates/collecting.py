"""A signed deal's receivables commands: invoices, payments, write-offs, and the close they lead to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dealflow.aggregates import events
from dealflow.aggregates.errors import AMOUNT, ISSUED, ON, REASON
from dealflow.aggregates.lifecycle import lifecycle
from dealflow.aggregates.limits import POSITIVE_AMOUNT
from dealflow.aggregates.money import parse_amount
from dealflow.aggregates.receivables import balance, check_new_invoice, check_payment, open_invoice
from dealflow.aggregates.recording import Imported, Live, Recording, effective_on, required_text
from dealflow.aggregates.signals import missing
from dealflow.playbook import WON_STAGE, Move

# Where each command that is no action of its own is done: what a refusal says, as the user typed
# the command, not the action the method records it under (e.g. `pay` is a `collect` step).
ON_INVOICES = f"in {WON_STAGE.name}, on the invoices of a signed deal"
INVOICING = f"invoices are recorded in {WON_STAGE.name}, once the deal is signed"
PAYING = f"payments are recorded {ON_INVOICES}"
WRITING_OFF = f"write-offs are recorded {ON_INVOICES}"


class Collecting(Recording):
    def invoice(
        self, invoice: str, *, amount: object, due: date, actor: str, issued: date | None = None, on: date | None = None
    ) -> None:
        lifecycle().next_state(self, events.COLLECT, doing=INVOICING)
        amount = parse_amount(amount, AMOUNT, POSITIVE_AMOUNT)
        issued_on = effective_on(issued or on, self.stage_changed_on, field=ISSUED if issued else ON)
        check_new_invoice(self.invoices, invoice.strip(), amount, issued_on, due, self.signed_amount or Decimal(0))
        self._record(
            events.Invoiced,
            Live(events.COLLECT),
            on or issued,
            actor,
            invoice=invoice.strip(),
            amount=amount,
            issued=issued_on,
            due=due,
        )

    def pay(self, invoice: str, *, amount: object, actor: str, on: date | None = None) -> None:
        lifecycle().next_state(self, events.COLLECT, doing=PAYING)
        paid = parse_amount(amount, AMOUNT, POSITIVE_AMOUNT)
        check_payment(self.invoices, invoice, paid)
        self._check_after_issue(invoice, on)
        self._record(events.PaymentReceived, Live(events.COLLECT), on, actor, invoice=invoice, amount=paid)
        self._close_if_paid(Live(Move.CLOSE), on, actor)

    def write_off(self, invoice: str, *, reason: str, actor: str, on: date | None = None) -> None:
        lifecycle().next_state(self, events.COLLECT, doing=WRITING_OFF)
        left = balance(open_invoice(self.invoices, invoice))
        self._check_after_issue(invoice, on)
        reason = required_text(reason, "{} for the write-off", REASON.a)
        self._record(events.WrittenOff, Live(events.COLLECT), on, actor, invoice=invoice, amount=left, reason=reason)
        self._close_if_paid(Live(Move.CLOSE), on, actor)

    def _close_if_paid(self, how: Live | Imported, on: date | None, actor: str) -> None:
        """The method's last exit: all accounts paid closes the deal, in the same save (live, or as the
        import placed the payment). An imported ledger deal, which holds a customer's invoices without a
        signed agreement, stays open for more."""
        if self.signed_amount is not None and not missing(WON_STAGE, self):
            self._record(events.Closed, how, on, actor)
