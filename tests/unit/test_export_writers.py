"""The export writers on hand-made tables: CSV cells made inert, XLSX typed cells, widths and charts,
formats chosen from file names, files written whole or not at all."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import openpyxl
import pytest

from dealflow.aggregates.errors import InvalidInput
from dealflow.exports.csv_writer import csv_cell, write_csv
from dealflow.exports.files import atomic_path
from dealflow.exports.trail import flatten
from dealflow.exports.writing import format_for
from dealflow.exports.xlsx_writer import MAX_WIDTH, write_xlsx
from dealflow.reports.table import Cell, Chart, Column, Table


@pytest.mark.parametrize("text", ["=1+2", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\nx", '=HYPERLINK("http://x","y")'])
def test_a_text_cell_that_a_spreadsheet_would_run_is_made_inert(text):
    assert csv_cell(text) == "'" + text


def test_numbers_dates_and_flags_are_written_plainly_and_never_neutralised():
    assert csv_cell(Decimal("-2")) == "-2"
    assert csv_cell(Decimal("1E+3")) == "1000"
    assert csv_cell(Decimal("1250.50")) == "1250.50"
    assert csv_cell(-3) == "-3"
    assert csv_cell(date(2026, 3, 31)) == "2026-03-31"
    assert csv_cell(datetime(2026, 3, 31, 9, 30, tzinfo=UTC)) == "2026-03-31T09:30:00+00:00"
    assert (csv_cell(True), csv_cell(None)) == ("true", "")
    assert csv_cell(["-a", "b"]) == "'-a; b"


def test_a_csv_of_several_tables_begins_each_row_with_its_table():
    one = Table("one", (Column("a"),), [{"a": "x"}])
    two = Table("two", (Column("b", Cell.INTEGER),), [{"b": 2}])
    out = io.StringIO()

    assert write_csv([one, two], out, excel=True) == 2
    text = out.getvalue()
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [["part", "a", "b"], ["one", "x", ""], ["two", "", "2"]]


def test_a_column_of_any_kind_types_each_cell_by_its_value(tmp_path):
    values = [7, Decimal("2.5"), date(2026, 1, 2), datetime(2026, 1, 2, 15, tzinfo=timezone(timedelta(hours=2))), "x"]
    table = Table("facts", (Column("value", Cell.ANY),), [{"value": value} for value in values])

    write_xlsx([table], tmp_path / "t.xlsx")

    cells = [row[0] for row in openpyxl.load_workbook(tmp_path / "t.xlsx")["facts"].iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == [7, 2.5, datetime(2026, 1, 2), datetime(2026, 1, 2, 13), "x"]
    assert [cell.number_format for cell in cells] == ["0", "#,##0.00##", "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "General"]


def test_text_columns_grow_with_their_longest_text_up_to_a_limit(tmp_path):
    table = Table("t", (Column("short"), Column("long")), [{"short": "abc", "long": "x" * 200}])

    write_xlsx([table], tmp_path / "t.xlsx")

    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    assert sheet.column_dimensions["A"].width < 12
    assert MAX_WIDTH <= sheet.column_dimensions["B"].width < MAX_WIDTH + 1


def test_a_chart_by_series_has_one_series_per_run_of_rows_over_the_first_runs_categories(tmp_path):
    rows = [{"currency": c, "stage": s, "value": v} for c in ("EUR", "USD") for s, v in (("a", 1), ("b", 2))]
    chart = Chart("value", "stage", ("value",), series_by="currency")
    table = Table("stages", (Column("currency"), Column("stage"), Column("value", Cell.MONEY)), rows, chart=chart)

    write_xlsx([table], tmp_path / "t.xlsx")

    with zipfile.ZipFile(tmp_path / "t.xlsx") as package:
        xml = package.read("xl/charts/chart1.xml").decode()
    assert xml.count("<c:ser>") == 2
    assert xml.count("stages!$B$2:$B$3") == 2
    assert "stages!$C$2:$C$3" in xml and "stages!$C$4:$C$5" in xml


def test_sheet_names_follow_excels_rules(tmp_path):
    write_xlsx([Table("a/b:c" + "x" * 40, (Column("k"),), [])], tmp_path / "t.xlsx")

    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["a_b_c" + "x" * 26]


@pytest.mark.parametrize(
    ("target", "given", "chosen"),
    [
        ("a.xlsx", None, "xlsx"),
        ("a.CSV", None, "csv"),
        ("a.jsonl", None, "jsonl"),
        ("a.txt", "json", "json"),
        (None, None, "csv"),
    ],
)
def test_the_format_follows_the_extension_unless_given(tmp_path, target, given, chosen):
    assert format_for(target and tmp_path / target, given) == chosen


def test_xlsx_needs_a_file_and_an_unknown_extension_needs_a_format(tmp_path):
    with pytest.raises(InvalidInput, match=r"give -o FILE\.xlsx"):
        format_for(None, "xlsx")
    with pytest.raises(InvalidInput, match="give --format"):
        format_for(tmp_path / "a.txt", None)


def test_a_file_is_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []

    with atomic_path(target) as temporary:
        temporary.write_text("whole")
    assert target.read_text() == "whole"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_table_whose_rows_fail_leaves_no_file(tmp_path):
    def rows():
        yield {"k": "one"}
        raise LookupError("the store went away")

    with pytest.raises(LookupError), atomic_path(tmp_path / "t.xlsx") as temporary:
        write_xlsx([Table("t", (Column("k"),), rows())], temporary)
    assert list(tmp_path.iterdir()) == []


def test_an_events_own_fields_flatten_to_one_line():
    fields = {"fields": {"contact": "Ana", "roles": ["buyer", "user"]}, "note": None, "amount": Decimal("5")}

    assert list(flatten(fields)) == ["fields.contact=Ana", "fields.roles=buyer,user", "amount=5"]
