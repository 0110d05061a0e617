"""Random deal histories for the projection tests: hypothesis draws the steps, `play` records them
through the application's command methods on dated days (some back-dated); the method refuses
what it forbids, and a refused step is simply skipped, as a person would try something else."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from conftest import Stores
from dealflow.aggregates.errors import DealflowError
from dealflow.application import DealflowApp
from dealflow.playbook import CONCESSION_TERMS, LOST_REASONS, OPEN_STAGE_NAMES, SIGNING_STAGE, STAGE_NAMES
from dealflow.projections.runner import Projections
from dealflow.reports.report import Report
from projection_steps import ACTOR, EXITS

OWNERS = ("ana", "bo", "cy")
ACCOUNTS = ("Acme Corp", "Globex", "=HYPERLINK(1)")
CURRENCIES = ("EUR", "USD")
START = date.today() - timedelta(days=400)
NOISE = ("note", "assign", "forecast")
NEGOTIATION = ("bottom_line", "concede", "concede", "deadlock", "upsell")
RECEIVABLES = ("pay", "pay", "chase", "write_off", "invoice")
FATES = ("won", "lost", "open", "stepped back", "lost and reopened")  # hypothesis draws the first most
ENDINGS = {"lost": ["lose"], "stepped back": ["back", "advance"], "lost and reopened": ["lose", "reopen", "advance"]}


@st.composite
def _deal_plan(draw: st.DrawFn) -> list[str]:
    """One deal's steps: opened, moved towards the stage its fate needs, with records, negotiation
    and receivables along the way. A step the method refuses at its turn is skipped."""
    fate = draw(st.sampled_from(FATES))
    reach = 5 if fate == "won" else draw(st.sampled_from((4, 3, 2, 1, 0)))  # stages to move on
    plan = ["open", *draw(st.lists(st.sampled_from(NOISE), max_size=2))]
    for stage in range(1, reach + 1):
        plan += ["advance", *draw(st.lists(st.sampled_from(NOISE), max_size=1))]
        if stage == 4:  # now in commitment: negotiate (and, if it is to be won, sign after)
            plan += draw(st.lists(st.sampled_from(NEGOTIATION), max_size=5))
    if fate == "won":
        plan += ["invoice", *draw(st.lists(st.sampled_from(RECEIVABLES), max_size=6))]
    return plan + ENDINGS.get(fate, [])


@st.composite
def _histories(draw: st.DrawFn) -> list[tuple[str, int, int, int, int]]:
    plans = draw(st.lists(_deal_plan(), min_size=1, max_size=5))
    settings_changes = draw(st.integers(0, 3))
    pending = [list(plan) for plan in plans] + [["setting"] * settings_changes]
    shuffle = draw(st.randoms(use_true_random=False))
    drawn = []
    while any(pending):
        which = shuffle.choice([n for n, plan in enumerate(pending) if plan])
        kind = pending[which].pop(0)
        forward = draw(st.integers(0, 5))
        back = draw(st.sampled_from((0, 0, 0, 1, 3, 8)))
        drawn.append((kind, which, forward, back, shuffle.randrange(2**16)))
    return drawn


# kind, which deal, days the clock moves on, days the record is back-dated, a seed for the rest
steps = _histories()
splits = st.integers(0, 90)  # where the history is cut in two catch-ups
batches = st.sampled_from((1, 3, 20, 10_000))  # the catch-up's batch size, down to one event a batch


class History:
    """Plays steps on one store, remembering the deals it opened and the day it has reached."""

    def __init__(self, app: DealflowApp) -> None:
        self.app = app
        self.deals: dict[int, str] = {}
        self.today = START
        self.invoices = 0

    def play(self, drawn: list[tuple[str, int, int, int, int]]) -> None:
        for kind, which, forward, back, seed in drawn:
            self.today = min(self.today + timedelta(days=forward), date.today())
            on = self.today - timedelta(days=back)
            rng = random.Random(seed)
            if kind == "open":
                self._try(self._open, which, on, rng)
            elif kind == "setting":
                self._try(self._setting, on, rng)
            elif which in self.deals:
                self._try(getattr(self, "_" + kind), self.deals[which], on, rng)

    def _try(self, step: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(DealflowError):  # refused by the method or the dates: nothing was recorded
            step(*args)

    def _open(self, which: int, on: date, rng: random.Random) -> None:
        deal_id = f"D-{which + 1:03d}"
        valued = rng.random() < 0.8
        self.app.open_deal(
            account=rng.choice(ACCOUNTS),
            title="rollout",
            actor=ACTOR,
            deal_id=deal_id,
            owner=rng.choice(OWNERS),
            value=str(rng.randrange(1, 200) * 500) if valued else None,
            currency=rng.choice(CURRENCIES) if valued else None,
            close_by=on + timedelta(days=rng.randrange(10, 120)) if rng.random() < 0.7 else None,
            on=on,
        )
        self.deals[which] = deal_id

    def _advance(self, deal_id: str, on: date, rng: random.Random) -> None:
        deal = self.app.deal(deal_id)
        if deal.stage == SIGNING_STAGE.name:
            amount = str(rng.randrange(1, 200) * 500)
            self.app.sign(deal_id, amount=amount, currency=deal.currency or rng.choice(CURRENCIES), actor=ACTOR, on=on)
            return
        if deal.stage not in EXITS:
            return  # lost, won or closed: nothing to advance
        actions, evidence = EXITS[deal.stage]
        for action, fields in actions:
            if action == "submit-proposal":
                fields = {"quotation": str(rng.randrange(1, 200) * 500), "currency": deal.currency or "EUR"}
            self.app.record(deal_id, action, fields, actor=ACTOR, on=on)
        self.app.advance(deal_id, actor=ACTOR, evidence=evidence, on=on)

    def _back(self, deal_id: str, on: date, rng: random.Random) -> None:
        stage = self.app.deal(deal_id).stage
        earlier = OPEN_STAGE_NAMES[: OPEN_STAGE_NAMES.index(stage)] if stage in OPEN_STAGE_NAMES else ()
        if earlier:
            self.app.back(deal_id, rng.choice(earlier), reason="champion left", actor=ACTOR, on=on)

    def _lose(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.lose(deal_id, reason=rng.choice(LOST_REASONS), actor=ACTOR, on=on)

    def _reopen(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.reopen(deal_id, reason="budget back", actor=ACTOR, on=on)

    def _invoice(self, deal_id: str, on: date, rng: random.Random) -> None:
        deal = self.app.deal(deal_id)
        left = (deal.signed_amount or Decimal(0)) - deal.invoiced_total
        if left > 0:
            self.invoices += 1
            amount = left if rng.random() < 0.5 else max(Decimal(1), (left / 2).quantize(Decimal(1)))
            due = on + timedelta(days=rng.randrange(0, 60))
            self.app.invoice(
                deal_id, f"INV-{self.invoices}", amount=str(amount), due=due, issued=on, actor=ACTOR, on=on
            )

    def _open_invoice(self, deal_id: str, on: date, rng: random.Random) -> tuple[str, Decimal, date] | None:
        """An invoice with a balance, and the day to record on: never before the invoice itself.
        (The application accepts a payment dated before its invoice, and `deal_as_of` then fails:
        reported; until it is refused, these histories keep to dates the replay can follow.)"""
        invoices = self.app.deal(deal_id).invoices.items()
        owed = [(key, i["amount"] - i["paid"] - i["written_off"], i["issued"]) for key, i in invoices]
        owed = [(key, balance, max(on, issued)) for key, balance, issued in owed if balance > 0]
        return rng.choice(owed) if owed else None

    def _pay(self, deal_id: str, on: date, rng: random.Random) -> None:
        found = self._open_invoice(deal_id, on, rng)
        if found:
            invoice, balance, on = found
            amount = balance if rng.random() < 0.5 else max(Decimal(1), (balance / 3).quantize(Decimal(1)))
            self.app.pay(invoice, amount=str(min(amount, balance)), actor=ACTOR, on=on)

    def _write_off(self, deal_id: str, on: date, rng: random.Random) -> None:
        found = self._open_invoice(deal_id, on, rng)
        if found:
            self.app.write_off(found[0], reason="insolvent", actor=ACTOR, on=found[2])

    def _chase(self, deal_id: str, on: date, rng: random.Random) -> None:
        found = self._open_invoice(deal_id, on, rng)
        if found:
            cause = rng.choice(("fraud", "our-fault", "unwilling"))
            self.app.chase(found[0], cause=cause, method="call", actor=ACTOR, on=found[2])

    def _note(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.note(deal_id, "called", actor=ACTOR, on=on)

    def _assign(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.assign(deal_id, rng.choice(OWNERS), actor=ACTOR, on=on)

    def _forecast(self, deal_id: str, on: date, rng: random.Random) -> None:
        deal = self.app.deal(deal_id)
        value = str(rng.randrange(1, 200) * 500) if rng.random() < 0.7 else None
        currency = deal.currency or rng.choice(CURRENCIES) if value else None
        close_by = on + timedelta(days=rng.randrange(0, 90)) if value is None or rng.random() < 0.5 else None
        self.app.forecast(deal_id, value=value, currency=currency, close_by=close_by, actor=ACTOR, on=on)

    def _bottom_line(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.set_bottom_line(deal_id, rng.choice(CONCESSION_TERMS), str(rng.randrange(50, 150)), actor=ACTOR, on=on)

    def _concede(self, deal_id: str, on: date, rng: random.Random) -> None:
        """Mostly from where the side last stood and the way its concessions go; now and then from
        elsewhere, with a reason or without (refused), or backwards (refused)."""
        deal = self.app.deal(deal_id)
        term, by = rng.choice(CONCESSION_TERMS), rng.choice(("us", "customer"))
        last = deal.concession_positions.get(term, {}).get(by)
        before = last if last is not None and rng.random() < 0.8 else Decimal(rng.randrange(60, 200))
        ours = deal.our_concession_directions.get(term)
        way = (ours if by == "us" else -ours) if ours is not None and rng.random() < 0.8 else rng.choice((1, -1))
        after = before + rng.randrange(1, 40) * way
        override = "approved by the board" if rng.random() < 0.5 else None
        reason = "the scope changed" if rng.random() < 0.5 else None
        self.app.concede(
            deal_id, actor=ACTOR, term=term, by=by, before=str(before), after=str(after), override=override,
            reason=reason, on=on,
        )  # fmt: skip

    def _upsell(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.record(
            deal_id, "upsell", {"product": "support", "amount": str(rng.randrange(1, 20) * 100)}, actor=ACTOR, on=on
        )

    def _deadlock(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.record(deal_id, "negotiate", {"step": "deadlock"}, actor=ACTOR, on=on)

    def _setting(self, on: date, rng: random.Random) -> None:
        name, value = rng.choice(
            (
                (f"probability-{rng.choice(STAGE_NAMES).replace('_', '-')}", f"0.{rng.randrange(0, 100):02d}"),
                ("stalled-days", str(rng.randrange(1, 60))),
                ("collection-overdue-days", str(rng.randrange(1, 60))),
                ("collection-large-amount", str(rng.randrange(1, 50) * 1000)),
            )
        )
        self.app.change_setting(name, value, actor=ACTOR, on=on)


def days_to_check(app: DealflowApp, rng: random.Random) -> list[date]:
    """Some days worth reporting on: a few with events, the day before one, and today."""
    found = sorted({event.effective_on for deal in app.deal_ids() for event in app.history(deal)})
    chosen = rng.sample(found, min(5, len(found)))
    return sorted({*chosen, *(d - timedelta(days=1) for d in chosen[:1]), date.today()})


@contextmanager
def played(stores: Stores, drawn: list, split: int, batch_size: int) -> Iterator[tuple[DealflowApp, Projections]]:
    """A fresh store with `drawn` played on it, the projections caught up once part-way (after
    `split` steps) and once at the end, `batch_size` notifications a batch."""
    with stores.fresh() as url:
        app = DealflowApp(url)
        try:
            history = History(app)
            with Projections(app, batch_size=batch_size) as projections:
                history.play(drawn[:split])
                projections.catch_up()
                history.play(drawn[split:])
                projections.catch_up()
                yield app, projections
        finally:
            app.close()


def tables(report: Report) -> dict[str, list[dict[str, Any]]]:
    return {table.name: list(table.rows) for table in report.tables}
