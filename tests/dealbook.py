"""Sample deals for the tests: valid fields for each of the 24 actions, deals standing in any
stage (as aggregates or in an application), and the check that a refused command changed nothing."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from dealflow.aggregates.errors import DealflowError, Refused
from dealflow.aggregates.opportunity import Opportunity
from dealflow.application import DealflowApp
from dealflow.cli.errors import CLI
from dealflow.playbook import SIGNING_STAGE, STAGE_OF_ACTION, Effect, action_with

ACTOR = "ana"
DEAL_ID = "D-0001"
REFERRAL = action_with(Effect.REFERRAL).name
COLLECT = action_with(Effect.COLLECTS).name
QUALIFY = action_with(Effect.QUALIFIES).name
MAP_STAKEHOLDER = action_with(Effect.STAKEHOLDER).name

DECISION_MAKER = "Luis Vega"
ALL_YES = {"opportunity": "yes", "solution": "yes", "winnable": "yes", "worth": "yes"}
REQUEST = "RFP-2026-014 received by email"
NEGOTIATION = "negotiation meeting booked for Monday"
QUOTATION = Decimal("120000")
INVOICE = "INV-1"

# Valid fields for every action, as a person would type them.
SAMPLE_FIELDS: dict[str, dict[str, Any]] = {
    "develop-guide": {"contact": "Marta Ruiz", "position": "IT manager"},
    "collect-info": {"category": "business", "summary": "opening two plants next year"},
    "map-stakeholder": {"contact": DECISION_MAKER, "level": "decision", "roles": "decision-maker,evaluator"},
    "qualify": ALL_YES,
    "acquaint": {"contact": DECISION_MAKER, "activity": "phone", "style": "driver"},
    "engage": {"contact": DECISION_MAKER, "activity": "site-visit"},
    "build-trust": {"contact": DECISION_MAKER, "activity": "social"},
    "ally": {"contact": DECISION_MAKER, "activity": "firm-support"},
    "explore-goals": {"goals": "growth,profitability", "summary": "double output by 2028"},
    "diagnose-problem": {"obstacle": "manual scheduling", "impact": "two lost shifts a week"},
    "shape-solution": {"outline": "MES rollout in two phases", "products": ["MES licence", "training"], "timing": "Q3"},
    "set-criteria": {"criteria": ["uptime=99.9%", "response=4h"], "buying_stage": "evaluation"},
    "analyze-competition": {"competitor": "Globex", "strengths": "local support", "weaknesses": "price"},
    "plan-strategy": {"stakeholder": DECISION_MAKER, "plan": "show the uptime record of two references"},
    "submit-proposal": {"quotation": str(QUOTATION), "currency": "EUR", "solution": "MES in two phases"},
    "demonstrate": {"audience": "plant managers", "key_points": ["uptime", "scheduling", "reports"]},
    "spot-buying-signal": {"kind": "price-enquiry"},
    "promote-close": {"method": "benefit-summary"},
    "upsell": {"product": "premium support", "amount": "5000"},
    "negotiate": {"step": "positions"},
    "confirm-satisfaction": {"checkpoint": "delivery", "outcome": "on time"},
    "request-referral": {"contact": DECISION_MAKER, "outcome": "named a sister company"},
    "referral-sale": {"account": "Initech", "title": "MES for Initech"},
    "collect": {"invoice": INVOICE, "cause": "unwilling", "method": "call the finance director"},
}


def days_ago(days: int) -> date:
    return date.today() - timedelta(days=days)


def state_of(deal: Opportunity) -> dict[str, Any]:
    """Everything a user could see of a deal: its public attributes and its version."""
    public = {name: value for name, value in vars(deal).items() if not name.startswith("_")}
    return {**copy.deepcopy(public), "version": deal.version}


@contextmanager
def refused(deal: Opportunity, error: type[DealflowError] = Refused, says: str = "") -> Iterator[Any]:
    """The command in the block raises `error` with `says` in its message as the command line shows it,
    and changes nothing."""
    before = state_of(deal), list(deal.pending_events)
    with pytest.raises(error) as caught:
        yield caught
    shown = caught.value.render(CLI)
    assert says in shown, f"the message does not say {says!r}: {shown}"
    assert (state_of(deal), list(deal.pending_events)) == before, "a refused command changed the deal"


# --- deals as aggregates -----------------------------------------------------------------------


def opened(deal_id: str = DEAL_ID, **details: Any) -> Opportunity:
    return Opportunity.open(deal_id=deal_id, account="Acme Corp", title="MES rollout", actor=ACTOR, **details)


def act(deal: Opportunity, action: str, fields: dict[str, Any] | None = None, **options: Any) -> Opportunity | None:
    """Record `action` as the application does (a referral sale through `refer`, which returns the new deal)."""
    fields = SAMPLE_FIELDS[action] if fields is None else fields
    if action == REFERRAL:
        return deal.refer(fields, new_deal_id="D-0900", actor=ACTOR, **options)
    deal.record_action(action, fields, actor=ACTOR, **options)
    return None


# What each stage's exit signal needs: the actions to record, then the evidence `advance` is given.
EXITS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "analysis": ((MAP_STAKEHOLDER, QUALIFY), None),
    "trust": (("ally",), None),
    "needs": (("explore-goals", "diagnose-problem", "shape-solution", "set-criteria"), REQUEST),
    "value": (("submit-proposal",), NEGOTIATION),
    SIGNING_STAGE.name: ((), None),  # left by signing
}


def fields_for(action: str, signed: object = QUOTATION) -> dict[str, Any]:
    if action == "submit-proposal":
        return {**SAMPLE_FIELDS[action], "quotation": str(signed)}
    return SAMPLE_FIELDS[action]


def advance_to(deal: Opportunity, stage: str, *, signed: object = QUOTATION, on: date | None = None) -> Opportunity:
    """Take a deal from where it stands to `stage`, recording (dated `on`) the least each exit signal needs."""
    while deal.stage != stage:
        here = deal.stage
        assert here in EXITS, f"cannot take a deal in {deal.state} to {stage}"
        actions, evidence = EXITS[here]
        for action in actions:
            act(deal, action, fields_for(action, signed), on=on)
        if here == SIGNING_STAGE.name:
            deal.sign(amount=signed, actor=ACTOR, on=on)
        else:
            deal.advance(actor=ACTOR, evidence=evidence, on=on)
    return deal


def deal_in(stage: str, *, signed: object = QUOTATION, on: date | None = None, **details: Any) -> Opportunity:
    """A new deal standing at the entry of `stage` since `on`, its events already collected (as if saved)."""
    deal = advance_to(opened(on=on, **details), stage, signed=signed, on=on)
    deal.collect_events()
    return deal


def deal_ready_for(action: str) -> Opportunity:
    """A deal in the action's stage, with what the action needs (collect: an unpaid invoice)."""
    deal = deal_in(STAGE_OF_ACTION[action].name)
    if action == COLLECT:
        deal.invoice(INVOICE, amount="1000", due=date.today(), actor=ACTOR)
        deal.collect_events()
    return deal


# --- deals in an application ------------------------------------------------------------------


def replayed(app: DealflowApp, deal_id: str) -> Opportunity:
    """The deal rebuilt from every one of its stored events, without snapshots."""
    deal = None
    for event in app.history(deal_id):
        deal = event.mutate(deal)
    assert isinstance(deal, Opportunity)
    return deal


def advance_in_app(app: DealflowApp, deal_id: str, stage: str, *, signed: object = QUOTATION) -> None:
    """`advance_to` through the application: each step its own command and save."""
    while (here := app.deal(deal_id).stage) != stage:
        assert here in EXITS, f"cannot take deal {deal_id} in {here} to {stage}"
        actions, evidence = EXITS[here]
        for action in actions:
            app.record(deal_id, action, fields_for(action, signed), actor=ACTOR)
        if here == SIGNING_STAGE.name:
            app.sign(deal_id, amount=signed, actor=ACTOR)
        else:
            app.advance(deal_id, actor=ACTOR, evidence=evidence)
