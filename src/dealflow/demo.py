"""A realistic demo book, seeded through the application's command methods (the path the CLI takes).

Stages, actions and their fields come from the playbook; this module only adds the
sample words. The book is deterministic for a given `today`: each deal's story is a
list of commands with gaps in days between them, laid out so that the last one falls
on a chosen day in the past. Dates only move forward, so no record falls before the
deal's last stage change and the whole book passes `dealflow audit --all`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dealflow.application import DealflowApp
from dealflow.playbook import (
    CONCEDE,
    CONCESSION_TERMS,
    CUSTOMER,
    GIFT_ACTIVITIES,
    LOST_REASONS,
    NEGOTIATION_STEPS,
    PREPARE,
    STAGES,
    US,
    Action,
    Effect,
    EvidenceGiven,
    Field,
    Kind,
    RelationshipReached,
    action_with,
)

SEED = 6_24  # six stages, twenty-four actions
SIGNING = len(STAGES) - 2  # the index of the stage left by signing
WON = len(STAGES) - 1
PAYMENT_DAYS = 30
# Overdue invoices, one in each corner of the ageing report: (days past due when chased, small amount?)
OVERDUE = ((5, True), (100, True), (10, False), (70, False))
SMALL_INVOICE = Decimal(8_000)
PRICE, PAYMENT = CONCESSION_TERMS[:2]
KEY_LEVEL = next(r for s in STAGES for r in s.exit_signal.rules if isinstance(r, RelationshipReached)).stakeholder_level
SPECIAL = (Effect.COLLECTS, Effect.REFERRAL)  # actions only a story records

# (story, the index of the stage it ends in or leaves from, how many deals)
BOOK: tuple[tuple[str, int, int], ...] = (
    *(("open", stage, 3) for stage in range(SIGNING + 1)),
    ("concessions", SIGNING, 1),
    *((outcome, WON, n) for outcome, n in (("won", 1), ("invoiced", 1), ("partly-paid", 2), ("overdue", 4))),
    ("referral", WON, 1),
    ("closed", WON, 3),
    ("written-off", WON, 1),
    *(("lost", stage, 1) for stage in range(SIGNING + 1)),
    ("reopened", SIGNING - 1, 1),
    ("stepped-back", SIGNING - 1, 1),
)
# Sample words, laid out as tables for reading.
# fmt: off
ACCOUNTS = (
    ("Brenner Logistik GmbH", "EUR"), ("Van Dijk Foods B.V.", "EUR"), ("Lumière Cosmétiques SA", "EUR"),
    ("Ibérica de Envases SL", "EUR"), ("Fratelli Conti Meccanica", "EUR"), ("Nordkap Energie AG", "EUR"),
    ("Aalto Paper Oy", "EUR"), ("Dublin Harbour Freight", "EUR"), ("Porto Têxteis Lda", "EUR"),
    ("Wiener Stadtwerke Digital", "EUR"), ("Antwerp Chemicals NV", "EUR"), ("Ljubljana Steel Works", "EUR"),
    ("Harrow & Finch Insurance", "GBP"), ("Calder Valley Water", "GBP"), ("Pennine Building Supplies", "GBP"),
    ("Thameside Health Trust", "GBP"), ("Clyde Marine Engineering", "GBP"), ("Oxford Lane Publishing", "GBP"),
    ("Bristol Aerostructures", "GBP"), ("Bluewater Freight Inc.", "USD"), ("Cascade Medical Devices", "USD"),
    ("Prairie Grain Cooperative", "USD"), ("Summit Ridge Bank", "USD"), ("Ironclad Manufacturing", "USD"),
    ("Lakeshore University Hospital", "USD"), ("Redwood Solar Partners", "USD"), ("Gulf Coast Terminals", "USD"),
    ("Mesa Verde Foods", "USD"), ("Hudson Valley Pharma", "USD"), ("Great Plains Rail", "USD"),
    ("Sierra Outdoor Retail", "USD"), ("Keystone Insurance Group", "USD"), ("Northgate Retail Ltd", "GBP"),
    ("Rheinland Automotive GmbH", "EUR"), ("Alpine Dairy Cooperative", "EUR"), ("Seine Hospitality Group", "EUR"),
    ("Cotswold Farm Machinery", "GBP"), ("Pacific Northwest Timber", "USD"),
)
OWNERS = ("ana.garcia", "ben.carter", "chloe.dubois", "dev.patel", "emma.schulz")
MANAGER = "sofia.lindqvist"
TITLES = (
    "Warehouse management rollout", "Fleet telematics", "Customer portal", "Data platform migration",
    "Field service app", "Predictive maintenance pilot", "ERP upgrade", "Security operations service",
    "Document management", "Procurement suite", "Plant scheduling (MES)", "Payroll outsourcing",
)
PEOPLE = (
    "Marta Ruiz", "Luis Vega", "Hannah Becker", "Tom Okafor", "Priya Nair", "Jonas Berg", "Claire Martin",
    "Sean Murphy", "Giulia Rossi", "Mark Howard", "Elena Petrova", "David Kim", "Sara Lind", "Omar Haddad",
)
PHRASES: dict[str, tuple[str, ...]] = {
    "position": ("IT manager", "head of operations", "procurement lead", "plant manager", "finance controller"),
    "summary": ("opening two sites next year", "board wants costs down 8%", "new CFO since spring",
                "replacing a legacy system out of support", "growth of 20% a year in exports"),
    "obstacle": ("manual scheduling", "data spread over five systems", "no visibility of stock in transit"),
    "impact": ("two lost shifts a week", "late deliveries cost 3% of revenue", "month-end close takes 12 days"),
    "outline": ("rollout in two phases, pilot site first", "managed service with a 24/7 desk"),
    "products": ("licences", "implementation", "training", "support plan", "integration"),
    "timing": ("before year end", "next quarter", "after the summer shutdown"),
    "competitor": ("Globex", "Initrode", "Vandelay Systems", "Hooli Enterprise"),
    "strengths": ("local support team", "references in their sector", "faster rollout"),
    "weaknesses": ("price", "fewer integrations", "smaller company"),
    "needs": ("reporting", "uptime", "integration with their ERP"),
    "plan": ("show the uptime record of two references", "offer a site visit to a reference customer"),
    "background": ("family-owned, 1,200 staff",), "challenges": ("growth without more headcount",),
    "solution": ("phased rollout with a pilot",), "credentials": ("40 rollouts in the sector",),
    "audience": ("operations director and two key users", "CFO, IT director and procurement"),
    "key_points": ("uptime", "time to value", "total cost", "integration", "support"),
    "outcome": ("positive, asked for references", "very satisfied", "wants a second phase"),
    "product": ("premium support", "extra site licences", "analytics module"),
    "criteria": ("uptime=99.9%", "response=4h", "price<=budget", "go-live<=6 months"),
}
# fmt: on

Step = Callable[[date], object]


@dataclass(frozen=True)
class Plan:
    story: str
    reach: int
    account: str
    currency: str
    title: str
    owner: str
    value: Decimal
    guide: str
    decision_maker: str
    lag: int  # days between the deal's last record and today


def whole(amount: Decimal, unit: int = 100) -> Decimal:
    return (amount / unit).to_integral_value() * unit


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


class Script:
    """One deal's story: (gap in days, command) steps, run once the deal is open."""

    def __init__(self, book: Book, plan: Plan) -> None:
        self.book, self.plan, self.rng, self.app = book, plan, book.rng, book.app
        self.steps: list[tuple[int, Step]] = []
        self.deal_id = ""
        self.amount = plan.value

    def then(
        self,
        command: Callable[..., object],
        *args: Any,
        gap: int | None = None,
        recorder: str | None = None,
        **options: Any,
    ) -> None:
        """Add a command, run `gap` days (default 1-6) after the one before; callable arguments are read then."""

        def step(on: date) -> object:
            resolved = [arg() if callable(arg) else arg for arg in args]
            return command(*resolved, actor=recorder or self.plan.owner, on=on, **options)

        self.steps.append((self.rng.randint(1, 6) if gap is None else gap, step))

    def act(self, action: Action, decisive: bool = True, **fields: Any) -> None:
        values = {**self.book.fields(action, self.plan, decisive), **fields}
        self.then(self.app.record, lambda: self.deal_id, action.name, values)

    def work(self, stage: int, everything: bool) -> None:
        actions = [action for action in STAGES[stage].actions if action.effect not in SPECIAL]
        chosen = actions if everything else self.rng.sample(actions, self.rng.randint(1, len(actions) - 1))
        for action in chosen:
            if action.effect is Effect.SETS_VALUE:
                self.act(action, quotation=self.plan.value)
            elif action.effect is Effect.UPSELLS:
                extra = whole(self.plan.value * Decimal("0.05"))
                self.amount += extra
                self.act(action, amount=extra)
            else:
                self.act(action, decisive=everything)

    def advance(self, stage: int) -> None:
        needs_evidence = any(isinstance(rule, EvidenceGiven) for rule in STAGES[stage].exit_signal.rules)
        evidence = f"{STAGES[stage + 1].opens_with}: ref {self.rng.randint(1000, 9999)}" if needs_evidence else None
        self.then(self.app.advance, lambda: self.deal_id, evidence=evidence)

    def play(self) -> None:
        for stage in range(min(self.plan.reach, SIGNING)):
            self.work(stage, everything=True)
            self.advance(stage)
        getattr(self, "_" + self.plan.story.replace("-", "_"))()

    # --- the stories ----------------------------------------------------------------------------

    def _open(self) -> None:
        self.work(self.plan.reach, everything=False)
        if self.rng.random() < 0.5:
            self.then(self.app.note, lambda: self.deal_id, "call booked with the decision maker")
        if self.rng.random() < 0.3:
            self.then(self.app.forecast, lambda: self.deal_id, close_by=self.book.today + timedelta(days=60))

    def _concessions(self) -> None:
        negotiate = action_with(Effect.NEGOTIATES)
        self.act(negotiate, step=PREPARE)
        price = self.plan.value
        self.then(self.app.set_bottom_line, lambda: self.deal_id, PRICE, whole(price * Decimal("0.88")))
        self.then(self.app.set_bottom_line, lambda: self.deal_id, PAYMENT, 60)
        shares = (
            (Decimal("0.97"), None),
            (Decimal("0.92"), None),  # a larger step than the first: flagged as widening
            (Decimal("0.86"), "strategic reference account in the region"),  # past our bottom line
        )
        before = price
        for share, override in shares:
            after = whole(price * share)
            self.then(
                self.app.concede, lambda: self.deal_id, term=PRICE, by=US, before=before, after=after, override=override
            )
            before = after
        self.then(self.app.concede, lambda: self.deal_id, term=PAYMENT, by=CUSTOMER, before=90, after=60)
        self.act(negotiate, step=self.rng.choice(("exchange", "deadlock")))

    def _sign(self) -> None:
        self.work(SIGNING, everything=False)
        if self.rng.random() < 0.4:
            for share in (Decimal("0.95"), Decimal("0.98")):  # shrinking concessions, as the method wants
                after = whole(self.amount * share)
                self.then(self.app.concede, lambda: self.deal_id, term=PRICE, by=US, before=self.amount, after=after)
                self.amount = after
        self.then(self.app.sign, lambda: self.deal_id, amount=self.amount, terms=f"{PAYMENT_DAYS} days net")
        self.work(WON, everything=False)

    def _invoice(self, amount: Decimal, gap: int | None = None) -> str:
        invoice = self.book.invoice_id()
        self.then(
            lambda *, actor, on: self.app.invoice(
                self.deal_id,
                invoice,
                amount=amount,
                actor=actor,
                on=on,
                issued=on,
                due=on + timedelta(days=PAYMENT_DAYS),
            ),
            gap=gap,
        )
        return invoice

    def _won(self) -> None:
        self._sign()

    def _invoiced(self) -> None:
        self._sign()
        self._invoice(whole(self.amount / 2), gap=self.rng.randint(1, 3))

    def _partly_paid(self) -> None:
        self._sign()
        invoice = self._invoice(self.amount)
        self.then(self.app.pay, invoice, amount=whole(self.amount * Decimal("0.4")), gap=PAYMENT_DAYS - 5)

    def _overdue(self) -> None:
        self._sign()
        past_due, small = next(self.book.overdue)
        invoice = self._invoice(min(self.amount, SMALL_INVOICE) if small else self.amount)
        self.then(
            self.app.chase,
            invoice,
            cause=self.rng.choice(("our-fault", "unwilling")),
            method="reminder letter, then a call",
            gap=PAYMENT_DAYS + past_due,
        )

    def _referral(self) -> None:
        self._sign()
        fields = {"account": "Tyne Valley Logistics", "title": "Warehouse management rollout", "value": "60000"}
        self.then(self.app.record, lambda: self.deal_id, action_with(Effect.REFERRAL).name, fields)

    def _closed(self) -> None:
        self._sign()
        first = whole(self.amount / 2)
        for amount in (first, self.amount - first):
            invoice = self._invoice(amount)
            self.then(self.app.pay, invoice, amount=amount, gap=self.rng.randint(15, PAYMENT_DAYS))

    def _written_off(self) -> None:
        self._sign()
        invoice = self._invoice(self.amount)
        self.then(self.app.pay, invoice, amount=whole(self.amount * Decimal("0.9")), gap=PAYMENT_DAYS)
        self.then(self.app.chase, invoice, cause="unwilling", method="final demand", gap=20)
        self.then(self.app.write_off, invoice, reason="customer disputes the last milestone; not worth a lawsuit")

    def _lost(self) -> None:
        self.work(self.plan.reach, everything=False)
        reason = next(self.book.lost_reasons)
        competitor = self.rng.choice(PHRASES["competitor"]) if reason == "competitor" else None
        self.then(self.app.lose, lambda: self.deal_id, reason=reason, competitor=competitor)

    def _reopened(self) -> None:
        self.work(self.plan.reach, everything=False)
        self.then(self.app.lose, lambda: self.deal_id, reason="budget")
        self.then(self.app.reopen, lambda: self.deal_id, reason="budget approved in the new fiscal year", gap=30)
        new_owner = self.rng.choice([owner for owner in OWNERS if owner != self.plan.owner])
        self.then(self.app.assign, lambda: self.deal_id, new_owner, recorder=MANAGER)

    def _stepped_back(self) -> None:
        self.work(self.plan.reach, everything=False)
        self.then(
            self.app.back,
            lambda: self.deal_id,
            STAGES[self.plan.reach - 1].name,
            reason="a new CIO reopened the requirements",
        )
        self.work(self.plan.reach - 1, everything=False)
