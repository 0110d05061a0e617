"""Receivables: exact decimal arithmetic, no over-payment, no invoicing past the signed amount,
write-offs, and the deal closed in the same command that settles its last account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dealbook import ACTOR, COLLECT, SAMPLE_FIELDS, act, days_ago, deal_in, refused
from dealflow.aggregates.errors import InvalidInput, NotFound
from dealflow.aggregates.events import ActionRecorded, Closed, Invoiced, PaymentReceived, WrittenOff
from dealflow.aggregates.receivables import balance
from dealflow.playbook import CLOSED, Status

TODAY = date.today()


def _signed(amount: str = "1000"):
    return deal_in("follow_up", signed=amount)


def _invoiced(signed: str = "1000", **invoices: str):
    deal = _signed(signed)
    for invoice, amount in (invoices or {"INV-1": signed}).items():
        deal.invoice(invoice, amount=amount, due=TODAY, actor=ACTOR)
    deal.collect_events()
    return deal


def test_an_invoice_records_its_amount_issue_and_due_dates():
    deal = deal_in("follow_up", signed="1000", on=days_ago(10))
    deal.invoice("INV-1", amount="400.25", issued=days_ago(3), due=days_ago(-27), actor=ACTOR)
    [event] = deal.collect_events()
    assert isinstance(event, Invoiced)
    assert (event.invoice, event.amount) == ("INV-1", Decimal("400.25"))
    assert (event.issued, event.due) == (days_ago(3), days_ago(-27))
    assert event.effective_on == days_ago(3), "an invoice happened when it was issued"
    assert (deal.invoiced_total, deal.open_balance) == (Decimal("400.25"), Decimal("400.25"))


def test_ten_cents_and_twenty_cents_pay_thirty_cents_exactly():
    deal = _invoiced("0.30")
    deal.pay("INV-1", amount="0.10", actor=ACTOR)
    deal.pay("INV-1", amount="0.20", actor=ACTOR)
    assert balance(deal.invoices["INV-1"]) == Decimal("0.00")
    assert deal.state == CLOSED


def test_partial_payments_reduce_the_balance_and_leave_the_deal_open():
    deal = _invoiced("1000")
    deal.pay("INV-1", amount="250.50", actor=ACTOR)
    deal.pay("INV-1", amount="0.50", actor=ACTOR)
    assert [type(event) for event in deal.collect_events()] == [PaymentReceived, PaymentReceived]
    assert balance(deal.invoices["INV-1"]) == Decimal("749.00")
    assert deal.open_balance == Decimal("749.00")
    assert deal.status is Status.WON


def test_a_payment_over_the_balance_is_refused_saying_what_is_owed():
    deal = _invoiced("1000")
    deal.pay("INV-1", amount="999.99", actor=ACTOR)
    deal.collect_events()
    with refused(deal, says="payment of 0.02 is more than the 0.01 still owed on invoice INV-1"):
        deal.pay("INV-1", amount="0.02", actor=ACTOR)


@pytest.mark.parametrize("amount", ["0", "0.00", "-1", "ten"])
def test_a_payment_must_be_a_positive_amount(amount: str):
    deal = _invoiced("1000")
    with refused(deal, InvalidInput):
        deal.pay("INV-1", amount=amount, actor=ACTOR)


def test_paying_an_unknown_invoice_says_where_to_find_the_deals_invoices():
    deal = _invoiced("1000")
    with refused(deal, NotFound, says="this deal has no invoice INV-404"):
        deal.pay("INV-404", amount="1", actor=ACTOR)


def test_a_settled_invoice_takes_no_more_payments_or_write_offs():
    deal = _invoiced("1000", **{"INV-1": "400", "INV-2": "100"})
    deal.pay("INV-1", amount="400", actor=ACTOR)
    deal.collect_events()
    with refused(deal, says="invoice INV-1 is already settled"):
        deal.pay("INV-1", amount="1", actor=ACTOR)
    with refused(deal, says="invoice INV-1 is already settled"):
        deal.write_off("INV-1", reason="nothing left", actor=ACTOR)


def test_invoicing_past_the_signed_amount_is_refused_saying_what_is_left():
    deal = _invoiced("1000", **{"INV-1": "600"})
    with refused(deal, says="invoice of 400.01 exceeds the 400 of the signed amount not yet invoiced"):
        deal.invoice("INV-2", amount="400.01", due=TODAY, actor=ACTOR)
    deal.invoice("INV-2", amount="400.00", due=TODAY, actor=ACTOR)
    assert deal.invoiced_total == Decimal("1000.00")


@pytest.mark.parametrize("again", ["INV-1", " INV-1 ", "inv-1"])
def test_an_invoice_id_is_used_once_in_any_case(again: str):
    deal = _invoiced("1000", **{"INV-1": "600"})
    with refused(deal, says=f"invoice {again.strip()} already exists"):
        deal.invoice(again, amount="100", due=TODAY, actor=ACTOR)


@pytest.mark.parametrize(
    ("invoice", "amount", "issued", "due", "says"),
    [
        ("  ", "100", None, TODAY, "give the invoice an id"),
        ("INV-2", "0", None, TODAY, "--amount must be more than 0"),
        ("INV-2", "100", TODAY, days_ago(1), "is before the issue date"),
        ("INV-2", "100", days_ago(-1), days_ago(-30), "is in the future"),
    ],
    ids=["no-id", "zero", "due-before-issue", "issued-tomorrow"],
)
def test_a_malformed_invoice_is_refused(invoice: str, amount: str, issued, due, says: str):
    deal = _signed()
    with refused(deal, InvalidInput, says=says):
        deal.invoice(invoice, amount=amount, issued=issued, due=due, actor=ACTOR)


def test_a_write_off_settles_the_remaining_balance():
    deal = _invoiced("1000", **{"INV-1": "600", "INV-2": "400"})
    deal.pay("INV-1", amount="600", actor=ACTOR)
    deal.pay("INV-2", amount="399.99", actor=ACTOR)
    deal.collect_events()
    deal.write_off("INV-2", reason="bank charges", actor=ACTOR)
    [written_off, closed] = deal.collect_events()
    assert isinstance(written_off, WrittenOff) and isinstance(closed, Closed)
    assert (written_off.amount, written_off.reason) == (Decimal("0.01"), "bank charges")
    assert deal.invoices["INV-2"]["written_off"] == Decimal("0.01")
    assert deal.open_balance == 0


def test_a_write_off_needs_a_reason():
    deal = _invoiced("1000")
    with refused(deal, InvalidInput, says="give a --reason for the write-off"):
        deal.write_off("INV-1", reason=" ", actor=ACTOR)


def test_the_deal_does_not_close_while_part_of_the_signed_amount_is_not_invoiced():
    deal = _invoiced("1000", **{"INV-1": "600"})
    deal.pay("INV-1", amount="600", actor=ACTOR)
    assert deal.status is Status.WON
    assert not any(isinstance(event, Closed) for event in deal.collect_events())


def test_the_deal_does_not_close_while_an_invoice_is_unpaid():
    deal = _invoiced("1000", **{"INV-1": "600", "INV-2": "400"})
    deal.pay("INV-2", amount="400", actor=ACTOR)
    assert deal.status is Status.WON
    assert deal.open_balance == Decimal("600")


def test_the_payment_that_settles_the_last_account_closes_the_deal_in_the_same_command():
    deal = _invoiced("1000", **{"INV-1": "600", "INV-2": "400"})
    deal.pay("INV-1", amount="600", actor=ACTOR)
    deal.collect_events()
    deal.pay("INV-2", amount="400", actor=ACTOR, on=TODAY)
    [paid, closed] = deal.collect_events()
    assert isinstance(paid, PaymentReceived) and isinstance(closed, Closed)
    assert (paid.state, closed.state) == ("follow_up.collect", CLOSED)
    assert closed.effective_on == paid.effective_on
    assert deal.status is Status.CLOSED


def test_chasing_an_unpaid_invoice_is_the_collect_action():
    deal = _invoiced("1000")
    act(deal, COLLECT, {**SAMPLE_FIELDS[COLLECT], "invoice": "INV-1"})
    act(deal, COLLECT, {**SAMPLE_FIELDS[COLLECT], "invoice": "INV-1", "cause": "our-fault"})
    assert [type(event) for event in deal.collect_events()] == [ActionRecorded, ActionRecorded]
    assert deal.invoices["INV-1"]["chases"] == 2
    assert deal.open_balance == Decimal("1000")


def test_a_settled_or_unknown_invoice_is_not_chased():
    deal = _invoiced("1000", **{"INV-1": "600"})
    with refused(deal, NotFound, says="this deal has no invoice INV-2"):
        act(deal, COLLECT, {**SAMPLE_FIELDS[COLLECT], "invoice": "INV-2"})
    deal.pay("INV-1", amount="600", actor=ACTOR)
    deal.collect_events()
    with refused(deal, says="invoice INV-1 is already settled"):
        act(deal, COLLECT, {**SAMPLE_FIELDS[COLLECT], "invoice": "INV-1"})


@pytest.mark.parametrize("stage", ["analysis", "commitment"])
def test_nothing_is_invoiced_before_the_agreement_is_signed(stage: str):
    deal = deal_in(stage)
    with refused(
        deal, says=f"invoices are recorded in follow_up, once the deal is signed, and this deal is in {stage}"
    ):
        deal.invoice("INV-1", amount="100", due=TODAY, actor=ACTOR)


def test_a_closed_deal_takes_no_more_invoices():
    deal = _invoiced("1000")
    deal.pay("INV-1", amount="1000", actor=ACTOR)
    deal.collect_events()
    with refused(deal, says="this deal is closed"):
        deal.invoice("INV-2", amount="1", due=TODAY, actor=ACTOR)


@pytest.mark.parametrize("step", ["pay", "write-off", "chase"])
def test_no_collection_step_is_dated_before_its_invoice_was_issued(step: str):
    deal = deal_in("follow_up", signed="1000", on=days_ago(20))
    deal.invoice("INV-7", amount="1000", issued=days_ago(5), due=date.today(), actor=ACTOR)
    deal.collect_events()
    early = days_ago(10)
    run = {
        "pay": lambda: deal.pay("INV-7", amount="10", actor=ACTOR, on=early),
        "write-off": lambda: deal.write_off("INV-7", reason="bad debt", actor=ACTOR, on=early),
        "chase": lambda: act(deal, COLLECT, {"invoice": "INV-7", "cause": "unwilling", "method": "call"}, on=early),
    }[step]
    with refused(deal, says=f"--on {early} is before invoice INV-7 was issued on"):
        run()
