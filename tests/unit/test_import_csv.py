"""CSV exports read a record at a time: byte-order marks, quoted commas and line breaks, blank
lines and short rows, each record numbered by the line it starts on; unreadable files say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow.aggregates.errors import InvalidInput
from dealflow.imports.csvsource import CsvFile
from dealflow.imports.mapping import Columns, Field, pairs

FIELDS = (Field("id", "", ("record id",)), Field("title", "", ("opportunity name", "deal name")), Field("owner", ""))


def csv_file(tmp_path: Path, data: bytes, **options: str) -> CsvFile:
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return CsvFile(path, **options)


def test_a_byte_order_mark_quoted_commas_and_line_breaks_are_read_as_excel_writes_them(tmp_path):
    source = csv_file(tmp_path, b'\xef\xbb\xbfId,Title\r\n1,"Rollout, phase 2"\r\n2,"Two\r\nlines"\r\n\r\n3,Last\r\n')

    records = list(source.records())

    assert source.header == ["Id", "Title"]
    assert [(r.line, r.cells) for r in records] == [
        (2, ["1", "Rollout, phase 2"]),
        (3, ["2", "Two\r\nlines"]),
        (6, ["3", "Last"]),
    ]


def test_short_rows_are_padded_with_blank_cells(tmp_path):
    assert [r.cells for r in csv_file(tmp_path, b"a,b,c\n1\n").records()] == [["1", "", ""]]


def test_the_records_can_be_read_again_and_report_the_bytes_read(tmp_path):
    source = csv_file(tmp_path, b"a;b\n1;2\n", delimiter=";")
    read: list[int] = []

    assert list(source.records()) == list(source.records(read.append))
    assert sum(read) == source.size


def test_a_file_that_is_not_utf8_names_the_line_and_the_fix(tmp_path):
    with pytest.raises(InvalidInput, match=r"export.csv:3: byte 0xfc is not utf-8 text: save the file as UTF-8"):
        list(csv_file(tmp_path, "a,b\n1,ok\n2,Müller\n".encode("cp1252")).records())
    assert [r.cells for r in csv_file(tmp_path, "a,b\n2,Müller\n".encode("cp1252"), encoding="cp1252").records()] == [
        ["2", "Müller"]
    ]


def test_a_file_without_a_header_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="has no header line"):
        csv_file(tmp_path, b"\n1,2\n")
    with pytest.raises(InvalidInput, match=r"export\.csv is empty"):
        csv_file(tmp_path, b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'Id,Title\n1,"Rollout\n2,Two\n3,Three\n', 2),  # the rest of the file would be one cell
        (b'Id,Title\n1,"Two\nlines"\n2,"Open', 4),  # on the last line, which has no line break
        (b'Id,Title\n1,"Two\nlines","Open\n2,Two\n', 3),  # after a cell with a line break in the same row
        (b'Id,"Title\n1,Rollout\n', 1),  # in the header
    ],
)
def test_a_quote_never_closed_is_refused_naming_the_line_it_opened_on(tmp_path, data, line):
    with pytest.raises(InvalidInput, match=f"export.csv:{line}: a quoted cell opened on this line is never closed"):
        list(csv_file(tmp_path, data).records())


def test_quotes_closed_and_quotes_inside_unquoted_cells_are_read_as_before(tmp_path):
    source = csv_file(tmp_path, b'Id,Title\n1,5" disk\n2,"say ""hi"""\n3,"a"b\n')

    assert [r.cells for r in source.records()] == [["1", '5" disk'], ["2", 'say "hi"'], ["3", "ab"]]


def test_columns_are_found_by_their_usual_names_or_by_map_whatever_their_case(tmp_path):
    header = ["Record ID", "Deal Name", "OWNER"]

    found = Columns(FIELDS, header, mapped={}, defaults={}, file="f.csv")
    named = Columns(FIELDS, ["Key", "Deal Name"], mapped={"id": "key"}, defaults={"owner": "ana"}, file="f.csv")

    assert found.index == {"id": 0, "title": 1, "owner": 2}
    assert named.cell(["D-1", "Rollout"], "id") == "D-1"
    assert named.cell(["D-1", "Rollout"], "owner") == "ana" and named.column("owner") == "--default owner"


def test_a_mapped_column_that_is_not_there_lists_the_columns_that_are():
    with pytest.raises(InvalidInput, match=r"f.csv has no column 'Nr'; its columns are 'Key', 'Deal Name'"):
        Columns(FIELDS, ["Key", "Deal Name"], mapped={"id": "Nr"}, defaults={}, file="f.csv")
    with pytest.raises(InvalidInput, match="no field 'colour': the fields are id, title, owner"):
        Columns(FIELDS, ["Key"], mapped={"colour": "Key"}, defaults={}, file="f.csv")


def test_name_value_options_need_the_equals_sign():
    assert pairs(["id=Opportunity ID", "owner="], "--map", "id=X") == {"id": "Opportunity ID", "owner": ""}
    with pytest.raises(InvalidInput, match=r"--map takes NAME=VALUE, e.g. --map id=X; got 'id'"):
        pairs(["id"], "--map", "id=X")
