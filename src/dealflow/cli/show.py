"""`show`: a deal's dossier, now or as it stood then, for people (sections of fields and tables, the
seed's coaching beside the contact or invoice it concerns) or as JSON (`dossier.py`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import click

from dealflow.aggregates.errors import NotFound
from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit_json, json_option, wide_option
from dealflow.cli.params import DATE, known_at_option

if TYPE_CHECKING:
    from dealflow.aggregates.opportunity import Opportunity
    from dealflow.application import DealflowApp
    from dealflow.dossier import Event


@click.command()
@click.argument("deal")
@click.option("--as-of", type=DATE, help="As it stood at the end of this day, by the events' effective dates.")
@click.option("--version", type=click.IntRange(min=1), help="As it stood at this version of the deal.")
@known_at_option
@json_option
@wide_option
@pass_session
def show(
    session: Session, deal: str, as_of: date | None, version: int | None, known_at: datetime | None, as_json: bool
) -> None:
    """Show a deal's dossier: where it stands, its people, needs, negotiation, invoices, what comes next.

    Where the deal stands and its exit-signal checklist; the stakeholder map (level, function, roles,
    relationship level reached, communication style); the qualification answers; the needs; the latest
    proposal; the negotiation per term (bottom line, both sides' last positions, rounds, what each side
    gave, flags, deadlocks); each invoice (balance, days overdue, last chase and its cause, the next
    collection step); the method's coaching beside the contact or invoice it concerns. With --as-of
    (effective dates), --version or --known-at (recorded times: what the store said then, before later
    corrections), the deal as it stood then, its days counted to then.

    \b
    Example:
      dealflow show D-0001
      dealflow show D-0001 --json
      dealflow show D-0001 --as-of 2026-06-30
      dealflow show D-0001 --known-at 2026-11-20T09:00
    """
    from dealflow.cli.dossier_text import print_dossier
    from dealflow.dossier import dossier

    if as_of is not None and version is not None:
        raise click.UsageError("give --as-of DATE or --version N, not both")
    if known_at is not None and version is not None:
        raise click.UsageError("give --known-at DATETIME or --version N, not both")
    app = session.app
    found, history, on = _taken(app, deal, as_of, version, known_at)
    detail = dossier(found, history, on, app.settings(on))
    if as_json:
        emit_json(detail)
    else:
        print_dossier(detail, historic=as_of is not None or version is not None or known_at is not None)


def _taken(
    app: DealflowApp, deal_id: str, as_of: date | None, version: int | None, known_at: datetime | None
) -> tuple[Opportunity, list[Event], date]:
    """The deal as it stood then, its history as revised until then, and the day it stood so."""
    from dealflow.aggregates import revised
    from dealflow.storage.unknown import UnknownEvent

    if as_of is not None:
        deal = app.deal_as_of(deal_id, as_of, known_at=known_at)
    elif version is not None:
        deal = app.deal(deal_id, version=version)
        if deal.version < version:
            raise NotFound(f"deal {deal_id} has versions 1 to {deal.version}: give one of them")
    elif known_at is not None:
        deal = app.deal_known_at(deal_id, known_at)
    else:
        deal = app.deal(deal_id)
    history = [event for event in app.history(deal_id) if not isinstance(event, UnknownEvent)]  # judged by then
    if known_at is not None:
        history = revised.known_at(history, known_at)
    if as_of is not None:
        return deal, [event for event in revised.effective(history) if event.effective_on <= as_of], as_of
    history = [event for event in history if event.originator_version <= deal.version]
    if version is not None:
        on = history[-1].timestamp.astimezone(UTC).date()
    else:
        on = date.today() if known_at is None else known_at.astimezone(UTC).date()
    return deal, revised.effective(history), on
