"""How an export command runs, whatever it exports: the target options, the checks made before
any work, a progress bar on stderr for large exports, and standard output as UTF-8."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dealflow.cli.context import Session
from dealflow.cli.output import say
from dealflow.cli.progress import progress

if TYPE_CHECKING:
    from dealflow.exports.writing import Export
    from dealflow.reports.reading import Reading

F = TypeVar("F", bound=Callable[..., Any])
PROGRESS_FROM = 5_000  # rows: smaller exports finish before a bar would be worth drawing


class Reports(click.Group):
    """Names an unknown report and lists the known ones (exit 2)."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        if args and args[0] not in self.commands:
            raise click.UsageError(f"unknown report {args[0]!r}: choose one of {', '.join(self.commands)}", ctx)
        return super().resolve_command(ctx, args)


def file_options(command: F) -> F:
    """-o, --format and --excel, given to the command as `output`, `fmt` and `excel`."""
    command = click.option("--excel", is_flag=True, help="CSV for Excel: begin the file with a UTF-8 BOM.")(command)
    command = click.option(
        "--format", "fmt", type=click.Choice(("xlsx", "csv", "json", "jsonl")),
        help="Default: from the -o file's extension; CSV on standard output.",
    )(command)  # fmt: skip
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
        help="Write here (whole or not at all). Without it, CSV, JSON or JSON Lines go to standard output.",
    )(command)  # fmt: skip


def run_export(
    session: Session, source: AbstractContextManager[Export], output: Path | None, fmt: str | None, excel: bool
) -> None:
    """Check the target, then build the export and write it (inside `source`: the projections' read).
    No export writes over the store: a copy of the book must never replace the book."""
    from dealflow.exports.files import check_writable, refuse_store, refuse_store_stream
    from dealflow.exports.writing import format_for, write, write_to

    target = None if output in (None, Path("-")) else output
    store = session.store
    if target is None:  # before any work: a bad -o costs nothing
        refuse_store_stream(sys.stdout, store)
    else:
        refuse_store(target, store, given=target)
        check_writable(target)
    chosen = format_for(target, fmt)
    if excel and chosen != "csv":
        raise click.UsageError("--excel adds a byte-order mark to CSV: give it with a .csv file or --format csv")
    with source as made, progress("exporting", made.total, at_least=PROGRESS_FROM, every=1_000) as advance:
        if target is None:
            with _stdout() as out:
                write_to(made, chosen, out, excel=excel, advance=advance)
            return
        written = write(made, chosen, target, store=store, excel=excel, advance=advance)
    say(f"wrote {', '.join(str(path) for path in written)}", err=True)


def report(session: Session, name: str, output: Path | None, fmt: str | None, excel: bool, **options: Any) -> None:
    """Export report `name`, built from the projections with `options`."""
    from dealflow.exports.reports import build_report
    from dealflow.exports.writing import Export

    source = projected(session, lambda reading: Export.of_report(build_report(reading, name, **options)))
    run_export(session, source, output, fmt, excel)


@contextmanager
def projected(session: Session, make: Callable[[Reading], Export]) -> Iterator[Export]:
    """An export read from the projections, caught up first; they stay open while it is written."""
    from dealflow.reports.reading import caught_up

    with caught_up(
        session.app, lambda behind: progress("catching up", behind, at_least=PROGRESS_FROM, every=1_000)
    ) as reading:
        yield make(reading)


@contextmanager
def _stdout() -> Iterator[io.TextIOWrapper]:
    """Standard output as UTF-8 text that keeps CSV's CRLF, whatever the locale says (click 8.5
    deprecates its own stream getters). A reader that stops early (`| head`) ends the export quietly."""
    sys.stdout.flush()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    try:
        yield out
        out.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's advice: no 2nd error at exit
        raise click.exceptions.Exit(1) from None
    finally:
        out.detach()


@contextmanager
def lazily(make: Callable[[], Export]) -> Iterator[Export]:
    yield make()


def checked_as_of(as_of: date | None) -> date:
    from dealflow.reports.report import as_of_day

    return as_of_day(as_of)
