"""The commands that move a deal between stages: advance, back, lose, reopen, sign."""

from __future__ import annotations

from datetime import date

import click

from dealflow.cli.context import Session
from dealflow.cli.recording import Recorded, deal_recorded, recording
from dealflow.playbook import LOST_REASONS, OPEN_STAGE_NAMES


@click.command()
@click.argument("deal")
@click.option("--evidence", metavar="TEXT", help="What shows the exit signal holds, e.g. an RFP reference.")
@recording
def advance(session: Session, deal: str, evidence: str | None, on: date | None) -> Recorded:
    """Move a deal to the next stage, once its stage's exit signal holds.

    When it does not, nothing is recorded and the message says what is missing.

    \b
    Example:
      dealflow advance D-0001
      dealflow advance D-0003 --evidence "RFP 2026-114 received by email"
    """
    moved, left = session.app.advance(deal, actor=session.actor, evidence=evidence, on=on)
    return deal_recorded(moved, f"{moved.deal_id} advanced from {left} to {moved.stage}")


@click.command()
@click.argument("deal")
@click.argument("stage", type=click.Choice(OPEN_STAGE_NAMES))
@click.option("--reason", required=True, metavar="TEXT", help="Why the deal steps back (shown in reports).")
@recording
def back(session: Session, deal: str, stage: str, reason: str, on: date | None) -> Recorded:
    """Step an open deal back to an earlier stage: a recorded regression.

    \b
    Example:
      dealflow back D-0004 needs --reason "new stakeholders changed the requirements"
    """
    moved, left = session.app.back(deal, stage, reason=reason, actor=session.actor, on=on)
    return deal_recorded(moved, f"{moved.deal_id} stepped back from {left} to {moved.stage}")


@click.command()
@click.argument("deal")
@click.option("--reason", required=True, type=click.Choice(LOST_REASONS), help="Why the deal was lost.")
@click.option("--competitor", metavar="NAME", help="Who won it, when a competitor did.")
@recording
def lose(session: Session, deal: str, reason: str, competitor: str | None, on: date | None) -> Recorded:
    """Mark an open deal lost (from any of stages 1-5); `reopen` brings it back.

    \b
    Example:
      dealflow lose D-0005 --reason competitor --competitor "Globex"
    """
    lost = session.app.lose(deal, reason=reason, competitor=competitor, actor=session.actor, on=on)
    rival = f", to {lost.competitor}" if lost.competitor else ""
    return deal_recorded(lost, f"{lost.deal_id} lost in {lost.lost_from} ({reason}{rival})")


@click.command()
@click.argument("deal")
@click.option("--reason", required=True, metavar="TEXT", help="Why the deal is alive again.")
@recording
def reopen(session: Session, deal: str, reason: str, on: date | None) -> Recorded:
    """Reopen a lost deal: it returns to the stage where it was lost.

    \b
    Example:
      dealflow reopen D-0005 --reason "the competitor could not deliver"
    """
    reopened = session.app.reopen(deal, reason=reason, actor=session.actor, on=on)
    return deal_recorded(reopened, f"{reopened.deal_id} reopened in {reopened.stage}")


@click.command()
@click.argument("deal")
@click.option("--amount", required=True, metavar="AMOUNT", help="The final amount of the agreement, e.g. 118000.")
@click.option("--currency", metavar="CODE", help="ISO 4217 currency; default the deal's.")
@click.option("--terms", metavar="TEXT", help="The payment terms, e.g. '50% on signing, 50% in 60 days'.")
@recording
def sign(
    session: Session, deal: str, amount: str, currency: str | None, terms: str | None, on: date | None
) -> Recorded:
    """Record the signed agreement: the deal is won and enters follow-up.

    \b
    Example:
      dealflow sign D-0006 --amount 118000 --currency EUR --terms "50% on signing, 50% in 60 days" --on 2026-05-12
    """
    won = session.app.sign(deal, amount=amount, currency=currency, terms=terms, actor=session.actor, on=on)
    return deal_recorded(won, f"{won.deal_id} signed for {won.signed_amount} {won.currency}: won, now in {won.stage}")
