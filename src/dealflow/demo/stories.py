"""Each demo deal's story: the commands that take it through the method to where its plan ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dealflow.demo.plan import PAYMENT, PAYMENT_DAYS, PRICE, SIGNING, SMALL_INVOICE, SPECIAL, WON, Plan, whole
from dealflow.demo.words import MANAGER, OWNERS, PHRASES
from dealflow.playbook import CUSTOMER, PREPARE, STAGES, US, Action, Effect, EvidenceGiven, action_with

if TYPE_CHECKING:
    from dealflow.demo.book import Book

Step = Callable[[date], object]


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
