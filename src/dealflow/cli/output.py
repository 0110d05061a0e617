"""One way to print: `--json` for scripts, `--csv` for spreadsheets, an aligned table or key/value
block for people. What people read is shown safe (cli/safe.py): each row one line, no character the
terminal would obey; JSON and CSV carry the exact text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dealflow.aggregates.money import canonical
from dealflow.cli.safe import cut, fit, shown
from dealflow.exports.json_writer import one_line, plain

if TYPE_CHECKING:
    from dealflow.reports.report import Report
    from dealflow.reports.table import Table

F = TypeVar("F", bound=Callable[..., Any])
# Wider cells are cut, ending in "…": a 100 KB note must not push every other row of a table off the
# screen. Wide enough for the longest line the demo's history shows (140); --json has the whole text.
CELL_COLUMNS = 200


def json_option(command: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON (the documented contract) instead of text."
    )(command)


def output_options(command: F) -> F:
    """`--json` and `--csv`, given to the command as one `output` argument: "text", "json" or "csv"."""
    command = click.option(
        "--csv",
        "output",
        flag_value="csv",
        help="Print CSV: one header row, then the rows (a report of several parts begins each row with its part).",
    )(command)
    command = click.option("--json", "output", flag_value="json", help="Print JSON (the documented contract).")(command)
    return click.option("--text", "output", flag_value="text", default=True, hidden=True)(command)


def emit(report: Report, output: str) -> None:
    """Print a report: its facts and each of its tables, as text, JSON or CSV."""
    if output == "json":
        emit_json({**report.facts, **{table.name: list(table.rows) for table in report.tables}}, compact=True)
    elif output == "csv":
        print_csv(report.tables)
    else:
        print_fields(report.facts.items())
        for table in report.tables:
            rows = list(table.rows)
            click.echo(f"\n{table.name.replace('_', ' ')}:")
            if rows:
                print_table(rows, [column.key for column in table.columns])
            else:
                click.echo("  (none)")


def print_csv(tables: Sequence[Table]) -> None:
    """Tables as one CSV: cells made safe for spreadsheets (OWASP), numbers and dates as plain text."""
    from dealflow.exports.csv_writer import csv_cell

    keys = list(dict.fromkeys(column.key for table in tables for column in table.columns))
    several = len(tables) > 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(key) for key in (["part", *keys] if several else keys)])
    for table in tables:
        for row in table.rows:
            cells = [csv_cell(row.get(key)) for key in keys]
            writer.writerow([table.name, *cells] if several else cells)
    click.echo(buffer.getvalue(), nl=False)


def emit_json(data: Any, *, compact: bool = False) -> None:
    """JSON on stdout; `compact` (one line) for reports of thousands of rows: measured on a 6,000-invoice
    ageing, indenting takes 40 ms in Python's pure encoder, one line 13 ms in its C encoder."""
    if compact:
        click.echo(one_line(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_plain_value)))
    else:
        click.echo(one_line(json.dumps(plain(data), ensure_ascii=False, indent=2)))


@lru_cache(maxsize=65_536)  # reports repeat amounts; equal amounts have one canonical text
def _amount_text(amount: Decimal) -> str:
    return str(canonical(amount))


def _plain_value(value: Any) -> Any:
    """What the C encoder cannot write itself: amounts as exact decimal strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return _amount_text(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(text(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def print_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """An aligned table, one line per row, each cell shown safe and at most CELL_COLUMNS wide."""
    cells = [[fit(shown(text(row.get(column))), CELL_COLUMNS) for column in columns] for row in rows]
    widths = [max([len(column), *(line[i][1] for line in cells)]) for i, column in enumerate(columns)]
    lines = ["  ".join(column.upper().ljust(width) for column, width in zip(columns, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(
            shown_cell + " " * (width - used) for (shown_cell, used), width in zip(line, widths, strict=True)
        ).rstrip()
        for line in cells
    ]
    click.echo("\n".join(lines))


def cell(value: Any) -> str:
    """A value as a table shows it: safe, and at most CELL_COLUMNS wide."""
    return cut(shown(text(value)), CELL_COLUMNS)


def print_fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """`key  value` lines, the values shown safe and whole."""
    pairs = list(pairs)
    width = max((len(key) for key, _ in pairs), default=0)
    for key, value in pairs:
        click.echo(f"{key.ljust(width)}  {shown(text(value))}")


def say(line: str, *, err: bool = False, quoted: bool = False) -> None:
    """One line for people that holds user text (a deal id, an owner, a reason), shown safe;
    `quoted` for a message that quotes its values with repr() (see `shown`)."""
    click.echo(shown(line, quoted=quoted), err=err)
