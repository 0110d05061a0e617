"""The demo book: its deals planned from one seed, each seeded through the application, with the
sample values of each action's fields."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dealflow.application import DealflowApp
from dealflow.demo.plan import BOOK, KEY_LEVEL, OVERDUE, SEED, Plan, whole
from dealflow.demo.stories import Script
from dealflow.demo.words import ACCOUNTS, OWNERS, PEOPLE, PHRASES, TITLES
from dealflow.playbook import (
    CONCEDE,
    GIFT_ACTIVITIES,
    LOST_REASONS,
    NEGOTIATION_STEPS,
    PREPARE,
    Action,
    Effect,
    Field,
    Kind,
)


class Book:
    """Seeds the demo book into an application, one planned deal at a time."""

    def __init__(self, app: DealflowApp, today: date | None = None, seed: int = SEED) -> None:
        self.app = app
        self.today = today or date.today()
        self.rng = random.Random(seed)
        self.plans = list(self._plans())
        self.highlights: dict[str, str] = {}
        self.invoices = itertools.count(10_001)
        self.overdue = itertools.cycle(OVERDUE)
        self.lost_reasons = itertools.cycle(self.rng.sample(LOST_REASONS, len(LOST_REASONS)))

    def _plans(self) -> Iterator[Plan]:
        stories = [(story, reach) for story, reach, count in BOOK for _ in range(count)]
        accounts = self.rng.sample(ACCOUNTS, len(stories))
        for (story, reach), (account, currency) in zip(stories, accounts, strict=True):
            guide, decision_maker = self.rng.sample(PEOPLE, 2)
            value = whole(Decimal(self.rng.randrange(15_000, 450_000)), 500)
            lag = self.rng.randint(0, 9) if story not in ("closed", "written-off", "lost") else self.rng.randint(5, 60)
            title, owner = self.rng.choice(TITLES), self.rng.choice(OWNERS)
            yield Plan(story, reach, account, currency, title, owner, value, guide, decision_maker, lag)

    def seed(self, plan: Plan) -> str:
        """Open the planned deal and play its story; returns its id."""
        script = Script(self, plan)
        script.play()
        end = self.today - timedelta(days=plan.lag)
        on = end - timedelta(days=sum(gap for gap, _ in script.steps))
        deal_id = self.app.open_deal(
            account=plan.account,
            title=plan.title,
            actor=plan.owner,
            value=plan.value,
            currency=plan.currency,
            close_by=on + timedelta(days=150),
            on=on,
        )
        script.deal_id = deal_id
        for gap, step in script.steps:
            on += timedelta(days=gap)
            step(on)
        self.highlights.setdefault(plan.story, deal_id)
        return deal_id

    def fields(self, action: Action, plan: Plan, decisive: bool) -> dict[str, Any]:
        """Sample values for an action's fields, as a salesperson would type them."""
        chosen = [field for field in action.fields if field.required or self.rng.random() < 0.6]
        values = {field.name: self._value(field, plan, decisive) for field in chosen}
        values = {name: value for name, value in values.items() if value is not None}
        if action.effect is Effect.STAKEHOLDER:
            values.update(contact=plan.decision_maker, level=KEY_LEVEL, roles=["decision-maker"])
        if action.effect is Effect.RELATIONSHIP:
            activities = [a for a in action.field("activity").choices if a not in GIFT_ACTIVITIES]
            values.update(contact=plan.decision_maker, activity=self.rng.choice(activities))
        if action.effect is Effect.NEGOTIATES:
            values["step"] = self.rng.choice([step for step in NEGOTIATION_STEPS if step not in (CONCEDE, PREPARE)])
        return values

    def _value(self, field: Field, plan: Plan, decisive: bool) -> Any:
        words = PHRASES.get(field.name, ())
        if field.name == "contact":
            return plan.guide
        if field.name == "stakeholder":
            return plan.decision_maker
        match field.kind:
            case Kind.CHOICE:
                return self.rng.choice(field.choices)
            case Kind.CHOICES:
                return self.rng.sample(field.choices, self.rng.randint(1, 2))
            case Kind.YES_NO:
                return decisive or self.rng.random() < 0.6
            case Kind.LIST | Kind.PAIRS if words:
                count = max(field.min_items, min(field.max_items or 3, 3))
                return self.rng.sample(words, count)
            case Kind.CURRENCY:
                return plan.currency
            case Kind.TEXT if words:
                return self.rng.choice(words)
        return None  # money is set by the story; an optional field without sample words is left out

    def invoice_id(self) -> str:
        return f"INV-{next(self.invoices)}"
