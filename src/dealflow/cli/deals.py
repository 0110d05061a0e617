"""Opening deals and looking at them: open, show, deals, info."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import click

from dealflow import __version__
from dealflow.aggregates.limits import Range
from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit_json, json_option, print_fields, print_table, say, wide_option
from dealflow.cli.params import DATE, WholeNumber
from dealflow.cli.recording import Recorded, recording
from dealflow.playbook import STAGE_NAMES, Status
from dealflow.reports.deals import FIELDS

SUMMARY_COLUMNS = ("id", "account", "title", "owner", "status", "stage", "action", "value", "currency")
LIMIT = Range(Decimal(1), Decimal(1_000_000_000))  # `deals --limit`


@click.command("open")
@click.argument("account")
@click.option("--title", required=True, help="What the deal is about.")
@click.option("--value", metavar="AMOUNT", help="Expected value, e.g. 120000 or 1250.50.")
@click.option("--currency", metavar="CODE", help="ISO 4217 currency of the value, e.g. EUR.")
@click.option("--owner", metavar="NAME", help="The salesperson who owns it; default the actor.")
@click.option("--close-by", type=DATE, help="Expected close date (YYYY-MM-DD).")
@click.option("--id", "deal_id", metavar="ID", help="Your own deal id; default the next D-NNNN.")
@recording
def open_deal(
    session: Session,
    account: str,
    title: str,
    value: str | None,
    currency: str | None,
    owner: str | None,
    close_by: date | None,
    deal_id: str | None,
    on: date | None,
) -> Recorded:
    """Open a deal with a target customer: it starts in customer analysis.

    Warns (and opens it) when the account already has an open deal: `dealflow deals --account` lists them.

    \b
    Example:
      dealflow open "Acme Corp" --title "ERP rollout" --value 120000 --currency EUR --close-by 2027-03-31
    """
    new_id = session.app.open_deal(
        account=account,
        title=title,
        actor=session.actor,
        deal_id=deal_id,
        owner=owner,
        value=value,
        currency=currency,
        close_by=close_by,
        on=on,
    )
    from dealflow.reports.deals import other_open_deals

    others = other_open_deals(session.app, account, new_id)
    notes: tuple[str, ...] = ()
    if others:
        listed = ", ".join(f"{deal.deal_id} ({deal.owner})" for deal in others)
        notes = (f"warning: {account} already has {len(others)} open deal(s): {listed}",)
    return Recorded(lambda: {"id": new_id}, (new_id,), notes)


@click.command()
@click.option("--account", metavar="TEXT", help="Only deals whose account holds TEXT, in any case.")
@click.option("--search", metavar="TEXT", help="Only deals whose id, account or title holds TEXT, in any case.")
@click.option(
    "--owner", metavar="NAME", help="Only this person's deals: the whole name or its beginning (ana: ana.garcia)."
)
@click.option("--stage", type=click.Choice(STAGE_NAMES), help="Only deals in this stage.")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only deals with this status.")
@click.option("--close-before", type=DATE, help="Only deals expected to close before this day (YYYY-MM-DD).")
@click.option(
    "--sort", type=click.Choice(FIELDS), help="In the order of this field, then opened (default: the order opened)."
)
@click.option("--desc", is_flag=True, help="Highest, latest or last in the alphabet first.")
@click.option("--limit", type=WholeNumber(LIMIT), help="At most N deals, the first in that order.")
@json_option
@wide_option
@pass_session
def deals(
    session: Session,
    account: str | None,
    search: str | None,
    owner: str | None,
    stage: str | None,
    status: str | None,
    close_before: date | None,
    sort: str | None,
    desc: bool,
    limit: int | None,
    as_json: bool,
) -> None:
    """List deals, or find some by their facts.

    In the order they were opened unless --sort says otherwise. Answers from the projections, caught
    up first, at once whatever the size of the book. Text is found within a field in any case, taken
    as typed (% and _ are themselves).

    \b
    Example:
      dealflow deals --owner ana --stage value
      dealflow deals --search acme
      dealflow deals --status open --close-before 2026-06-30 --sort value --desc --limit 10
      dealflow deals --status won --json
    """
    from dealflow.projections.runner import Projections
    from dealflow.reports.deals import DealFilter, holding, listed, named_owners

    with Projections(session.app) as projections:
        projections.catch_up()
        newer = projections.log.newer  # the projections stop before it: see storage/storeformat.py
        with projections.reading() as connection:
            owners = None if owner is None else named_owners(connection, owner)
            held = None if newer is None else holding(session.app, connection, newer)
            chosen = DealFilter(
                account=account,
                search=search,
                owners=owners,
                stage=stage,
                status=status,
                close_before=close_before,
                sort=sort,
                descending=desc,
                limit=limit,
                leave_out=None if held is None else held[0],
            )
            rows = list(listed(connection, chosen))
        head = projections.head()
    if as_json:
        emit_json(rows)
    elif rows:
        print_table(rows, SUMMARY_COLUMNS)
    if owners == []:  # said with --json too: a mistyped name is not a quiet empty list
        say(f"no deals match: no owner's name is or begins with {owner!r}", err=True, quoted=True)
    elif not rows and not as_json:
        click.echo("no deals match", err=True)
    if newer is None:
        return
    from dealflow.storage.storeformat import NewerDealflow

    if held is None:
        raise NewerDealflow(
            f"the deals are listed as they stood before event {newer} of {head}, which a newer dealflow wrote: "
            "upgrade dealflow to list every deal as it stands"
        )
    raise NewerDealflow(
        f"deal {held[1]} is not listed: its event {newer} (of {head} in the log) was written by a newer dealflow; "
        "the other deals are listed as they stood before that event: upgrade dealflow to list every deal as it stands"
    )


@click.command()
@wide_option
@json_option
@pass_session
def info(session: Session, as_json: bool) -> None:
    """Which store is in use, where, how many deals and events, and versions.

    \b
    Example:
      dealflow info
      dealflow --db postgresql://sales@db.example.com/sales info --json
    """
    import eventsourcing
    import transitions

    from dealflow.storage import storeformat

    app = session.app
    facts = {
        "store": app.store.kind,
        "location": app.store.display,
        "deals": sum(1 for _ in app.deal_ids()),
        "events": app.event_count(),
        "format": storeformat.recorded(app) or storeformat.FORMAT,  # none recorded: written before formats were
        "actor": session.actor,
        "dealflow": __version__,
        "eventsourcing": eventsourcing.__version__
        if hasattr(eventsourcing, "__version__")
        else _version("eventsourcing"),
        "transitions": transitions.__version__,
    }
    if as_json:
        emit_json(facts)
    else:
        print_fields(facts.items())


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)
