"""`dealflow agenda`: what the method asks next across the book, most urgent first."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import click

from dealflow.aggregates.limits import Range
from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit, json_option, print_table, room, say, wide_option
from dealflow.cli.params import WholeNumber
from dealflow.cli.reports import as_of_option, owner_option
from dealflow.cli.safe import shown

LIMIT = Range(Decimal(1), Decimal(1_000_000_000))
PROSE = 100  # the coaching's width at most
SHOWN = 50  # items listed unless --limit or --all says otherwise: a day's work, not the whole book
TEXT_COLUMNS = ("rank", "deal", "account", "owner", "days", "what", "step")


@click.command()
@owner_option
@as_of_option
@click.option(
    "--limit", type=WholeNumber(LIMIT), default=SHOWN, show_default=True, help="At most N items, the most urgent."
)
@click.option("--all", "every", is_flag=True, help="Every item, however many.")
@wide_option
@json_option
@pass_session
def agenda(session: Session, owner: str | None, as_of: date | None, limit: int, every: bool, as_json: bool) -> None:
    """What the method asks next across the book, most urgent first.

    \b
    In this order, the longest waiting first within each kind:
      overdue       invoices past due, with the collection step their cause calls for
                    (the cause of the latest chase; none recorded: the overdue-by-amount matrix)
      close-passed  open deals whose expected close date has passed
      stalled       open deals without an event for stalled-days (a setting, 30 by default),
                    as `pipeline --stalled` counts them
      exit-signal   what each open deal's stage exit signal still misses, as `show` lists it:
                    the deals nearest signing first, then the longest in their stage

    DAYS is how long each item has waited: days past due, since the close date, without an event,
    in the stage. --json gives each item the seed's advice too (coaching) where it has some: the
    remedy for an invoice's cause, what marks a relationship level, the proposal's parts. Answers
    from the projections, caught up first.

    \b
    Example:
      dealflow agenda
      dealflow agenda --owner ana
      dealflow agenda --as-of 2026-06-30 --all --json
    """
    from dealflow.projections.runner import Projections
    from dealflow.reports.agenda import agenda_report
    from dealflow.reports.deals import named_owners
    from dealflow.reports.report import as_of_day

    day = as_of_day(as_of)
    settings = session.app.settings(day)
    latest = day == date.today()
    with Projections(session.app) as projections:
        projections.catch_up()
        with projections.reading() as connection:
            owners = (
                None if owner is None else named_owners(connection, owner, as_of=None if latest else day.toordinal())
            )
            report = agenda_report(
                connection,
                as_of=day,
                settings=settings,
                latest=latest,
                owners=owners,
                limit=None if every else limit,
                deal_history=projections.log.deal_events,
            )
        newer, head = projections.log.newer, projections.head()
    if owners == []:
        say(f"note: no owner's name is or begins with {owner!r}: the agenda is empty", err=True, quoted=True)
    if as_json:
        emit(report, "json")
    else:
        _print(report.facts, list(report.tables[0].rows))
    if newer is not None:
        from dealflow.storage.storeformat import NewerDealflow

        raise NewerDealflow(
            f"the agenda counts the events before event {newer} of {head}: event {newer} was written by a newer "
            "dealflow; upgrade dealflow to count it and the events after it"
        )


def _print(facts: dict[str, Any], rows: list[Mapping[str, Any]]) -> None:
    counts = ", ".join(f"{count} {kind}" for kind, count in facts["counts"].items())
    said = f"agenda as of {facts['as_of'].isoformat()}: {facts['total']} items ({counts})"
    width = room()
    click.echo(
        said if width is None else "\n".join(textwrap.wrap(said, width, subsequent_indent="  ", break_on_hyphens=False))
    )
    if rows:
        print_table(rows, TEXT_COLUMNS, yielding=("account", "what"))  # the step to take is cut last
        _coaching(rows)
    if facts["shown"] < facts["total"]:
        click.echo(f"the first {facts['shown']} shown: --limit N or --all for more", err=True)


def _coaching(rows: list[Mapping[str, Any]]) -> None:
    """The seed's advice for the items listed, each piece once, after the ranks it concerns ("1-4, 10: ..."),
    wrapped to the terminal, and at PROSE at most: prose reads best so."""
    ranks: dict[str, list[int]] = {}
    for row in rows:
        if row.get("coaching"):
            ranks.setdefault(row["coaching"], []).append(row["rank"])
    if not ranks:
        return
    click.echo("\ncoaching:")
    wrapper = textwrap.TextWrapper(min(room() or PROSE, PROSE), "  ", "      ", break_on_hyphens=False)
    for advice, concerned in ranks.items():
        click.echo("\n".join(wrapper.wrap(shown(f"{_runs(concerned)}: {advice}"))))


def _runs(ranks: list[int]) -> str:
    """1, 2, 3, 4, 10 as "1-4, 10"."""
    runs: list[list[int]] = []
    for rank in ranks:
        if runs and rank == runs[-1][-1] + 1:
            runs[-1].append(rank)
        else:
            runs.append([rank])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)
