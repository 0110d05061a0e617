"""The Opportunity's import methods: a deal placed where its source says, dated as the source dates
it, each event carrying its source; the rules on values and dates still hold, no exit signal is claimed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dealbook import ACTOR
from dealflow.aggregates.errors import InvalidInput, Refused
from dealflow.aggregates.opportunity import Opportunity
from dealflow.audit import Verdict, audit_deal
from dealflow.cli.history import describe

SOURCE = {"file": "crm.csv", "line": 4, "source_id": "006X", "hash": "ab12"}
JAN, FEB, MAR, APR = date(2025, 1, 10), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)


def imported(value: str | None = "1000", currency: str | None = "EUR") -> Opportunity:
    return Opportunity.open_imported(
        source=SOURCE, deal_id="006X", account="Acme", title="Rollout", actor=ACTOR, on=JAN, value=value,
        currency=currency,
    )  # fmt: skip


def won() -> Opportunity:
    deal = imported()
    deal.win_imported(amount="1000", currency="EUR", source=SOURCE, actor=ACTOR, on=FEB)
    return deal


def test_a_deal_placed_in_a_late_stage_claims_no_exit_signal_and_the_audit_says_imported():
    deal = imported()
    deal.place_imported("commitment", source=SOURCE, actor=ACTOR, on=FEB)
    deal.sign(amount="1000", actor=ACTOR, on=MAR)  # the method goes on from where the import left it

    audit = audit_deal(deal.collect_events())

    assert [f.verdict for f in audit.findings] == [Verdict.IMPORTED, Verdict.IMPORTED, Verdict.ALLOWED]
    assert audit.passed


def test_history_describes_imported_events_with_their_source():
    deal = won()

    lines = [describe(event) for event in deal.collect_events()]

    assert lines[0].startswith("imported open: account=Acme") and lines[0].endswith("from=crm.csv:4")
    assert lines[1] == "imported sign: amount=1000 currency=EUR from=crm.csv:4"


def test_live_events_carry_no_import_source():
    deal = Opportunity.open(deal_id="D-1", account="Acme", title="Rollout", actor=ACTOR)

    assert "imported" not in vars(deal.collect_events()[0])


def test_imported_records_are_refused_in_the_future_or_before_the_last_stage_change():
    deal = imported()
    with pytest.raises(InvalidInput, match="is in the future"):
        deal.place_imported("value", source=SOURCE, actor=ACTOR, on=date.today() + timedelta(days=1))
    deal.place_imported("value", source=SOURCE, actor=ACTOR, on=MAR)
    with pytest.raises(Refused, match="before this deal's last stage change on 2025-03-01"):
        deal.lose_imported(reason="price", source=SOURCE, actor=ACTOR, on=FEB)


def test_a_won_deal_needs_a_positive_amount_in_the_deals_currency():
    with pytest.raises(InvalidInput, match="more than 0"):
        imported().win_imported(amount="0", currency="EUR", source=SOURCE, actor=ACTOR, on=FEB)
    with pytest.raises(Refused, match="a deal has one currency"):
        imported().win_imported(amount="10", currency="USD", source=SOURCE, actor=ACTOR, on=FEB)
    with pytest.raises(InvalidInput, match="give the currency: this deal has none yet"):
        imported(None, None).win_imported(amount="10", currency=None, source=SOURCE, actor=ACTOR, on=FEB)


def test_only_open_deals_are_placed_won_or_lost_and_only_won_ones_closed():
    deal = won()
    with pytest.raises(Refused, match="this deal is won: an import places only open deals"):
        deal.lose_imported(reason="price", source=SOURCE, actor=ACTOR, on=MAR)
    with pytest.raises(Refused, match="only a won deal can be closed"):
        imported().close_imported(source=SOURCE, actor=ACTOR, on=MAR)
    with pytest.raises(InvalidInput, match="a lost reason is one of price"):
        imported().lose_imported(reason="expensive", source=SOURCE, actor=ACTOR, on=MAR)


def test_invoices_stay_within_the_signed_amount_and_payments_within_the_balance():
    deal = won()
    deal.invoice_imported("INV-1", amount="600", issued=MAR, due=APR, source=SOURCE, actor=ACTOR)
    with pytest.raises(Refused, match="exceeds the 400 of the signed amount not yet invoiced"):
        deal.invoice_imported("INV-2", amount="500", issued=MAR, due=APR, source=SOURCE, actor=ACTOR)
    with pytest.raises(Refused, match="more than the 600 still owed"):
        deal.pay_imported("INV-1", amount="700", source=SOURCE, actor=ACTOR, on=APR)
    with pytest.raises(Refused, match="before invoice INV-1 was issued"):
        deal.pay_imported("INV-1", amount="100", source=SOURCE, actor=ACTOR, on=FEB)


def test_the_payment_that_settles_the_signed_amount_closes_the_deal_that_day():
    deal = won()
    deal.invoice_imported("INV-1", amount="1000", issued=MAR, due=APR, source=SOURCE, actor=ACTOR)

    deal.pay_imported("INV-1", amount="1000", source=SOURCE, actor=ACTOR, on=APR)

    assert deal.status == "closed" and deal.pending_events[-1].effective_on == APR


def test_a_ledger_deal_takes_any_imported_invoice_of_its_customer_and_stays_open_when_all_are_paid():
    ledger = Opportunity.open_ledger_imported(
        source=SOURCE, deal_id="L-acme-EUR", account="Acme", currency="EUR", actor=ACTOR, on=JAN
    )
    ledger.invoice_imported("INV-9", amount="5000", issued=FEB, due=MAR, source=SOURCE, actor=ACTOR)
    ledger.invoice_imported("INV-10", amount="10", issued=FEB, due=MAR, source=SOURCE, actor=ACTOR)
    ledger.pay_imported("INV-9", amount="5000", source=SOURCE, actor=ACTOR, on=MAR)
    ledger.pay("INV-10", amount="10", actor=ACTOR, on=APR)  # collected later with the usual commands

    assert (ledger.stage, ledger.status, ledger.signed_amount) == ("follow_up", "won", None)
    assert ledger.title == "receivables of Acme" and ledger.open_balance == Decimal(0)
    with pytest.raises(Refused, match="exceeds"):  # new invoices go on won deals, not on the ledger
        ledger.invoice("INV-11", amount="10", due=APR, issued=APR, actor=ACTOR)
