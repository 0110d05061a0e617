"""Opening deals and looking at them: open, show, deals, info."""

from __future__ import annotations

from datetime import date, datetime

import click

from dealflow import __version__
from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit_json, json_option, print_fields, print_table, say
from dealflow.cli.params import DATE, known_at_option
from dealflow.cli.recording import Recorded, recording
from dealflow.playbook import STAGE_NAMES, Status

SUMMARY_COLUMNS = ("id", "account", "title", "owner", "status", "stage", "action", "value", "currency")


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
    return Recorded(lambda: {"id": new_id}, (new_id,))


@click.command()
@click.argument("deal")
@known_at_option
@json_option
@pass_session
def show(session: Session, deal: str, known_at: datetime | None, as_json: bool) -> None:
    """Show a deal: where it stands, its exit-signal checklist and the commands allowed next.

    With --known-at, the deal as the store held it at that recorded time, before later corrections.

    \b
    Example:
      dealflow show D-0001
      dealflow show D-0001 --json
      dealflow show D-0001 --known-at 2026-11-20T09:00
    """
    from dealflow.views import deal_detail

    found = session.app.deal(deal) if known_at is None else session.app.deal_known_at(deal, known_at)
    detail = deal_detail(found)
    if as_json:
        emit_json(detail)
        return
    signal = detail["exit_signal"]
    print_fields(
        [
            ("deal", f"{detail['id']}  {detail['title']}"),
            ("account", detail["account"]),
            ("owner", detail["owner"]),
            ("status", detail["status"]),
            ("stage", f"{detail['stage'] or '-'} ({detail['action'] or '-'})"),
            ("value", f"{detail['value'] or '-'} {detail['currency'] or ''}".strip()),
            ("close by", detail["close_by"]),
            ("version", detail["version"]),
        ]
    )
    if signal["summary"]:
        click.echo()
        say(f"exit signal: {signal['summary']}: {'met' if signal['met'] else 'not met'}")
        for gap in signal["missing"]:
            say(f"  - {gap}")
    if detail["invoices"]:
        click.echo()
        print_table(detail["invoices"], ("invoice", "amount", "paid", "written_off", "balance", "issued", "due"))
    click.echo()
    say(f"allowed next: {', '.join(detail['allowed']) or 'nothing: the deal is ' + detail['status']}")


@click.command()
@click.option("--stage", type=click.Choice(STAGE_NAMES), help="Only deals in this stage.")
@click.option("--owner", metavar="NAME", help="Only deals this person owns.")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only deals with this status.")
@json_option
@pass_session
def deals(session: Session, stage: str | None, owner: str | None, status: str | None, as_json: bool) -> None:
    """List deals, in the order they were opened.

    \b
    Example:
      dealflow deals --stage value --owner ana
      dealflow deals --status won --json
    """
    from dealflow.views import deal_summary

    app = session.app
    unreadable: list[str] = []  # deals holding a newer dealflow's event: named after the list, exit 1
    rows = [deal_summary(deal) for deal in app.readable_deals(unreadable)]
    rows = [
        row
        for row in rows
        if (stage is None or row["stage"] == stage)
        and (owner is None or row["owner"].casefold() == owner.casefold())
        and (status is None or row["status"] == status)
    ]
    if as_json:
        emit_json(rows)
    elif rows:
        print_table(rows, SUMMARY_COLUMNS)
    else:
        click.echo("no deals match", err=True)
    if unreadable:
        from dealflow.storage.storeformat import NewerDealflow

        raise NewerDealflow(
            f"{len(unreadable)} deal(s) not listed, holding events written by a newer dealflow: "
            f"{', '.join(unreadable)}; upgrade dealflow to list them"
        )


@click.command()
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
