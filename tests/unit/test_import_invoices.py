"""A receivables row read into an invoice: its deal or its customer's ledger, its dates, its
settlement (in full unless an amount says otherwise) and a dispute."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dealflow.imports.cells import Dates
from dealflow.imports.fields import INVOICE_FIELDS
from dealflow.imports.invoice_reader import InvoiceOptions, InvoiceReader
from dealflow.imports.invoices import InvoiceImport, ledger_id
from dealflow.imports.mapping import Columns
from dealflow.imports.outcome import RowError

HEADER = ["Invoice No", "Customer", "Deal", "Invoice Date", "Due Date", "Total", "Currency", "Paid Date",
          "Amount Paid", "Dispute"]  # fmt: skip


def reader(**options) -> InvoiceReader:
    columns = Columns(INVOICE_FIELDS, HEADER, mapped={}, defaults={}, file="ar.csv")
    return InvoiceReader(columns, InvoiceOptions(dates=Dates(), **options))


def row(**cells: str) -> list[str]:
    values = {"Invoice No": "INV-1", "Customer": "Acme", "Deal": "", "Invoice Date": "2025-03-01",
              "Due Date": "2025-03-31", "Total": "1,200.00", "Currency": "EUR", "Paid Date": "", "Amount Paid": "",
              "Dispute": "", **cells}  # fmt: skip
    return [values[column] for column in HEADER]


def test_an_open_invoice_without_a_deal_goes_to_its_customers_ledger():
    invoice = reader().read(row())

    assert (invoice.invoice, invoice.deal_id, invoice.customer, invoice.amount) == (
        "INV-1",
        None,
        "Acme",
        Decimal("1200.00"),
    )
    assert (invoice.issued, invoice.due, invoice.settled) == (date(2025, 3, 1), date(2025, 3, 31), None)


def test_a_settled_invoice_is_paid_in_full_unless_the_settled_amount_says_less():
    full = reader().read(row(**{"Paid Date": "2025-04-02"}))
    part = reader().read(row(**{"Paid Date": "2025-04-02", "Amount Paid": "200"}))

    assert (full.settled, full.settled_amount) == (date(2025, 4, 2), Decimal("1200.00"))
    assert part.settled_amount == Decimal("200")


def test_a_dispute_is_any_text_but_no():
    assert reader().read(row(Dispute="quantity wrong")).dispute == "quantity wrong"
    assert reader().read(row(Dispute="no")).dispute is None


@pytest.mark.parametrize(
    ("cells", "where", "message"),
    [
        ({"Customer": ""}, "column 'Customer'", "an invoice without a deal goes to its customer's ledger"),
        ({"Currency": ""}, "column 'Currency'", "a ledger invoice needs its currency"),
        ({"Total": "0"}, "column 'Total'", "is not more than 0"),
        ({"Due Date": "2025-02-01"}, "column 'Due Date'", "is before the issue date 2025-03-01"),
        ({"Paid Date": "2025-02-01"}, "column 'Paid Date'", "is before the issue date"),
        ({"Amount Paid": "1300", "Paid Date": "2025-04-01"}, "column 'Amount Paid'", "more than the 1200.00 invoiced"),
        ({"Amount Paid": "100"}, "column 'Paid Date'", "blank, but an amount was settled"),
        ({"Deal": "D 1"}, "column 'Deal'", "deal id 'D 1' must be"),
    ],
)
def test_a_cell_that_cannot_be_read_names_its_column_and_the_fix(cells, where, message):
    with pytest.raises(RowError) as refused:
        reader().read(row(**cells))

    assert refused.value.where == where and message in str(refused.value)


def test_an_invoice_of_a_deal_may_leave_the_currency_to_the_deal():
    invoice = reader(id_prefix="SF-").read(row(Deal="006A1", Currency="", Customer=""))

    assert (invoice.deal_id, invoice.currency) == ("SF-006A1", None)


def test_ledger_ids_are_readable_stable_and_tell_apart_names_that_shorten_alike():
    wayne = ledger_id("Wayne, Inc.", "USD")

    assert wayne.startswith("L-wayne-inc-") and wayne.endswith("-USD")
    assert wayne == ledger_id("WAYNE INC", "USD") and wayne != ledger_id("Wayne, Inc.", "EUR")
    assert len(ledger_id("A very long customer name that goes on and on, Ltd.", "EUR")) <= 40
    kanji = ledger_id("株式会社", "JPY")
    assert kanji.startswith("L-") and kanji != ledger_id("有限会社", "JPY")


def test_a_row_read_survives_the_scratch_file_unchanged():
    kind = InvoiceImport(reader(), "ar.csv", app=None)
    invoice = reader().read(row(**{"Paid Date": "2025-04-02", "Amount Paid": "200", "Dispute": "yes"}))

    assert kind.decode(kind.encode(invoice)) == invoice
