"""One way to print: `--json` for scripts, `--csv` for spreadsheets, an aligned table or key/value
block for people. What people read is shown safe (cli/safe.py): each row one line, no character the
terminal would obey; JSON and CSV carry the exact text. A command that offers `--wide` fits its tables
and fields to the terminal (cli/layout.py); one that does not never cuts them shorter than CELL_COLUMNS."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dealflow.cli.safe import cut, shown
from dealflow.exports.json_writer import encode

if TYPE_CHECKING:
    from dealflow.reports.report import Report
    from dealflow.reports.table import Cell, Table

F = TypeVar("F", bound=Callable[..., Any])
# Wider cells are cut, ending in "…": a 100 KB note must not push every other row of a table off the
# screen. Wide enough for the longest line the demo's history shows (140); --json has the whole text.
CELL_COLUMNS = 200
NONE = "-"  # the one sign for "none" wherever people read: a cell, a field, a table without rows


def json_option(command: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON (the documented contract) instead of text."
    )(command)


WIDE = "dealflow.wide"  # click's context meta: `--wide` was given


def _keep_wide(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[WIDE] = True


def wide_option(command: F) -> F:
    """`--wide`: print every text column whole, not fitted to the terminal's width (read by `print_table`)."""
    return click.option(
        "--wide",
        is_flag=True,
        expose_value=False,
        callback=_keep_wide,
        help="Keep text columns whole instead of fitting the table to the terminal's width.",
    )(command)


def is_wide() -> bool:
    context = click.get_current_context(silent=True)
    return bool(context is not None and context.meta.get(WIDE))


def room() -> int | None:
    """The columns a table or fields block may take: the terminal's (cli/layout.py), or None to keep
    cells whole: with `--wide`, and in a command without `--wide`, which would give no way to see them."""
    context = click.get_current_context(silent=True)
    if context is None or is_wide() or not any(param.name == "wide" for param in context.command.params):
        return None
    from dealflow.cli.layout import terminal_width

    return terminal_width()


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
                print_table(rows, [column.key for column in table.columns], {c.key: c.kind for c in table.columns})
            else:
                click.echo(f"  {NONE}")


def print_csv(tables: Sequence[Table]) -> None:
    """Tables as one CSV (see `write_csv`), lines ending as the terminal's do."""
    from dealflow.exports.csv_writer import write_csv

    buffer = io.StringIO()
    write_csv(tables, buffer, lineterminator="\n")
    click.echo(buffer.getvalue(), nl=False)


def emit_json(data: Any, *, compact: bool = False) -> None:
    """JSON on stdout; `compact` (one line) for reports of thousands of rows (see `encode`)."""
    click.echo(encode(data, compact=compact))


def text(value: Any) -> str:
    """A value as one line of text: none as NONE, yes/no, dates ISO, lists and mappings joined."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(text(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def print_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    kinds: Mapping[str, Cell] | None = None,
    *,
    yielding: Collection[str] = (),
) -> None:
    """An aligned table, one line per row, each cell shown safe and at most CELL_COLUMNS wide, numbers
    right-aligned; fitted to the terminal where the command offers `--wide` (cli/layout.py), the
    `yielding` columns cut first."""
    from dealflow.cli.layout import table_lines

    click.echo("\n".join(table_lines(list(rows), columns, kinds, room(), yielding)))


def cell(value: Any) -> str:
    """A value as a table shows it: safe, and at most CELL_COLUMNS wide."""
    return cut(shown(text(value)), CELL_COLUMNS)


def print_fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """`key  value` lines, the values shown safe, numbers as a table shows them; whole, or cut to the
    terminal's width where the command offers `--wide` (cli/layout.py)."""
    from dealflow.cli.layout import MIN_TEXT, number_shown

    pairs = list(pairs)
    width = max((len(key) for key, _ in pairs), default=0)
    limit = room()
    for key, value in pairs:
        shown_value = number_shown(value, key, None, None) or shown(text(value))
        if limit is not None:
            shown_value = cut(shown_value, max(limit - width - 2, MIN_TEXT))
        click.echo(f"{key.ljust(width)}  {shown_value}")


def say(line: str, *, err: bool = False, quoted: bool = False) -> None:
    """One line for people that holds user text (a deal id, an owner, a reason), shown safe;
    `quoted` for a message that quotes its values with repr() (see `shown`)."""
    click.echo(shown(line, quoted=quoted), err=err)
