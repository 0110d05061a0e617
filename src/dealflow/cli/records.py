"""Records allowed in any open state that do not move the deal: note, assign, forecast (its command is
cli/forecast.py, beside the forecast report), buying stage."""

from __future__ import annotations

import sys
from datetime import date

import click

from dealflow.cli.context import Session
from dealflow.cli.recording import Recorded, deal_recorded, recording
from dealflow.playbook import BUYING_STAGES


@click.command()
@click.argument("deal")
@click.argument("text")
@recording
def note(session: Session, deal: str, text: str, on: date | None) -> Recorded:
    """Add a note to a deal's history.

    TEXT `-` reads the note from standard input, all of it, as UTF-8; empty input is refused, as
    an empty note is. A note is kept as written, line breaks and all, trimmed of blank space at its
    ends: `history` shows a line break as \\n, `--json` and the exports as written.

    \b
    Example:
      dealflow note D-0001 "CFO on holiday until the 20th; call back then"
      dealflow note D-0001 - < minutes.txt
    """
    if text == "-":
        text = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")  # bad bytes kept as argv keeps them
    noted = session.app.note(deal, text, actor=session.actor, on=on)
    return deal_recorded(noted, f"{noted.deal_id}: note added (version {noted.version})")


@click.command()
@click.argument("deal")
@click.argument("owner")
@recording
def assign(session: Session, deal: str, owner: str, on: date | None) -> Recorded:
    """Hand a deal to another owner.

    \b
    Example:
      dealflow assign D-0001 bruno
    """
    assigned, previous = session.app.assign(deal, owner, actor=session.actor, on=on)
    return deal_recorded(assigned, f"{assigned.deal_id} is now owned by {assigned.owner} (was {previous})")


def record_forecast(
    session: Session, deal: str, value: str | None, currency: str | None, close_by: date | None, on: date | None
) -> Recorded:
    """A deal's expected value or close date (or both) changed: `dealflow forecast DEAL` (cli/forecast.py)."""
    changed = session.app.forecast(deal, actor=session.actor, value=value, currency=currency, close_by=close_by, on=on)
    worth = f"{changed.value} {changed.currency}" if changed.value is not None else "no value yet"
    return deal_recorded(changed, f"{changed.deal_id} forecast: {worth}, close by {changed.close_by or 'no date yet'}")


@click.command("buying-stage")
@click.argument("deal")
@click.argument("stage", type=click.Choice(BUYING_STAGES))
@recording
def buying_stage(session: Session, deal: str, stage: str, on: date | None) -> Recorded:
    """Update where the customer is in their own buying process.

    \b
    Example:
      dealflow buying-stage D-0001 evaluation
    """
    updated = session.app.update_buying_stage(deal, stage, actor=session.actor, on=on)
    return deal_recorded(updated, f"{updated.deal_id}: the customer is at {updated.buying_stage}")
