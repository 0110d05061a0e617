"""Evaluate a stage's exit signal on a deal: the checklist `show` prints and `advance` enforces."""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch
from typing import Any

from dealflow.playbook import (
    ACTIONS,
    STAGE_OF_ACTION,
    ActionDone,
    AllYes,
    Effect,
    EveryActionDone,
    EvidenceGiven,
    FullyPaid,
    Move,
    RelationshipReached,
    Signed,
    Stage,
    action_with,
)


@dataclass(frozen=True)
class Check:
    """One condition of an exit signal: met, or what is missing in plain words."""

    met: bool
    missing: str = ""


def checklist(stage: Stage, deal: Any, evidence: str | None = None) -> list[Check]:
    return [check for rule in stage.exit_signal.rules for check in _checks(rule, deal, stage, evidence)]


def missing(stage: Stage, deal: Any, evidence: str | None = None) -> list[str]:
    return [check.missing for check in checklist(stage, deal, evidence) if not check.met]


@singledispatch
def _checks(rule: object, deal: Any, stage: Stage, evidence: str | None) -> list[Check]:
    raise TypeError(f"no evaluation for exit-signal rule {rule!r}")  # pragma: no cover


@_checks.register(AllYes)  # by class: reading the annotation would evaluate it
def _(rule: AllYes, deal: Any, stage: Stage, evidence: str | None) -> list[Check]:
    answers = deal.answers
    if not answers:
        return [Check(False, f"{rule.action} has not been recorded: answer its four questions")]
    action = ACTIONS[rule.action]
    return [
        Check(bool(answers.get(field.name)), f"{rule.action} has not answered yes to {field.help!r}")
        for field in action.fields
    ]


@_checks.register(RelationshipReached)  # by class: reading the annotation would evaluate it
def _(rule: RelationshipReached, deal: Any, stage: Stage, evidence: str | None) -> list[Check]:
    key_people = [key for key, person in deal.stakeholders.items() if person.get("level") == rule.stakeholder_level]
    if not key_people:
        mapping = action_with(Effect.STAKEHOLDER).name
        how = f"map one with {mapping} --level {rule.stakeholder_level}"
        if STAGE_OF_ACTION[mapping] is not stage:
            how = f"go {Move.BACK} to {STAGE_OF_ACTION[mapping].name} and {how}"
        return [Check(False, f"no stakeholder is mapped at the {rule.stakeholder_level} level: {how}")]
    reached = [key for key in key_people if deal.relationships.get(key) in rule.levels]
    names = ", ".join(deal.stakeholders[key]["contact"] for key in key_people)
    return [
        Check(
            bool(reached),
            f"no {rule.stakeholder_level}-level stakeholder ({names}) has reached {' or '.join(rule.levels)}",
        )
    ]


@_checks.register(EveryActionDone)  # by class: reading the annotation would evaluate it
def _(rule: EveryActionDone, deal: Any, stage: Stage, evidence: str | None) -> list[Check]:
    return [Check(action.name in deal.actions_done, f"{action.name} has not been recorded") for action in stage.actions]


@_checks.register(ActionDone)  # by class: reading the annotation would evaluate it
def _(rule: ActionDone, deal: Any, stage: Stage, evidence: str | None) -> list[Check]:
    return [Check(rule.action in deal.actions_done, f"{rule.action} has not been recorded")]


@_checks.register(EvidenceGiven)  # by class: reading the annotation would evaluate it
def _(rule: EvidenceGiven, deal: Any, stage: Stage, evidence: str | None) -> list[Check]:
    given = bool(evidence and evidence.strip())
    return [Check(given, f"{Move.ADVANCE} needs --evidence {rule.what}")]


@_checks.register(Signed)  # by class: reading the annotation would evaluate it
def _(rule: Signed, deal: Any, stage: Stage, evidence: str | None) -> list[Check]:
    return [Check(False, f"the agreement is not signed: record it with {Move.SIGN} --amount")]


@_checks.register(FullyPaid)  # by class: reading the annotation would evaluate it
def _(rule: FullyPaid, deal: Any, stage: Stage, evidence: str | None) -> list[Check]:
    signed = deal.signed_amount or 0
    invoiced = deal.invoiced_total
    open_balance = deal.open_balance
    return [
        Check(invoiced >= signed, f"{signed - invoiced} of the signed {signed} is not yet invoiced"),
        Check(open_balance == 0, f"{open_balance} is still unpaid on invoices"),
    ]
