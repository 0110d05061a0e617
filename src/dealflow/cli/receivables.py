"""Receivables after signing: invoice, pay, chase, write-off. The deal closes when all is paid."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import click

from dealflow.aggregates.receivables import balance
from dealflow.cli.context import Session
from dealflow.cli.params import DATE
from dealflow.cli.recording import Recorded, recording
from dealflow.playbook import Effect, Status, action_with

if TYPE_CHECKING:
    from dealflow.aggregates.opportunity import Opportunity

COLLECTING = action_with(Effect.COLLECTS)


def _facts(deal: Opportunity, invoice: str) -> dict[str, Any]:
    """The invoice as `show --json` lists it (its id matched without regard to case)."""
    key = next(k for k in deal.invoices if k.casefold() == invoice.strip().casefold())
    return {"invoice": key, **deal.invoices[key], "balance": balance(deal.invoices[key])}


def _recorded(deal: Opportunity, facts: dict[str, Any], done: str) -> Recorded:
    """What was done, the invoice's balance, and whether the deal closed because of it."""
    lines = [f"{deal.deal_id} {facts['invoice']}: {done}; balance {facts['balance']} {deal.currency}"]
    if deal.status is Status.CLOSED:
        lines.append(f"{deal.deal_id} is closed: the signed amount is invoiced and every invoice is settled")
    summary = {"id": deal.deal_id, "version": deal.version, "status": str(deal.status), "invoice": facts}
    return Recorded(lambda: summary, tuple(lines))


@click.command()
@click.argument("deal")
@click.argument("invoice")
@click.option("--amount", required=True, metavar="AMOUNT", help="The invoiced amount, in the deal's currency.")
@click.option("--due", required=True, type=DATE, help="When it falls due (YYYY-MM-DD).")
@click.option("--issued", type=DATE, help="When it was issued (YYYY-MM-DD); default --on, or today.")
@recording
def invoice(
    session: Session, deal: str, invoice: str, amount: str, due: date, issued: date | None, on: date | None
) -> Recorded:
    """Invoice part or all of a won deal's signed amount; invoice ids are unique in the store.

    \b
    Example:
      dealflow invoice D-0006 INV-2026-014 --amount 59000 --due 2026-07-15 --issued 2026-06-15
    """
    billed = session.app.invoice(deal, invoice, amount=amount, due=due, issued=issued, actor=session.actor, on=on)
    left = (billed.signed_amount or 0) - billed.invoiced_total
    done = f"invoiced {amount} {billed.currency}, due {due}; {left} of the signed amount left to invoice"
    return _recorded(billed, _facts(billed, invoice), done)


@click.command()
@click.argument("invoice")
@click.option("--amount", required=True, metavar="AMOUNT", help="The amount received; never more than is owed.")
@recording
def pay(session: Session, invoice: str, amount: str, on: date | None) -> Recorded:
    """Record a payment received on an invoice.

    \b
    Example:
      dealflow pay INV-2026-014 --amount 59000 --on 2026-07-10
    """
    paid = session.app.pay(invoice, amount=amount, actor=session.actor, on=on)
    return _recorded(paid, _facts(paid, invoice), f"received {amount} {paid.currency}")


@click.command()
@click.argument("invoice")
@click.option("--cause", required=True, type=click.Choice(COLLECTING.field("cause").choices), help="Why it is unpaid.")
@click.option("--method", required=True, metavar="TEXT", help="How it is being collected, e.g. 'sales visit'.")
@click.option("--note", metavar="TEXT", help="A free-text note kept with the record.")
@recording
def chase(session: Session, invoice: str, cause: str, method: str, note: str | None, on: date | None) -> Recorded:
    """Record a collection step on an unpaid invoice (the collect action).

    \b
    Example:
      dealflow chase INV-2026-014 --cause unwilling --method "sales visit" --note "promised by Friday"
    """
    chased = session.app.chase(invoice, cause=cause, method=method, note=note, actor=session.actor, on=on)
    return _recorded(chased, _facts(chased, invoice), f"{COLLECTING.name} step recorded ({cause}: {method})")


@click.command("write-off")
@click.argument("invoice")
@click.option("--reason", required=True, metavar="TEXT", help="Why the rest will not be collected.")
@recording
def write_off(session: Session, invoice: str, reason: str, on: date | None) -> Recorded:
    """Write off what is still owed on an invoice.

    \b
    Example:
      dealflow write-off INV-2026-014 --reason "customer insolvent; claim filed"
    """
    written = session.app.write_off(invoice, reason=reason, actor=session.actor, on=on)
    facts = _facts(written, invoice)
    return _recorded(written, facts, f"wrote off {facts['written_off']} {written.currency}")
