"""The fields each CSV import reads, with the column names looked for when `--map` names none
(matched without regard to case, spaces or punctuation; the field's own name is looked for first).
Kept apart from the imports themselves so that `--help` can list them without loading the domain."""

from __future__ import annotations

from collections.abc import Sequence

from dealflow.imports.mapping import Field

DEAL_FIELDS = (
    Field("id", "the deal's id in the source; it becomes the deal id", ("opportunity id", "deal id", "record id")),
    Field("account", "the customer", ("account name", "company", "company name", "customer", "organization")),
    Field("title", "what the deal is about", ("opportunity name", "deal name", "opportunity", "name", "subject")),
    Field("owner", "the salesperson; default the actor", ("opportunity owner", "deal owner", "owner name")),
    Field("value", "the expected value; a won deal's signed amount", ("amount", "deal value", "opportunity amount")),
    Field("currency", "ISO 4217 code of the value; else --currency", ("currency code", "opportunity currency")),
    Field("stage", "the stage value, mapped by --stage-map", ("stage name", "deal stage", "sales stage", "status")),
    Field("opened_on", "the day the deal was opened", ("created date", "create date", "date created", "created")),
    Field("close_date", "expected close date; a won or lost deal's date", ("close date", "closed date")),
    Field(
        "lost_reason", "why a lost deal was lost (--reason-map)", ("loss reason", "reason lost", "closed lost reason")
    ),
    Field("competitor", "who a lost deal was lost to", ("primary competitor", "lost to")),
    Field("lost_from", "the stage a lost deal was lost in", ("stage before lost", "previous stage")),
)
INVOICE_FIELDS = (
    Field("invoice", "the invoice id, unique in the store", ("invoice number", "invoice no", "invoice id", "number")),
    Field("customer", "who owes it; names the ledger deal", ("customer name", "client", "account name", "bill to")),
    Field("deal", "the won deal it bills, if any", ("deal id", "opportunity id", "opportunity")),
    Field("amount", "the amount invoiced", ("invoice amount", "invoice total", "total", "original amount")),
    Field("currency", "ISO 4217 code; else --currency", ("currency code", "curr")),
    Field("issued", "the issue date", ("issue date", "invoice date", "date issued", "document date", "date")),
    Field("due", "the due date", ("due date", "payment due", "due on")),
    Field("settled", "the day it was settled, if it was", ("paid date", "payment date", "date paid", "paid on")),
    Field("settled_amount", "the amount settled; default all of it", ("amount paid", "paid amount", "payment amount")),
    Field("disputed", "yes, or the dispute, when disputed", ("dispute", "in dispute", "dispute reason")),
)


def described(fields: Sequence[Field]) -> str:
    """The fields and the columns looked for, as a help epilog."""
    width = max(len(field.name) for field in fields)
    lines = [
        f"  {field.name:<{width}}  {field.help}\n  {'':<{width}}  columns: {', '.join((field.name, *field.columns))}"
        for field in fields
    ]
    return "\b\nFields (--map FIELD=COLUMN; else the first of these columns found):\n" + "\n".join(lines)
