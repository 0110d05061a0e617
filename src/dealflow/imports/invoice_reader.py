"""A receivables ledger's row read into an invoice (`import invoices`): its deal or its customer,
its amount, currency and dates, its settlement (in full, unless the settled amount says otherwise)
and a dispute. The rules on an invoice and its payment are the domain's (`aggregates.receivables`),
put to the row before anything is recorded and said in the file's words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dealflow.aggregates.errors import InvalidInput, Refused
from dealflow.aggregates.ids import check_deal_id
from dealflow.aggregates.receivables import (
    check_due_after_issue,
    check_invoice_amount,
    check_owed,
    check_paid_after_issue,
)
from dealflow.aggregates.recording import effective_on as check_record_date
from dealflow.imports import cells
from dealflow.imports.mapping import Columns, missing_columns
from dealflow.imports.outcome import RowError
from dealflow.imports.reader import ReadOptions, RowReader

REQUIRED = ("invoice", "amount")
InvoiceOptions = ReadOptions  # an invoice's cells are read as any file's


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


class InvoiceReader(RowReader):
    def __init__(self, columns: Columns, options: ReadOptions) -> None:
        missing_columns(columns, REQUIRED, either=("customer", "deal"))
        super().__init__(columns, options)

    def read(self, row_cells: Sequence[str]) -> InvoiceRow:
        c = self.columns
        invoice = self._required(row_cells, "invoice")
        deal_id = self._deal_id(row_cells)
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
        try:
            check_invoice_amount(amount)
        except InvalidInput:
            raise RowError(
                c.column("amount"), "not more than 0", f"{amount} is not more than 0: an invoice bills something"
            ) from None
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
        try:
            check_due_after_issue(issued, due)
        except InvalidInput:
            raise RowError(
                c.column("due"),
                "due before issued",
                f"{due} is before the issue date {issued}: an invoice falls due on or after the day it is issued",
            ) from None
        self._not_future(issued, "issued")
        self._settlement(row_cells, row)
        dispute = c.cell(row_cells, "disputed")
        if dispute is not None and cells.flag(dispute):
            row.dispute = dispute
        return row

    def _deal_id(self, row_cells: Sequence[str]) -> str | None:
        deal_text = self.columns.cell(row_cells, "deal")
        if deal_text is None:
            return None
        deal_id = self.options.id_prefix + deal_text
        try:
            check_deal_id(deal_id)
        except InvalidInput as error:
            raise RowError(self.columns.column("deal"), "not a deal id", str(error)) from None
        return deal_id

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
        try:
            check_owed(row.invoice, settled_amount, row.amount)
        except Refused:
            raise RowError(
                c.column("settled_amount"),
                "more than invoiced",
                f"{settled_amount} is more than the {row.amount} invoiced: fix one of them",
            ) from None
        try:
            check_paid_after_issue(row.invoice, settled, row.issued)
        except Refused:
            raise RowError(
                c.column("settled"),
                "settled before issued",
                f"{settled} is before the issue date {row.issued}: fix one of them",
            ) from None
        self._not_future(settled, "settled")
        if settled_amount > 0:
            row.settled, row.settled_amount = settled, settled_amount

    def _not_future(self, day: date, name: str) -> None:
        try:
            check_record_date(day, None)
        except InvalidInput:
            where = self.columns.column(name) if name in self.columns.index else "--default-date"
            raise self._in_the_future(day, where) from None

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
