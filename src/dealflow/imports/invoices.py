"""`import invoices`: a receivables ledger, one invoice a row, onto its won deal, or onto the
customer's imported ledger deal when the row names no deal. A settled invoice gets a payment dated
its settlement date (in full, unless the settled amount says otherwise), so that `ageing --as-of`
shows it open until then; a disputed one a note.

The first pass keeps a running tally per deal in the import's scratch file (what is invoiced so far,
against the signed amount) and the earliest issue date per new ledger deal, which opens on it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from dealflow.aggregates.errors import DealflowError, InvalidInput
from dealflow.aggregates.ids import check_deal_id, deal_uuid, invoice_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.imports import cells
from dealflow.imports.mapping import Columns, missing_columns
from dealflow.imports.outcome import Outcome, RowError, judge_against_store
from dealflow.playbook import Status
from dealflow.storage import stored

REQUIRED = ("invoice", "amount")
LEDGER = "L-"


@dataclass
class InvoiceRow:
    invoice: str
    deal_id: str | None
    customer: str | None
    amount: Decimal
    currency: str | None
    issued: date
    due: date
    settled: date | None = None
    settled_amount: Decimal | None = None
    dispute: str | None = None
    defaulted: bool = False


def ledger_id(customer: str, currency: str) -> str:
    """The ledger deal of a customer in a currency: L-acme-corp-3f2a-EUR (the digest tells apart the names
    that read alike once shortened)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", customer.encode("ascii", "ignore").decode()).strip("-")[:24].strip("-")
    digest = hashlib.blake2b((cells.normal(customer) + currency).encode(), digest_size=2).hexdigest()
    return "-".join(part for part in (LEDGER.rstrip("-"), slug.lower(), digest, currency) if part)


@dataclass(frozen=True)
class InvoiceOptions:
    dates: cells.Dates
    currency: str | None = None
    default_date: date | None = None
    id_prefix: str = ""
    decimal_comma: bool = False


class InvoiceReader:
    def __init__(self, columns: Columns, options: InvoiceOptions) -> None:
        missing_columns(columns, REQUIRED, either=("customer", "deal"))
        self.columns = columns
        self.options = options
        self.today = date.today()

    def digest(self, row_cells: Sequence[str]) -> str:
        return hashlib.blake2b("\x1f".join(self.columns.raw(row_cells)).encode(), digest_size=8).hexdigest()

    def read(self, row_cells: Sequence[str]) -> InvoiceRow:
        c = self.columns
        invoice = self._required(row_cells, "invoice")
        deal_text = c.cell(row_cells, "deal")
        deal_id = None
        if deal_text is not None:
            deal_id = self.options.id_prefix + deal_text
            try:
                check_deal_id(deal_id)
            except InvalidInput as error:
                raise RowError(c.column("deal"), "not a deal id", str(error)) from None
        customer = c.cell(row_cells, "customer")
        if deal_id is None and customer is None:
            raise RowError(
                c.column("customer"),
                "blank",
                "blank: an invoice without a deal goes to its customer's ledger: fill in the customer, or the deal",
            )
        amount = self._amount(row_cells, "amount")
        if amount is None:
            raise RowError(c.column("amount"), "blank", "blank: fill in the amount invoiced")
        if amount <= 0:
            raise RowError(
                c.column("amount"), "not more than 0", f"{amount} is not more than 0: an invoice bills something"
            )
        currency = self._currency(row_cells)
        if deal_id is None and currency is None:
            raise RowError(
                c.column("currency"),
                "no currency",
                "blank: a ledger invoice needs its currency: map a "
                "currency column or give --currency, e.g. --currency EUR",
            )
        issued, defaulted = self._needed(row_cells, "issued")
        due, defaulted_due = self._needed(row_cells, "due")
        row = InvoiceRow(
            invoice, deal_id, customer, amount, currency, issued, due, defaulted=defaulted or defaulted_due
        )
        if due < issued:
            raise RowError(
                c.column("due"),
                "due before issued",
                f"{due} is before the issue date {issued}: an invoice falls due on or after the day it is issued",
            )
        self._not_future(issued, "issued")
        self._settlement(row_cells, row)
        dispute = c.cell(row_cells, "disputed")
        if dispute is not None and cells.flag(dispute):
            row.dispute = dispute
        return row

    def _settlement(self, row_cells: Sequence[str], row: InvoiceRow) -> None:
        c = self.columns
        settled_amount = self._amount(row_cells, "settled_amount")
        settled = self._date(row_cells, "settled")
        if settled is None and not settled_amount:
            return
        if settled is None:
            if self.options.default_date is None:
                raise RowError(
                    c.column("settled"),
                    "no date",
                    "blank, but an amount was settled: fill in the day it was settled, or give --default-date",
                )
            settled, row.defaulted = self.options.default_date, True
        if settled_amount is None:
            settled_amount = row.amount
        if settled_amount > row.amount:
            raise RowError(
                c.column("settled_amount"),
                "more than invoiced",
                f"{settled_amount} is more than the {row.amount} invoiced: fix one of them",
            )
        if settled < row.issued:
            raise RowError(
                c.column("settled"),
                "settled before issued",
                f"{settled} is before the issue date {row.issued}: fix one of them",
            )
        self._not_future(settled, "settled")
        if settled_amount > 0:
            row.settled, row.settled_amount = settled, settled_amount

    def _not_future(self, day: date, name: str) -> None:
        if day > self.today:
            raise RowError(
                self.columns.column(name) if name in self.columns.index else "--default-date",
                "a date in the future",
                f"{day} is in the future: an import records what has happened, by today ({self.today})",
            )

    def _required(self, row_cells: Sequence[str], name: str) -> str:
        text = self.columns.cell(row_cells, name)
        if text is None:
            raise RowError(self.columns.column(name), "blank", "blank: fill it in")
        return text

    def _amount(self, row_cells: Sequence[str], name: str) -> Decimal | None:
        text = self.columns.cell(row_cells, name)
        if text is None:
            return None
        try:
            return cells.amount(text, decimal_comma=self.options.decimal_comma)
        except cells.CellError as error:
            raise RowError(self.columns.column(name), error.problem, str(error)) from None

    def _currency(self, row_cells: Sequence[str]) -> str | None:
        text = self.columns.cell(row_cells, "currency") or self.options.currency
        if text is None:
            return None
        try:
            return cells.currency(text)
        except cells.CellError as error:
            raise RowError(self.columns.column("currency"), error.problem, str(error)) from None

    def _date(self, row_cells: Sequence[str], name: str) -> date | None:
        text = self.columns.cell(row_cells, name)
        if text is None:
            return None
        try:
            return self.options.dates(text)
        except cells.CellError as error:
            raise RowError(self.columns.column(name), error.problem, str(error)) from None

    def _needed(self, row_cells: Sequence[str], name: str) -> tuple[date, bool]:
        day = self._date(row_cells, name)
        if day is not None:
            return day, False
        if self.options.default_date is None:
            raise RowError(
                self.columns.column(name),
                "no date",
                "blank: fill in the date, or give --default-date for rows without one",
            )
        return self.options.default_date, True


# --- the import ---------------------------------------------------------------------------------


class InvoiceImport:
    noun = "invoice"

    def __init__(self, reader: InvoiceReader, file: str, app: Any) -> None:
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
        return row.deal_id or ledger_id(row.customer, row.currency)  # type: ignore[arg-type]

    # --- first pass ----------------------------------------------------------------------------

    def screen(self, app: Any, items: Sequence[Any], scratch: Any, empty: bool) -> None:
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

    def _already(self, app: Any, items: Sequence[Any]) -> None:
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

    def _tally(self, app: Any, row: InvoiceRow, empty: bool) -> dict[str, Any]:
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

    def build(self, items: Sequence[Any], actor: str, created: Any, scratch: Any) -> tuple[list[Any], int]:
        from dealflow.aggregates.events import mark_imported
        from dealflow.aggregates.registry import InvoiceNumber

        deals: dict[str, Opportunity] = {}
        claims = []
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
            claim = InvoiceNumber(invoice=row.invoice, deal_id=deal.deal_id)
            mark_imported(claim.pending_events[0], source)
            claims.append(claim)
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
            said = "" if cells.normal(row.dispute) in ("yes", "y", "true", "1", "x") else f": {row.dispute}"
            on = row.issued if row.settled is None else row.settled  # the ledger does not say when: its last date
            deal.note_imported(f"invoice {row.invoice} is disputed{said}", source=source, actor=actor, on=on)

    def _open_ledger(
        self, row: InvoiceRow, target: str, source: dict[str, Any], actor: str, scratch: Any
    ) -> Opportunity:
        key = _tally_key(target)
        opened = date.fromisoformat(scratch.tallies([key])[key]["opened"])
        return Opportunity.open_ledger_imported(
            source={**source, "ledger": True},
            deal_id=target,
            account=row.customer,
            currency=row.currency,  # type: ignore[arg-type]
            actor=actor,
            on=opened,
        )


_ROW_FIELDS = tuple(f.name for f in fields(InvoiceRow))


def _tally_key(target: str) -> str:
    return "deal:" + target.casefold()


def _load(app: Any, deal_id: str) -> Opportunity | None:
    try:
        return app.repository.get(deal_uuid(deal_id))
    except AggregateNotFoundError:
        return None


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
    if row.currency is not None and tally["currency"] not in (None, row.currency):
        raise RowError(
            columns.column("currency"),
            "another currency",
            f"{row.currency}, but deal {target} is in {tally['currency']}: a deal has one currency",
            refused=True,
        )
    since = date.fromisoformat(tally["since"])
    if row.issued < since:
        raise RowError(
            columns.column("issued"),
            "issued before won",
            f"{row.issued} is before deal {target} entered follow-up on {since}: fix the date",
            refused=True,
        )
    invoiced = Decimal(tally["invoiced"]) + row.amount
    if tally["signed"] is not None and invoiced > Decimal(tally["signed"]):
        raise RowError(
            columns.column("amount"),
            "beyond the signed amount",
            f"invoices of deal {target} would "
            f"come to {invoiced}, more than its signed {tally['signed']}: fix the amount, or leave the deal "
            "blank to bill the customer's ledger",
            refused=True,
        )
    tally["invoiced"] = str(invoiced)
