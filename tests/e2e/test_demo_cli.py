"""`dealflow demo` seeds a realistic book through the command path, and the book passes the audit."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from click.testing import CliRunner

from conftest import Stores
from dealflow.application import DealflowApp
from dealflow.cli.main import cli
from dealflow.playbook import LOST_REASONS, STAGE_NAMES, Status


def invoke(db: str, *args: str):
    return CliRunner(env={"DEALFLOW_DB": db, "DEALFLOW_ACTOR": "ana"}).invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_db(module_stores: Stores) -> str:
    """One seeded book on each store for the whole module: seeding takes about a second."""
    db = module_stores.new()
    result = invoke(db, "demo")
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def deals(demo_db: str) -> list[dict]:
    return json.loads(invoke(demo_db, "deals", "--json").stdout)


@pytest.fixture(scope="module")
def book(demo_db: str) -> list:
    app = DealflowApp(demo_db)
    try:
        return [app.deal(deal_id) for deal_id in app.deal_ids()]
    finally:
        app.close()


def test_the_demo_seeds_at_least_30_deals_in_every_stage_and_every_status(deals):
    assert len(deals) >= 30
    assert {deal["stage"] for deal in deals} >= set(STAGE_NAMES)
    assert {deal["status"] for deal in deals} == {status.value for status in Status}
    assert {deal["currency"] for deal in deals} == {"EUR", "USD", "GBP"}
    assert len({deal["owner"] for deal in deals}) >= 4
    assert len({deal["account"] for deal in deals}) == len(deals)


def test_the_demo_book_passes_the_audit(demo_db):
    result = invoke(demo_db, "audit", "--all", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["verdict"] == "pass"
    assert report["violations"] == 0


def test_every_demo_date_is_in_the_past_nine_months_or_so(demo_db):
    app = DealflowApp(demo_db)
    try:
        dates = [event.effective_on for deal_id in app.deal_ids() for event in app.history(deal_id)]
    finally:
        app.close()
    assert max(dates) <= date.today()
    assert 150 <= (date.today() - min(dates)).days <= 300


def test_the_demo_has_the_stories_worth_showing(book):
    today = date.today()
    invoices = [invoice for deal in book for invoice in deal.invoices.values()]
    assert any(i["paid"] == i["amount"] for i in invoices), "an invoice paid in full"
    assert any(0 < i["paid"] < i["amount"] for i in invoices), "an invoice partly paid"
    assert any(i["paid"] == 0 and i["due"] < today for i in invoices), "an overdue invoice"
    assert any(i["written_off"] > 0 for i in invoices), "a write-off"
    assert any(deal.referred_by for deal in book), "a referral sale"
    assert any(deal.regressions for deal in book), "a deal stepped back"
    assert len(Counter(deal.lost_reason for deal in book if deal.lost_reason)) >= 3, "lost for various reasons"
    assert all(deal.lost_reason in LOST_REASONS for deal in book if deal.lost_reason)
    assert any(deal.bottom_lines for deal in book), "bottom lines"


def test_the_demo_has_a_reopened_deal_and_flagged_concessions(demo_db):
    app = DealflowApp(demo_db)
    try:
        kinds = Counter(type(event).__name__ for deal_id in app.deal_ids() for event in app.history(deal_id))
        concessions = [e for d in app.deal_ids() for e in app.history(d) if type(e).__name__ == "Conceded"]
    finally:
        app.close()
    assert kinds["Reopened"] >= 1
    assert kinds["Closed"] >= 3
    assert any(concession.widened for concession in concessions)
    assert any(concession.past_bottom_line and concession.override for concession in concessions)


def test_the_demo_ends_with_a_tour_naming_its_deals(module_stores):
    result = invoke(module_stores.new(), "demo")

    assert result.exit_code == 0
    for command in ("deals --stage commitment", "show D-", "history D-", "audit --all", "act --help"):
        assert command in result.stdout


def test_the_demo_is_the_same_book_every_time(deals, module_stores):
    again = module_stores.new()
    invoke(again, "demo")

    assert json.loads(invoke(again, "deals", "--json").stdout) == deals


def test_the_demo_refuses_a_store_that_already_has_deals(dealflow):
    dealflow("open", "Acme Corp", "--title", "MES rollout")
    before = dealflow.events()

    result = dealflow("demo")

    assert result.exit_code == 1
    assert "already has deals" in result.output
    assert "--db demo.db" in result.output
    assert dealflow.events() == before
