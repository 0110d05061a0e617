"""Issue 12: every number a person or a file gives has a range, checked where it enters. An absurd
amount, round, day count or probability, a 0 where 0 means nothing, digits other than 0-9 and a
blank owner are refused with exit 2 and a message that states the range; nothing is written, so
the reports that a stored absurd value used to break keep working."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Dealflow, unsealed
from dealbook import ACTOR, advance_in_app
from dealflow.aggregates.opportunity import Opportunity
from dealflow.application import DealflowApp

ABSURD = "100000000000000000000"  # 10^20
AMOUNTS = "99,999,999,999,999.9999; got 100,000,000,000,000,000,000"  # the range's top, and the value given
TODAY = date.today().isoformat()
IN_COMMITMENT, WON, INVOICE = "D-0001", "D-0002", "INV-1"


@pytest.fixture
def book(dealflow_on: Dealflow) -> Iterator[Dealflow]:
    """A deal in commitment (to sign, concede, set a bottom line) and a won deal with an open invoice."""
    app = DealflowApp(dealflow_on.db)
    try:
        for deal_id, stage in ((IN_COMMITMENT, "commitment"), (WON, "follow_up")):
            app.open_deal(account="Acme", title="ERP", actor=ACTOR, deal_id=deal_id, value="1000", currency="EUR")
            advance_in_app(app, deal_id, stage, signed="1000")
        app.invoice(WON, INVOICE, amount="400", due=date.today(), actor=ACTOR)
    finally:
        app.close()
    yield dealflow_on


def refused_as_bad_usage(cli: Dealflow, *args: object, says: str) -> None:
    """The command exits 2 saying `says` on one line, and writes nothing."""
    before = cli.events()
    done = cli.run(*map(str, args))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("dealflow: ") and done.stderr.count("\n") == 1, done.stderr
    assert says in done.stderr
    assert cli.events() == before


CONCEDE = ("concede", IN_COMMITMENT, "--term", "price", "--by", "us")
COMMANDS = {
    "open --value": (("open", "Acme", "--title", "x", "--value", ABSURD, "--currency", "EUR"), AMOUNTS),
    "forecast --value": (("forecast", IN_COMMITMENT, "--value", ABSURD), AMOUNTS),
    "sign --amount": (("sign", IN_COMMITMENT, "--amount", ABSURD), AMOUNTS),
    "invoice --amount": (("invoice", WON, "INV-2", "--amount", ABSURD, "--due", TODAY), AMOUNTS),
    "pay --amount": (("pay", INVOICE, "--amount", ABSURD), AMOUNTS),
    "bottom-line --value": (("bottom-line", IN_COMMITMENT, "--term", "price", "--value", ABSURD), AMOUNTS),
    "concede --from": ((*CONCEDE, "--from", ABSURD, "--to", "5"), AMOUNTS),
    "concede --to": ((*CONCEDE, "--from", "5", "--to", ABSURD), AMOUNTS),
    "concede --round": (
        (*CONCEDE, "--from", "9", "--to", "8", "--round", ABSURD),
        f"'{ABSURD}' is not a whole number from 1 to 999",
    ),
    "act upsell --amount": (("act", IN_COMMITMENT, "upsell", "--product", "support", "--amount", ABSURD), AMOUNTS),
    "settings stalled-days": (("settings", "set", "stalled-days", ABSURD), "stalled-days must be from 1 to 3,650 days"),
    "settings collection-overdue-days": (
        ("settings", "set", "collection-overdue-days", ABSURD),
        "collection-overdue-days must be from 0 to 3,650 days",
    ),
    "settings gift-limit": (("settings", "set", "gift-limit", ABSURD), f"gift-limit must be from 0 to {AMOUNTS}"),
    "settings collection-large-amount": (
        ("settings", "set", "collection-large-amount", ABSURD),
        f"collection-large-amount must be from 0 to {AMOUNTS}",
    ),
    "settings probability": (("settings", "set", "probability-value", "1.5"), "probability-value must be from 0 to 1"),
}  # fmt: skip


@pytest.mark.parametrize(("args", "says"), COMMANDS.values(), ids=COMMANDS.keys())
def test_an_absurd_number_is_refused_stating_its_range_and_nothing_is_written(book, args, says):
    refused_as_bad_usage(book, *args, says=says)


ZERO = {
    "open --value": ("open", "Acme", "--title", "x", "--value", "0", "--currency", "EUR"),
    "forecast --value": ("forecast", IN_COMMITMENT, "--value", "0.0000"),
    "sign --amount": ("sign", IN_COMMITMENT, "--amount", "0"),
    "invoice --amount": ("invoice", WON, "INV-2", "--amount", "0", "--due", TODAY),
    "pay --amount": ("pay", INVOICE, "--amount", "0"),
    "act upsell --amount": ("act", IN_COMMITMENT, "upsell", "--product", "support", "--amount", "0"),
}


@pytest.mark.parametrize("args", ZERO.values(), ids=ZERO.keys())
def test_zero_is_refused_where_it_means_nothing(book, args):
    refused_as_bad_usage(book, *args, says="must be more than 0 and at most 99,999,999,999,999.9999")


def test_a_bottom_line_of_zero_is_kept_as_some_terms_need_one(book):
    done = book.run("bottom-line", IN_COMMITMENT, "--term", "payment", "--value", "0")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("digits", ["١٢٣", "１２３", "۱۲۳"], ids=["arabic-indic", "full-width", "persian"])
def test_digits_other_than_0_to_9_are_refused(book, digits):
    refused_as_bad_usage(
        book, "open", "Acme", "--title", "x", "--value", digits, "--currency", "EUR", says="is not a number"
    )
    refused_as_bad_usage(book, "settings", "set", "stalled-days", digits, says="stalled-days takes a whole number")
    refused_as_bad_usage(
        book, *CONCEDE, "--from", "9", "--to", "8", "--round", digits,
        says="is not a whole number from 1 to 999",
    )  # fmt: skip


@pytest.mark.parametrize("owner", ["", "   "], ids=["empty", "spaces"])
def test_a_blank_owner_is_refused(book, owner):
    refused_as_bad_usage(book, "open", "Acme", "--title", "x", "--owner", owner, says="give the --owner's name")


def test_the_largest_amount_is_accepted_and_reported_exactly(book):
    opened = book.run("open", "Acme", "--title", "x", "--value", "99999999999999.9999", "--currency", "VND", "--json")
    pipeline = book.run("pipeline", "--json")

    assert opened.returncode == 0, opened.stderr
    [analysis] = [row for row in json.loads(pipeline.stdout)["stages"] if row["currency"] == "VND" and row["deals"]]
    assert analysis["value"] == "99999999999999.9999"


def test_upsells_that_would_take_a_deals_value_past_the_limit_are_refused(book):
    upsell = ("act", IN_COMMITMENT, "upsell", "--product", "support", "--amount")
    first = book.run(*upsell, "99999999998000")  # to 99,999,999,999,000 from 1,000
    before = book.events()
    second = book.run(*upsell, "1000")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 1
    assert "this deal's value after the upsell would come to 100,000,000,000,000" in second.stderr
    assert "past the most a deal can hold (99,999,999,999,999.9999)" in second.stderr
    assert book.events() == before


def test_concessions_that_would_take_a_sides_total_past_the_limit_are_refused(book):
    concede = ("concede", IN_COMMITMENT, "--term", "other", "--by", "customer")
    first = book.run(*concede, "--from", "0", "--to", "99999999999999")
    before = book.events()
    second = book.run(*concede, "--from", "0", "--to", "99999999999999", "--reason", "a fresh offer on a new scope")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 1
    assert "what customer conceded on other would come to 199,999,999,999,998" in second.stderr
    assert book.events() == before


# --- the imports ----------------------------------------------------------------------------------

DEALS = "Id,Name,Account,Amount,Currency,Stage,Created\nX1,ERP,Acme,{amount},EUR,analysis,2025-01-10\n"
DEAL_OPTIONS = ("--map", "id=Id", "--map", "title=Name", "--map", "account=Account", "--map", "opened_on=Created")


def test_an_imported_deal_amount_out_of_range_is_refused_naming_the_cell(book, tmp_path: Path):
    path = tmp_path / "deals.csv"
    path.write_text(DEALS.format(amount=ABSURD), encoding="utf-8")

    refused_as_bad_usage(
        book, "import", "deals", path, *DEAL_OPTIONS,
        says=f"deals.csv:2: column 'Amount': '{ABSURD}' is out of range: an amount must be from 0 to 99,999,999,999,9",
    )  # fmt: skip


def test_an_imported_deal_amount_of_zero_is_read_as_no_amount_yet(book, tmp_path: Path):
    path = tmp_path / "deals.csv"
    path.write_text(DEALS.format(amount="0"), encoding="utf-8")

    done = book.run("import", "deals", path, *DEAL_OPTIONS)
    shown = json.loads(book.run("show", "X1", "--json").stdout)

    assert done.returncode == 0, done.stderr
    assert shown["value"] is None


def test_an_imported_invoice_amount_out_of_range_is_refused_naming_the_cell(book, tmp_path: Path):
    path = tmp_path / "ledger.csv"
    path.write_text(
        f"Invoice,Customer,Date,Due Date,Amount,Currency\nL-1,Acme,2025-01-10,2025-02-10,{ABSURD},IDR\n",
        encoding="utf-8",
    )

    refused_as_bad_usage(
        book, "import", "invoices", path, says=f"ledger.csv:2: column 'Amount': '{ABSURD}' is out of range"
    )


def test_an_imported_event_with_an_amount_out_of_range_is_refused_naming_the_line(book, tmp_path: Path):
    lines = [json.loads(line) for line in book.run("export", "events", "--format", "jsonl").stdout.splitlines()]
    [opened] = [line for line in lines if line["event"] == "Opened" and line["deal"] == IN_COMMITMENT]
    edited = {**unsealed(opened), "deal": "D-0099", "deal_id": "D-0099", "value": ABSURD}
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(edited) + "\n", encoding="utf-8")

    refused_as_bad_usage(
        book, "import", "events", path, says=f"log.jsonl:1: value must be more than 0 and at most {AMOUNTS}"
    )


# --- a log written before these bounds ------------------------------------------------------------


@pytest.mark.parametrize("command", [("pipeline",), ("projections", "rebuild")], ids=["pipeline", "rebuild"])
def test_an_amount_stored_before_the_bounds_is_named_with_its_projection_and_event_not_the_connection(
    dealflow_on: Dealflow, command
):
    app = DealflowApp(dealflow_on.db)
    try:
        deal = Opportunity.open(deal_id="D-0001", account="Acme", title="x", actor=ACTOR, value="1", currency="EUR")
        object.__setattr__(deal.pending_events[0], "value", Decimal(ABSURD))  # as an older dealflow let it be
        app.save(deal)
    finally:
        app.close()

    done = dealflow_on.run(*command)

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith(  # after `rebuild`'s progress
        f"dealflow: the pipeline projection cannot process event 1 of the log (Opened, version 1 of deal "
        f"{deal.id.hex}): the amount {int(ABSURD):,} is beyond what a projection stores"
    ), done.stderr
    assert "check --db" not in done.stderr
