"""Tables for people that fit the terminal: numbers right-aligned with thousands separators, an amount
with its currency's usual decimals, and the text columns, widest first, cut short with "…" until the
line fits. Numbers, dates, ids and versions are never cut: a line that cannot fit otherwise overflows.

Imported by the commands that print tables only, so recording an event never loads it. Our own code
rather than a library: rich draws such tables too, but importing it costs a read command about 30 ms
more (a third of its start-up), and the cells are ours to make safe (cli/safe.py) either way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dealflow.aggregates.money import MINOR_UNITS
from dealflow.cli.output import CELL_COLUMNS, text
from dealflow.cli.safe import fit, shown
from dealflow.reports.table import Cell

GAP = "  "
MIN_TEXT = 6  # a text column is never cut narrower than this, nor than its header

# Columns of amounts in the tables that are not reports (a report's columns say their kind).
AMOUNT_KEYS = frozenset(
    {"value", "amount", "paid", "written_off", "balance", "signed", "quotation", "total", "weighted", "gift_value"}
)
PLAIN_NUMBER_KEYS = frozenset({"version", "year"})  # numbers people type back: 1234, never 1,234
WHOLE_KEYS = frozenset({"id", "deal", "invoice", "currency", "version", "position", "recorded"})
NUMERIC = frozenset({Cell.MONEY, Cell.NUMBER, Cell.INTEGER, Cell.PERCENT})

_TEXTS = {str, list, tuple, dict, type(None)}  # the values a text column holds
Cells = tuple[str, int, bool]  # a cell's text as shown, the columns it takes, whether it is a number


YIELDED = 16  # a yielding column is cut first, down to this, before the others are cut at all


def terminal_width() -> int | None:
    """`COLUMNS` when set, else the terminal's width when stdout is one; None (no limit) for a pipe."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else None
    except (AttributeError, OSError, ValueError):  # a stream without a file descriptor (a test's, say)
        return None


def minor_units(currency: Any) -> int:
    """The decimals an amount in `currency` is written with; none without a currency."""
    return MINOR_UNITS.get(currency, 2) if isinstance(currency, str) else 0


@lru_cache(maxsize=65_536)  # a report repeats amounts
def amount_shown(amount: Decimal | int, currency: Any) -> str:
    """412,500.00 GBP, 1,000 JPY: the currency's usual decimals, more if the amount was recorded with
    more (1,250.1234), never rounded; without a currency, the decimals it has."""
    exact = amount if isinstance(amount, Decimal) else Decimal(amount)  # an int as a float would be rounded
    exponent = exact.as_tuple().exponent
    places = max(minor_units(currency), -exponent if isinstance(exponent, int) else 0)
    return f"{exact:,.{places}f}"


def number_shown(value: Any, key: str, kind: Cell | None, currency: Any) -> str | None:
    """A number as a table shows it, or None when `value` is no number."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    if kind is Cell.PERCENT:
        return str(value)
    if kind is Cell.MONEY or key in AMOUNT_KEYS or (kind is None and isinstance(value, Decimal)):
        return amount_shown(value, currency)
    if key in PLAIN_NUMBER_KEYS or key == "id" or key.endswith("_id"):
        return str(value)
    return f"{value:,f}" if isinstance(value, Decimal) else f"{value:,}"


def fitted_widths(widths: Sequence[int], minimums: Sequence[int], room: int) -> list[int]:
    """`widths` narrowed until they and the gaps between them fit `room`: the widest column that is
    wider than its minimum first, a column at a time. A column whose minimum is its width never narrows."""
    fitted = list(widths)
    excess = sum(fitted) + len(GAP) * (len(fitted) - 1) - room
    while excess > 0:
        narrowable = [i for i, width in enumerate(fitted) if width > minimums[i]]
        if not narrowable:
            break
        widest = max(narrowable, key=fitted.__getitem__)
        fitted[widest] -= 1
        excess -= 1
    return fitted


def table_lines(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    kinds: Mapping[str, Cell] | None = None,
    room: int | None = None,
    yielding: Collection[str] = (),
) -> list[str]:
    """The header and a line per row, each cell shown safe (cli/safe.py) and at most CELL_COLUMNS wide;
    with `room`, narrowed to fit it if it can: first a header wider than its column's values is wrapped
    at its underscores (PAST_BOTTOM_LINE over three lines), which loses nothing, then text is cut: the
    `yielding` columns first (those a reader can best spare) down to YIELDED, then the widest. A table
    that does not fit even so is printed in blocks of columns (`_blocks`)."""
    kinds = kinds or {}
    cells = [_cells(row, columns, kinds) for row in rows]
    numeric = [kinds.get(column) in NUMERIC or any(line[i][2] for line in cells) for i, column in enumerate(columns)]
    values = [max((line[i][1] for line in cells), default=0) for i in range(len(columns))]
    widths = [max(len(column), width) for column, width in zip(columns, values, strict=True)]
    if room is not None:
        wrapped = [max(width, *map(len, column.split("_"))) for column, width in zip(columns, values, strict=True)]
        widths = fitted_widths(widths, wrapped, room)
        cut = [
            min(width, max(MIN_TEXT, *map(len, column.split("_"))))
            if not numeric[i] and _is_text(column, kinds, rows)
            else width
            for i, (column, width) in enumerate(zip(columns, widths, strict=True))
        ]
        narrowed = widths
        if yielding:
            spared = [
                max(cut[i], min(width, YIELDED)) if column in yielding else width
                for i, (column, width) in enumerate(zip(columns, widths, strict=True))
            ]
            narrowed = fitted_widths(narrowed, spared, room)
        narrowed = fitted_widths(narrowed, cut, room)
        if _span(narrowed) > room and len(columns) > 2:  # too many numbers for the room: in blocks of columns
            first = min(widths[0], max(cut[0], room // 4))
            widths = [first, *(min(width, max(cut[i], room - first - len(GAP))) for i, width in _rest(widths))]
            _cut(cells, widths, values)
            return _blocks(columns, widths, numeric, cells, room)
        widths = narrowed
        _cut(cells, widths, values)
    return [_line(line, widths, numeric) for line in [*_header(columns, widths), *cells]]


def _span(widths: Sequence[int]) -> int:
    return sum(widths) + len(GAP) * (len(widths) - 1)


def _rest(widths: Sequence[int]) -> Iterator[tuple[int, int]]:
    return enumerate(widths[1:], 1)


def _blocks(
    columns: Sequence[str], widths: Sequence[int], numeric: Sequence[bool], cells: list[list[Cells]], room: int
) -> list[str]:
    """A table wider than the room even with its text cut, as pandas prints a wide frame: in blocks of
    the columns that fit, one after the other, each led by the first column (the row's name), so that
    no line is wider than the room and no number is cut."""
    blocks: list[list[int]] = [[0]]
    for i, _ in _rest(widths):
        block = blocks[-1]
        if len(block) > 1 and _span([widths[k] for k in (*block, i)]) > room:
            blocks.append([0])
        blocks[-1].append(i)
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        spans, right = [widths[k] for k in block], [numeric[k] for k in block]
        rows = [*_header([columns[k] for k in block], spans), *([line[k] for k in block] for line in cells)]
        lines += [_line(row, spans, right) for row in rows]
    return lines


def _header(columns: Sequence[str], widths: Sequence[int]) -> list[list[Cells]]:
    """The header's lines: each name on one line, or wrapped at underscores to its column's width,
    its last line just above the values."""
    stacks = [_wrap(column.upper(), width) for column, width in zip(columns, widths, strict=True)]
    depth = max(map(len, stacks), default=1)
    stacks = [[""] * (depth - len(stack)) + stack for stack in stacks]
    return [[(stack[k], len(stack[k]), False) for stack in stacks] for k in range(depth)]


def _wrap(name: str, width: int) -> list[str]:
    """`name` on one line, or its words (split at underscores) on as few lines of `width` as hold them."""
    if len(name) <= width:
        return [name]
    lines: list[str] = []
    for word in name.split("_"):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += "_" + word
        else:
            lines.append(word)
    return lines


def _cells(row: Mapping[str, Any], columns: Sequence[str], kinds: Mapping[str, Cell]) -> list[Cells]:
    """A row's cells: each one's text, the columns it takes, and whether it is a number."""
    cells = []
    for key in columns:
        value = row.get(key)
        if type(value) is str:  # most cells: a table of 100,000 rows feels each step here
            if len(value) <= CELL_COLUMNS and value.isascii() and value.isprintable() and "\\" not in value:
                cells.append((value, len(value), False))  # as `shown` and `fit` leave it, without the calls
            else:
                cells.append((*fit(shown(value), CELL_COLUMNS), False))
            continue
        number = number_shown(value, key, kinds.get(key), row.get("currency"))
        cells.append(
            (number, len(number), True) if number is not None else (*fit(shown(text(value)), CELL_COLUMNS), False)
        )
    return cells


def _cut(cells: list[list[Cells]], widths: Sequence[int], values: Sequence[int]) -> None:
    """Each cell of a narrowed column cut to its width."""
    narrowed = [i for i, (width, wanted) in enumerate(zip(widths, values, strict=True)) if width < wanted]
    for line in cells:
        for i in narrowed:
            cell_text, used, number = line[i]
            if used > widths[i]:
                line[i] = (*fit(cell_text, widths[i]), number)


def _is_text(key: str, kinds: Mapping[str, Cell], rows: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a column may be cut: text, not an id nor a time, whatever its declared kind."""
    if key in WHOLE_KEYS or kinds.get(key, Cell.TEXT) not in (Cell.TEXT, Cell.ANY):
        return False
    return {type(row.get(key)) for row in rows} <= _TEXTS


def _line(cells: Sequence[Cells], widths: Sequence[int], numeric: Sequence[bool]) -> str:
    """One line, each cell padded to its column's width: on the left in a column of numbers (its
    header and NONE too), on the right otherwise."""
    return GAP.join(
        " " * (width - used) + cell_text if right else cell_text + " " * (width - used)
        for (cell_text, used, _), width, right in zip(cells, widths, numeric, strict=True)
    ).rstrip()
