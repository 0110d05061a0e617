"""Reports from the projections: pipeline, concessions, ageing. Each catches the projections up
with the log before it answers, so it always includes the last thing recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit, output_options, say, wide_option
from dealflow.cli.params import DATE

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from dealflow.reports.report import Report

as_of_option = click.option(
    "--as-of", "as_of", type=DATE, help="As it stood at the end of this day (YYYY-MM-DD), from when things happened."
)


owner_option = click.option(
    "--owner", metavar="NAME", help="Only this person's deals: the whole name or its beginning (ana: ana.garcia)."
)
Owners = list[str] | None  # the owners `--owner` names (`reports.deals.named_owners`); None: every deal


def report_of_owners(
    session: Session,
    build: Callable[[Connection, Owners], Report],
    output: str,
    owner: str | None = None,
    *,
    owners_as_of: int | None = None,
    show: Callable[[Report, str], None] | None = None,
) -> None:
    """Catch up, build the report of `owner`'s deals (every deal for None), print it; exit 1 after it
    when it stops before the log's end at an event a newer dealflow wrote (storeformat.py): a report
    never leaves events out unsaid."""
    from dealflow.projections.runner import Projections
    from dealflow.reports.deals import named_owners

    with Projections(session.app) as projections:
        projections.catch_up()
        with projections.reading() as connection:
            owners = None if owner is None else named_owners(connection, owner, as_of=owners_as_of)
            report = build(connection, owners)
        newer, head = projections.log.newer, projections.head()
    if owners == []:
        say(f"note: no owner's name is or begins with {owner!r}: no deal is counted", err=True, quoted=True)
    (show or emit)(report, output)
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
@owner_option
@output_options
@wide_option
@pass_session
def pipeline(session: Session, as_of: date | None, by: str, stalled: bool, owner: str | None, output: str) -> None:
    """The sales pipeline per stage and currency: deals, value, weighted value, and what became of them.

    Weighted value uses the stage probabilities in force on the day (`dealflow settings show`);
    an open deal is stalled after stalled-days without an event. Currencies are never added together.

    \b
    Example:
      dealflow pipeline
      dealflow pipeline --as-of 2026-03-31 --by owner
      dealflow pipeline --by month --csv > forecast.csv
      dealflow pipeline --stalled
      dealflow pipeline --owner ana
    """
    if stalled and by != "stage":
        raise click.UsageError("--stalled lists deals, not groups: leave out --by")
    from dealflow.reports.pipeline import pipeline_report
    from dealflow.reports.report import as_of_day

    day = as_of_day(as_of)
    settings = session.app.settings(day)
    shown, latest = "stalled" if stalled else by, day == date.today()
    report_of_owners(
        session,
        lambda c, owners: pipeline_report(c, as_of=day, settings=settings, by=shown, latest=latest, owners=owners),
        output,
        owner,
        owners_as_of=None if latest else day.toordinal(),
    )


@click.command()
@click.argument("deal", required=False)
@owner_option
@output_options
@wide_option
@pass_session
def concessions(session: Session, deal: str | None, owner: str | None, output: str) -> None:
    """The concession history: what we and the customer gave per term, with the method's flags.

    Without DEAL, a summary per deal and term; with DEAL, every concession in order (round, who,
    from, to, size, running total), flagged when ours grew or passed our bottom line, and deadlocks.

    \b
    Example:
      dealflow concessions
      dealflow concessions D-0006 --json
      dealflow concessions --owner ana
    """
    if deal is not None and owner is not None:
        raise click.UsageError("--owner chooses deals, DEAL one deal: give one of them")
    from dealflow.reports.concessions import concessions_report

    report_of_owners(session, lambda c, owners: concessions_report(c, deal, owners=owners), output, owner)


@click.command()
@as_of_option
@click.option(
    "--by",
    type=click.Choice(("invoice", "customer")),
    default="invoice",
    show_default=True,
    help="invoice: each open invoice with its recommended collection step; customer: totals per bucket.",
)
@owner_option
@output_options
@wide_option
@pass_session
def ageing(session: Session, as_of: date | None, by: str, owner: str | None, output: str) -> None:
    """Receivables ageing: open balances by days past due (current, 1-30, 31-60, 61-90, over 90).

    Each overdue invoice gets the playbook's collection step, judged against the collection
    thresholds in force on the day. Per currency; totals tie to the open balances.

    \b
    Example:
      dealflow ageing
      dealflow ageing --as-of 2026-06-30 --by customer --csv > ageing.csv
      dealflow ageing --owner ana
    """
    from dealflow.reports.ageing import ageing_report
    from dealflow.reports.report import as_of_day

    day = as_of_day(as_of)
    settings = session.app.settings(day)
    latest = day == date.today()
    report_of_owners(
        session,
        lambda c, owners: ageing_report(c, as_of=day, settings=settings, by=by, latest=latest, owners=owners),
        output,
        owner,
    )
