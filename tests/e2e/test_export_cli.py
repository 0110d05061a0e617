"""`dealflow export`: every report, the deals, a deal's audit trail and the event log, read back from
the files themselves (openpyxl for XLSX, the csv module for CSV, json for JSON)."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from conftest import Dealflow, Stores
from dealflow import __version__
from dealflow.application import DealflowApp
from dealflow.storage.store import mask

HYPERLINK = '=HYPERLINK("http://x","y")'
ARITHMETIC = "-2+3"
REPORT_SHEETS = [
    "deals",
    "pipeline stages",
    "pipeline flow",
    "pipeline outcomes",
    "pipeline lost reasons",
    "pipeline owners",
    "pipeline forecast",
    "pipeline stalled",
    "movement",
    "movement flow",
    "forecast periods",
    "forecast accuracy",
    "forecast accuracy by owner",
    "concessions summary",
    "concessions detail",
    "ageing invoices",
    "ageing totals",
    "ageing customers",
]


@pytest.fixture(scope="module")
def book(module_stores: Stores) -> Dealflow:
    """The demo book, plus two deals whose accounts a spreadsheet would run as formulas, on each store."""
    cli = Dealflow(module_stores.new())
    assert cli("demo").exit_code == 0
    for account in (HYPERLINK, ARITHMETIC):
        opened = cli("open", "--title", "@SUM(A1)", "--value", "1000", "--currency", "EUR", "--", account)
        assert opened.exit_code == 0, opened.output
    # an amount with a trailing zero: every output writes it the same way
    assert cli("open", "Cents Ltd", "--title", "cents", "--value", "1250.50", "--currency", "EUR").exit_code == 0
    return cli


@pytest.fixture(scope="module")
def workbook(book: Dealflow, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("out") / "book.xlsx"
    result = book("export", "workbook", "-o", path)
    assert result.exit_code == 0, result.output
    return path


def export(cli: Dealflow, *args: object) -> str:
    result = cli("export", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def sheet_rows(path: Path, name: str) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book[name].iter_rows(values_only=True))
    finally:
        book.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_workbook_has_an_about_sheet_then_a_sheet_for_every_report_table(workbook):
    assert openpyxl.load_workbook(workbook).sheetnames == ["about", *REPORT_SHEETS]


def test_the_about_sheet_states_the_as_of_date_store_log_position_version_and_counts(book, workbook):
    facts = {row["fact"]: row["value"] for row in sheet_rows(workbook, "about")}
    app = DealflowApp(book.db)
    try:
        head = app.recorder.max_notification_id()
        last = app.mapper.to_domain_event(app.recorder.select_notifications(head, 1)[0])
        deals, events = len(list(app.deal_ids())), app.event_count()
    finally:
        app.close()

    assert facts["as of (end of day)"] == datetime.combine(date.today(), datetime.min.time())
    on_postgres = book.db.startswith("postgresql://")
    assert facts["store"] == (f"postgresql: {mask(book.db)}" if on_postgres else f"sqlite: {Path(book.db).resolve()}")
    assert facts["event log position (last event number)"] == head
    recorded = last.timestamp.astimezone(UTC).replace(tzinfo=None)
    assert abs(facts["that event recorded at (UTC)"] - recorded) < timedelta(milliseconds=1)  # Excel keeps ms
    assert facts["events in the log up to it"] == events
    assert facts["deals"] == deals
    assert facts["dealflow version"] == __version__
    assert facts["rows in pipeline stages"] == len(sheet_rows(workbook, "pipeline stages"))


def test_every_sheet_has_a_frozen_bold_header_and_an_autofilter_over_its_rows(workbook):
    for sheet in openpyxl.load_workbook(workbook).worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(sheet.max_column)}{max(sheet.max_row, 2)}", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
        assert all(sheet.column_dimensions[get_column_letter(n)].width >= 8 for n in range(1, sheet.max_column + 1))


def test_numbers_are_numbers_dates_are_dates_and_amounts_carry_their_currency(workbook):
    sheets = openpyxl.load_workbook(workbook)
    stage = next(row for row in sheets["pipeline stages"].iter_rows(min_row=2) if row[3].value)
    currency, _, deals, value, probability, weighted, _ = stage
    assert (deals.data_type, deals.number_format) == ("n", "0")
    assert isinstance(value.value, (int, float)) and value.number_format == f'#,##0.00 "{currency.value}"'
    assert weighted.number_format == value.number_format
    assert probability.number_format == "0.0%" and 0 < probability.value <= 1

    invoice = next(sheets["ageing invoices"].iter_rows(min_row=2))
    headers = [cell.value for cell in sheets["ageing invoices"][1]]
    due = invoice[headers.index("due")]
    assert due.is_date and due.number_format == "yyyy-mm-dd" and isinstance(due.value, datetime)
    assert invoice[headers.index("days_past_due")].data_type == "n"


def test_the_pipeline_has_a_value_by_stage_chart_per_currency_and_the_ageing_a_stacked_bar(workbook):
    sheets = openpyxl.load_workbook(workbook)
    assert len(sheets["pipeline stages"]._charts) == 1
    assert len(sheets["ageing totals"]._charts) == 1
    assert len(sheets["forecast periods"]._charts) == 1
    currencies = {row["currency"] for row in sheet_rows(workbook, "pipeline stages")}
    assert len(sheets["movement"]._charts) == len(currencies)  # a waterfall per currency
    assert sum(len(sheet._charts) for sheet in sheets.worksheets) == 3 + len(currencies)
    with zipfile.ZipFile(workbook) as package:
        charts = [package.read(name).decode() for name in package.namelist() if name.startswith("xl/charts/")]
    (by_stage,) = [chart for chart in charts if "Pipeline value by stage" in chart]
    (ageing,) = [chart for chart in charts if '<c:barDir val="bar"/>' in chart]
    assert by_stage.count("<c:ser>") == len(currencies) and "Pipeline value by stage" in by_stage
    assert '<c:barDir val="bar"/>' in ageing and '<c:grouping val="stacked"/>' in ageing
    assert ageing.count("<c:ser>") == 5  # current, 1-30, 31-60, 61-90, over-90


def test_formula_like_accounts_come_back_from_xlsx_as_inert_text(book, tmp_path):
    export(book, "deals", "-o", tmp_path / "deals.xlsx")

    sheet = openpyxl.load_workbook(tmp_path / "deals.xlsx")["deals"]
    cells = {row[1].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for name in (HYPERLINK, ARITHMETIC):
        assert cells[name].data_type == "s"
    titles = [row[2] for row in sheet.iter_rows(min_row=2) if row[2].value == "@SUM(A1)"]
    assert len(titles) == 2 and all(cell.data_type == "s" for cell in titles)
    with zipfile.ZipFile(tmp_path / "deals.xlsx") as package:
        assert "<f>" not in package.read("xl/worksheets/sheet1.xml").decode()


def test_formula_like_accounts_are_neutralised_in_csv_and_numbers_are_left_alone(book, tmp_path):
    export(book, "deals", "-o", tmp_path / "deals.csv")

    rows = {row["account"]: row for row in csv_rows(tmp_path / "deals.csv")}
    assert rows["'" + HYPERLINK]["title"] == "'@SUM(A1)"
    assert rows["'" + ARITHMETIC]["value"] == "1000"
    assert HYPERLINK not in rows and ARITHMETIC not in rows


def test_csv_has_one_header_iso_dates_and_plain_amounts_with_the_currency_beside_them(book, tmp_path):
    export(book, "ageing", "-o", tmp_path / "ageing.csv")

    invoices = csv_rows(tmp_path / "ageing-invoices.csv")
    assert invoices and list(invoices[0])[:5] == ["customer", "deal", "invoice", "currency", "amount"]
    for row in invoices:
        assert date.fromisoformat(row["due"]) and row["currency"] in {"EUR", "USD", "GBP"}
        assert Decimal(row["balance"]) > 0 and "," not in row["balance"] and "E" not in row["balance"]
    assert (tmp_path / "ageing.csv").exists() is False


def test_a_report_of_several_tables_is_one_csv_file_per_table_or_a_part_column_on_stdout(book, tmp_path):
    export(book, "pipeline", "-o", tmp_path / "pipeline.csv")
    streamed = list(csv.DictReader(export(book, "pipeline").splitlines()))

    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == [f"pipeline-{part}.csv" for part in sorted({row["part"] for row in streamed})]
    stages = csv_rows(tmp_path / "pipeline-stages.csv")
    assert [row["stage"] for row in stages] == [row["stage"] for row in streamed if row["part"] == "stages"]


def test_the_excel_flag_begins_the_csv_with_a_byte_order_mark(book, tmp_path):
    export(book, "deals", "--excel", "-o", tmp_path / "deals.csv")

    assert (tmp_path / "deals.csv").read_bytes().startswith(b"\xef\xbb\xbfid,account,")


@pytest.mark.parametrize("what", [("workbook",), ("pipeline",), ("deals",), ("events",), ("history", "D-0001")])
def test_the_same_store_exported_twice_gives_identical_bytes(book, tmp_path, what):
    for name in ("first.xlsx", "second.xlsx"):
        export(book, *what, "-o", tmp_path / name)

    assert (tmp_path / "first.xlsx").read_bytes() == (tmp_path / "second.xlsx").read_bytes()


@pytest.mark.parametrize("report", ["pipeline", "concessions", "ageing"])
def test_a_report_in_json_is_what_its_json_option_prints(book, report):
    assert json.loads(export(book, report, "--format", "json")) == json.loads(book(report, "--json").stdout)


def test_deals_in_json_and_json_lines_are_the_rows_deals_json_prints(book, tmp_path):
    listed = json.loads(book("deals", "--json").stdout)
    export(book, "deals", "-o", tmp_path / "deals.jsonl")

    assert json.loads(export(book, "deals", "--format", "json")) == listed
    assert [json.loads(line) for line in (tmp_path / "deals.jsonl").read_text().splitlines()] == listed


def test_a_history_in_json_is_what_history_json_prints_with_or_without_as_of(book):
    as_of = (date.today() - timedelta(days=60)).isoformat()
    for options in ((), ("--as-of", as_of)):
        exported = json.loads(export(book, "history", "D-0036", "--format", "json", *options))
        assert exported == json.loads(book("history", "D-0036", "--json", *options).stdout)


def test_a_history_as_of_a_day_before_the_deal_was_opened_is_refused_as_history_refuses_it(book, tmp_path):
    result = book("export", "history", "D-0001", "--as-of", "2000-01-01", "-o", tmp_path / "trail.csv")

    assert result.exit_code == book("history", "D-0001", "--as-of", "2000-01-01").exit_code == 1
    assert "was not yet open on 2000-01-01" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_event_log_in_json_lines_is_every_deal_history_with_positions(book):
    lines = [json.loads(line) for line in export(book, "events", "--format", "jsonl").splitlines()]

    positions = [line.pop("position") for line in lines]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    deals = json.loads(book("deals", "--json").stdout)
    for deal in (deals[0]["id"], deals[-1]["id"]):
        mine = [{k: v for k, v in line.items() if k not in ("deal", "seal")} for line in lines if line["deal"] == deal]
        # the log carries the events, not which database role wrote them on this server (PostgreSQL's db_role)
        history = json.loads(book("history", deal, "--json").stdout)
        told = [{k: v for k, v in row.items() if k != "db_role"} for row in history]
        assert mine == told
    assert len(lines) == sum(deal["version"] for deal in deals)


def test_the_event_log_can_be_filtered_by_deal_and_by_effective_dates(book, tmp_path):
    every = [json.loads(line) for line in export(book, "events", "--format", "jsonl").splitlines()]
    dates = sorted({line["effective_on"] for line in every if line["deal"] == "D-0003"})
    start, end = dates[1], dates[-2]
    export(book, "events", "--deal", "d-0003", "--from", start, "--to", end, "-o", tmp_path / "some.xlsx")

    rows = sheet_rows(tmp_path / "some.xlsx", "events")
    wanted = [line for line in every if line["deal"] == "D-0003" and start <= line["effective_on"] <= end]
    assert 0 < len(rows) < sum(line["deal"] == "D-0003" for line in every)
    assert [row["position"] for row in rows] == [line["position"] for line in wanted]
    assert all(isinstance(row["recorded_at"], datetime) and isinstance(row["effective_on"], datetime) for row in rows)
    assert all(row["summary"] and row["deal"] == "D-0003" for row in rows)


def test_the_audit_trail_in_a_sheet_has_a_summary_and_every_field_of_each_event(book, tmp_path):
    export(book, "history", "D-0001", "-o", tmp_path / "trail.xlsx")

    (sheet,) = openpyxl.load_workbook(tmp_path / "trail.xlsx").sheetnames
    opened = sheet_rows(tmp_path / "trail.xlsx", sheet)[0]
    assert sheet == "history D-0001"
    assert opened["version"] == 1 and opened["event"] == "Opened" and opened["summary"].startswith("open: account=")
    assert "deal_id=D-0001; account=" in opened["details"]


def test_a_settings_change_is_in_the_event_log(dealflow):
    dealflow("open", "Acme Corp", "--title", "MES rollout")
    dealflow("settings", "set", "gift-limit", "150")

    lines = [json.loads(line) for line in export(dealflow, "events", "--format", "jsonl").splitlines()]

    assert [line["event"] for line in lines] == ["Opened", "Settings.Changed"]
    assert lines[1]["name"] == "gift_limit" and lines[1]["value"] == "150" and lines[1]["deal"] is None


def test_the_format_follows_the_file_extension_unless_given(book, tmp_path):
    export(book, "deals", "-o", tmp_path / "deals.json")
    export(book, "deals", "--format", "jsonl", "-o", tmp_path / "deals.txt")

    assert json.loads((tmp_path / "deals.json").read_text())[0]["id"] == "D-0001"
    assert json.loads((tmp_path / "deals.txt").read_text().splitlines()[0])["id"] == "D-0001"


def test_the_views_an_export_offers_are_the_reports_own(book):
    from dealflow.reports.ageing import BY as AGEING
    from dealflow.reports.pipeline import BY as PIPELINE

    for report, views in (("pipeline", PIPELINE), ("ageing", AGEING)):
        assert f"[{'|'.join(views)}]" in book("export", report, "--help").stdout


def test_an_unknown_report_is_refused_with_the_list_of_reports(book):
    result = book("export", "forecast", "-o", "x.csv")

    assert result.exit_code == 2
    assert "unknown report 'forecast'" in result.output
    assert "pipeline, concessions, ageing, deals, history, events, workbook" in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("deals", "-o", "{tmp}/deals.xlsx", "--excel"), "--excel"),
        (("deals", "--format", "xlsx"), "give -o FILE.xlsx"),
        (("deals", "-o", "{tmp}/deals.txt"), "cannot tell the format"),
        (("workbook", "-o", "{tmp}/book.csv"), "a workbook is XLSX"),
        (("pipeline", "--as-of", "{tomorrow}", "-o", "{tmp}/p.xlsx"), "in the future"),
        (("workbook", "--as-of", "{tomorrow}", "-o", "{tmp}/book.xlsx"), "in the future"),
        (("deals", "-o", "{tmp}/missing/deals.xlsx"), "does not exist"),
        (("deals", "-o", "{tmp}"), "it is a folder"),
        (("events", "--from", "2026-05-01", "--to", "2026-04-01", "-o", "{tmp}/e.csv"), "is after --to"),
    ],
)
def test_bad_input_is_a_usage_error_and_leaves_no_file(book, tmp_path, args, says):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    result = book("export", *(arg.format(tmp=tmp_path, tomorrow=tomorrow) for arg in args))

    assert result.exit_code == 2, result.output
    assert says in result.stderr and len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_the_previous_file_untouched_and_no_temporary_file(book, tmp_path):
    target = tmp_path / "trail.xlsx"
    target.write_bytes(b"last week's export")

    result = book("export", "history", "D-9999", "-o", target)

    assert result.exit_code == 1
    assert "no deal 'D-9999'" in result.stderr
    assert target.read_bytes() == b"last week's export"
    assert [path.name for path in tmp_path.iterdir()] == ["trail.xlsx"]


def test_exports_read_back_the_same_on_each_store(dealflow_on, tmp_path):
    assert dealflow_on("demo").exit_code == 0
    for name in ("first.xlsx", "second.xlsx"):
        export(dealflow_on, "workbook", "-o", tmp_path / name)

    assert (tmp_path / "first.xlsx").read_bytes() == (tmp_path / "second.xlsx").read_bytes()
    assert json.loads(export(dealflow_on, "deals", "--format", "json")) == json.loads(
        dealflow_on("deals", "--json").stdout
    )
    lines = export(dealflow_on, "events", "--deal", "D-0005", "--format", "jsonl").splitlines()
    assert [json.loads(line)["version"] for line in lines] == list(range(1, len(lines) + 1))
    history = json.loads(export(dealflow_on, "history", "D-0005", "--format", "json"))
    assert history == json.loads(dealflow_on("history", "D-0005", "--json").stdout)


def test_the_console_script_writes_a_workbook_and_says_where(book, tmp_path):
    done = book.run("export", "workbook", "-o", tmp_path / "book.xlsx")

    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr.strip() == f"wrote {tmp_path / 'book.xlsx'}"
    assert openpyxl.load_workbook(tmp_path / "book.xlsx").sheetnames[0] == "about"
