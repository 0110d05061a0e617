"""`dealflow export deals`, `history DEAL` and `events`: the book's records rather than its
reports (the deal list, one deal's audit trail, the whole event log) to XLSX, CSV, JSON or JSON Lines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.export_run import checked_as_of, file_options, lazily, projected, run_export
from dealflow.cli.params import DATE


@click.command()
@click.option(
    "--detail", is_flag=True,
    help="Each deal's facts as the workbook's deals sheet gives them: days in stage, last activity, signed, "
    "invoiced, open balance, days past due, concessions by each side.",
)  # fmt: skip
@click.option("--as-of", "as_of", type=DATE, help="With --detail: as the deals stood at the end of this day.")
@file_options
@pass_session
def deals(
    session: Session, detail: bool, as_of: date | None, output: Path | None, fmt: str | None, excel: bool
) -> None:
    """Every deal as `dealflow deals --json` lists it, in the order opened.

    With --detail, each deal's one line of facts, the workbook's deals sheet: its days in the
    stage, the day of its last activity, the amount signed, invoiced and still open, the days its
    oldest open invoice is past due, and the concessions each side made.

    \b
    Example:
      dealflow export deals -o deals.xlsx
      dealflow export deals --format jsonl > deals.jsonl
      dealflow export deals --detail --as-of 2026-06-30 -o q2-deals.xlsx
    """
    from dealflow.exports.writing import Export

    if as_of is not None and not detail:
        raise click.UsageError("--as-of is for --detail: the deal list is the deals as they stand now")
    if detail:
        from dealflow.exports.reports import build_report

        day = checked_as_of(as_of)
        make = lambda reading: Export.of_table(build_report(reading, "deals", as_of=day).tables[0])  # noqa: E731
    else:
        from dealflow.reports.deals import deals_table

        make = lambda reading: Export.of_table(deals_table(reading))  # noqa: E731
    run_export(session, projected(session, make), output, fmt, excel)


@click.command()
@click.argument("deal")
@click.option("--as-of", "as_of", type=DATE, help="Only the events effective on or before this day (YYYY-MM-DD).")
@file_options
@pass_session
def history(session: Session, deal: str, as_of: date | None, output: Path | None, fmt: str | None, excel: bool) -> None:
    """One deal's audit trail (`dealflow history DEAL`), with a summary and every field of each event.

    \b
    Example:
      dealflow export history D-0001 -o D-0001.xlsx
      dealflow export history D-0001 --as-of 2026-03-31 --format json
    """
    from dealflow.cli.history import describe
    from dealflow.exports import sources
    from dealflow.exports.writing import Export

    day = None if as_of is None else checked_as_of(as_of)
    make = lambda: Export.of_trail(sources.history(session.app, deal, as_of=day), describe)  # noqa: E731
    run_export(session, lazily(make), output, fmt, excel)


@click.command()
@click.option("--deal", metavar="ID", help="Only this deal's events.")
@click.option("--from", "start", type=DATE, help="Only events effective on or after this day (YYYY-MM-DD).")
@click.option("--to", "end", type=DATE, help="Only events effective on or before this day (YYYY-MM-DD).")
@file_options
@pass_session
def events(
    session: Session, deal: str | None, start: date | None, end: date | None, output: Path | None, fmt: str | None,
    excel: bool,
) -> None:  # fmt: skip
    """The whole event log in the order recorded: every deal event and settings change, with its position.

    `--format jsonl` is dealflow's interchange format: one event a line, as `history --json` shows
    it, plus its position in the log and its deal's id. The log is read a page at a time.

    \b
    Example:
      dealflow export events -o log.xlsx
      dealflow export events --deal D-0001 --from 2026-01-01 --to 2026-03-31 -o q1.csv
      dealflow export events --format jsonl > log.jsonl
    """
    from dealflow.cli.history import describe
    from dealflow.exports import sources
    from dealflow.exports.writing import Export

    make = lambda: Export.of_trail(sources.log(session.app, deal=deal, start=start, end=end), describe)  # noqa: E731
    run_export(session, lazily(make), output, fmt, excel)
