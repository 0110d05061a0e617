"""Dated steps through the application for the projection tests: take a deal to a stage on given
days, recording no more than each exit signal needs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dealflow.application import DealflowApp

ACTOR = "ana"
CONTACT = "Luis Vega"
YES = {"opportunity": "yes", "solution": "yes", "winnable": "yes", "worth": "yes"}

# What leaving each stage takes: the actions to record first, and the evidence `advance` is given.
EXITS: dict[str, tuple[tuple[tuple[str, dict[str, Any]], ...], str | None]] = {
    "analysis": (
        (("map-stakeholder", {"contact": CONTACT, "level": "decision", "roles": "decision-maker"}), ("qualify", YES)),
        None,
    ),
    "trust": ((("ally", {"contact": CONTACT, "activity": "firm-support"}),), None),
    "needs": (
        (
            ("explore-goals", {"goals": "growth"}),
            ("diagnose-problem", {"obstacle": "manual scheduling"}),
            ("shape-solution", {"outline": "MES in two phases"}),
            ("set-criteria", {"criteria": ["uptime=99.9%"]}),
        ),
        "RFP-14 received",
    ),
    "value": ((("submit-proposal", {"quotation": None}),), "first negotiation meeting booked"),
}


def day(base: date, offset: int) -> date:
    return base + timedelta(days=offset)


def open_deal(app: DealflowApp, deal_id: str, on: date, **details: Any) -> str:
    details.setdefault("account", "Acme Corp")
    return app.open_deal(title="MES rollout", actor=ACTOR, deal_id=deal_id, on=on, **details)


def leave(app: DealflowApp, deal_id: str, on: date, quotation: str = "1000") -> None:
    """Record what the deal's present stage needs, then advance it, all on day `on`."""
    stage = app.deal(deal_id).stage
    assert stage in EXITS, f"{deal_id} in {stage} cannot simply advance"
    actions, evidence = EXITS[stage]
    for action, fields in actions:
        if action == "submit-proposal":
            fields = {"quotation": quotation, "currency": app.deal(deal_id).currency or "EUR"}
        app.record(deal_id, action, fields, actor=ACTOR, on=on)
    app.advance(deal_id, actor=ACTOR, evidence=evidence, on=on)


def take_to(app: DealflowApp, deal_id: str, stage: str, on: date, quotation: str = "1000") -> None:
    while app.deal(deal_id).stage != stage:
        leave(app, deal_id, on, quotation)
