"""Tables for people (cli/layout.py): numbers right-aligned with separators and the currency's decimals,
text columns cut widest first until the table fits, headers wrapped before any text is cut."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dealflow.cli.layout import amount_shown, fitted_widths, number_shown, table_lines, terminal_width
from dealflow.cli.output import NONE, text
from dealflow.cli.safe import ELLIPSIS, display_width
from dealflow.reports.table import Cell

DEALS = ("id", "account", "title", "owner", "value", "currency")
ROWS = [
    {
        "id": "D-0001",
        "account": "Harrow & Finch Insurance",
        "title": "Warehouse management rollout with a very long description of what it is about",
        "owner": "dev.patel",
        "value": Decimal("412500"),
        "currency": "GBP",
    },
    {
        "id": "D-0002",
        "account": "日本語の会社株式会社",
        "title": "ERP",
        "owner": "ana",
        "value": None,
        "currency": None,
    },
    {"id": "D-0003", "account": "Acme", "title": "Yen", "owner": "ana", "value": Decimal("1250000"), "currency": "JPY"},
]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("412500"), "GBP", "412,500.00"),
        (Decimal("1250.5"), "EUR", "1,250.50"),
        (Decimal("1250.1234"), "EUR", "1,250.1234"),  # recorded to the ten-thousandth: never rounded away
        (Decimal("1250000"), "JPY", "1,250,000"),
        (Decimal("98000"), "KRW", "98,000"),
        (Decimal("1000"), "KWD", "1,000.000"),
        (Decimal("412500"), None, "412,500"),
        (Decimal("0"), "USD", "0.00"),
        (99_999_999_999_999_999, "USD", "99,999,999,999,999,999.00"),  # an int is never made a float
    ],
)
def test_an_amount_has_thousands_separators_and_its_currency_s_usual_decimals(amount, currency, expected):
    assert amount_shown(amount, currency) == expected


@pytest.mark.parametrize(
    ("value", "key", "kind", "expected"),
    [
        (Decimal("120000"), "value", None, "120,000.00"),
        (120000, "amount", None, "120,000.00"),  # a known amount key, though an int
        (Decimal("6200"), "we_gave", Cell.NUMBER, "6,200"),
        (Decimal("16.5"), "average_days", Cell.NUMBER, "16.5"),
        (Decimal("0.35"), "probability", Cell.PERCENT, "0.35"),
        (12345, "events", None, "12,345"),
        (12345, "version", Cell.INTEGER, "12345"),  # typed back as `--version 12345`
        (2026, "year", None, "2026"),
        (True, "widened", None, None),
        ("412500", "value", None, None),  # text stays text
        (None, "value", Cell.MONEY, None),
    ],
)
def test_a_number_is_shown_by_what_it_counts(value, key, kind, expected):
    assert number_shown(value, key, kind, "EUR") == expected


def test_none_is_one_sign_wherever_people_read_it():
    assert text(None) == NONE == "-"
    lines = table_lines([{"value": None, "currency": None, "owner": None}], ("value", "currency", "owner"))
    assert lines[1].split() == [NONE, NONE, NONE]


def test_the_widest_column_narrows_first_down_to_its_minimum():
    assert fitted_widths([40, 10, 30], [6, 6, 6], 60) == [23, 10, 23]
    assert fitted_widths([40, 10, 30], [40, 6, 6], 60) == [40, 8, 8]


def test_columns_that_cannot_narrow_overflow_rather_than_lose_a_number():
    assert fitted_widths([20, 20], [20, 20], 10) == [20, 20]


@pytest.mark.parametrize("room", [60, 80, 120, 200])
def test_a_table_fits_the_room_it_is_given_by_cutting_its_text_columns(room):
    lines = table_lines(ROWS, DEALS, room=room)

    assert all(display_width(line) <= room for line in lines)
    assert all("D-000" in line for line in lines[1:])  # ids whole
    assert "412,500.00" in lines[1] and "1,250,000" in lines[3]  # amounts whole


def test_the_widest_text_is_cut_first_ending_in_an_ellipsis():
    lines = table_lines(ROWS, DEALS, room=100)

    assert lines[1] == (
        "D-0001  Harrow & Finch Insurance  Warehouse management rollout wit…  dev.patel  412,500.00  GBP"
    )


def test_without_room_every_cell_is_whole():
    lines = table_lines(ROWS, DEALS)

    assert ROWS[0]["title"] in lines[1]
    assert ELLIPSIS not in "".join(lines)


def test_numbers_their_header_and_none_among_them_are_right_aligned():
    lines = table_lines(ROWS, DEALS, room=80)

    assert lines == [
        "ID      ACCOUNT             TITLE                OWNER           VALUE  CURRENCY",
        "D-0001  Harrow & Finch In…  Warehouse manageme…  dev.patel  412,500.00  GBP",
        "D-0002  日本語の会社株式…   ERP                  ana                 -  -",
        "D-0003  Acme                Yen                  ana         1,250,000  JPY",
    ]


def test_a_header_wider_than_its_numbers_is_wrapped_at_underscores_before_any_text_is_cut():
    rows = [{"account": "Bluewater Freight Inc.", "past_bottom_line": 1, "days_past_due": 12}]

    lines = table_lines(rows, ("account", "past_bottom_line", "days_past_due"), room=45)

    assert lines == [
        "                             PAST",
        "                           BOTTOM   DAYS_PAST",
        "ACCOUNT                      LINE         DUE",
        "Bluewater Freight Inc.          1          12",
    ]
    assert table_lines(rows, ("account", "past_bottom_line", "days_past_due"))[0] == (
        "ACCOUNT                 PAST_BOTTOM_LINE  DAYS_PAST_DUE"
    )


def test_dates_and_ids_are_never_cut():
    rows = [{"deal": "D-0001", "on": date(2026, 11, 18), "override": "strategic reference account in the region"}]

    lines = table_lines(rows, ("deal", "on", "override"), room=30)

    assert lines == ["DEAL    ON          OVERRIDE", "D-0001  2026-11-18  strategic…"]


def test_a_hostile_cell_is_escaped_and_cut_to_the_room():
    rows = [{"id": "D-1", "title": "\x1b]0;pwned\x07\u202e" + "x" * 100_000 + "\n2  D-9", "value": Decimal(5)}]

    lines = table_lines(rows, ("id", "title", "value"), room=80)

    assert len(lines) == 2
    assert all(display_width(line) <= 80 for line in lines)
    assert "\\x1b]0;pwned\\x07\\u202e" in lines[1] and "\x1b" not in lines[1]


def test_wide_characters_are_measured_by_the_columns_they_take():
    rows = [{"account": "日本語" * 20, "owner": "ana"}]

    lines = table_lines(rows, ("account", "owner"), room=30)

    assert all(display_width(line) <= 30 for line in lines)
    assert lines[1].endswith("ana")


@pytest.mark.parametrize(("columns", "expected"), [("132", 132), ("0", None), ("wide", None), ("١٢٣", None)])
def test_the_width_is_columns_when_set_and_none_for_a_pipe(monkeypatch, columns, expected):
    monkeypatch.setenv("COLUMNS", columns)

    assert terminal_width() == expected  # pytest captures stdout: not a terminal


def test_a_pipe_without_columns_has_no_width(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)

    assert terminal_width() is None


def test_a_yielding_column_is_cut_first_so_that_the_one_read_most_stays_whole():
    rows = [{"account": "Harrow & Finch Insurance Group", "step": "record the signature with sign --amount"}]
    plain = table_lines(rows, ("account", "step"), room=58)
    spared = table_lines(rows, ("account", "step"), room=58, yielding=("account",))
    assert rows[0]["step"] not in plain[1] and ELLIPSIS in plain[1]
    assert spared[1].endswith(rows[0]["step"]) and spared[1].startswith("Harrow & Finch")
    assert all(display_width(line) <= 58 for line in spared)


def test_a_table_too_wide_even_cut_is_printed_in_blocks_each_led_by_its_first_column():
    rows = [{"deal": f"D-{n}", **{f"amount_{k}": Decimal(10**9 + n) for k in range(8)}} for n in range(3)]
    columns = ("deal", *(f"amount_{k}" for k in range(8)))
    lines = table_lines(rows, columns, room=60)

    assert all(display_width(line) <= 60 for line in lines)
    blocks = "\n".join(lines).split("\n\n")
    assert len(blocks) > 1 and all(block.splitlines()[-1].startswith("D-2") for block in blocks)
    assert sum(line.count("1,000,000,001") for line in lines) == 8  # every number whole, once
