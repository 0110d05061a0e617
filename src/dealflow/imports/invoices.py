"""`import invoices`: a receivables ledger, one invoice a row (read by `imports.invoice_reader`),
onto its won deal, or onto the customer's imported ledger deal when the row names no deal. A
settled invoice gets a payment dated its settlement date, so that `ageing --as-of` shows it open
until then; a disputed one a note.

The first pass keeps a running tally per deal in the import's scratch file (what is invoiced so far,
against the signed amount) and the earliest issue date per new ledger deal, which opens on it; the
domain's rules on a new invoice are put to each row against that tally, before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import astuple, fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dealflow.aggregates.errors import DealflowError, Refused
from dealflow.aggregates.ids import deal_uuid, invoice_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.aggregates.receivables import check_currency, check_within_signed
from dealflow.aggregates.recording import effective_on as check_record_date
from dealflow.imports import cells
from dealflow.imports.claims import claim_invoice
from dealflow.imports.invoice_reader import InvoiceReader, InvoiceRow
from dealflow.imports.mapping import Columns
from dealflow.imports.outcome import Outcome, RowError, judge_against_store
from dealflow.imports.scratch import Scratch
from dealflow.playbook import Status
from dealflow.storage import stored

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from dealflow.application import DealflowApp
    from dealflow.imports.runner import Item

LEDGER = "L-"


def ledger_id(customer: str, currency: str) -> str:
    """The ledger deal of a customer in a currency: L-acme-corp-3f2a-EUR (the digest tells apart the names
    that read alike once shortened)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", customer.encode("ascii", "ignore").decode()).strip("-")[:24].strip("-")
    digest = hashlib.blake2b((cells.normal(customer) + currency).encode(), digest_size=2).hexdigest()
    return "-".join(part for part in (LEDGER.rstrip("-"), slug.lower(), digest, currency) if part)


class InvoiceImport:
    noun = "invoice"

    def __init__(self, reader: InvoiceReader, file: str, app: DealflowApp) -> None:
        self.reader = reader
        self.file = file
        self.app = app
        self.ledgers: set[str] = set()  # ledger deals opened: one a customer and currency

    def parse(self, row_cells: Sequence[str]) -> tuple[InvoiceRow, str, str]:
        row = self.reader.read(row_cells)
        return row, row.invoice.casefold(), self.reader.digest(row_cells)

    def encode(self, row: InvoiceRow) -> str:
        return json.dumps(
            [
                None if value is None else str(value) if isinstance(value, (date, Decimal)) else value
                for value in astuple(row)
            ]
        )

    def decode(self, text: str) -> InvoiceRow:
        values = dict(zip(_ROW_FIELDS, json.loads(text), strict=True))
        for name in ("issued", "due", "settled"):
            values[name] = None if values[name] is None else date.fromisoformat(values[name])
        for name in ("amount", "settled_amount"):
            values[name] = None if values[name] is None else Decimal(values[name])
        return InvoiceRow(**values)

    def target(self, row: InvoiceRow) -> str:
        return row.deal_id or ledger_id(*_ledger(row))

    # --- first pass ----------------------------------------------------------------------------

    def screen(self, app: DealflowApp, items: Sequence[Item], scratch: Scratch, empty: bool) -> None:
        if not empty:
            self._already(app, items)
        fresh = [item for item in items if item.outcome is Outcome.IMPORTED]
        keys = {_tally_key(self.target(item.parsed)) for item in fresh}
        tallies = scratch.tallies(keys)
        for item in fresh:
            row: InvoiceRow = item.parsed
            key = _tally_key(self.target(row))
            if key not in tallies:
                tallies[key] = self._tally(app, row, empty)
            try:
                _check(row, self.target(row), tallies[key], self.reader.columns)
            except RowError as error:
                item.refuse(error)
        scratch.set_tallies(tallies)

    def _already(self, app: DealflowApp, items: Sequence[Item]) -> None:
        found = stored.first_events(app, (invoice_uuid(item.parsed.invoice) for item in items))
        for item in items:
            claim = found.get(invoice_uuid(item.parsed.invoice))
            if claim is None:
                continue
            taken = RowError(
                self.reader.columns.column("invoice"),
                "invoice id taken",
                f"invoice {claim.invoice} exists (on deal {claim.deal_id}) and was not imported: "
                "invoice ids are unique across the store",
                refused=True,
            )
            judge_against_store(
                item,
                claim,
                taken=taken,
                what=f"invoice {claim.invoice}",
                fix="record payments and write-offs with dealflow's commands",
            )

    def _tally(self, app: DealflowApp, row: InvoiceRow, empty: bool) -> dict[str, Any]:
        """Where the deal an invoice goes to stands, as the store has it (or a new ledger deal)."""
        target = self.target(row)
        deal = None if empty else _load(app, target)
        if deal is None:
            return {"exists": False, "ledger": row.deal_id is None, "opened": row.issued.isoformat()}
        return {
            "exists": True,
            "ledger": deal.signed_amount is None,
            "status": str(deal.status),
            "currency": deal.currency,
            "signed": None if deal.signed_amount is None else str(deal.signed_amount),
            "invoiced": str(deal.invoiced_total),
            "since": deal.stage_changed_on.isoformat(),
        }

    # --- second pass ---------------------------------------------------------------------------

    def build(
        self, items: Sequence[Item], actor: str, created: Counter[str], scratch: Scratch
    ) -> tuple[list[Aggregate], int]:
        deals: dict[str, Opportunity] = {}
        claims: list[Aggregate] = []
        recounted = 0
        for item in items:
            row: InvoiceRow = item.parsed
            source = {"file": self.file, "line": item.line, "source_id": row.invoice, "hash": item.digest}
            target = self.target(row)
            try:
                deal = deals.get(target.casefold()) or _load(self.app, target)
                if deal is None:
                    deal = self._open_ledger(row, target, source, actor, scratch)
                    if target.casefold() in self.ledgers:  # a dry run opened it in an earlier chunk already
                        recounted += len(deal.pending_events)
                    else:
                        self.ledgers.add(target.casefold())
                        created["ledger deals"] += 1
                deals[target.casefold()] = deal  # deal ids are matched without regard to case
                self._record(deal, row, source, actor)
            except DealflowError as error:
                raise RowError.of(error, item.line) from None
            claims.append(claim_invoice(row.invoice, deal.deal_id, source)[0])
            created["paid" if row.settled is not None and row.settled_amount == row.amount else "open"] += 1
        events = sum(len(deal.pending_events) for deal in deals.values()) - recounted
        return [*deals.values(), *claims], events

    def _record(self, deal: Opportunity, row: InvoiceRow, source: dict[str, Any], actor: str) -> None:
        deal.invoice_imported(
            row.invoice, amount=row.amount, issued=row.issued, due=row.due, source=source, actor=actor
        )
        if row.settled is not None:
            deal.pay_imported(row.invoice, amount=row.settled_amount, source=source, actor=actor, on=row.settled)
        if row.dispute is not None:
            said = "" if cells.says_only_yes(row.dispute) else f": {row.dispute}"
            on = row.issued if row.settled is None else row.settled  # the ledger does not say when: its last date
            deal.note_imported(f"invoice {row.invoice} is disputed{said}", source=source, actor=actor, on=on)

    def _open_ledger(
        self, row: InvoiceRow, target: str, source: dict[str, Any], actor: str, scratch: Scratch
    ) -> Opportunity:
        key = _tally_key(target)
        opened = date.fromisoformat(scratch.tallies([key])[key]["opened"])
        customer, currency = _ledger(row)
        return Opportunity.open_ledger_imported(
            source={**source, "ledger": True},
            deal_id=target,
            account=customer,
            currency=currency,
            actor=actor,
            on=opened,
        )


def _ledger(row: InvoiceRow) -> tuple[str, str]:
    """The customer and currency of a row that names no deal: its reader refuses one without them."""
    assert row.customer is not None and row.currency is not None
    return row.customer, row.currency


_ROW_FIELDS = tuple(f.name for f in fields(InvoiceRow))


def _tally_key(target: str) -> str:
    return "deal:" + target.casefold()


def _load(app: DealflowApp, deal_id: str) -> Opportunity | None:
    return app.held(deal_uuid(deal_id))


def _check(row: InvoiceRow, target: str, tally: dict[str, Any], columns: Columns) -> None:
    """The rules on an invoice that depend on its deal (and on the rows before it), then the tally updated."""
    if not tally["exists"]:
        if not tally["ledger"]:
            raise RowError(
                columns.column("deal"),
                "no such deal",
                f"no deal {row.deal_id}: import the deals first "
                "(dealflow import deals), or leave the deal blank to bill the customer's ledger",
                refused=True,
            )
        tally["opened"] = min(tally["opened"], row.issued.isoformat())
        return
    if tally["status"] != Status.WON:
        raise RowError(
            columns.column("deal"),
            "deal not won",
            f"deal {target} is {tally['status']}: invoices are imported onto won deals (in follow-up)",
            refused=True,
        )
    try:
        check_currency(row.currency, tally["currency"])
    except Refused:
        raise RowError(
            columns.column("currency"),
            "another currency",
            f"{row.currency}, but deal {target} is in {tally['currency']}: a deal has one currency",
            refused=True,
        ) from None
    since = date.fromisoformat(tally["since"])
    try:
        check_record_date(row.issued, since)
    except Refused:
        raise RowError(
            columns.column("issued"),
            "issued before won",
            f"{row.issued} is before deal {target} entered follow-up on {since}: fix the date",
            refused=True,
        ) from None
    signed = None if tally["signed"] is None else Decimal(tally["signed"])
    invoiced = Decimal(tally["invoiced"]) + row.amount
    try:
        check_within_signed(row.amount, Decimal(tally["invoiced"]), signed)
    except Refused:
        raise RowError(
            columns.column("amount"),
            "beyond the signed amount",
            f"invoices of deal {target} would "
            f"come to {invoiced}, more than its signed {tally['signed']}: fix the amount, or leave the deal "
            "blank to bill the customer's ledger",
            refused=True,
        ) from None
    tally["invoiced"] = str(invoiced)
