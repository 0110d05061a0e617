"""Reports from the projections: pipeline, concessions, ageing. Each catches the projections up
with the log before it answers, so it always includes the last thing recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit, output_options
from dealflow.cli.params import DATE

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from dealflow.reports.report import Report

as_of_option = click.option(
    "--as-of", "as_of", type=DATE, help="As it stood at the end of this day (YYYY-MM-DD), from when things happened."
)


def _report(session: Session, build: Callable[[Connection], Report], output: str) -> None:
    """Catch up, build the report, print it; exit 1 after it when it stops before the log's end
    at an event a newer dealflow wrote (storeformat.py): a report never leaves events out unsaid."""
    from dealflow.projections.runner import Projections

    with Projections(session.app) as projections:
        projections.catch_up()
        with projections.reading() as connection:
            report = build(connection)
        newer, head = projections.log.newer, projections.head()
    emit(report, output)
    if newer is not None:
        from dealflow.storage.storeformat import NewerDealflow

        raise NewerDealflow(
            f"this report counts the events before event {newer} of {head}: event {newer} was written by a newer "
            "dealflow; upgrade dealflow to count it and the events after it"
        )


@click.command()
@as_of_option
@click.option(
    "--by",
    type=click.Choice(("stage", "owner", "account", "month")),
    default="stage",
    show_default=True,
    help="stage: the pipeline, days in stage, conversion, outcomes, lost reasons; "
    "owner or account: each one's pipeline and results; month: forecast by expected close month.",
)
@click.option("--stalled", is_flag=True, help="List the stalled open deals instead, longest idle first.")
@output_options
@pass_session
def pipeline(session: Session, as_of: date | None, by: str, stalled: bool, output: str) -> None:
    """The sales pipeline per stage and currency: deals, value, weighted value, and what became of them.

    Weighted value uses the stage probabilities in force on the day (`dealflow settings show`);
    an open deal is stalled after stalled-days without an event. Currencies are never added together.

    \b
    Example:
      dealflow pipeline
      dealflow pipeline --as-of 2026-03-31 --by owner
      dealflow pipeline --by month --csv > forecast.csv
      dealflow pipeline --stalled
    """
    if stalled and by != "stage":
        raise click.UsageError("--stalled lists deals, not groups: leave out --by")
    from dealflow.reports.pipeline import pipeline_report
    from dealflow.reports.report import as_of_day

    day = as_of_day(as_of)
    settings = session.app.settings(day)
    shown = "stalled" if stalled else by
    _report(
        session,
        lambda c: pipeline_report(c, as_of=day, settings=settings, by=shown, latest=day == date.today()),
        output,
    )


@click.command()
@click.argument("deal", required=False)
@output_options
@pass_session
def concessions(session: Session, deal: str | None, output: str) -> None:
    """The concession history: what we and the customer gave per term, with the method's flags.

    Without DEAL, a summary per deal and term; with DEAL, every concession in order (round, who,
    from, to, size, running total), flagged when ours grew or passed our bottom line, and deadlocks.

    \b
    Example:
      dealflow concessions
      dealflow concessions D-0006 --json
    """
    from dealflow.reports.concessions import concessions_report

    _report(session, lambda c: concessions_report(c, deal), output)


@click.command()
@as_of_option
@click.option(
    "--by",
    type=click.Choice(("invoice", "customer")),
    default="invoice",
    show_default=True,
    help="invoice: each open invoice with its recommended collection step; customer: totals per bucket.",
)
@output_options
@pass_session
def ageing(session: Session, as_of: date | None, by: str, output: str) -> None:
    """Receivables ageing: open balances by days past due (current, 1-30, 31-60, 61-90, over 90).

    Each overdue invoice gets the playbook's collection step, judged against the collection
    thresholds in force on the day. Per currency; totals tie to the open balances.

    \b
    Example:
      dealflow ageing
      dealflow ageing --as-of 2026-06-30 --by customer --csv > ageing.csv
    """
    from dealflow.reports.ageing import ageing_report
    from dealflow.reports.report import as_of_day

    day = as_of_day(as_of)
    settings = session.app.settings(day)
    _report(
        session, lambda c: ageing_report(c, as_of=day, settings=settings, by=by, latest=day == date.today()), output
    )
