"""Finding any deal at once, through the installed CLI on each store: `deals` answers from the projections
by account, text, owner (the whole name or its unique beginning), stage, status and close date, sorted and
limited, with text taken literally; `open` warns when the account already has an open deal; `pipeline`,
`ageing` and `concessions` take `--owner` too; and `deals --json` lists every deal as loading it shows it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest

from conftest import Dealflow
from dealflow.application import DealflowApp
from dealflow.exports.json_writer import encode
from dealflow.views import deal_summary

D0 = date.today() - timedelta(days=120)


def on(offset: int) -> str:
    return (D0 + timedelta(days=offset)).isoformat()


def done(result: Any) -> None:
    assert result.exit_code == 0, result.output


def ran(result: Any, code: int = 0) -> Any:
    assert result.returncode == code, result.stdout + result.stderr
    return result


# id, account, title, owner, value, currency, close by, opened on: accounts that sort otherwise in any
# case, and text that SQL would read as wildcards or quotes
BOOK = (
    ("D-1", "Acme Corp", "ERP rollout", "ana.garcia", "120000", "EUR", on(150), on(0)),
    ("D-2", "globex", "CRM 100% cloud / EU", "ana.lopez", "30000", "USD", on(200), on(1)),
    ("D-3", "Initech_Labs", "Data_platform", "bo", "5000", "EUR", on(130), on(2)),
    ("D-4", "O'Brien & Sons", 'The "big" one', "bo.chen", None, None, None, on(3)),
    ("D-5", "Straße GmbH", "Ünïcode rollout", "émilie.roux", "7500.5", "EUR", on(125), on(4)),
)
WON = (  # D-1 to a signature, an invoice part paid, a concession history on the way
    ("act", "D-1", "map-stakeholder", "--contact", "Eva", "--level", "decision", "--roles", "decision-maker"),
    ("act", "D-1", "qualify", "--opportunity", "yes", "--solution", "yes", "--winnable", "yes", "--worth", "yes"),
    ("advance", "D-1"),
    ("act", "D-1", "ally", "--contact", "Eva", "--activity", "firm-support"),
    ("advance", "D-1"),
    ("act", "D-1", "explore-goals", "--goals", "growth"),
    ("act", "D-1", "diagnose-problem", "--obstacle", "old ERP"),
    ("act", "D-1", "shape-solution", "--outline", "cloud ERP"),
    ("act", "D-1", "set-criteria", "--criteria", "users=400"),
    ("advance", "D-1", "--evidence", "RFP 114"),
    ("act", "D-1", "submit-proposal", "--quotation", "120000"),
    ("advance", "D-1", "--evidence", "kick-off"),
    ("bottom-line", "D-1", "--term", "price", "--value", "100000"),
    ("concede", "D-1", "--term", "price", "--by", "us", "--from", "120000", "--to", "110000"),
    ("sign", "D-1", "--amount", "110000"),
)


@pytest.fixture(scope="module")
def book(module_stores) -> Dealflow:
    """Five deals, recorded in-process (quick); every test asks the installed CLI in a subprocess."""
    cli = Dealflow(module_stores.new())
    for deal_id, account, title, owner, value, currency, close_by, opened in BOOK:
        facts = ["--id", deal_id, "--owner", owner, "--on", opened]
        facts += ["--value", value, "--currency", currency, "--close-by", close_by] if value else []
        done(cli("open", account, "--title", title, *facts))
    for step in WON:
        done(cli(*step, "--on", on(10)))
    done(cli("invoice", "D-1", "INV-1", "--amount", "60000", "--due", on(40), "--issued", on(10), "--on", on(10)))
    done(cli("pay", "INV-1", "--amount", "25000", "--on", on(50)))
    done(cli("lose", "D-2", "--reason", "competitor", "--competitor", "Initrode", "--on", on(5)))
    for step in (
        ("act", "D-3", "map-stakeholder", "--contact", "Rita", "--level", "decision", "--roles", "decision-maker"),
        ("act", "D-3", "qualify", "--opportunity", "yes", "--solution", "yes", "--winnable", "yes", "--worth", "yes"),
        ("advance", "D-3"),
    ):
        done(cli(*step, "--on", on(6)))
    return cli


def ids(cli: Dealflow, *options: str) -> list[str]:
    return [row["id"] for row in json.loads(ran(cli.run("deals", *options, "--json")).stdout)]


# --- each filter -------------------------------------------------------------------------------------


def test_account_finds_the_deals_whose_account_holds_the_text_in_any_case(book):
    assert ids(book, "--account", "acme") == ids(book, "--account", "ACME CORP") == ["D-1"]
    assert ids(book, "--account", "GLOBEX") == ["D-2"]
    assert ids(book, "--account", "o'brien") == ["D-4"]
    assert ids(book, "--account", "zzz") == []


def test_search_finds_text_within_the_id_the_account_or_the_title_in_any_case(book):
    assert ids(book, "--search", "erp") == ids(book, "--search", "ERP ROLLOUT") == ["D-1"]
    assert ids(book, "--search", "d-3") == ["D-3"]
    assert ids(book, "--search", "rollout") == ["D-1", "D-5"]
    assert ids(book, "--search", "ÜNÏCODE") == ["D-5"]
    assert ids(book, "--search", "strasse") == ["D-5"]  # ß folds to ss, on SQLite as on PostgreSQL


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("%", ["D-2"]),  # a wildcard would find every deal
        ("100%", ["D-2"]),
        ("_", ["D-3"]),  # a wildcard would find every deal
        ("e_p", []),  # "_" is not any one character: "ERP" is no e_p
        ("/", ["D-2"]),  # SQLAlchemy's escape character
        ("\\", []),
        ("o'brien", ["D-4"]),
        ('"big"', ["D-4"]),
        ("'; DROP TABLE pipeline_deals; --", []),
    ],
)
def test_search_text_is_taken_as_typed_never_as_a_pattern(book, text, found):
    assert ids(book, "--search", text) == found


def test_owner_is_the_whole_name_or_its_only_beginning_in_any_case(book):
    assert ids(book, "--owner", "ana.garcia") == ids(book, "--owner", "ANA.G") == ["D-1"]
    assert ids(book, "--owner", "ÉMILIE") == ["D-5"]
    assert ids(book, "--owner", "bo") == ["D-3"]  # the whole name, though bo.chen begins with it too
    assert ids(book, "--owner", "bo.") == ["D-4"]


def test_an_owner_that_could_be_several_is_refused_naming_them(book):
    result = ran(book.run("deals", "--owner", "ana"), 1)
    assert "--owner 'ana' could be any of 2 owners: ana.garcia, ana.lopez; give more of the name" in result.stderr
    assert result.stdout == ""


def test_an_owner_no_name_begins_with_lists_nothing_and_says_so(book):
    result = ran(book.run("deals", "--owner", "zed"))
    assert result.stdout == ""
    assert "no deals match: no owner's name is or begins with 'zed'" in result.stderr
    as_json = ran(book.run("deals", "--owner", "zed", "--json"))
    assert (json.loads(as_json.stdout), as_json.stderr) == ([], result.stderr)
    assert "empty" in ran(book.run("deals", "--owner", " "), 2).stderr


def test_stage_status_and_close_date_choose_deals(book):
    assert ids(book, "--stage", "trust") == ["D-3"]
    assert ids(book, "--stage", "analysis") == ["D-4", "D-5"]
    assert ids(book, "--status", "lost") == ["D-2"]
    assert ids(book, "--status", "won") == ["D-1"]
    assert ids(book, "--status", "open") == ["D-3", "D-4", "D-5"]
    assert ids(book, "--close-before", on(140)) == ["D-3", "D-5"]  # D-4 has no close date
    assert ids(book, "--close-before", on(130)) == ["D-5"]  # before the day, not on it


def test_filters_together_each_hold(book):
    assert ids(book, "--status", "open", "--close-before", on(140), "--search", "rollout") == ["D-5"]
    assert ids(book, "--owner", "ana.l", "--status", "open") == []


# --- order and limit ---------------------------------------------------------------------------------


def test_deals_come_in_the_order_opened_or_by_the_field_chosen_missing_values_last(book):
    assert ids(book) == ["D-1", "D-2", "D-3", "D-4", "D-5"]
    assert ids(book, "--desc") == ["D-5", "D-4", "D-3", "D-2", "D-1"]
    assert ids(book, "--sort", "value") == ["D-3", "D-5", "D-2", "D-1", "D-4"]
    assert ids(book, "--sort", "value", "--desc") == ["D-1", "D-2", "D-5", "D-3", "D-4"]
    assert ids(book, "--sort", "stage") == ["D-4", "D-5", "D-3", "D-1", "D-2"]  # the method's order; lost last
    assert ids(book, "--sort", "close_by") == ["D-5", "D-3", "D-1", "D-2", "D-4"]


def test_text_sorts_the_same_on_every_store_an_account_in_any_case(book):
    assert ids(book, "--sort", "account") == ["D-1", "D-2", "D-3", "D-4", "D-5"]  # globex among the capitals
    assert ids(book, "--sort", "title") == ["D-2", "D-3", "D-1", "D-4", "D-5"]  # code points: C D E T Ü
    assert ids(book, "--sort", "owner", "--desc") == ["D-5", "D-4", "D-3", "D-2", "D-1"]


def test_limit_keeps_the_first_in_that_order(book):
    assert ids(book, "--sort", "value", "--desc", "--limit", "2") == ["D-1", "D-2"]
    assert ids(book, "--limit", "1") == ["D-1"]
    assert "--limit" in ran(book.run("deals", "--limit", "0"), 2).stderr
    assert "--sort" in ran(book.run("deals", "--sort", "colour"), 2).stderr


def test_the_text_listing_is_a_table_of_the_deals_found(book):
    lines = ran(book.run("deals", "--owner", "bo")).stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "ACCOUNT", "TITLE"]
    assert [line.split()[0] for line in lines[1:]] == ["D-3"]
    assert ran(book.run("deals", "--search", "nothing like it")).stderr.strip() == "no deals match"


# --- the three reports by owner -------------------------------------------------------------------------


def test_the_pipeline_of_one_owner_counts_only_their_deals_and_says_whose(book):
    report = json.loads(ran(book.run("pipeline", "--owner", "ana.g", "--json")).stdout)
    assert report["owners"] == ["ana.garcia"]
    assert [(row["currency"], row["won"], row["lost"]) for row in report["outcomes"]] == [("EUR", 1, 0)]
    lost = json.loads(ran(book.run("pipeline", "--owner", "ANA.LOPEZ", "--by", "owner", "--json")).stdout)
    assert [(row["owner"], row["lost"]) for row in lost["owners"]] == [("ana.lopez", 1)]
    assert "owners" not in json.loads(ran(book.run("pipeline", "--json")).stdout)


def test_ageing_and_concessions_of_one_owner(book):
    invoices = json.loads(ran(book.run("ageing", "--owner", "ana.garcia", "--json")).stdout)["invoices"]
    assert [(row["deal"], row["invoice"]) for row in invoices] == [("D-1", "INV-1")]
    assert json.loads(ran(book.run("ageing", "--owner", "bo", "--json")).stdout)["invoices"] == []
    summary = json.loads(ran(book.run("concessions", "--owner", "ana.gar", "--json")).stdout)
    assert (summary["owners"], [row["deal"] for row in summary["summary"]]) == (["ana.garcia"], ["D-1"])
    assert json.loads(ran(book.run("concessions", "--owner", "émilie", "--json")).stdout)["summary"] == []
    assert "give one of them" in ran(book.run("concessions", "D-1", "--owner", "ana.garcia"), 2).stderr


@pytest.mark.parametrize("report", ["pipeline", "ageing", "concessions"])
def test_each_report_refuses_an_owner_that_could_be_several_and_notes_one_that_is_nobody(book, report):
    assert "ana.garcia, ana.lopez" in ran(book.run(report, "--owner", "ana"), 1).stderr
    nobody = ran(book.run(report, "--owner", "zed", "--json"))
    assert json.loads(nobody.stdout)["owners"] == []
    assert "no owner's name is or begins with 'zed'" in nobody.stderr


def test_the_pipeline_as_of_a_day_counts_the_deals_an_owner_had_then(dealflow):
    opened, yesterday = (date.today() - timedelta(days=days) for days in (10, 1))
    facts = ("--owner", "bo.chen", "--value", "100", "--currency", "EUR", "--on", opened.isoformat())
    done(dealflow("open", "Acme", "--title", "ERP", *facts))
    done(dealflow("assign", "D-0001", "ana"))  # today

    then = json.loads(ran(dealflow.run("pipeline", "--owner", "bo", "--as-of", str(yesterday), "--json")).stdout)
    assert then["owners"] == ["bo.chen"]
    assert [(row["stage"], row["deals"]) for row in then["stages"] if row["deals"]] == [("analysis", 1)]
    now = ran(dealflow.run("pipeline", "--owner", "bo", "--json"))
    assert "no owner's name is or begins with 'bo'" in now.stderr


# --- open warns about the account's open deals ---------------------------------------------------------


def test_open_warns_when_the_account_already_has_an_open_deal_and_opens_it(dealflow):
    first = ran(dealflow.run("open", "Acme Corp", "--title", "ERP"))
    assert first.stderr == ""
    second = ran(dealflow.run("open", "ACME corp", "--title", "MES", "--json"))  # projections never built
    assert json.loads(second.stdout) == {"id": "D-0002"}
    assert second.stderr == "warning: ACME corp already has 1 open deal(s): D-0001 (ana)\n"

    assert ids(dealflow, "--account", "acme") == ["D-0001", "D-0002"]  # a report: the projections caught up
    ran(dealflow.run("lose", "D-0001", "--reason", "budget"))  # after their position: loaded, it is lost
    third = ran(dealflow.run("open", "acme corp", "--title", "BI"))
    assert third.stdout == "D-0003\n"
    assert third.stderr == "warning: acme corp already has 1 open deal(s): D-0002 (ana)\n"
    assert ran(dealflow.run("open", "Acme", "--title", "CRM")).stderr == ""  # another account's name


def test_open_reads_the_built_projection_without_loading_sqlalchemy(dealflow):
    ran(dealflow.run("open", "Acme", "--title", "ERP"))
    ran(dealflow.run("deals"))  # the projections built: `open` reads them
    probe = (
        "import sys; from click.testing import CliRunner; from dealflow.cli.main import cli; "
        f"r = CliRunner(env={{'DEALFLOW_DB': {dealflow.db!r}}}).invoke(cli, ['open', 'ACME', '--title', 'MES']); "
        "assert r.exit_code == 0, r.output; print('sqlalchemy' in sys.modules, r.stderr.strip())"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False warning: ACME already has 1 open deal(s): D-0001 (ana)"


# --- the list as loading each deal shows it -------------------------------------------------------------


def by_loading(db: str) -> list[dict[str, Any]]:
    """`deals --json` as dealflow wrote it before the projections answered: every deal loaded."""
    app = DealflowApp(db)
    try:
        return json.loads(encode([deal_summary(app.deal(deal_id)) for deal_id in app.deal_ids()]))
    finally:
        app.close()


def test_the_demo_book_lists_as_loading_each_deal_shows_it(dealflow):
    ran(dealflow.run("demo"))

    listed = json.loads(ran(dealflow.run("deals", "--json")).stdout)

    assert listed == by_loading(dealflow.db)
    assert list(listed[0]) == [
        "id", "account", "title", "owner", "status", "stage", "action", "value", "currency", "close_by", "opened_on",
        "version",
    ]  # fmt: skip
    assert {row["status"] for row in listed} == {"open", "won", "lost", "closed"}


def test_a_corrected_and_voided_history_lists_as_loading_the_deal_shows_it(dealflow):
    done(dealflow("open", "Acme", "--title", "ERP", "--value", "100", "--currency", "EUR"))
    done(dealflow("note", "D-0001", "called"))
    ran(dealflow.run("deals"))  # the projections hold the deal before the revisions
    done(dealflow("correct", "D-0001", "1", "--title", "MES rollout", "--account", "Acme Industrial", "--reason", "x"))
    done(dealflow("void", "D-0001", "2", "--reason", "wrong deal"))

    listed = json.loads(ran(dealflow.run("deals", "--json")).stdout)

    assert listed == by_loading(dealflow.db)
    assert (listed[0]["title"], listed[0]["account"], listed[0]["version"]) == ("MES rollout", "Acme Industrial", 4)
    assert ids(dealflow, "--search", "mes roll") == ids(dealflow, "--account", "industrial") == ["D-0001"]
    assert ids(dealflow, "--search", "erp") == []
