"""The negotiation's history: our private bottom lines and each concession, with the method's flags."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from dealflow.aggregates.limits import ROUND
from dealflow.cli.context import Session
from dealflow.cli.params import WholeNumber
from dealflow.cli.recording import Recorded, deal_recorded, recording
from dealflow.playbook import CONCEDED_BY, CONCESSION_TERMS

if TYPE_CHECKING:
    from dealflow.aggregates.events import Conceded

term_option = click.option("--term", required=True, type=click.Choice(CONCESSION_TERMS), help="What is negotiated.")


@click.command("bottom-line")
@click.argument("deal")
@term_option
@click.option("--value", required=True, metavar="AMOUNT", help="The limit we will not concede past.")
@recording
def bottom_line(session: Session, deal: str, term: str, value: str, on: date | None) -> Recorded:
    """Set our bottom line on a term, while preparing the negotiation (private to us).

    A later concession of ours past it is refused unless given --override.

    \b
    Example:
      dealflow bottom-line D-0006 --term price --value 105000
    """
    changed = session.app.set_bottom_line(deal, term, value, actor=session.actor, on=on)
    return deal_recorded(changed, f"{changed.deal_id}: our bottom line on {term} is {changed.bottom_lines[term]}")


@click.command()
@click.argument("deal")
@term_option
@click.option("--by", "by", required=True, type=click.Choice(CONCEDED_BY), help="Who conceded.")
@click.option(
    "--from", "before", required=True, metavar="AMOUNT", help="The value before it: where that side last stood."
)
@click.option("--to", "after", required=True, metavar="AMOUNT", help="The value after it.")
@click.option(
    "--round",
    "round_",
    type=WholeNumber(ROUND),
    help=f"The negotiation round ({ROUND.describe()}); default the next one.",
)
@click.option("--override", metavar="REASON", help="Why we concede past our bottom line anyway.")
@click.option("--reason", metavar="TEXT", help="Why --from is not where that side last stood on the term.")
@recording
def concede(
    session: Session, deal: str, term: str, by: str, before: str, after: str, round_: int | None,
    override: str | None, reason: str | None, on: date | None,
) -> Recorded:  # fmt: skip
    """Record a concession; flag ours when it is larger than our previous one on the term.

    A concession starts where that side last stood on the term (its last
    --to there), unless --reason says why not, and gives something up: a move
    back is a counter-offer, recorded with `act DEAL negotiate --step exchange`.
    The method says our concessions on a term should shrink step by step: a
    larger one is recorded with a warning. Conceding past our bottom line is
    refused unless --override gives the reason.

    \b
    Example:
      dealflow concede D-0006 --term price --by us --from 120000 --to 115000
      dealflow concede D-0006 --term payment --by customer --from 30 --to 45 --round 2
    """
    known, conceded, previous, limit = session.app.concede(
        deal, actor=session.actor, term=term, by=by, before=before, after=after, round=round_, override=override,
        reason=reason, on=on,
    )  # fmt: skip
    line = (
        f"{known.deal_id}: round {conceded.round} on {term}: {by} conceded "
        f"{conceded.before} -> {conceded.after} (by {conceded.size})"
    )
    notes = []
    if conceded.widened:
        notes.append(
            f"warning: this concession ({conceded.size}) is larger than our previous one on {term} ({previous}): "
            "the method says concessions should shrink"
        )
    if conceded.past_bottom_line:
        notes.append(f"note: past our bottom line of {limit} on {term}, by override: {conceded.override}")
    summary = {"id": known.deal_id, "version": conceded.originator_version} | _facts(conceded)
    return Recorded(lambda: summary, (line,), tuple(notes))


def _facts(conceded: Conceded) -> dict[str, object]:
    return {
        "term": conceded.term,
        "by": conceded.by,
        "from": conceded.before,
        "to": conceded.after,
        "round": conceded.round,
        "size": conceded.size,
        "widened": conceded.widened,
        "past_bottom_line": conceded.past_bottom_line,
        "override": conceded.override,
        "reason": conceded.reason,
    }
