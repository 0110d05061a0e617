"""`dealflow export`, the command group and its report commands: a report to XLSX, CSV, JSON or
JSON Lines, every report in one workbook, or the charts a sales leader reads in one HTML page. The
deal list and the audit trails are in cli/export_records.py; how an export runs is in cli/export_run.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from dealflow.aggregates.limits import Range
from dealflow.cli.context import Session, pass_session
from dealflow.cli.export_records import deals, events, history
from dealflow.cli.export_run import PROGRESS_FROM, Reports, checked_as_of, file_options, projected, report, run_export
from dealflow.cli.params import DATE, WholeNumber
from dealflow.cli.reports import owner_option

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

    `export report` writes the charts a sales leader reads in one HTML page that opens offline.

    \b
    Example:
      dealflow export workbook -o book.xlsx
      dealflow export report -o book.html
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


PERIODS = Range(Decimal(1), Decimal(24), unit="periods")  # two years of months: more is no glance


@export.command("report")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="FILE", help="The .html file.")
@as_of_option
@click.option("--from", "start", type=DATE, help="Movement from the end of this day; default: the quarter to date.")
@click.option("--to", "end", type=DATE, help="Movement to the end of this day; default the --as-of date.")
@click.option(
    "--period", type=click.Choice(("month", "quarter")), default="quarter", show_default=True,
    help="The forecast's periods.",
)  # fmt: skip
@click.option(
    "--periods", type=WholeNumber(PERIODS), default=4, show_default=True,
    help="Forecast periods from the current one; as many past ones are held against what was won.",
)  # fmt: skip
@owner_option
@pass_session
def report_page(
    session: Session,
    output: Path,
    as_of: date | None,
    start: date | None,
    end: date | None,
    period: str,
    periods: int,
    owner: str | None,
) -> None:
    """The sales leader's page: one HTML file of charts, each with its table under it.

    The pipeline's value by stage, its movement from --from to --to as a waterfall per currency,
    the forecast by period with its accuracy in the past periods, and the receivables by days past
    due. The page is whole in itself: it opens offline and fetches nothing. Its header gives the
    as-of date, the store, the dates of the movement, the owner filter and the dealflow version;
    the same data gives the same bytes. By default the movement is the quarter to date: from the
    last day of the quarter before the one --to is in.

    \b
    Example:
      dealflow export report -o book.html
      dealflow export report -o q2.html --as-of 2026-06-30 --period month --periods 6
      dealflow export report -o ana.html --owner ana --from 2026-01-31
    """
    from dealflow.exports.files import atomic_path, check_writable, refuse_store
    from dealflow.reports.periods import quarter_before

    if output.suffix.lower() != ".html":
        raise click.BadParameter(f"{output} does not end in .html: the report page is HTML", param_hint="-o")
    day = checked_as_of(as_of)
    until = day if end is None else checked_as_of(end)
    since = quarter_before(until) if start is None else start
    if since > until:
        raise click.BadParameter(f"--from {since} is after --to {until}: give an earlier --from", param_hint="--from")
    refuse_store(output, session.store, given=output)
    check_writable(output)
    page = _report_page(session, day, since, until, period, periods, owner)
    with atomic_path(output) as temporary:
        temporary.write_text(page, encoding="utf-8", newline="")
    from dealflow.cli.output import say

    say(f"wrote {output}", err=True)


def _report_page(
    session: Session, day: date, since: date, until: date, period: str, periods: int, owner: str | None
) -> str:
    """The four reports read in one transaction, the projections caught up first, made into the page."""
    from dealflow import __version__
    from dealflow.cli.output import say
    from dealflow.cli.progress import progress
    from dealflow.exports.html_report import PageFacts, render_report_html
    from dealflow.reports.ageing import ageing_report
    from dealflow.reports.deals import named_owners
    from dealflow.reports.forecast import forecast_report
    from dealflow.reports.movement import movement_report
    from dealflow.reports.pipeline import pipeline_report
    from dealflow.reports.reading import caught_up

    latest = day == date.today()
    with caught_up(
        session.app, lambda behind: progress("catching up", behind, at_least=PROGRESS_FROM, every=1_000)
    ) as reading:
        app, connection = reading.app, reading.connection
        owners = None if owner is None else named_owners(connection, owner, as_of=None if latest else day.toordinal())
        settings = app.settings(day)
        pipeline = pipeline_report(connection, as_of=day, settings=settings, by="stage", latest=latest, owners=owners)
        movement = movement_report(connection, start=since, end=until, owners=owners)
        forecast = forecast_report(
            connection,
            today=day,
            settings_on=app.settings,
            period=period,
            periods=periods,
            accuracy=True,
            owners=owners,
        )
        ageing = ageing_report(connection, as_of=day, settings=settings, by="invoice", latest=latest, owners=owners)
        store, position = f"{app.store.kind}: {app.store.display}", reading.position
    if owners == []:
        say(f"note: no owner's name is or begins with {owner!r}: no deal is counted", err=True, quoted=True)
    facts = PageFacts(day, store, __version__, position, owner, None if owners is None else tuple(owners))
    return render_report_html(pipeline=pipeline, movement=movement, forecast=forecast, ageing=ageing, facts=facts)
