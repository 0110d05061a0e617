"""The reports and the projections through the CLI, on each store: a table by default, `--json` and
`--csv` for programs and spreadsheets, as of a date, and the projections' status and rebuild."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, timedelta

import pytest

D0 = date.today() - timedelta(days=120)


def on(offset: int) -> str:
    return (D0 + timedelta(days=offset)).isoformat()


def ok(result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result.stdout


def as_json(result) -> dict:
    return json.loads(ok(result))


@pytest.fixture
def book(dealflow_on):
    """Two deals recorded through the CLI: D-1 won, invoiced and partly paid; D-2 lost; an account
    named like a spreadsheet formula; a concession history with one flagged concession."""
    run = dealflow_on
    ok(
        run(
            "open",
            "=HYPERLINK(evil)",
            "--title",
            "ERP",
            "--value",
            "120000",
            "--currency",
            "EUR",
            "--id",
            "D-1",
            "--owner",
            "ana",
            "--on",
            on(0),
        )
    )
    for step in (
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
        ("concede", "D-1", "--term", "price", "--by", "us", "--from", "120000", "--to", "117000"),
        ("concede", "D-1", "--term", "price", "--by", "customer", "--from", "95000", "--to", "100000"),
        ("concede", "D-1", "--term", "price", "--by", "us", "--from", "117000", "--to", "110000"),
        ("sign", "D-1", "--amount", "110000"),
    ):
        ok(run(*step, "--on", on(10)))
    ok(run("invoice", "D-1", "INV-1", "--amount", "60000", "--due", on(40), "--issued", on(10), "--on", on(10)))
    ok(run("pay", "INV-1", "--amount", "25000", "--on", on(50)))
    ok(
        run(
            "open",
            "Globex",
            "--title",
            "CRM",
            "--value",
            "30000",
            "--currency",
            "USD",
            "--id",
            "D-2",
            "--owner",
            "bo",
            "--on",
            on(1),
        )
    )
    ok(run("lose", "D-2", "--reason", "competitor", "--competitor", "Initrode", "--on", on(5)))
    return run


def test_the_pipeline_is_a_table_per_stage_and_currency_with_what_became_of_the_deals(book):
    text = ok(book("pipeline"))
    assert "stages:" in text and "flow:" in text and "outcomes:" in text and "lost reasons:" in text
    assert "follow_up" in text and "competitor" in text


def test_the_pipeline_json_gives_exact_amounts_as_text_and_the_settings_it_used(book):
    report = as_json(book("pipeline", "--json"))
    assert report["as_of"] == date.today().isoformat() and report["probabilities"]["value"] == "0.5"
    won = next(row for row in report["stages"] if row["stage"] == "follow_up" and row["currency"] == "EUR")
    assert (won["deals"], won["value"], won["weighted"]) == (1, "110000", "110000")
    assert report["outcomes"] == [
        {"currency": "EUR", "won": 1, "won_value": "110000", "lost": 0, "lost_value": "0", "win_rate": "1"},
        {"currency": "USD", "won": 0, "won_value": "0", "lost": 1, "lost_value": "30000", "win_rate": "0"},
    ]


def test_the_pipeline_as_of_a_date_is_the_pipeline_at_the_end_of_that_day(book):
    report = as_json(book("pipeline", "--as-of", on(3), "--json"))
    assert {(row["currency"], row["stage"]): row["deals"] for row in report["stages"] if row["deals"]} == {
        ("EUR", "analysis"): 1,
        ("USD", "analysis"): 1,
    }


def test_weighted_values_use_the_probability_set_for_the_stage(book):
    ok(book("open", "Initech", "--title", "MES", "--value", "1000", "--currency", "GBP"))
    ok(book("settings", "set", "probability-analysis", "0.4"))
    rows = as_json(book("pipeline", "--json"))["stages"]
    assert next(row for row in rows if row["currency"] == "GBP" and row["stage"] == "analysis")["weighted"] == "400"


def test_csv_output_has_one_header_and_neutralises_cells_a_spreadsheet_would_run(book):
    table = list(csv.reader(io.StringIO(ok(book("pipeline", "--by", "account", "--csv")))))
    assert table[0][:3] == ["account", "currency", "open"]
    assert table[1][:2] == ["'=HYPERLINK(evil)", "EUR"]
    parts = list(csv.DictReader(io.StringIO(ok(book("pipeline", "--csv")))))
    assert {row["part"] for row in parts} == {"stages", "flow", "outcomes", "lost_reasons"}


def test_by_owner_and_by_month_group_the_pipeline(book):
    owners = as_json(book("pipeline", "--by", "owner", "--json"))["owners"]
    assert [(row["owner"], row["won"], row["lost"]) for row in owners] == [("ana", 1, 0), ("bo", 0, 1)]
    ok(book("open", "Initech", "--title", "MES", "--value", "5000", "--currency", "EUR", "--close-by", on(200)))
    forecast = as_json(book("pipeline", "--by", "month", "--json"))["forecast"]
    assert forecast == [{"month": on(200)[:7], "currency": "EUR", "deals": 1, "value": "5000", "weighted": "500"}]


def test_stalled_lists_the_open_deals_idle_for_the_stalled_days(book):
    ok(book("open", "Initech", "--title", "MES", "--id", "D-3", "--on", on(20)))
    stalled = as_json(book("pipeline", "--stalled", "--json"))["stalled"]
    assert [(row["deal"], row["idle_days"]) for row in stalled] == [("D-3", 100)]
    refused = book("pipeline", "--stalled", "--by", "owner")
    assert refused.exit_code == 2 and "leave out --by" in refused.stderr


def test_a_report_includes_what_was_recorded_a_moment_before(book):
    before = as_json(book("pipeline", "--json"))
    ok(book("open", "Initech", "--title", "MES", "--value", "700", "--currency", "CHF"))
    after = as_json(book("pipeline", "--json"))
    assert [row for row in after["stages"] if row["currency"] == "CHF" and row["deals"]] != []
    assert before != after


def test_a_future_as_of_date_is_bad_usage_that_says_how_to_fix_it(book):
    later = (date.today() + timedelta(days=1)).isoformat()
    for command in ("pipeline", "ageing"):
        result = book(command, "--as-of", later)
        assert result.exit_code == 2 and "in the future" in result.stderr


def test_the_concessions_of_a_deal_come_in_order_with_the_running_totals_and_flags(book):
    report = as_json(book("concessions", "D-1", "--json"))
    assert [(row["by"], row["size"], row["running_total"], row["widened"]) for row in report["concessions"]] == [
        ("us", "3000", "3000", False),
        ("customer", "5000", "5000", False),
        ("us", "7000", "10000", True),  # larger than our previous one: the method says they shrink
    ]
    assert report["summary"][0] | {} == report["summary"][0]
    assert (report["summary"][0]["we_gave"], report["summary"][0]["they_gave"]) == ("10000", "5000")


def test_all_deals_concessions_are_summarised_per_term(book):
    text = ok(book("concessions"))
    assert "D-1" in text and "price" in text


def test_the_concessions_of_an_unknown_deal_are_refused_with_a_hint(book):
    result = book("concessions", "D-404")
    assert result.exit_code == 1 and "dealflow deals" in result.stderr


def test_the_ageing_puts_each_open_balance_in_its_bucket_with_the_recommended_step(book):
    rows = as_json(book("ageing", "--as-of", on(60), "--json"))["invoices"]
    assert [(row["invoice"], row["balance"], row["days_past_due"], row["bucket"], row["step"]) for row in rows] == [
        ("INV-1", "35000", 20, "1-30", "the salesperson visits to collect")
    ]
    before_payment = as_json(book("ageing", "--as-of", on(45), "--json"))["invoices"]
    assert before_payment[0]["balance"] == "60000"


def test_the_ageing_by_customer_ties_to_the_totals(book):
    report = as_json(book("ageing", "--by", "customer", "--json"))
    assert [row["total"] for row in report["customers"]] == [row["total"] for row in report["totals"]] == ["35000"]
    text = ok(book("ageing", "--by", "customer"))
    assert "over-90" in text.replace("OVER-90", "over-90")


def test_projections_status_shows_each_projection_against_the_log_head(book):
    ok(book("pipeline"))
    rows = as_json(book("projections", "status", "--json"))
    assert [row["projection"] for row in rows] == ["pipeline", "concessions", "ageing", "signals"]
    assert all(row["behind"] == 0 and row["state"] == "current" and row["position"] == row["head"] for row in rows)


def test_projections_rebuild_replays_the_log_with_a_progress_bar_on_stderr(book):
    before = ok(book("pipeline", "--json"))
    result = book("projections", "rebuild")
    assert result.exit_code == 0 and "rebuilt pipeline, concessions, ageing and signals" in result.stdout, result.stderr
    assert "rebuilding" in result.stderr
    assert ok(book("pipeline", "--json")) == before


def test_the_installed_command_prints_the_pipeline_json(book):
    result = book.run("pipeline", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["by"] == "stage"


def test_recording_a_sale_never_loads_sqlalchemy(store_url):
    probe = (
        "import sys; from click.testing import CliRunner; from dealflow.cli.main import cli; "
        f"r = CliRunner(env={{'DEALFLOW_DB': {store_url!r}}}).invoke(cli, ['open', 'Acme', '--title', 'ERP']); "
        "assert r.exit_code == 0, r.output; print('sqlalchemy' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
