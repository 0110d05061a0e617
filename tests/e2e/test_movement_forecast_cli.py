"""`dealflow movement` and `dealflow forecast` through the installed CLI on each store: a book whose
every change is known, its buckets, close window, groups and deals behind a bucket; the forecast by
period; and bad input refused with one line, nothing written."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from conftest import Dealflow, Stores
from dealflow.application import DealflowApp
from dealflow.reports.periods import period_of
from projection_steps import ACTOR, open_deal, take_to

TODAY = date.today()
START = TODAY - timedelta(days=60)
WINDOW = f"{TODAY}:{TODAY + timedelta(days=60)}"


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture(scope="module")
def book(module_stores: Stores) -> Dealflow:
    """Between the end of 60 days ago and today, in EUR: D-1 is signed for 12,000 (quoted 10,000), D-2
    lost, D-3 opened, D-4 forecast from 3,000 to 4,000 and its close date into the window, D-6 (lost
    before the start) reopened. D-5, in USD and owned by bo.lee, does nothing."""
    db = module_stores.new()
    app = DealflowApp(db)
    try:
        eur = {"currency": "EUR", "owner": "ana.garcia"}
        open_deal(app, "D-1", ago(100), value="10000", close_by=ago(-20), **eur)
        take_to(app, "D-1", "commitment", ago(90), quotation="10000")
        open_deal(app, "D-2", ago(100), value="5000", close_by=ago(-200), **eur)
        open_deal(app, "D-4", ago(100), value="3000", close_by=ago(-100), **eur)
        open_deal(app, "D-5", ago(100), value="8000", currency="USD", owner="bo.lee", close_by=ago(-50))
        open_deal(app, "D-6", ago(100), value="2000", close_by=ago(-45), **eur)
        app.lose("D-6", reason="timing", actor=ACTOR, on=ago(80))
        app.sign("D-1", amount="12000", currency="EUR", actor=ACTOR, on=ago(30))
        app.lose("D-2", reason="price", actor=ACTOR, on=ago(20))
        app.forecast("D-4", value="4000", close_by=ago(-30), actor=ACTOR, on=ago(15))
        open_deal(app, "D-3", ago(10), value="7000", close_by=ago(-10), **eur)
        app.reopen("D-6", reason="budget found", actor=ACTOR, on=ago(5))
    finally:
        app.close()
    return Dealflow(db)


def run(book: Dealflow, *args: Any, code: int = 0) -> Any:
    result = book.run(*map(str, args))
    assert result.returncode == code, result.stdout + result.stderr
    return json.loads(result.stdout) if "--json" in args and code == 0 else result


def buckets(found: dict[str, Any], currency: str, **group: str) -> dict[str, tuple[int, Decimal]]:
    (row,) = [r for r in found["rows"] if r["currency"] == currency and all(r[k] == v for k, v in group.items())]
    return {k: (v["deals"], Decimal(v["value"])) for k, v in row.items() if isinstance(v, dict)}


def moved(**nonzero: tuple[int, int]) -> dict[str, tuple[int, Decimal]]:
    names = "start created reopened increased pulled_in moved_in decreased won lost pushed_out moved_out end"
    return {name: (nonzero.get(name, (0, 0))[0], Decimal(nonzero.get(name, (0, 0))[1])) for name in names.split()}


def test_every_change_between_two_days_falls_in_its_bucket_and_the_balance_holds(book):
    found = run(book, "movement", "--from", START, "--json")
    assert (found["from"], found["to"]) == (str(START), str(TODAY))
    assert buckets(found, "EUR") == moved(
        start=(3, 18000), created=(1, 7000), reopened=(1, 2000), increased=(2, 3000),
        won=(1, 12000), lost=(1, 5000), end=(3, 13000),
    )  # fmt: skip
    assert buckets(found, "USD") == moved(start=(1, 8000), end=(1, 8000))
    flow = {(f["from_stage"], f["to_stage"]): f["deals"] for f in found["flow"] if f["currency"] == "EUR"}
    assert flow == {("commitment", "follow_up"): 1, ("analysis", "lost"): 1, ("lost", "analysis"): 1}


def test_the_start_and_the_end_are_the_pipeline_as_of_those_days(book):
    found = run(book, "movement", "--from", START, "--json")
    for day, bucket in ((START, "start"), (TODAY, "end")):
        stages = run(book, "pipeline", "--as-of", day, "--json")["stages"]
        open_eur = [row for row in stages if row["currency"] == "EUR" and row["stage"] != "follow_up"]
        total = (sum(row["deals"] for row in open_eur), sum(Decimal(row["value"]) for row in open_eur))
        assert buckets(found, "EUR")[bucket] == total


def test_a_close_window_pulls_in_and_leaves_out_by_the_expected_close_date(book):
    found = run(book, "movement", "--from", START, "--close-window", WINDOW, "--json")
    assert found["close_window"] == {"start": str(TODAY), "end": str(TODAY + timedelta(days=60))}
    assert buckets(found, "EUR") == moved(
        start=(1, 10000), created=(1, 7000), reopened=(1, 2000), pulled_in=(1, 4000), increased=(1, 2000),
        won=(1, 12000), end=(3, 13000),
    )  # fmt: skip


def test_by_owner_and_the_owner_filter_split_the_rows(book):
    found = run(book, "movement", "--from", START, "--by", "owner", "--json")
    assert buckets(found, "USD", owner="bo.lee") == moved(start=(1, 8000), end=(1, 8000))
    assert buckets(found, "EUR", owner="ana.garcia")["end"] == (3, Decimal(13000))
    only = run(book, "movement", "--from", START, "--owner", "bo", "--json")
    assert [row["currency"] for row in only["rows"]] == ["USD"]


def test_the_deals_behind_a_bucket_are_listed(book):
    found = run(book, "movement", "--from", START, "--deals", "won", "--json")
    assert [(d["deal_id"], d["on"], Decimal(d["value"])) for d in found["deals"]] == [("D-1", str(ago(30)), 12000)]
    text = run(book, "movement", "--from", START, "--deals", "created").stdout
    assert "D-3" in text and "D-1" not in text


def test_the_text_reads_as_a_waterfall_and_csv_keeps_every_bucket(book):
    text = run(book, "movement", "--from", START).stdout
    assert "12,000.00" in text and "-12,000.00" in text and "pushed_out" not in text  # no empty bucket for people
    csv = run(book, "movement", "--from", START, "--csv").stdout
    assert csv.count("pushed_out") == 2  # EUR and USD, every bucket


def test_the_forecast_puts_each_open_deal_in_the_period_of_its_close_date(book):
    found = run(book, "forecast", "--period", "month", "--periods", "12", "--json")
    expected: dict[str, int] = {}
    for close_by in (ago(-10), ago(-30), ago(-45)):  # D-3, D-4, D-6
        label = period_of(close_by, "month").label
        expected[label] = expected.get(label, 0) + 1
    counted = {row["period"]: row["deals"] for row in found["periods"] if row["currency"] == "EUR" and row["deals"]}
    assert counted == expected
    labels = [row["period"] for row in found["periods"] if row["currency"] == "EUR"]
    assert labels[0] == period_of(TODAY, "month").label and len(labels) == 12


def test_the_forecast_accuracy_compares_a_past_period_with_what_was_won_in_it(book):
    found = run(book, "forecast", "--period", "month", "--periods", "4", "--accuracy", "--json")
    signed = period_of(ago(30), "month").label
    won = {row["period"]: Decimal(row["won"]) for row in found["accuracy"] if row["currency"] == "EUR"}
    if signed != period_of(TODAY, "month").label:
        assert won[signed] == 12000
    owners = {row["owner"] for row in found["accuracy_by_owner"]}
    assert owners <= {"ana.garcia", "bo.lee"}


def test_forecast_with_a_deal_still_records_and_the_two_uses_do_not_mix(book):
    before = book.events()
    result = run(book, "forecast", "D-5", "--period", "month", code=2)
    assert "leave out D-5" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run(book, "forecast", "--close-by", ago(-70), code=2)
    assert "give the deal" in result.stderr
    assert book.events() == before
    recorded = run(book, "forecast", "D-5", "--close-by", ago(-50), "--json")
    assert recorded["id"] == "D-5" and book.events() == before + 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--from", TODAY, "--to", START), "--from"),
        (("--close-window", "next quarter"), "START:END"),
        (("--close-window", f"{TODAY}:{START}"), "earlier date first"),
        (("--close-window", "2026-13"), "01 to 12"),
        (("--deals", "everything"), "--deals"),
        (("--to", TODAY + timedelta(days=1)), "in the future"),
        (("--by", "region"), "--by"),
    ],
)
def test_bad_input_is_refused_in_one_line(book, args, says):
    before = book.events()
    result = book.run("movement", *map(str, args))
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == "" and book.events() == before
