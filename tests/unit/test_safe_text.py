"""User text shown to people (cli/safe.py): one line, nothing a terminal obeys or hides, two different
texts never alike; tables aligned by display width and cut short; error messages escaped whole."""

from __future__ import annotations

import re
import sys
import unicodedata
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealflow.cli.errors import fail
from dealflow.cli.output import CELL_COLUMNS, print_table
from dealflow.cli.safe import ELLIPSIS, cut, display_width, fit, shown

BIDI = ["\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
ESCAPE = re.compile(r"\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")
NAMED = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def read_back(rendered: str) -> str:
    """The text that `shown` rendered: a backslash starts an escape only before \\ n r t x u U."""

    def unescape(match: re.Match[str]) -> str:
        body = match.group(1)
        return NAMED.get(body) or chr(int(body[1:], 16))

    return ESCAPE.sub(unescape, rendered)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb", "a\\nb"),
        ("a\rb", "a\\rb"),
        ("a\tb", "a\\tb"),
        ("\x00", "\\x00"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # OSC: set the window title
        ("\x7f", "\\x7f"),
        ("\x80\x85\x9b\x9f", "\\x80\\x85\\x9b\\x9f"),  # C1, NEL and the one-byte CSI among them
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("\u200b\u200c\u200d\u2060\ufeff\u00ad", "\\u200b\\u200c\\u200d\\u2060\\ufeff\\xad"),  # zero-width, soft hyphen
        ("\U000e0041", "\\U000e0041"),  # a tag character: invisible
        ("\udcff", "\\udcff"),  # a lone surrogate, as an undecodable argument arrives
    ],
)
def test_each_kind_of_character_a_terminal_obeys_or_hides_is_shown_escaped(text, expected):
    assert shown(text) == expected


@pytest.mark.parametrize("control", BIDI)
def test_every_bidirectional_control_is_shown_escaped(control):
    assert shown(f"ana{control}bob") == f"ana\\u{ord(control):04x}bob"


def test_every_control_separator_format_character_and_surrogate_the_running_python_knows_is_escaped():
    hidden = [
        chr(point)
        for point in range(sys.maxunicode + 1)
        if unicodedata.category(chr(point)) in ("Cc", "Cf", "Zl", "Zp", "Cs")
    ]
    missed = [f"U+{ord(char):04X}" for char in hidden if shown(char) == char]
    assert len(hidden) > 2_000 and missed == []  # a newer Unicode's new ones: add them to safe._INVISIBLE


@pytest.mark.parametrize(
    "text",
    [
        "Zürich Versicherung AG — Straße",
        "株式会社トヨタ 日本語",
        "شركة الاتصالات",  # right-to-left letters are text; only the controls that reorder it are escaped
        "e\u0301 ñ 👍 €1,250.50 50% 'quoted' \"double\"",
        r"C:\data\exports\deals.csv",  # a backslash that starts no escape stays as typed
        r"\o/ back\slash",
    ],
)
def test_ordinary_text_in_any_script_is_shown_as_written(text):
    assert shown(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\\n", "\\\\n"),  # the two characters backslash and n, not a line break
        ("\\x1b", "\\\\x1b"),
        ("\\u202e", "\\\\u202e"),
        ("\\\\", "\\\\\\"),  # the first could start an escape, the last starts none
        ("\\\n", "\\\\\\n"),  # a backslash, then a line break
        ("C:\\new", "C:\\\\new"),
        ("ends in \\", "ends in \\"),
    ],
)
def test_a_backslash_that_could_be_read_as_an_escape_is_doubled(text, expected):
    assert shown(text) == expected


CONFUSABLE = ["\n", "\\n", "\\\n", "\\\\n", "\\", "\\\\", "\x1b", "\\x1b", "\\\x1b", "\u202e", "\\u202e", "a\\", "a"]


def test_texts_that_a_naive_escaping_would_show_alike_are_shown_differently():
    for one, other in combinations(CONFUSABLE, 2):
        assert shown(one) != shown(other), (one, other)


@given(st.text(alphabet=st.sampled_from("\\nrtxuU0123456789abcdef e\n\r\t\x1b\x85\u202e\u2028\u200b日")))
def test_a_shown_text_reads_back_as_the_text_so_no_two_texts_show_alike(text):
    assert read_back(shown(text)) == text


@given(st.text())
def test_a_shown_text_of_any_characters_is_one_line_of_visible_characters_and_reads_back(text):
    rendered = shown(text)
    assert read_back(rendered) == text
    assert len(rendered.splitlines()) <= 1
    assert not [char for char in rendered if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs")]


def test_a_message_quoted_with_repr_keeps_its_backslashes_and_has_what_repr_left_escaped():
    message = f"no deal {'D-1' + chr(0x1B)!r} for {'an' + chr(0x202E) + 'a'} at C:\\new"
    assert shown(message, quoted=True) == "no deal 'D-1\\x1b' for an\\u202ea at C:\\new"


@pytest.mark.parametrize(("text", "width"), [("abc", 3), ("日本", 4), ("Ｆｕｌｌ", 8), ("e\u0301", 1), ("", 0)])
def test_the_display_width_counts_wide_characters_twice_and_combining_marks_not_at_all(text, width):
    assert display_width(text) == width


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("a" * 10, 10, "a" * 10),
        ("a" * 11, 10, "a" * 9 + ELLIPSIS),
        ("日本語日本語", 5, "日本" + ELLIPSIS),  # never over the limit, though a wide character would not fit
        ("日本語日本語", 12, "日本語日本語"),
    ],
)
def test_a_text_wider_than_the_limit_is_cut_to_it_ending_in_an_ellipsis(text, limit, expected):
    assert cut(text, limit) == expected
    assert display_width(cut(text, limit)) <= limit


@pytest.mark.parametrize("text", ["a" * 300, "日本語" * 100, "e\u0301" * 300, "short", "日本"])
def test_a_fitted_text_comes_with_the_columns_it_takes(text):
    fitted, used = fit(text, CELL_COLUMNS)
    assert used == display_width(fitted) <= CELL_COLUMNS


def test_a_table_aligns_its_columns_by_display_width_and_cuts_a_huge_cell(capsys):
    rows = [{"account": "日本", "owner": "ana"}, {"account": "Acme", "owner": "bob"}, {"account": "x" * 100_000}]

    print_table(rows, ("account", "owner"))

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    owners = zip(lines[:3], ("OWNER", "ana", "bob"), strict=True)
    starts = {display_width(line[: line.index(owner)]) for line, owner in owners}
    assert starts == {CELL_COLUMNS + 2}  # the cut cell sets the column's width
    assert lines[3] == "x" * (CELL_COLUMNS - 1) + ELLIPSIS + "  -"


def test_a_table_row_with_line_breaks_and_escapes_in_its_cells_stays_one_line(capsys):
    print_table([{"actor": "ana\n2  mallory", "what": "\x1b]0;pwned\x07\u202e"}], ("actor", "what"))

    assert capsys.readouterr().out.splitlines()[1] == "ana\\n2  mallory  \\x1b]0;pwned\\x07\\u202e"


def test_an_error_message_is_one_line_with_no_raw_control_or_bidi_character(capsys):
    with pytest.raises(SystemExit) as exited:
        fail("unknown owner ana\nD-0002  signed for 999999\x1b[2K\u202e", 1)

    assert exited.value.code == 1
    assert capsys.readouterr().err == "dealflow: unknown owner ana\\nD-0002  signed for 999999\\x1b[2K\\u202e\n"
