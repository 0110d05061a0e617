"""How an import command runs, whatever it imports: the options of every import and of CSV
files, the rejects file, the progress bar on stderr, and the summary it prints."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dealflow.cli.output import emit_json, say
from dealflow.cli.params import DATE
from dealflow.cli.progress import progress

if TYPE_CHECKING:
    from dealflow.imports.outcome import Summary

F = TypeVar("F", bound=Callable[..., Any])
PROGRESS_FROM = 1 << 20  # bytes: smaller files are done before a bar would be worth drawing


def _options(command: F, *options: Callable[[F], F]) -> F:
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class ImportRun:
    """What every import is told: the file, and how to run (FILE, --skip-bad, --rejects, --dry-run, --json)."""

    file: Path
    skip_bad: bool
    rejects: Path | None
    dry_run: bool
    as_json: bool


@dataclass(frozen=True)
class CsvReading:
    """How to read a CSV export: columns, defaults, dates, money, encoding."""

    mapped: tuple[str, ...]
    defaults: tuple[str, ...]
    date_format: str
    default_date: date | None
    currency: str | None
    decimal_comma: bool
    encoding: str
    delimiter: str


def _gathered(command: F, name: str, shape: type) -> F:
    """`command` given its options of `shape` as one argument, `name`, rather than one each."""
    fields = shape.__dataclass_fields__  # type: ignore[attr-defined]

    @functools.wraps(command)
    def gathering(*args: Any, **kwargs: Any) -> Any:
        given = shape(**{key: kwargs.pop(key) for key in fields})
        return command(*args, **{name: given}, **kwargs)

    return gathering  # type: ignore[return-value]


def import_options(command: F) -> F:
    """FILE, --skip-bad, --rejects, --dry-run, --json: given to `command` as `run`, an `ImportRun`."""
    return _options(
        _gathered(command, "run", ImportRun),
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--skip-bad", is_flag=True, help="Import the good rows and write the bad ones to --rejects."),
        click.option(
            "--rejects",
            type=click.Path(dir_okay=False, path_type=Path),
            metavar="FILE",
            help="Where rejected rows go, with their reasons (CSV); default FILE-rejects.csv beside FILE.",
        ),
        click.option(
            "--dry-run", is_flag=True, help="Check the whole file and say what would be imported; write nothing."
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
    )


def csv_options(command: F) -> F:
    """How to read a CSV export: given to `command` as `csv`, a `CsvReading`."""
    return _options(
        _gathered(command, "csv", CsvReading),
        click.option(
            "--map",
            "mapped",
            multiple=True,
            metavar="FIELD=COLUMN",
            help="The column holding FIELD (repeatable); common column names are found without it.",
        ),
        click.option(
            "--default",
            "defaults",
            multiple=True,
            metavar="FIELD=VALUE",
            help="The value of FIELD where its cell is blank or there is no column (repeatable).",
        ),
        click.option(
            "--date-format",
            default="ISO",
            show_default=True,
            metavar="FORMAT",
            help="How dates are written: ISO (2026-03-31) or a strptime format such as %m/%d/%Y.",
        ),
        click.option(
            "--default-date",
            type=DATE,
            metavar="DATE",
            help="The date for rows that lack one they need (counted in the summary).",
        ),
        click.option("--currency", metavar="CODE", help="The ISO 4217 currency of rows that give none, e.g. EUR."),
        click.option("--decimal-comma", is_flag=True, help="Amounts are written 1.250,50 (else 1,250.50 or 1250.50)."),
        click.option("--encoding", default="utf-8", show_default=True, help="The file's text encoding, e.g. cp1252."),
        click.option(
            "--delimiter",
            default=",",
            show_default=True,
            callback=_one_character,
            help="The cell separator: one character, e.g. ';', or 'tab'.",
        ),
    )


DELIMITER_NAMES = {"tab": "\t", "\\t": "\t"}  # a tab is hard to type in a shell


def _one_character(ctx: click.Context, param: click.Parameter, value: str) -> str:
    delimiter = DELIMITER_NAMES.get(value.lower(), value)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise click.UsageError(
            f"--delimiter takes one character, e.g. ';' or 'tab' (not a quote or a line break); got {value!r}", ctx
        )
    return delimiter


def rejects_path(file: Path, given: Path | None) -> Path:
    """Where the rejects go, checked before any work: a folder that does not exist is bad usage."""
    from dealflow.imports.rejects import default_path

    path = given or default_path(file)
    if not path.parent.is_dir():
        raise click.BadParameter(f"{path}: folder {path.parent} does not exist", param_hint="--rejects")
    return path


def bar_for(size: int) -> Callable[[str, int], AbstractContextManager[Callable[[int], None]]]:
    """A progress bar on stderr for files large enough to want one."""

    @contextmanager
    def bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
        if size < PROGRESS_FROM:
            yield _unseen
            return
        with progress(label, total) as advance:
            yield advance or _unseen

    return bar


def _unseen(steps: int) -> None:
    """The progress of an import too small for a bar."""


def print_summary(summary: Summary, as_json: bool) -> None:
    from dealflow.imports.outcome import Outcome

    if as_json:
        emit_json(summary.as_dict())
        return
    imported = summary.outcomes[Outcome.IMPORTED]
    verb = "would import" if summary.dry_run else "imported"
    made = ", ".join(f"{what} {count:,}" for what, count in summary.created.items())
    say(
        f"{verb} {imported:,} {_plural(summary.noun, imported)} from {summary.file} "
        f"({summary.events:,} {_plural('event', summary.events)}){': ' + made if made else ''}"
    )
    click.echo(f"  rows read: {summary.read:,}")
    for outcome in (Outcome.ALREADY, Outcome.DUPLICATE, Outcome.CHANGED, Outcome.BAD):
        if summary.outcomes[outcome]:
            click.echo(f"  skipped, {outcome}: {summary.outcomes[outcome]:,}")
            if outcome is Outcome.BAD:
                for problem, count in summary.problems.most_common():
                    say(f"    {problem}: {count:,}")
    if summary.defaulted:
        click.echo(f"  dated by --default-date: {summary.defaulted:,}")
    if summary.rejects:
        say(f"  rejected rows, with why: {summary.rejects}")
    for example in summary.examples:
        say(f"dealflow: {example}", err=True, quoted=True)


def _plural(noun: str, count: int) -> str:
    return noun if count == 1 else f"{noun}s"


def run_import(session: Any, source: Any, kind: Any, run: ImportRun, rejects: Path) -> None:
    """Run an import of any kind on the session's store, with a progress bar, and print its summary."""
    from dealflow.exports.files import refuse_store
    from dealflow.imports.runner import Import

    refuse_store(rejects, session.store, given=rejects, option="--rejects")  # it would overwrite the book
    summary = Import(
        session.app,
        source,
        kind,
        session.actor,
        skip_bad=run.skip_bad,
        dry_run=run.dry_run,
        rejects=rejects,
        bar=bar_for(source.size),
    ).run()
    print_summary(summary, run.as_json)
    if run.skip_bad and (error := summary.nothing_good()):
        raise error
