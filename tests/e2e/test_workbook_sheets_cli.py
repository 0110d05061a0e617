"""The workbook's deals sheet and concessions detail sheet, and the single exports that give the same
tables (`export deals --detail`, `export concessions --detail`): the console script in a subprocess
on a SQLite file and on PostgreSQL, the workbook read back with openpyxl and held against what
`deals --json`, `show --json`, `ageing --json` and `concessions --json` say of the same book."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import Dealflow, Stores
from dealflow.application import DealflowApp
from projection_steps import ACTOR, open_deal, take_to

TODAY = date.today()
HYPERLINK = '=HYPERLINK("http://x","y")'
CONTROL = "ERP\x1b]0;title\x07"
LONG = "n" * 100_000
EXCEL_TEXT = 32_767  # the most characters a cell holds
NEGOTIATED, SECOND_CONCESSION = "D-0900", 16  # its bottom line is version 14, its first concession 15


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}: {done.stdout}{done.stderr}"
    return done.stdout


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(done))


def negotiated(db: str) -> None:
    """In commitment since 89 days ago; our bottom line on price 100000, then our concessions from
    120000 to 110000 (79 days ago) and to 105000 (78 days ago), and the customer's on payment days."""
    app = DealflowApp(db)
    try:
        open_deal(app, NEGOTIATED, ago(90), value="120000", currency="EUR")
        take_to(app, NEGOTIATED, "commitment", ago(89), quotation="120000")
        app.set_bottom_line(NEGOTIATED, "price", "100000", actor=ACTOR, on=ago(80))
        app.concede(NEGOTIATED, actor=ACTOR, term="price", by="us", before="120000", after="110000", on=ago(79))
        app.concede(NEGOTIATED, actor=ACTOR, term="price", by="us", before="110000", after="105000", on=ago(78))
        app.concede(NEGOTIATED, actor=ACTOR, term="payment", by="customer", before="90", after="60", on=ago(78))
    finally:
        app.close()


@pytest.fixture(scope="module")
def book(module_stores: Stores) -> Dealflow:
    """The demo book; a deal negotiated on dated days whose second concession was corrected to 106000;
    deals whose title is a formula, holds control characters, or is 100 KB long."""
    cli = Dealflow(module_stores.new())
    ok(cli.run("demo"))
    negotiated(cli.db)
    ok(cli.run("correct", NEGOTIATED, SECOND_CONCESSION, "--to", "106000", "--reason", "typed 105000"))
    for title in (HYPERLINK, CONTROL, LONG):
        ok(cli.run("open", "Hostile Text Ltd", "--title", title, "--value", "1000", "--currency", "EUR"))
    return cli


@pytest.fixture(scope="module")
def workbook(book: Dealflow, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("out") / "book.xlsx"
    ok(book.run("export", "workbook", "-o", path))
    return path


def sheet(path: Path, name: str) -> list[dict[str, Any]]:
    found = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(found[name].iter_rows(values_only=True))
    finally:
        found.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def as_exported(value: Any) -> Any:
    """A sheet's cell as the `--json` outputs write it: dates as ISO text (amounts: `money`)."""
    return value.date().isoformat() if isinstance(value, datetime) else value


def in_a_cell(text: str) -> str:
    """Text as a cell holds it: at most 32,767 characters, the control characters XML cannot hold
    escaped as Excel does (`_x001B_`)."""
    kept = text[:EXCEL_TEXT]
    return "".join(f"_x{ord(ch):04X}_" if ord(ch) < 32 and ch not in "\t\n" else ch for ch in kept)


def money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# --- the deals sheet --------------------------------------------------------------------------


def test_the_deals_sheet_has_a_row_per_deal_with_what_deals_json_lists(book, workbook):
    listed = as_json(book.run("deals", "--json"))
    rows = sheet(workbook, "deals")

    assert [row["id"] for row in rows] == [deal["id"] for deal in listed]
    for deal, row in zip(listed, rows, strict=True):
        for key, value in deal.items():
            if key == "value":
                assert money(row[key]) == money(value), deal["id"]
            elif isinstance(row[key], str):
                assert row[key] == in_a_cell(value), (deal["id"], key)
            else:
                assert as_exported(row[key]) == value, (deal["id"], key)


def test_the_deals_sheet_gives_what_show_json_and_the_ageing_say_of_each_deal(book, workbook):
    overdue: dict[str, int] = defaultdict(int)
    for invoice in as_json(book.run("ageing", "--json"))["invoices"]:
        overdue[invoice["deal"]] = max(overdue[invoice["deal"]], invoice["days_past_due"])

    for row in sheet(workbook, "deals"):
        shown = json.loads(book("show", row["id"], "--json").stdout)  # in-process: a deal at a time adds up
        invoices = shown["invoices"]
        assert money(row["signed"]) == money(shown["signed_amount"]), row["id"]
        assert money(row["invoiced"]) == (sum(Decimal(i["amount"]) for i in invoices) if invoices else None)
        assert money(row["open_balance"]) == (Decimal(shown["open_balance"]) if invoices else None), row["id"]
        assert row["days_past_due"] == overdue.get(row["id"]), row["id"]


def test_the_deals_sheet_counts_days_in_stage_last_activity_and_each_sides_concessions(book, workbook):
    summary = as_json(book.run("concessions", "--json"))["summary"]
    given = defaultdict(lambda: [0, 0])
    for term in summary:
        given[term["deal"]][0] += term["ours"] or 0
        given[term["deal"]][1] += term["theirs"] or 0
    rows = {row["id"]: row for row in sheet(workbook, "deals")}

    for deal_id, row in rows.items():
        assert [row["concessions_ours"], row["concessions_theirs"]] == given.get(deal_id, [0, 0]), deal_id
    mine = rows[NEGOTIATED]
    assert (mine["stage"], mine["days_in_stage"], mine["last_activity_on"].date()) == ("commitment", 89, ago(78))
    assert (mine["concessions_ours"], mine["concessions_theirs"]) == (2, 1)


def test_the_deals_sheets_cells_are_typed_so_that_it_sorts_and_sums(workbook):
    deals = openpyxl.load_workbook(workbook)["deals"]
    headers = [cell.value for cell in deals[1]]
    first = {header: cell for header, cell in zip(headers, deals[2], strict=True)}

    assert first["value"].data_type == "n" and first["value"].number_format == f'#,##0.00 "{first["currency"].value}"'
    assert first["close_by"].is_date and first["opened_on"].is_date and first["last_activity_on"].is_date
    assert (first["version"].data_type, first["version"].number_format) == ("n", "0")
    assert first["days_in_stage"].data_type == "n"
    invoiced = next(row for row in deals.iter_rows(min_row=2) if row[headers.index("invoiced")].value)
    currency = invoiced[headers.index("currency")].value
    for name in ("signed", "invoiced", "open_balance"):
        assert invoiced[headers.index(name)].number_format == f'#,##0.00 "{currency}"', name
    assert invoiced[headers.index("days_past_due")].number_format == "0"


def test_a_formula_control_characters_and_a_100_kb_title_stay_text(workbook):
    deals = openpyxl.load_workbook(workbook)["deals"]
    titles = {cell.value: cell for cell in (row[2] for row in deals.iter_rows(min_row=2))}

    assert titles[HYPERLINK].data_type == "s"  # a formula would read back as "f"
    assert all(cell.data_type == "s" for cell in titles.values())
    assert in_a_cell(LONG) in titles
    assert "ERP_x001B_]0;title_x0007_" in titles


# --- the concessions detail sheet ---------------------------------------------------------------


def test_the_concessions_detail_sheet_has_every_concession_with_its_round_in_the_order_recorded(book, workbook):
    deal_order = [deal["id"] for deal in as_json(book.run("deals", "--json"))]
    conceded = sorted({term["deal"] for term in as_json(book.run("concessions", "--json"))["summary"]})
    expected = []
    for deal_id in conceded:
        report = as_json(book.run("concessions", deal_id, "--json"))
        expected += [{"deal": deal_id, "account": report["account"], **row} for row in report["concessions"]]
    rows = sheet(workbook, "concessions detail")

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return row["deal"], row["term"], row["round"], row["by"]

    assert sorted(map(key, rows)) == sorted(map(key, expected))
    for row in rows:
        (want,) = [one for one in expected if key(one) == key(row)]
        for name, value in want.items():
            got = row[name]
            if name in ("from", "to", "size", "running_total", "bottom_line"):
                assert money(got) == money(value), (key(row), name)
            else:
                assert as_exported(got) == value, (key(row), name)
    dealt = [row["deal"] for row in rows]
    assert sorted(dealt, key=deal_order.index) == dealt  # the deals in the order opened
    assert len(rows) == next(
        row["value"] for row in sheet(workbook, "about") if row["fact"] == "rows in concessions detail"
    )


def test_a_corrected_concession_shows_its_corrected_amount(workbook):
    rounds = [row for row in sheet(workbook, "concessions detail") if row["deal"] == NEGOTIATED]

    assert [(row["term"], row["round"], row["by"], row["from"], row["to"]) for row in rounds] == [
        ("price", 1, "us", 120000, 110000),
        ("price", 2, "us", 110000, 106000),
        ("payment", 1, "customer", 90, 60),
    ]
    assert (rounds[1]["size"], rounds[1]["running_total"], rounds[1]["on"].date()) == (4000, 14000, ago(78))


# --- the single exports give the same tables -------------------------------------------------------


def test_export_deals_detail_and_concessions_detail_write_the_workbooks_sheets(book, workbook, tmp_path):
    ok(book.run("export", "deals", "--detail", "-o", tmp_path / "deals.xlsx"))
    ok(book.run("export", "concessions", "--detail", "-o", tmp_path / "rounds.xlsx"))

    assert sheet(tmp_path / "deals.xlsx", "deals") == sheet(workbook, "deals")
    assert sheet(tmp_path / "rounds.xlsx", "detail") == sheet(workbook, "concessions detail")


def test_the_deals_sheet_as_of_a_past_day_is_the_detail_export_as_of_that_day(book, tmp_path):
    ok(book.run("export", "workbook", "--as-of", ago(85), "-o", tmp_path / "then.xlsx"))
    ok(book.run("export", "deals", "--detail", "--as-of", ago(85), "--format", "json", "-o", tmp_path / "then.json"))

    rows = sheet(tmp_path / "then.xlsx", "deals")
    exported = json.loads((tmp_path / "then.json").read_text(encoding="utf-8"))
    assert [row["id"] for row in rows] == [row["id"] for row in exported]
    mine = next(row for row in exported if row["id"] == NEGOTIATED)
    assert (mine["stage"], mine["days_in_stage"], mine["concessions_ours"]) == ("commitment", 4, 0)
    assert mine["action"] is None and mine["version"] is None  # kept for the latest version alone


def test_the_deals_sheet_as_of_a_past_day_has_the_open_balances_the_ageing_had_then(book, tmp_path):
    for day in (ago(30), ago(10)):
        path = tmp_path / f"{day}.json"
        ok(book.run("export", "deals", "--detail", "--as-of", day, "--format", "json", "-o", path))
        rows = json.loads(path.read_text(encoding="utf-8"))
        owed: dict[str, Decimal] = defaultdict(Decimal)
        overdue: dict[str, int] = defaultdict(int)
        for invoice in as_json(book.run("ageing", "--as-of", day, "--json"))["invoices"]:
            owed[invoice["deal"]] += Decimal(invoice["balance"])
            overdue[invoice["deal"]] = max(overdue[invoice["deal"]], invoice["days_past_due"])

        assert owed, f"no invoice was open on {day}: the book tests nothing here"
        assert {row["id"]: Decimal(row["open_balance"]) for row in rows if Decimal(row["open_balance"] or 0)} == owed
        assert {row["id"]: row["days_past_due"] for row in rows if row["days_past_due"] is not None} == overdue


def test_detail_with_one_deal_and_as_of_without_detail_are_refused(book):
    for args in (("concessions", NEGOTIATED, "--detail"), ("deals", "--as-of", ago(1))):
        done = book.run("export", *args, "--format", "json")
        assert done.returncode == 2 and done.stdout == "", done.stderr
