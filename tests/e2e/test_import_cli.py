"""`dealflow import`: CRM exports and a receivables ledger in the shapes real tools write them,
checked through what the book then says (`pipeline`, `ageing`, `history`, `audit`) as of several
dates; bad rows, repeats and re-imports; and the event log's round trip through export and import.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Dealflow, unsealed

# A Salesforce report export: a byte-order mark, M/D/YYYY dates, thousands separators, quoted
# commas and a line break inside a cell, blank cells, and the CRM's own stage names.
SALESFORCE = (
    "\ufeffOpportunity ID,Opportunity Name,Account Name,Opportunity Owner,Amount,Currency,Stage,Created Date,"
    "Proposal Date,Close Date,Loss Reason\n"
    '006A1,"ERP rollout, phase 2",Acme Corp,Ana Ruiz,"120,000.00",EUR,Closed Won,1/10/2025,2/3/2025,3/15/2025,\n'
    '006A2,"Support renewal\n(3 years)","Globex, Inc.",Ben Ode,"45,500",EUR,Proposal/Price Quote,2/1/2025,'
    "2/20/2025,6/30/2025,\n"
    "006A3,Pilot,Initech,Ana Ruiz,,,Prospecting,3/1/2025,,,\n"
    '006A4,Fleet tracking,Umbrella Corp,Carl Yu,"80,000.00",USD,Closed Lost,1/5/2025,1/20/2025,4/1/2025,Price\n'
    '006A5,Data platform,Wayne Enterprises,Dee Ma,"250,000.00",USD,Negotiation/Review,11/15/2024,1/8/2025,'
    "5/30/2025,\n"
)
SALESFORCE_OPTIONS = (
    "--date-format", "%m/%d/%Y",
    "--stage-map", "Prospecting=analysis",
    "--stage-map", "Proposal/Price Quote=value",
    "--stage-map", "Negotiation/Review=commitment",
    "--stage-date", "value=Proposal Date",
)  # fmt: skip

# A HubSpot export: other column names, ISO dates with times, pipeline stage ids, no currency
# column, a blank owner, and a lost reason in the team's own words.
HUBSPOT = (
    "Record ID,Deal Name,Company,Deal owner,Amount,Deal Stage,Create Date,Close Date,Closed Lost Reason\n"
    "9001,Website redesign,Stark Industries,ana,12500,appointmentscheduled,2025-02-10 09:30,2025-07-01,\n"
    '9002,Security audit,Oscorp,ben,"7,800",closedwon,2025-01-02 14:00,2025-02-28 10:00,\n'
    "9003,Training,Cyberdyne,,3000,closedlost,2025-01-15,2025-03-01,Went with a competitor\n"
)
HUBSPOT_OPTIONS = (
    "--currency", "GBP",
    "--stage-map", "appointmentscheduled=analysis",
    "--reason-map", "Went with a competitor=competitor",
)  # fmt: skip

# An accounting system's receivables: its own invoice number column (named with --map), invoices
# of an imported deal (the second settling it) and of a customer with no deal, a partial payment
# and a disputed invoice.
LEDGER = (
    "Num,Customer,Opportunity ID,Date,Due Date,Amount,Currency,Paid Date,Amount Paid,Dispute\n"
    'INV-1001,Acme Corp,006A1,3/20/2025,4/19/2025,"60,000.00",EUR,4/30/2025,,\n'
    'INV-1002,Acme Corp,006A1,5/1/2025,5/31/2025,"60,000.00",EUR,6/10/2025,,\n'
    'INV-2001,"Wayne, Inc.",,1/15/2025,2/14/2025,"2,500.00",USD,3/1/2025,"1,000.00",\n'
    'INV-2002,"Wayne, Inc.",,2/15/2025,3/17/2025,900,USD,,,"wrong quantity, credit note asked"\n'
)
LEDGER_OPTIONS = ("--map", "invoice=Num", "--date-format", "%m/%d/%Y")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def ok(cli: Dealflow, *args: object) -> Any:
    result = cli(*map(str, args))
    assert result.exit_code == 0, result.output
    return result


def as_json(cli: Dealflow, *args: object) -> Any:
    return json.loads(ok(cli, *args, "--json").stdout)


def stages(cli: Dealflow, on: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(currency, stage) -> (deals, value) of the pipeline as of `on`, for the stages holding deals."""
    report = as_json(cli, "pipeline", "--as-of", on)
    return {(r["currency"], r["stage"]): (r["deals"], r["value"]) for r in report["stages"] if r["deals"]}


def open_invoices(cli: Dealflow, on: str) -> dict[str, tuple[str, str]]:
    """invoice -> (balance, bucket) of the ageing as of `on`."""
    return {r["invoice"]: (r["balance"], r["bucket"]) for r in as_json(cli, "ageing", "--as-of", on)["invoices"]}


@pytest.fixture
def crm(dealflow: Dealflow, tmp_path: Path) -> Dealflow:
    """A book of the Salesforce export and the ledger."""
    ok(dealflow, "import", "deals", write(tmp_path, "opportunities.csv", SALESFORCE), *SALESFORCE_OPTIONS)
    ok(dealflow, "import", "invoices", write(tmp_path, "receivables.csv", LEDGER), *LEDGER_OPTIONS)
    return dealflow


# --- deals from a CRM ---------------------------------------------------------------------------


def test_a_salesforce_export_is_imported_whole_and_says_what_it_did(dealflow, tmp_path):
    result = ok(dealflow, "import", "deals", write(tmp_path, "opportunities.csv", SALESFORCE), *SALESFORCE_OPTIONS)

    assert result.stdout.splitlines()[0] == (
        "imported 5 deals from opportunities.csv (12 events): won 1, value 1, analysis 1, lost 1, commitment 1"
    )
    assert "rows read: 5" in result.stdout
    assert dealflow.events() == 12


def test_the_pipeline_as_of_each_date_is_what_the_export_says(crm):
    ledger = {("USD", "follow_up"): (1, "0")}  # the customer ledger the receivables opened on 2025-01-15
    assert stages(crm, "2024-12-31") == {("USD", "analysis"): (1, "250000")}
    assert stages(crm, "2025-01-31") == {
        ("EUR", "analysis"): (1, "120000"),
        ("USD", "value"): (1, "80000"),
        ("USD", "commitment"): (1, "250000"),
        **ledger,
    }
    assert stages(crm, "2025-02-25") == {
        ("EUR", "value"): (2, "165500"),
        ("USD", "value"): (1, "80000"),
        ("USD", "commitment"): (1, "250000"),
        **ledger,
    }
    march = stages(crm, "2025-03-31")
    assert march[("EUR", "follow_up")] == (1, "120000")
    assert march[("EUR", "value")] == (1, "45500")
    after_the_loss = as_json(crm, "pipeline", "--as-of", "2025-04-30")
    assert {r["reason"]: r["deals"] for r in after_the_loss["lost_reasons"] if r.get("deals")} == {"price": 1}
    assert ("USD", "value") not in {(r["currency"], r["stage"]) for r in after_the_loss["stages"] if r["deals"]}
    outcomes = {r["currency"]: (r["won"], r["lost"], r["win_rate"]) for r in after_the_loss["outcomes"]}
    assert outcomes["EUR"][0] == 1  # the won deal counts; the USD ledger deal, never signed, is no win
    assert outcomes.get("USD", (0,))[0] == 0
    by_account = {r["account"]: r["won"] for r in as_json(crm, "pipeline", "--by", "account")["accounts"]}
    assert 0 in by_account.values() and sum(by_account.values()) == 1


def test_deals_keep_the_exports_names_amounts_and_line_breaks(crm):
    shown = as_json(crm, "show", "006A2")

    assert (shown["title"], shown["account"], shown["owner"]) == (
        "Support renewal\n(3 years)",
        "Globex, Inc.",
        "Ben Ode",
    )
    assert (shown["stage"], shown["value"], shown["currency"], shown["close_by"]) == (
        "value",
        "45500",
        "EUR",
        "2025-06-30",
    )
    blank = as_json(crm, "show", "006A3")
    assert (blank["stage"], blank["value"], blank["currency"]) == ("analysis", None, None)


def test_history_shows_each_event_as_imported_from_its_row(crm):
    rows = as_json(crm, "history", "006A4")
    text = ok(crm, "history", "006A4").stdout

    assert [(r["event"], r["effective_on"], r["state"]) for r in rows] == [
        ("Opened", "2025-01-05", "analysis.entered"),
        ("Advanced", "2025-01-20", "value.entered"),
        ("Lost", "2025-04-01", "lost"),
    ]
    assert all(r["imported"]["file"] == "opportunities.csv" and r["imported"]["line"] == 6 for r in rows)
    assert all(r["imported"]["source_id"] == "006A4" for r in rows)
    assert rows[-1]["reason"] == "price" and rows[-1]["lost_from"] == "value"
    assert text.count("imported ") == 3 and "from=opportunities.csv:6" in text


def test_history_as_of_a_date_gives_the_deal_as_it_then_stood(crm):
    text = ok(crm, "history", "006A1", "--as-of", "2025-02-10").stdout

    assert "the deal as it stood on 2025-02-10:" in text
    assert "value (entered)" in text and "status  open" in text


def test_audit_reports_imported_events_as_imported_and_judges_what_follows(crm):
    ok(crm, "act", "006A2", "submit-proposal", "--quotation", "47000")

    result = crm("audit", "--all")

    assert result.exit_code == 0, result.output
    assert "PASS" in result.stdout and "imported, not judged" in result.stdout


def test_a_hubspot_export_with_other_names_iso_times_and_a_default_currency(dealflow, tmp_path):
    ok(dealflow, "import", "deals", write(tmp_path, "hubspot.csv", HUBSPOT), *HUBSPOT_OPTIONS)

    won, lost, open_ = (as_json(dealflow, "show", deal) for deal in ("9002", "9003", "9001"))
    assert (won["status"], won["signed_amount"], won["signed_on"], won["currency"]) == (
        "won",
        "7800",
        "2025-02-28",
        "GBP",
    )
    assert (lost["status"], lost["lost_reason"], lost["owner"]) == ("lost", "competitor", "ana")
    assert (open_["stage"], open_["opened_on"], open_["close_by"]) == ("analysis", "2025-02-10", "2025-07-01")


def test_reimporting_the_same_files_changes_nothing(crm, tmp_path):
    before = crm.events()

    deals = ok(crm, "import", "deals", tmp_path / "opportunities.csv", *SALESFORCE_OPTIONS)
    invoices = ok(crm, "import", "invoices", tmp_path / "receivables.csv", *LEDGER_OPTIONS)

    assert crm.events() == before
    assert "imported 0 deals" in deals.stdout and "skipped, already imported: 5" in deals.stdout
    assert "imported 0 invoices" in invoices.stdout and "skipped, already imported: 4" in invoices.stdout


def test_a_row_changed_since_its_import_is_reported_not_imported_again(crm, tmp_path):
    changed = SALESFORCE.replace('"45,500",EUR,Proposal/Price Quote', '"47,000",EUR,Proposal/Price Quote')
    before = crm.events()

    result = ok(crm, "import", "deals", write(tmp_path, "opportunities.csv", changed), *SALESFORCE_OPTIONS)

    assert crm.events() == before
    assert "skipped, changed since imported: 1" in result.stdout
    rejects = read_csv(tmp_path / "opportunities-rejects.csv")
    assert [r["Opportunity ID"] for r in rejects] == ["006A2"]
    assert "was imported from opportunities.csv:3 with other values" in rejects[0]["rejected_because"]


def test_a_dry_run_checks_and_counts_but_writes_nothing(dealflow, tmp_path):
    result = ok(dealflow, "import", "deals", write(tmp_path, "hubspot.csv", HUBSPOT), *HUBSPOT_OPTIONS, "--dry-run")

    assert result.stdout.startswith("would import 3 deals from hubspot.csv (5 events)")
    assert dealflow.events() == 0


# --- bad rows -------------------------------------------------------------------------------------

BAD = HUBSPOT + (
    "9004,Data migration,Tyrell Corp,ben,5000,decisionmakerboughtin,2025-03-03,2025-08-01,\n"
    "9001,Website redesign (copy),Stark Industries,ana,99000,appointmentscheduled,2025-02-10,2025-07-01,\n"
    "9005,Consulting,Soylent,ana,TBD,appointmentscheduled,2025-03-05,,\n"
    '9002,Security audit,Oscorp,ben,"7,800",closedwon,2025-01-02 14:00,2025-02-28 10:00,\n'
    '9006,Hardware refresh,Massive Dynamic,dee,"18,250.50",appointmentscheduled,2025-03-09,,\n'
)


@pytest.mark.parametrize("via", ["in-process", "subprocess"])
def test_a_bad_row_stops_the_import_naming_file_line_column_and_fix_and_nothing_is_written(dealflow, tmp_path, via):
    path = write(tmp_path, "deals.csv", BAD)
    args = ("import", "deals", path, *HUBSPOT_OPTIONS)

    if via == "subprocess":
        done = dealflow.run(*args)
        code, stderr = done.returncode, done.stderr
    else:
        result = dealflow(*map(str, args))
        code, stderr = result.exit_code, result.stderr

    assert code == 2
    assert stderr.count("\n") == 1 and stderr.startswith("dealflow: deals.csv:5: column 'Deal Stage': ")
    assert "'decisionmakerboughtin' is not a stage: map it, e.g. --stage-map \"decisionmakerboughtin=value\"" in stderr
    assert dealflow.events() == 0
    assert not (tmp_path / "deals-rejects.csv").exists()


def test_skip_bad_imports_the_rest_and_lists_the_bad_rows_with_their_reasons(dealflow, tmp_path):
    rejects = tmp_path / "out" / "bad-rows.csv"
    rejects.parent.mkdir()

    result = ok(dealflow, "import", "deals", write(tmp_path, "deals.csv", BAD), *HUBSPOT_OPTIONS, "--skip-bad",
                "--rejects", rejects)  # fmt: skip

    assert result.stdout.splitlines()[:2] == ["imported 4 deals from deals.csv (6 events): analysis 2, won 1, lost 1",
                                              "  rows read: 8"]  # fmt: skip
    assert "skipped, repeated in the file: 1" in result.stdout
    assert "skipped, bad: 3" in result.stdout
    assert "column 'Deal Stage': stage value not mapped: 1" in result.stdout
    assert "column 'Amount': not a number: 1" in result.stdout
    assert "id repeated with other values: 1" in result.stdout
    rows = read_csv(rejects)
    assert [(r["Record ID"], r["rejected_line"]) for r in rows] == [("9004", "5"), ("9001", "6"), ("9005", "7")]
    assert rows[1]["rejected_because"] == (
        "bad: its id is also on line 2, with other values: each row of a file needs its own id; "
        "remove or fix one of the two rows"
    )
    assert rows[2]["rejected_because"].startswith("bad: column 'Amount': 'TBD' is not a number")
    assert as_json(dealflow, "show", "9006")["value"] == "18250.5"


def test_the_rejects_file_once_fixed_imports_the_rows_it_holds(dealflow, tmp_path):
    ok(dealflow, "import", "deals", write(tmp_path, "deals.csv", BAD), *HUBSPOT_OPTIONS, "--skip-bad")
    rejects = (tmp_path / "deals-rejects.csv").read_text(encoding="utf-8")
    fixed = rejects.replace("decisionmakerboughtin", "appointmentscheduled").replace("TBD", "4000")
    fixed = "\n".join(line for line in fixed.splitlines() if not line.startswith("9001,"))

    result = ok(dealflow, "import", "deals", write(tmp_path, "fixed.csv", fixed + "\n"), *HUBSPOT_OPTIONS)

    assert "imported 2 deals" in result.stdout
    assert as_json(dealflow, "show", "9005")["value"] == "4000"


def test_a_needed_date_left_blank_takes_the_default_date_and_is_counted(dealflow, tmp_path):
    text = HUBSPOT.replace("closedwon,2025-01-02 14:00,2025-02-28 10:00", "closedwon,2025-01-02 14:00,")

    refused = dealflow("import", "deals", str(write(tmp_path, "d.csv", text)), *HUBSPOT_OPTIONS)
    result = ok(dealflow, "import", "deals", tmp_path / "d.csv", *HUBSPOT_OPTIONS, "--default-date", "2025-03-31")

    assert refused.exit_code == 2 and "column 'Close Date': blank: fill in the day it was won" in refused.stderr
    assert "dated by --default-date: 1" in result.stdout
    assert as_json(dealflow, "show", "9002")["signed_on"] == "2025-03-31"


def test_an_unknown_column_in_map_is_bad_usage_listing_the_files_columns(dealflow, tmp_path):
    result = dealflow("import", "deals", str(write(tmp_path, "d.csv", HUBSPOT)), "--map", "id=Deal Number")

    assert result.exit_code == 2
    assert "d.csv has no column 'Deal Number'; its columns are 'Record ID', 'Deal Name'" in result.stderr


# --- a receivables ledger -------------------------------------------------------------------------


def test_the_ageing_as_of_each_date_is_what_the_ledger_says(crm):
    assert open_invoices(crm, "2025-03-10") == {"INV-2001": ("1500", "1-30"), "INV-2002": ("900", "current")}
    assert open_invoices(crm, "2025-04-01") == {
        "INV-1001": ("60000", "current"),
        "INV-2001": ("1500", "31-60"),
        "INV-2002": ("900", "1-30"),
    }
    assert open_invoices(crm, "2025-05-15") == {
        "INV-1002": ("60000", "current"),
        "INV-2001": ("1500", "61-90"),
        "INV-2002": ("900", "31-60"),
    }
    assert set(open_invoices(crm, "2025-06-30")) == {"INV-2001", "INV-2002"}


def test_invoices_without_a_deal_go_to_one_ledger_deal_per_customer_in_follow_up(crm):
    ledgers = [d for d in as_json(crm, "deals") if d["id"].startswith("L-")]

    assert len(ledgers) == 1
    ledger = as_json(crm, "show", ledgers[0]["id"])
    assert (ledger["account"], ledger["stage"], ledger["currency"], ledger["opened_on"]) == (
        "Wayne, Inc.", "follow_up", "USD", "2025-01-15",
    )  # fmt: skip
    assert [(i["invoice"], i["balance"]) for i in ledger["invoices"]] == [("INV-2001", "1500"), ("INV-2002", "900")]
    notes = [r["text"] for r in as_json(crm, "history", ledger["id"]) if r["event"] == "NoteAdded"]
    assert notes == ["invoice INV-2002 is disputed: wrong quantity, credit note asked"]


def test_the_payment_that_settles_a_deals_last_invoice_closes_it_on_that_day(crm):
    assert as_json(crm, "show", "006A1")["status"] == "closed"
    assert as_json(crm, "history", "006A1")[-1]["effective_on"] == "2025-06-10"
    assert stages(crm, "2025-06-09")[("EUR", "follow_up")] == (1, "120000")
    assert ("EUR", "follow_up") not in stages(crm, "2025-06-10")


def test_an_invoice_beyond_the_signed_amount_or_for_an_unknown_deal_is_refused(crm, tmp_path):
    ledger = (
        "Invoice Number,Customer,Deal ID,Invoice Date,Due Date,Total,Currency\n"
        "INV-3001,Acme Corp,006A5,2025-06-01,2025-07-01,1000,USD\n"
    )
    result = crm("import", "invoices", str(write(tmp_path, "more.csv", ledger)))

    assert result.exit_code == 1
    assert "more.csv:2: column 'Deal ID': deal 006A5 is open: invoices are imported onto won deals" in result.stderr


# --- the event log's round trip -------------------------------------------------------------------


def comparable(text: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in text.splitlines()]
    return [{k: v for k, v in line.items() if k not in ("recorded_at", "position")} for line in lines]


def test_an_exported_log_imports_into_an_empty_store_and_exports_the_same_lines(dealflow_on, tmp_path):
    source = Dealflow(str(tmp_path / "source.db"))
    ok(source, "demo")
    ok(source, "import", "deals", write(tmp_path, "opportunities.csv", SALESFORCE), *SALESFORCE_OPTIONS)
    ok(source, "import", "invoices", write(tmp_path, "receivables.csv", LEDGER), *LEDGER_OPTIONS)
    ok(source, "settings", "set", "gift-limit", "250")
    exported = ok(source, "export", "events", "--format", "jsonl").stdout
    log = write(tmp_path, "log.jsonl", exported)

    result = ok(dealflow_on, "import", "events", log)
    again = ok(dealflow_on, "import", "events", log)

    assert comparable(ok(dealflow_on, "export", "events", "--format", "jsonl").stdout) == comparable(exported)
    lines = len(exported.splitlines())
    assert result.stdout.startswith(f"imported {lines:,} events from log.jsonl ({lines:,} events)")
    assert again.stdout.startswith("imported 0 events") and f"skipped, already imported: {lines:,}" in again.stdout
    assert ok(dealflow_on, "audit", "--all").exit_code == 0
    assert open_invoices(dealflow_on, "2025-04-01") == open_invoices(source, "2025-04-01")


def test_crm_and_ledger_imports_are_idempotent_on_each_store(dealflow_on, tmp_path):
    deals = write(tmp_path, "opportunities.csv", SALESFORCE)
    ledger = write(tmp_path, "receivables.csv", LEDGER)
    ok(dealflow_on, "import", "deals", deals, *SALESFORCE_OPTIONS)
    ok(dealflow_on, "import", "invoices", ledger, *LEDGER_OPTIONS)
    before = dealflow_on.events()

    again = ok(dealflow_on, "import", "deals", deals, *SALESFORCE_OPTIONS)
    ok(dealflow_on, "import", "invoices", ledger, *LEDGER_OPTIONS)

    assert dealflow_on.events() == before
    assert "skipped, already imported: 5" in again.stdout
    assert stages(dealflow_on, "2025-01-31")[("USD", "commitment")] == (1, "250000")
    assert open_invoices(dealflow_on, "2025-04-01")["INV-2001"] == ("1500", "31-60")


def test_an_event_line_the_method_refuses_stops_the_import_before_anything_is_written(dealflow, tmp_path):
    source = Dealflow(str(tmp_path / "source.db"))
    ok(source, "open", "Acme Corp", "--title", "ERP", "--id", "D-1", "--on", "2025-01-10")
    answers = ("--opportunity", "yes", "--solution", "yes", "--winnable", "yes", "--worth", "yes")
    ok(source, "act", "D-1", "qualify", *answers, "--on", "2025-01-11")
    ok(source, "advance", "D-1", "--on", "2025-01-12")
    exported = ok(source, "export", "events", "--format", "jsonl").stdout.splitlines()
    lines = [unsealed(json.loads(line)) for line in exported]
    lines[1]["fields"]["worth"] = False  # edited by hand: then the advance after it breaks the method
    edited = write(tmp_path, "log.jsonl", "".join(json.dumps(line) + "\n" for line in lines))

    refused = dealflow("import", "events", str(edited))
    summary = as_json(dealflow, "import", "events", write(tmp_path, "first.jsonl", json.dumps(lines[0]) + "\n"))

    assert refused.exit_code == 1
    assert refused.stderr.startswith("dealflow: log.jsonl:3: cannot leave analysis: qualify has not answered yes")
    assert "fix the line" in refused.stderr and "nothing was imported" in refused.stderr
    assert (summary["rows"], summary["already"], summary["imported"]) == (1, 0, 1)


@pytest.fixture
def refused_fifth(tmp_path: Path) -> Path:
    """A log of two deals whose 5th line, D-1's advance, the method refuses once line 3 is edited."""
    source = Dealflow(str(tmp_path / "source.db"))
    answers = ("--opportunity", "yes", "--solution", "yes", "--winnable", "yes", "--worth", "yes")
    ok(source, "open", "Acme Corp", "--title", "ERP", "--id", "D-1", "--on", "2025-01-10")  # line 1
    ok(source, "open", "Globex", "--title", "CRM", "--id", "D-2", "--on", "2025-01-10")  # line 2
    ok(source, "act", "D-1", "qualify", *answers, "--on", "2025-01-11")  # line 3
    ok(source, "note", "D-2", "called the CFO", "--on", "2025-01-11")  # line 4
    ok(source, "advance", "D-1", "--on", "2025-01-12")  # line 5
    ok(source, "note", "D-2", "sent the brochure", "--on", "2025-01-12")  # line 6
    ok(source, "note", "D-1", "kick-off booked", "--on", "2025-01-13")  # line 7
    exported = ok(source, "export", "events", "--format", "jsonl").stdout.splitlines()
    lines = [unsealed(json.loads(line)) for line in exported]
    assert [(line["deal"], line["event"]) for line in lines][2:5] == [
        ("D-1", "ActionRecorded"), ("D-2", "NoteAdded"), ("D-1", "Advanced"),
    ]  # fmt: skip
    lines[2]["fields"]["worth"] = False  # edited by hand: then the advance on line 5 breaks the method
    return write(tmp_path, "log.jsonl", "".join(json.dumps(line) + "\n" for line in lines))


def test_a_refused_fifth_line_stops_the_import_naming_it_and_nothing_is_written(dealflow, refused_fifth):
    before = dealflow.events()

    refused = dealflow("import", "events", str(refused_fifth))

    assert refused.exit_code == 1
    assert refused.stderr.startswith("dealflow: log.jsonl:5: cannot leave analysis: qualify has not answered yes")
    assert "fix the line" in refused.stderr and "nothing was imported" in refused.stderr
    assert dealflow.events() == before


def test_skip_bad_leaves_out_a_refused_line_and_its_deals_later_lines(dealflow, refused_fifth, tmp_path):
    rejects = tmp_path / "rejects.csv"

    result = as_json(dealflow, "import", "events", refused_fifth, "--skip-bad", "--rejects", rejects)

    assert (result["rows"], result["imported"], result["bad"]) == (7, 5, 2)
    rows = read_csv(rejects)
    assert [row["rejected_line"] for row in rows] == ["5", "7"]
    assert rows[0]["rejected_because"].startswith("bad: cannot leave analysis: qualify has not answered yes")
    assert "follows line 5" in rows[1]["rejected_because"]
    assert [note["text"] for note in as_json(dealflow, "history", "D-2") if note.get("text")] == [
        "called the CFO", "sent the brochure",
    ]  # fmt: skip
    assert as_json(dealflow, "show", "D-1")["stage"] == "analysis"


def test_a_script_may_write_only_what_each_command_needs(dealflow, tmp_path):
    lines = [
        {"deal": "D-7", "version": 1, "event": "Opened", "effective_on": "2025-02-03", "actor": "crm-bot",
         "account": "Initech", "title": "Printers", "value": "9000", "currency": "EUR"},
        {"deal": "D-7", "version": 2, "event": "ActionRecorded", "effective_on": "2025-02-04", "actor": "crm-bot",
         "action": "collect-info", "fields": {"category": "usage", "summary": "40 printers, 3 sites"}},
        {"deal": "D-7", "version": 3, "event": "Lost", "effective_on": "2025-02-20", "actor": "crm-bot",
         "reason": "budget", "state": "lost"},
    ]  # fmt: skip
    script = write(tmp_path, "feed.jsonl", "".join(json.dumps(line) + "\n" for line in lines))

    ok(dealflow, "import", "events", script)
    again = as_json(dealflow, "import", "events", script)

    shown = as_json(dealflow, "show", "D-7")
    assert (shown["status"], shown["lost_from"], shown["lost_reason"], shown["owner"]) == (
        "lost", "analysis", "budget", "crm-bot",
    )  # fmt: skip
    assert again["already"] == 3 and dealflow("audit", "D-7").exit_code == 0


def test_the_first_pass_sets_deals_aside_between_chunks_and_loads_each_from_the_store_once(
    dealflow, refused_fifth, tmp_path, monkeypatch
):
    from dealflow.imports import replayer, runner

    chunks = runner._chunks
    monkeypatch.setattr(runner, "_chunks", lambda records, size=2: chunks(records, 2))
    monkeypatch.setattr(replayer.Trial, "HELD", 0)  # every deal set aside in the scratch file after each chunk
    lines = refused_fifth.read_text().splitlines()
    ok(dealflow, "import", "events", write(tmp_path, "part.jsonl", "\n".join(lines[:4]) + "\n"))

    result = as_json(dealflow, "import", "events", refused_fifth, "--skip-bad", "--rejects", tmp_path / "r.csv")

    assert (result["rows"], result["already"], result["imported"], result["bad"]) == (7, 4, 1, 2)
    assert [row["rejected_line"] for row in read_csv(tmp_path / "r.csv")] == ["5", "7"]
    assert as_json(dealflow, "show", "D-1")["stage"] == "analysis"


def test_an_invoice_id_claimed_twice_in_an_event_log_is_refused_before_anything_is_written(dealflow, tmp_path):
    source = Dealflow(str(tmp_path / "source.db"))
    ledger = write(
        tmp_path,
        "ledger.csv",
        "Invoice,Customer,Amount,Currency,Issued,Due\nINV-1,Acme,100,EUR,2025-03-01,2025-03-31\n"
        "INV-2,Globex,200,EUR,2025-03-02,2025-04-01\n",
    )
    ok(source, "import", "invoices", ledger)
    sealed = ok(source, "export", "events", "--format", "jsonl").stdout.splitlines()
    exported = "".join(json.dumps(unsealed(json.loads(line))) + "\n" for line in sealed).replace('"INV-2"', '"INV-1"')
    log = write(tmp_path, "log.jsonl", exported)
    claims = [n for n, line in enumerate(exported.splitlines(), 1) if json.loads(line)["event"] == "Invoiced"]
    before = dealflow.events()

    refused = dealflow("import", "events", str(log))

    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"dealflow: log.jsonl:{claims[1]}: invoice: invoice INV-1 is already invoiced")
    assert f"on line {claims[0]}" in refused.stderr and dealflow.events() == before
