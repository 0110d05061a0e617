"""`dealflow export`, the command group and its report commands: a report to XLSX, CSV, JSON or
JSON Lines, or every report in one workbook. The deal list and the audit trails are in
cli/export_records.py; how an export runs is in cli/export_run.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.export_records import deals, events, history
from dealflow.cli.export_run import Reports, checked_as_of, file_options, projected, report, run_export
from dealflow.cli.params import DATE

as_of_option = click.option(
    "--as-of", "as_of", type=DATE, help="As it stood at the end of this day (YYYY-MM-DD); default today."
)


@click.group(cls=Reports)
def export() -> None:
    """Export a report, the deals, an audit trail or the event log to XLSX, CSV, JSON or JSON Lines.

    The format follows the -o file's extension unless --format is given. XLSX has typed cells
    (numbers, dates), a frozen header, filters and charts, and the same data gives the same bytes.
    CSV is UTF-8 (--excel: with a BOM), ISO dates, plain amounts with the currency in a column of
    its own, and text that a spreadsheet could run as a formula (= + - @) made inert. JSON and JSON
    Lines hold the same rows as the `--json` outputs. A report of several tables becomes one sheet
    per table in XLSX and, in CSV, one file per table beside the name given (pipeline.csv ->
    pipeline-stages.csv, pipeline-flow.csv, ...); on standard output each CSV row begins with its
    table's name, in a `part` column. See docs/exports.md.

    \b
    Example:
      dealflow export workbook -o book.xlsx
      dealflow export pipeline -o pipeline.xlsx --as-of 2026-06-30
      dealflow export events --format jsonl > log.jsonl
    """


@export.command()
@as_of_option
@click.option(
    "--by", type=click.Choice(("stage", "owner", "account", "month", "stalled")), default="stage", show_default=True,
    help="As `dealflow pipeline --by`: stage (stages, flow, outcomes, lost reasons), owner, account, month "
    "(the forecast) or stalled (the deals without an event for stalled-days).",
)  # fmt: skip
@file_options
@pass_session
def pipeline(session: Session, as_of: date | None, by: str, output: Path | None, fmt: str | None, excel: bool) -> None:
    """The pipeline report (`dealflow pipeline`), a sheet or CSV file per table.

    \b
    Example:
      dealflow export pipeline -o pipeline.xlsx
      dealflow export pipeline --by owner --as-of 2026-06-30 -o owners.csv
    """
    report(session, "pipeline", output, fmt, excel, as_of=checked_as_of(as_of), by=by)


@export.command()
@click.argument("deal", required=False)
@click.option(
    "--detail", is_flag=True,
    help="Every concession of every deal, one row each (the workbook's `concessions detail` sheet).",
)  # fmt: skip
@file_options
@pass_session
def concessions(
    session: Session, deal: str | None, detail: bool, output: Path | None, fmt: str | None, excel: bool
) -> None:
    """The concession history (`dealflow concessions`): per deal and term, or one deal's in full.

    With --detail, every concession of every deal in one table: the deals in the order opened,
    each deal's concessions in the order recorded, with their rounds and flags.

    \b
    Example:
      dealflow export concessions -o concessions.xlsx
      dealflow export concessions D-0006 --format json
      dealflow export concessions --detail -o rounds.csv
    """
    if detail and deal is not None:
        raise click.UsageError(f"--detail lists every deal's concessions: give {deal} or --detail, not both")
    report(session, "concessions", output, fmt, excel, as_of=date.today(), deal=deal, by="detail" if detail else None)


@export.command()
@as_of_option
@click.option(
    "--by", type=click.Choice(("invoice", "customer")), default="invoice", show_default=True,
    help="invoice: each open invoice with its collection step; customer: totals per bucket.",
)  # fmt: skip
@file_options
@pass_session
def ageing(session: Session, as_of: date | None, by: str, output: Path | None, fmt: str | None, excel: bool) -> None:
    """The receivables ageing (`dealflow ageing`), with a stacked bar per currency in XLSX.

    \b
    Example:
      dealflow export ageing -o ageing.xlsx
      dealflow export ageing --by customer --as-of 2026-06-30 -o ageing.csv --excel
    """
    report(session, "ageing", output, fmt, excel, as_of=checked_as_of(as_of), by=by)


export.add_command(deals)
export.add_command(history)
export.add_command(events)


@export.command()
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="FILE", help="The .xlsx file.")
@as_of_option
@pass_session
def workbook(session: Session, output: Path, as_of: date | None) -> None:
    """Every report in one XLSX workbook, with each deal's facts and every concession.

    The first sheet, "about", gives the as-of date, the store, the position in the event log
    (the last event's number and when it was recorded), the dealflow version and the counts; no
    clock time, so the same data exported twice gives identical bytes. Then "deals", a line of
    facts per deal (`export deals --detail`), a sheet per report table, and "concessions detail",
    every concession of every deal (`export concessions --detail`).

    \b
    Example:
      dealflow export workbook -o book.xlsx
      dealflow export workbook -o q2.xlsx --as-of 2026-06-30
    """
    from dealflow.exports.workbook import workbook_tables
    from dealflow.exports.writing import Export

    if output.suffix.lower() != ".xlsx":
        raise click.BadParameter(f"{output} does not end in .xlsx: a workbook is XLSX", param_hint="-o")
    day = checked_as_of(as_of)

    make = lambda reading: Export.of_sheets(workbook_tables(reading, as_of=day))  # noqa: E731
    run_export(session, projected(session, make), output, "xlsx", False)
