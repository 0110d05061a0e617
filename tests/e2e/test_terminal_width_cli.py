"""Tables for people fit the terminal they are told of (COLUMNS), as the installed command prints them:
text cut with "…", `--wide` to keep it whole, amounts right-aligned with separators, never cut."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import Dealflow
from dealflow.cli.safe import display_width

D0 = date.today() - timedelta(days=120)
TITLE = "Warehouse management rollout across the four northern distribution centres and their fleets"
HOSTILE = "\x1b]0;pwned\x07\u202eline\nD-9  fake row\r" + "x" * 100_000
FIT_IN_80 = [("history", "D-1"), ("deals",), ("pipeline",), ("pipeline", "--by", "month"), ("pipeline", "--stalled")]
# Their numbers and header words alone take more than 80 columns: at 80 they are printed in blocks of columns.
WIDER_THAN_80 = [
    ("pipeline", "--by", "owner"),
    ("concessions",),
    ("concessions", "D-1"),
    ("ageing",),
    ("ageing", "--by", "customer"),
]


def on(offset: int) -> str:
    return (D0 + timedelta(days=offset)).isoformat()


def ok(cli: Dealflow, *args: str) -> None:
    result = cli(*args)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Dealflow:
    """D-1 won, invoiced and partly paid after concessions, with a long title; D-2 in yen; D-3 with a
    hostile 100 KB title. The width of a table owes nothing to the store, so SQLite alone."""
    cli = Dealflow(str(Path(tmp_path_factory.mktemp("width")) / "dealflow.db"))
    opening = ("--value", "412500", "--currency", "GBP", "--id", "D-1", "--owner", "dev.patel", "--on", on(0))
    ok(cli, "open", "Harrow & Finch Insurance", "--title", TITLE, *opening)
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
        ("act", "D-1", "submit-proposal", "--quotation", "412500"),
        ("advance", "D-1", "--evidence", "kick-off"),
        ("bottom-line", "D-1", "--term", "price", "--value", "380000"),
        ("concede", "D-1", "--term", "price", "--by", "us", "--from", "412500", "--to", "398000"),
        ("sign", "D-1", "--amount", "398000"),
    ):
        ok(cli, *step, "--on", on(10))
    ok(cli, "invoice", "D-1", "INV-1", "--amount", "398000", "--due", on(40), "--issued", on(10), "--on", on(10))
    ok(cli, "pay", "INV-1", "--amount", "25000.5", "--on", on(50))
    ok(cli, "open", "Kawasaki Heavy", "--title", "Robots", "--value", "98000000", "--currency", "JPY", "--id", "D-2")
    ok(cli, "open", "Mallory Ltd", "--title", HOSTILE, "--value", "1000", "--currency", "EUR", "--id", "D-3")
    return cli


def lines(book: Dealflow, *args: str, columns: int) -> list[str]:
    done = book.run(*args, columns=columns)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize(
    ("command", "columns"),
    [(command, columns) for command in FIT_IN_80 + WIDER_THAN_80 for columns in (80, 200)],
    ids=str,
)
def test_every_line_of_a_table_fits_the_terminal(book, command, columns):
    shown = lines(book, *command, columns=columns)

    assert len(shown) > 1
    assert max(map(display_width, shown)) <= columns


@pytest.mark.parametrize("command", WIDER_THAN_80, ids=" ".join)
def test_a_table_too_wide_for_the_terminal_is_printed_in_blocks_keeping_every_number_whole(book, command):
    fitted, wide = lines(book, *command, columns=80), lines(book, *command, "--wide", columns=80)

    assert max(map(display_width, fitted)) <= 80 < max(map(display_width, wide))
    assert len(fitted) > len(wide)  # the columns that did not fit, in a block of their own below
    numbers = {word for line in wide for word in line.split() if word[0].isdigit() and "," in word}
    assert numbers == {word for line in fitted for word in line.split() if word[0].isdigit() and "," in word}


def test_wide_keeps_a_long_title_whole(book):
    assert not any(TITLE in line for line in lines(book, "deals", columns=80))
    assert any(TITLE in line for line in lines(book, "deals", "--wide", columns=80))


def test_without_a_terminal_nor_columns_a_table_is_whole(book):
    done = book.run("deals")

    assert any(TITLE in line for line in done.stdout.splitlines())


def test_amounts_are_right_aligned_with_separators_and_their_currency_s_decimals(book):
    shown = lines(book, "deals", columns=200)
    header, rows = shown[0], {line.split()[0]: line for line in shown[1:]}
    end = header.index("VALUE") + len("VALUE")

    assert rows["D-1"][:end].endswith(" 398,000.00")  # the value signed
    assert rows["D-2"][:end].endswith(" 98,000,000")  # yen have no decimals
    assert rows["D-3"][:end].endswith(" 1,000.00")


def test_the_ageing_shows_the_invoiced_amount_and_the_balance_after_a_payment_of_cents(book):
    shown = "\n".join(lines(book, "ageing", columns=80))

    assert " 398,000.00 " in shown and " 372,999.50" in shown


def test_a_hostile_title_of_100_kb_is_escaped_and_still_fits(book):
    for columns in (80, 200):
        shown = lines(book, "deals", columns=columns)
        assert len(shown) == 4  # the title's line break makes no row of its own
        assert max(map(display_width, shown)) <= columns
        assert "\x1b" not in "".join(shown) and "\u202e" not in "".join(shown)
    history = lines(book, "history", "D-3", columns=80)
    assert len(history) == 2 and display_width(history[1]) <= 80


def test_the_json_still_carries_the_exact_amounts_and_text(book):
    done = book.run("deals", "--json", columns=80)

    deals = {deal["id"]: deal for deal in json.loads(done.stdout)}
    assert deals["D-3"]["title"] == HOSTILE
    assert (deals["D-1"]["value"], deals["D-2"]["value"]) == ("398000", "98000000")
