"""`dealflow agenda` through the installed CLI on each store: every kind of item of a built book, in the
order of urgency, with the step the method asks; an owner named by the beginning of the name; as of a
past day; the JSON contract; and tables that fit the terminal or keep their text whole."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from conftest import Dealflow, Stores
from dealflow.application import DealflowApp
from dealflow.coaching import REMEDY_BY_CAUSE
from dealflow.playbook import COLLECTION_STEPS, OUR_FAULT
from projection_steps import ACTOR, open_deal, take_to

TODAY = date.today()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture(scope="module")
def book(module_stores: Stores) -> Dealflow:
    """Five deals, each waiting on something else:
    D-1 (ana.garcia) won, its invoice 89 days overdue, chased for our fault;
    D-2 (bo.lee) won, a small invoice 5 days overdue, never chased;
    D-3 (ana.garcia) opened 120 days ago to close 90 days ago, nothing recorded since: stalled;
    D-4 (anabel.ruiz) in analysis, qualified 3 days ago with one no;
    D-5 (ana.garcia) opened 120 days ago, in needs since 20 days ago with one of its four actions."""
    db = module_stores.new()
    app = DealflowApp(db)
    try:
        open_deal(app, "D-1", ago(120), owner="ana.garcia", value="50000", currency="EUR")
        take_to(app, "D-1", "commitment", ago(120), quotation="50000")
        app.sign("D-1", amount="50000", currency="EUR", actor=ACTOR, on=ago(119))
        app.invoice("D-1", "INV-1", amount="50000", due=ago(89), issued=ago(119), actor=ACTOR, on=ago(119))
        app.chase("INV-1", cause=OUR_FAULT, method="call", actor=ACTOR, on=ago(80))
        open_deal(app, "D-2", ago(118), account="Globex", owner="bo.lee", value="5000", currency="USD")
        take_to(app, "D-2", "commitment", ago(118), quotation="5000")
        app.sign("D-2", amount="5000", currency="USD", actor=ACTOR, on=ago(118))
        app.invoice("D-2", "INV-2", amount="5000", due=ago(5), issued=ago(35), actor=ACTOR, on=ago(35))
        open_deal(app, "D-3", ago(120), account="Initech", owner="ana.garcia", close_by=ago(90))
        open_deal(app, "D-4", ago(10), account="Umbrella", owner="anabel.ruiz")
        no = {"opportunity": "yes", "solution": "yes", "winnable": "no", "worth": "yes"}
        app.record("D-4", "qualify", no, actor=ACTOR, on=ago(3))
        open_deal(app, "D-5", ago(120), account="Hooli", owner="ana.garcia", close_by=ago(-60))
        take_to(app, "D-5", "needs", ago(20))
        app.record("D-5", "explore-goals", {"goals": "growth"}, actor=ACTOR, on=ago(20))
    finally:
        app.close()
    return Dealflow(db)


def agenda(book: Dealflow, *args: str, code: int = 0, columns: int | None = None) -> Any:
    result = book.run("agenda", *args, columns=columns)
    assert result.returncode == code, result.stdout + result.stderr
    return result


def items(book: Dealflow, *args: str) -> list[tuple[str, str, int, str]]:
    report = json.loads(agenda(book, *args, "--json").stdout)
    return [(item["kind"], item["deal"], item["days"], item["step"]) for item in report["agenda"]]


NEEDS_EVIDENCE = "advance needs --evidence of the customer's explicit request, e.g. an RFP reference"
NOT_QUALIFIED = "qualify has not been recorded: answer its four questions"


def test_every_kind_of_item_in_the_order_of_urgency_with_the_step_the_method_asks(book: Dealflow) -> None:
    assert items(book) == [
        ("overdue", "D-1", 89, REMEDY_BY_CAUSE[OUR_FAULT].step),
        ("overdue", "D-2", 5, COLLECTION_STEPS[False, False]),
        ("close-passed", "D-3", 90, "sign it, lose it, or move its close date with forecast --close-by"),
        ("stalled", "D-3", 120, "agree the next step with the customer and record it, or lose the deal"),
        ("exit-signal", "D-5", 20, "diagnose-problem has not been recorded"),
        ("exit-signal", "D-5", 20, "shape-solution has not been recorded"),
        ("exit-signal", "D-5", 20, "set-criteria has not been recorded"),
        ("exit-signal", "D-5", 20, NEEDS_EVIDENCE),
        ("exit-signal", "D-3", 120, NOT_QUALIFIED),
        ("exit-signal", "D-4", 10, "qualify has not answered yes to 'can we win?'"),
    ]


def test_the_json_contract_counts_every_kind_and_says_how_many_are_shown(book: Dealflow) -> None:
    report = json.loads(agenda(book, "--json", "--limit", "3").stdout)
    assert report["as_of"] == TODAY.isoformat() and report["stalled_days"] == 30
    assert report["counts"] == {"overdue": 2, "close-passed": 1, "stalled": 1, "exit-signal": 6}
    assert (report["total"], report["shown"]) == (10, 3)
    first = report["agenda"][0]
    assert first == {
        "rank": 1,
        "kind": "overdue",
        "deal": "D-1",
        "account": "Acme Corp",
        "owner": "ana.garcia",
        "stage": "follow_up",
        "days": 89,
        "what": "invoice INV-1 overdue (our-fault): 50000 EUR",
        "step": REMEDY_BY_CAUSE[OUR_FAULT].step,
        "invoice": "INV-1",
        "balance": "50000",
        "currency": "EUR",
        "coaching": REMEDY_BY_CAUSE[OUR_FAULT].text,
    }
    assert [item["rank"] for item in report["agenda"]] == [1, 2, 3]
    every = items(book, "--all")
    assert [items(book, "--limit", str(n)) for n in (6, 9)] == [every[:6], every[:9]]  # cut within exit signals


def test_an_owner_is_named_by_the_beginning_of_the_name_and_an_ambiguous_one_is_refused(book: Dealflow) -> None:
    assert {deal for _, deal, _, _ in items(book, "--owner", "ana.g")} == {"D-1", "D-3", "D-5"}
    assert {deal for _, deal, _, _ in items(book, "--owner", "ANABEL")} == {"D-4"}
    refused = agenda(book, "--owner", "ana", code=1)
    assert "ana.garcia" in refused.stderr and "anabel.ruiz" in refused.stderr and refused.stdout == ""
    unknown = agenda(book, "--owner", "zoe", "--json")
    assert json.loads(unknown.stdout)["agenda"] == [] and "zoe" in unknown.stderr


def test_as_of_a_past_day_each_item_is_as_it_stood_then(book: Dealflow) -> None:
    assert items(book, "--as-of", ago(60).isoformat()) == [
        ("overdue", "D-1", 29, REMEDY_BY_CAUSE[OUR_FAULT].step),  # chased by then; INV-2 not yet due
        ("close-passed", "D-3", 30, "sign it, lose it, or move its close date with forecast --close-by"),
        ("stalled", "D-3", 60, "agree the next step with the customer and record it, or lose the deal"),
        ("stalled", "D-5", 60, "agree the next step with the customer and record it, or lose the deal"),
        ("exit-signal", "D-3", 60, NOT_QUALIFIED),  # D-4 not yet open; D-5 not yet qualified
        ("exit-signal", "D-5", 60, NOT_QUALIFIED),
    ]
    assert items(book, "--as-of", ago(5).isoformat())[-1] == ("exit-signal", "D-4", 5, NOT_QUALIFIED)


def test_the_text_is_one_ranked_table_that_fits_the_terminal_or_keeps_its_text_whole(book: Dealflow) -> None:
    narrow = agenda(book, "--limit", "4", columns=80)
    lines = narrow.stdout.splitlines()
    said = f"agenda as of {TODAY.isoformat()}: 10 items (2 overdue, 1 close-passed, 1 stalled, 6 exit-signal)"
    assert " ".join(line.strip() for line in lines[:2]) == said  # wrapped to the terminal
    table = lines[2 : lines.index("")] if "" in lines else lines[2:]  # then the coaching for the items listed
    assert table[0].split()[:4] == ["RANK", "DEAL", "ACCOUNT", "OWNER"] and len(table) == 1 + 4
    assert all(len(line) <= 80 for line in lines)
    assert "the first 4 shown: --limit N or --all for more" in narrow.stderr
    wide = agenda(book, "--all", columns=200).stdout
    assert REMEDY_BY_CAUSE[OUR_FAULT].step in wide and NEEDS_EVIDENCE in wide
    coaching = wide.split("\ncoaching:\n", 1)[1]  # each piece of advice once, after the ranks it concerns
    assert len(set(coaching.splitlines())) == len(coaching.splitlines())
    assert all(len(line) <= 100 for line in coaching.splitlines())
    assert agenda(book, "--all", "--wide", columns=80).stdout == wide


def test_help_explains_the_order_and_what_stalled_means(sqlite_dealflow: Dealflow) -> None:
    shown = sqlite_dealflow.run("agenda", "--help").stdout
    assert "stalled-days" in shown and "Example:" in shown
