"""Issue 12: the reports add amounts exactly, whatever their number and size. Thousands of deals in
a currency of large nominal amounts (IDR) at the largest amount sum past 2^63 ten-thousandths,
where SQLite's SUM of integers stops with an overflow: every report, the workbook and a rebuild
still answer, on both stores, with the totals an exact Decimal sum gives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import Dealflow, Stores
from dealbook import ACTOR, advance_in_app
from dealflow.aggregates.limits import MAX_AMOUNT
from dealflow.aggregates.money import canonical
from dealflow.aggregates.opportunity import Opportunity
from dealflow.application import DealflowApp

OPEN_DEALS = 2_000  # 2,000 x (10^18 - 1) ten-thousandths: past 2^63 - 1 more than 200 times over
WON_DEALS = 12  # in EUR, signed and invoiced at the largest amount: 12 x (10^18 - 1) passes 2^63 - 1 too
LARGEST = str(MAX_AMOUNT)


def total(count: int) -> str:
    """`count` of the largest amount, written as the reports write amounts."""
    return str(canonical(count * MAX_AMOUNT))


@pytest.fixture(scope="module")
def book(module_stores: Stores) -> Iterator[Dealflow]:
    url = module_stores.new()
    app = DealflowApp(url)
    try:
        deals = [
            Opportunity.open(
                deal_id=f"O-{n:05d}", account=f"Account {n % 7}", title="plant", actor=ACTOR, value=LARGEST,
                currency="IDR",
            )
            for n in range(OPEN_DEALS)
        ]  # fmt: skip
        for start in range(0, OPEN_DEALS, 500):
            app.save(*deals[start : start + 500])
        for n in range(WON_DEALS):
            deal_id = f"W-{n:03d}"
            app.open_deal(account="Big Co", title="rollout", actor=ACTOR, deal_id=deal_id)  # in EUR, as proposed
            advance_in_app(app, deal_id, "follow_up", signed=LARGEST)
            app.invoice(deal_id, f"INV-{n:03d}", amount=LARGEST, due=date.today(), actor=ACTOR)
        app.open_deal(account="Big Co", title="extension", actor=ACTOR, deal_id="N-000")
        advance_in_app(app, "N-000", "commitment")
        app.concede("N-000", actor=ACTOR, term="other", by="customer", before="0", after=LARGEST)
    finally:
        app.close()
    yield Dealflow(url)


def report(cli: Dealflow, *args: str) -> dict[str, Any]:
    done = cli.run(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def pipeline_totals(cli: Dealflow) -> dict[str, str]:
    found = report(cli, "pipeline")
    [analysis] = [row for row in found["stages"] if (row["currency"], row["stage"]) == ("IDR", "analysis")]
    [won] = [row for row in found["outcomes"] if row["currency"] == "EUR"]
    return {"open": analysis["value"], "weighted": analysis["weighted"], "won": won["won_value"]}


def test_the_pipeline_adds_thousands_of_the_largest_amounts_exactly(book):
    assert pipeline_totals(book) == {
        "open": total(OPEN_DEALS),
        "weighted": str(canonical(OPEN_DEALS * MAX_AMOUNT * Decimal("0.1"))),
        "won": total(WON_DEALS),
    }


@pytest.mark.parametrize(("by", "key"), [("owner", "owners"), ("account", "accounts"), ("month", "forecast")])
def test_the_pipeline_by_owner_account_and_month_adds_them_exactly(book, by, key):
    rows = report(book, "pipeline", "--by", by)[key]

    assert sum(Decimal(row["value"]) for row in rows if row["currency"] == "IDR") == OPEN_DEALS * MAX_AMOUNT


def test_the_ageing_adds_the_largest_invoices_exactly(book):
    [totals] = report(book, "ageing")["totals"]

    assert (totals["invoices"], totals["total"]) == (WON_DEALS, total(WON_DEALS))


def test_the_concessions_report_shows_the_largest_concession(book):
    [row] = [row for row in report(book, "concessions")["summary"] if row["deal"] == "N-000"]

    assert row["they_gave"] == LARGEST


def test_the_workbook_is_written(book, tmp_path: Path):
    done = book.run("export", "workbook", "-o", str(tmp_path / "book.xlsx"))

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "book.xlsx").stat().st_size > 0


def test_a_rebuild_gives_the_same_exact_totals(book):
    before = pipeline_totals(book)
    done = book.run("projections", "rebuild")

    assert done.returncode == 0, done.stderr
    assert pipeline_totals(book) == before
