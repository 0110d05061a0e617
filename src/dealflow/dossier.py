"""A deal's dossier: all that `show` tells of a deal, as plain data, with the seed's coaching beside
the contact or invoice it concerns.

Built from the deal and its history as revised (`revised.effective`, cut where the deal was taken):
the deal's state gives what it keeps (stakeholders, relationship levels, answers, criteria, bottom
lines, positions, invoices), and the events what it does not (a contact's communication style, the
needs' words, the proposal, a concession's flags, each invoice's last chase, the last activity).
`on` is the day the dossier is for: days in the stage and days overdue count to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from dealflow.aggregates.events import ActionRecorded, Conceded, DealEvent, Opened
from dealflow.aggregates.opportunity import Opportunity
from dealflow.aggregates.receivables import balance
from dealflow.aggregates.registry import BY_KIND
from dealflow.coaching import LEVEL_BY_NAME, PROPOSAL_PARTS, REMEDY_BY_CAUSE, STYLE_BY_NAME, remedy_step
from dealflow.playbook import (
    ACTIONS,
    CONCESSION_TERMS,
    CUSTOMER,
    RELATIONSHIP_LEVELS,
    STAGE_BY_NAME,
    US,
    Defaults,
    Effect,
    Status,
    action_with,
)
from dealflow.views import deal_detail

Event = Opened | DealEvent

GUIDE = "develop-guide"
GOALS, OBSTACLE, SOLUTION = "explore-goals", "diagnose-problem", "shape-solution"
QUALIFY = action_with(Effect.QUALIFIES).name
PROPOSE = action_with(Effect.SETS_VALUE).name
NEGOTIATE = action_with(Effect.NEGOTIATES).name
IDENTIFY_STYLE = "identify their communication style first: the prerequisite for moving a relationship on"


def dossier(deal: Opportunity, history: Sequence[Event], on: date, settings: Defaults) -> dict[str, Any]:
    """`show --json`: the deal's detail (`views.deal_detail`, its keys kept) and its dossier as of `on`."""
    seen = _Seen(history)
    detail = deal_detail(deal)
    detail["invoices"] = [_invoice(row, seen, on, settings) for row in detail["invoices"]]
    detail.update(
        as_of=on,
        stage_since=deal.stage_changed_on,
        days_in_stage=(on - deal.stage_changed_on).days,
        last_activity=seen.last_activity(on),
        stakeholders=_stakeholders(deal, seen),
        qualification=_qualification(deal, seen),
        needs=_needs(deal, seen),
        proposal=_proposal(seen),
        negotiation=_negotiation(deal, seen),
    )
    detail["next"] = _next(deal, detail)
    return detail


class _Seen:
    """What one pass over the history finds that the deal's state does not keep."""

    def __init__(self, history: Sequence[Event]) -> None:
        self.last: dict[str, ActionRecorded] = {}  # each action's latest record
        self.counts: dict[str, int] = {}
        self.styles: dict[str, str] = {}  # contact (casefolded) -> last style recorded
        self.names: dict[str, str] = {}  # contact (casefolded) -> the name as last written
        self.reached_on: dict[tuple[str, str], date] = {}  # (contact, level) -> first recorded
        self.guides: dict[str, dict[str, Any]] = {}
        self.obstacles: list[dict[str, Any]] = []
        self.chases: dict[str, ActionRecorded] = {}  # invoice -> its latest chase, by date then as recorded
        self.flags: dict[str, dict[str, bool]] = {}  # term -> widened / past_bottom_line, ever
        self.latest: Event | None = None
        for event in history:
            if self.latest is None or event.effective_on >= self.latest.effective_on:
                self.latest = event
            if isinstance(event, ActionRecorded):
                self._action(event)
            elif isinstance(event, Conceded):
                flags = self.flags.setdefault(event.term, {"widened": False, "past_bottom_line": False})
                flags["widened"] |= event.widened
                flags["past_bottom_line"] |= event.past_bottom_line

    def _action(self, event: ActionRecorded) -> None:
        action, fields = event.action, event.fields
        self.last[action] = event
        self.counts[action] = self.counts.get(action, 0) + 1
        effect = ACTIONS[action].effect
        if "contact" in fields and action != "request-referral":
            key = fields["contact"].casefold()
            self.names[key] = fields["contact"]
            if effect is Effect.RELATIONSHIP:
                self.reached_on.setdefault((key, action), event.effective_on)
                if fields.get("style"):
                    self.styles[key] = fields["style"]
            if action == GUIDE:
                self.guides[key] = fields
        if action == OBSTACLE:
            self.obstacles.append({"obstacle": fields["obstacle"], "impact": fields.get("impact")})
        if effect is Effect.COLLECTS:
            before = self.chases.get(fields["invoice"])
            if before is None or event.effective_on >= before.effective_on:
                self.chases[fields["invoice"]] = event

    def fields(self, action: str) -> dict[str, Any] | None:
        found = self.last.get(action)
        return None if found is None else found.fields

    def last_activity(self, on: date) -> dict[str, Any] | None:
        event = self.latest
        if event is None:
            return None
        kind = type(event).__name__
        return {
            "on": event.effective_on,
            "days_ago": (on - event.effective_on).days,
            "what": event.action if isinstance(event, ActionRecorded) else BY_KIND[kind].verb,
            "event": kind,
            "actor": event.actor,
            "version": event.originator_version,
        }


def _stakeholders(deal: Opportunity, seen: _Seen) -> list[dict[str, Any]]:
    """Everyone the deal names: those mapped first, then those met or guiding us, in the order recorded."""
    keys = list(dict.fromkeys([*deal.stakeholders, *deal.relationships, *seen.guides]))
    people = []
    for key in keys:
        mapped = deal.stakeholders.get(key, {})
        guide = seen.guides.get(key)
        reached = deal.relationships.get(key)
        style = seen.styles.get(key)
        people.append(
            {
                "contact": mapped.get("contact") or seen.names.get(key, key),
                "level": mapped.get("level"),
                "function": mapped.get("function"),
                "roles": list(mapped.get("roles") or ()),
                "guide": guide is not None,
                "position": None if guide is None else guide.get("position"),
                "relationship": reached,
                "relationship_on": None if reached is None else seen.reached_on.get((key, reached)),
                "style": style,
                "coaching": _contact_coaching(reached, style),
            }
        )
    return people


def _contact_coaching(reached: str | None, style: str | None) -> dict[str, Any]:
    """How to treat the contact's style, and what marks the next relationship level (none past ally)."""
    following = RELATIONSHIP_LEVELS.index(reached) + 1 if reached else 0
    level = LEVEL_BY_NAME[RELATIONSHIP_LEVELS[following]] if following < len(RELATIONSHIP_LEVELS) else None
    advice = STYLE_BY_NAME.get(style or "")
    return {
        "style": IDENTIFY_STYLE if advice is None else advice.text,
        "style_seed": None if advice is None else advice.seed,
        "next_level": None if level is None else level.name,
        "next_level_seed": None if level is None else level.seed,
        "next_level_marks": None if level is None else level.text,
    }


def _qualification(deal: Opportunity, seen: _Seen) -> dict[str, Any]:
    questions = ACTIONS[QUALIFY].fields
    answered = seen.last.get(QUALIFY)
    return {
        "answers": {question.name: deal.answers.get(question.name) for question in questions},
        "questions": {question.name: question.help for question in questions},
        "answered_on": None if answered is None else answered.effective_on,
        "clear": bool(deal.answers) and all(deal.answers.get(question.name) for question in questions),
    }


def _needs(deal: Opportunity, seen: _Seen) -> dict[str, Any]:
    goals = seen.fields(GOALS) or {}
    solution = seen.fields(SOLUTION)
    return {
        "goals": list(goals.get("goals") or ()),
        "goals_summary": goals.get("summary"),
        "obstacles": seen.obstacles,
        "solution": None if solution is None else {key: solution.get(key) for key in ("outline", "products", "timing")},
        "criteria": dict(deal.criteria),
        "buying_stage": deal.buying_stage,
    }


def _proposal(seen: _Seen) -> dict[str, Any] | None:
    """The latest proposal, its parts, and those the seed's proposal has that it leaves out."""
    latest = seen.last.get(PROPOSE)
    if latest is None:
        return None
    parts = {part.name: latest.fields.get(part.name) for part in PROPOSAL_PARTS}
    return {
        **parts,
        "currency": latest.fields.get("currency"),
        "submitted_on": latest.effective_on,
        "proposals": seen.counts[PROPOSE],
        "missing_parts": [name for name, value in parts.items() if value is None],
    }


def _negotiation(deal: Opportunity, seen: _Seen) -> dict[str, Any]:
    held = {*deal.bottom_lines, *deal.concession_rounds, *deal.concession_positions, *seen.flags}
    terms = []
    for term in [term for term in CONCESSION_TERMS if term in held]:
        positions = deal.concession_positions.get(term, {})
        flags = seen.flags.get(term, {})
        terms.append(
            {
                "term": term,
                "bottom_line": deal.bottom_lines.get(term),
                "ours": positions.get(US),
                "theirs": positions.get(CUSTOMER),
                "rounds": deal.concession_rounds.get(term, 0),
                "given": deal.conceded.get(f"{term} {US}", Decimal(0)),
                "received": deal.conceded.get(f"{term} {CUSTOMER}", Decimal(0)),
                "widened": flags.get("widened", False),
                "past_bottom_line": flags.get("past_bottom_line", False),
            }
        )
    step = seen.fields(NEGOTIATE)
    return {"terms": terms, "deadlocks": deal.deadlocks, "last_step": None if step is None else step["step"]}


def _invoice(row: dict[str, Any], seen: _Seen, on: date, settings: Defaults) -> dict[str, Any]:
    """An invoice row of `deal_detail`, with how overdue it is, its last chase and the step to take."""
    chase = seen.chases.get(row["invoice"])
    cause = None if chase is None else chase.fields["cause"]
    left = balance(row)
    overdue = max((on - row["due"]).days, 0) if left > 0 else 0
    step = None
    if overdue:
        long, large = overdue > settings.collection_overdue_days, left >= settings.collection_large_amount
        step = remedy_step(cause, long, large)
    remedy = REMEDY_BY_CAUSE.get(cause or "")
    return {
        **row,
        "days_overdue": overdue,
        "last_chase": None
        if chase is None
        else {"on": chase.effective_on, "cause": cause, "method": chase.fields["method"], "note": chase.note},
        "next_step": step,
        "remedy": None if remedy is None else remedy.text,
        "remedy_seed": None if remedy is None else remedy.seed,
    }


def _next(deal: Opportunity, detail: dict[str, Any]) -> list[str]:
    """What comes next, most pressing first: what the exit signal lacks, the invoices to collect, the
    stage's actions not yet recorded."""
    if deal.status in (Status.LOST, Status.CLOSED):
        return []
    steps = list(detail["exit_signal"]["missing"])
    for invoice in detail["invoices"]:
        if invoice["next_step"]:
            late = f"{invoice['days_overdue']} days overdue"
            steps.append(f"collect {invoice['invoice']} ({late}): {invoice['next_step']}")
    stage = STAGE_BY_NAME.get(deal.stage or "")
    if stage is not None:
        left = [action.name for action in stage.actions if action.name not in deal.actions_done]
        if left:
            steps.append(f"not yet recorded in {stage.name}: {', '.join(left)}")
    return steps
