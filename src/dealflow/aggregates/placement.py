"""An import's commands: a deal placed where its source says it stands, dated as the source dates it.

The machine is not asked and no exit signal is claimed: each event records the source it came
from (`recording.Imported`), `history` shows it and `audit` reports it as imported. The rules on
values still hold: amounts, one currency, dates never in the future, nor before the deal's last
stage change; a stage change not before its last record. The importers (`imports/`) and the replay
of an exported log call these methods by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dealflow.aggregates import events
from dealflow.aggregates.collecting import Collecting
from dealflow.aggregates.errors import InvalidInput, Refused
from dealflow.aggregates.lifecycle import SEPARATOR, entered
from dealflow.aggregates.limits import POSITIVE_AMOUNT, check_total
from dealflow.aggregates.money import parse_amount
from dealflow.aggregates.receivables import check_new_invoice, check_payment
from dealflow.aggregates.recording import Imported, Live, required_text
from dealflow.playbook import CLOSED, LOST, LOST_REASONS, STAGE_NAMES, WON_STAGE, Status

COLLECTING = f"{WON_STAGE.name}{SEPARATOR}{events.COLLECT}"  # where an imported invoice or payment leaves a deal


class Placement(Collecting):
    """The import's commands on a deal (opening one is `Opportunity.open_imported`)."""

    def place_imported(self, stage: str, *, source: Mapping[str, Any], actor: str, on: date) -> None:
        """The deal entered `stage` on `on`: a selling stage, or follow-up for a ledger deal (never signed)."""
        if stage not in STAGE_NAMES:
            raise InvalidInput(f"stage must be one of {', '.join(STAGE_NAMES)}; got {stage!r}")
        self._check_open_for_import()
        self._record(events.Advanced, Imported(entered(stage), source), on, actor, evidence=None)

    def win_imported(
        self, *, amount: object, currency: str | None, source: Mapping[str, Any], actor: str, on: date
    ) -> None:
        """The agreement was signed on `on` for `amount`: the deal is won and enters follow-up."""
        self._check_open_for_import()
        signed, code = self._agreement(amount, currency)
        how = Imported(entered(WON_STAGE.name), source)
        self._record(events.Signed, how, on, actor, amount=signed, currency=code, terms=None)

    def lose_imported(
        self, *, reason: str, source: Mapping[str, Any], actor: str, on: date, competitor: str | None = None
    ) -> None:
        """The deal was lost on `on`, from the stage it is in."""
        if reason not in LOST_REASONS:
            raise InvalidInput(f"a lost reason is one of {', '.join(LOST_REASONS)}; got {reason!r}")
        self._check_open_for_import()
        self._lost(Imported(LOST, source), reason, competitor, on, actor)

    def close_imported(self, *, source: Mapping[str, Any], actor: str, on: date) -> None:
        """A won deal whose accounts the source says are all paid."""
        if self.status is not Status.WON:
            raise Refused(f"only a won deal can be closed; this one is {self.status}")
        self._record(events.Closed, Imported(CLOSED, source), on, actor)

    def invoice_imported(
        self, invoice: str, *, amount: object, issued: date, due: date, source: Mapping[str, Any], actor: str
    ) -> None:
        """An invoice of a won deal (or a ledger deal), dated its issue date; not beyond the signed amount."""
        self._check_won_for_import()
        amount = parse_amount(amount, "the invoice amount", POSITIVE_AMOUNT)
        check_total(self.invoiced_total + amount, "the invoiced total of this deal")
        limit = self.signed_amount if self.signed_amount is not None else self.invoiced_total + amount
        check_new_invoice(self.invoices, invoice.strip(), amount, issued, due, limit)
        self._record(
            events.Invoiced, Imported(COLLECTING, source), issued, actor,
            invoice=invoice.strip(), amount=amount, issued=issued, due=due,
        )  # fmt: skip

    def pay_imported(self, invoice: str, *, amount: object, source: Mapping[str, Any], actor: str, on: date) -> None:
        """A payment on an invoice on `on`; the one that settles a signed deal's last account closes it."""
        self._check_won_for_import()
        paid = parse_amount(amount, "the payment", POSITIVE_AMOUNT)
        check_payment(self.invoices, invoice, paid)
        issued = self.invoices[invoice]["issued"]
        if on < issued:
            raise Refused(f"a payment on {on} is before invoice {invoice} was issued on {issued}")
        self._record(events.PaymentReceived, Imported(COLLECTING, source), on, actor, invoice=invoice, amount=paid)
        self._close_if_paid(Imported(CLOSED, source), on, actor)

    def note_imported(self, text: str, *, source: Mapping[str, Any], actor: str, on: date) -> None:
        text = required_text(text, "the note's text")
        self._record(events.NoteAdded, Imported(self.state, source), on, actor, text=text)

    def _lost(self, how: Live | Imported, reason: str, competitor: str | None, on: date | None, actor: str) -> None:
        """Lost, live or imported, from the stage the deal is in."""
        self._record(events.Lost, how, on, actor, reason=reason, competitor=competitor or None, lost_from=self.stage)

    def _check_open_for_import(self) -> None:
        if self.status is not Status.OPEN:
            raise Refused(f"this deal is {self.status}: an import places only open deals")

    def _check_won_for_import(self) -> None:
        if self.status is not Status.WON:
            raise Refused(f"invoices are imported to won deals, in {WON_STAGE.name}; this one is {self.status}")
