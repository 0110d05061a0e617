"""Random command sequences on one deal, through a real application on each store (a fresh SQLite
file or PostgreSQL schema per run), in lockstep with the same commands on a live aggregate kept in
memory.

After every command: the application and the live deal agree on whether it was refused; a refused
command wrote no event; the deal loaded from the store (snapshot + events) and the deal replayed from
all its events equal the live one; no balance is negative; and every stored event moved the deal
only where the lifecycle machine allows.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import Stores, examples_on
from dealbook import (
    ACTOR,
    ALL_YES,
    COLLECT,
    DECISION_MAKER,
    EXITS,
    REFERRAL,
    SAMPLE_FIELDS,
    days_ago,
    fields_for,
    replayed,
    state_of,
)
from dealflow.aggregates.errors import DealflowError
from dealflow.aggregates.lifecycle import lifecycle
from dealflow.aggregates.receivables import balance
from dealflow.application import DealflowApp
from dealflow.playbook import (
    ACTIONS,
    BUYING_STAGES,
    CONCESSION_TERMS,
    LOST_REASONS,
    SIGNING_STAGE,
    STAGE_BY_NAME,
    STAGE_NAMES,
    STAGE_OF_ACTION,
    STAKEHOLDER_LEVELS,
    Effect,
)
from dealflow.storage.verify import verify

OPENED_ON = days_ago(60)
DATES = st.sampled_from([None, None, None, date.today(), days_ago(1), days_ago(30), days_ago(61)])
FUTURE = date.today() + timedelta(days=1)
INVOICES = st.sampled_from(["INV-1", "INV-2", "INV-3", "inv-1"])
AMOUNTS = st.sampled_from(["0.10", "0.20", "0.30", "100", "400", "1000", "0", "-1", "lots"])
CENT = Decimal("0.01")
CONTACTS = st.sampled_from([DECISION_MAKER, DECISION_MAKER.lower(), "Marta Ruiz"])


def _broken(action: str) -> st.SearchStrategy[dict[str, Any]]:
    """The sample fields spoiled: a required field left out, or a field the action does not have."""
    fields = SAMPLE_FIELDS[action]
    required = [field.name for field in ACTIONS[action].fields if field.required]
    return st.one_of(
        st.sampled_from(required).map(lambda name: {k: v for k, v in fields.items() if k != name}),
        st.just({**fields, "colour": "red"}),
    )


def _valid(action: str) -> st.SearchStrategy[dict[str, Any]]:
    spec = ACTIONS[action]
    sample = st.just(SAMPLE_FIELDS[action])
    if spec.effect is Effect.QUALIFIES:
        return st.fixed_dictionaries({question: st.sampled_from(["yes", "yes", "no"]) for question in ALL_YES})
    if spec.effect is Effect.STAKEHOLDER:
        return st.fixed_dictionaries({"contact": CONTACTS, "level": st.sampled_from(STAKEHOLDER_LEVELS)})
    if spec.effect is Effect.RELATIONSHIP:
        return st.fixed_dictionaries(
            {"contact": CONTACTS, "activity": st.sampled_from(spec.field("activity").choices)},
            optional={"gift_value": st.sampled_from(["20", "150"]), "approver": st.just("Carmen")},
        )
    if spec.effect is Effect.COLLECTS:
        return INVOICES.map(lambda invoice: {**SAMPLE_FIELDS[action], "invoice": invoice})
    if spec.effect is Effect.REFERRAL:
        return st.fixed_dictionaries({"account": st.just("Initech")}, optional={"value": st.just("5000")})
    return sample


def _action_and_fields(action: str) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    return st.tuples(st.just(action), st.one_of(_valid(action), _valid(action), _broken(action)))


ACTION_AND_FIELDS = st.sampled_from(sorted(ACTIONS)).flatmap(_action_and_fields)


class DealLifecycle(RuleBasedStateMachine):
    def __init__(self, stores: Stores) -> None:
        super().__init__()
        self.store = ExitStack()  # a store of its own per run: no run sees another's deal
        self.app = DealflowApp(self.store.enter_context(stores.fresh()))
        self.deal_id = self.app.open_deal(account="Acme Corp", title="MES rollout", actor=ACTOR, on=OPENED_ON)
        self.live = self.app.deal(self.deal_id)
        self.referrals = 0
        self.checked_version = 1

    def teardown(self) -> None:
        try:
            proven = verify(self.app)  # whatever was accepted or refused, the log as written proves itself
            assert proven.holds and proven.events == self.app.event_count(), proven.breaks
        finally:
            self.app.close()
            self.store.close()

    @initialize(stage=st.sampled_from(STAGE_NAMES))
    def start_in(self, stage: str) -> None:
        """Begin each run in any of the six stages, so that every stage gets its share of random commands."""
        while self.live.stage != stage:
            self.meet_the_exit_signal()

    # --- running one command on both sides ----------------------------------------------------

    def _both(self, in_app: Callable[[], Any], on_live: Callable[[], Any]) -> bool:
        """Run a command on the live deal and through the application; True when it was accepted."""
        before, events = state_of(self.live), self.app.event_count()
        try:
            on_live()
        except DealflowError as refusal:
            live_refusal: DealflowError | None = refusal
        else:
            live_refusal = None
        if live_refusal is not None:
            assert self.live.collect_events() == [], f"refused ({live_refusal}) but left events pending"
            assert state_of(self.live) == before, f"refused ({live_refusal}) but changed the deal"
        else:
            self.live.collect_events()
        try:
            in_app()
        except DealflowError as refusal:
            assert live_refusal is not None, f"the application refused what the deal accepted: {refusal}"
            assert self.app.event_count() == events, f"refused ({refusal}) but wrote events"
            return False
        assert live_refusal is None, f"the application accepted what the deal refused: {live_refusal}"
        return True

    def _invoice_key(self, invoice: str) -> str:
        return next((key for key in self.live.invoices if key.casefold() == invoice.casefold()), invoice)

    # --- the commands ---------------------------------------------------------------------------

    @rule(action_and_fields=ACTION_AND_FIELDS, on=DATES)
    def act(self, action_and_fields: tuple[str, dict[str, Any]], on: date | None) -> None:
        action, fields = action_and_fields
        if action == REFERRAL:
            self.referrals += 1
            new_id = f"R-{self.referrals}"
            self._both(
                lambda: self.app.record(self.deal_id, action, {**fields, "id": new_id}, actor=ACTOR, on=on),
                lambda: self.live.refer(fields, new_deal_id=new_id, actor=ACTOR, on=on),
            )
            return
        if action == COLLECT and "invoice" in fields:
            fields = {**fields, "invoice": self._invoice_key(fields["invoice"])}
        self._both(
            lambda: self.app.record(self.deal_id, action, fields, actor=ACTOR, on=on),
            lambda: self.live.record_action(action, fields, actor=ACTOR, on=on),
        )

    @rule(evidence=st.sampled_from([None, "", "RFP-7"]), on=DATES)
    def advance(self, evidence: str | None, on: date | None) -> None:
        self._both(
            lambda: self.app.advance(self.deal_id, evidence=evidence, actor=ACTOR, on=on),
            lambda: self.live.advance(evidence=evidence, actor=ACTOR, on=on),
        )

    @rule()
    def meet_the_exit_signal(self) -> None:
        """Record what the current stage's exit signal needs, then leave it: so that runs get far."""
        stage = self.live.stage
        if stage in EXITS:
            actions, evidence = EXITS[stage]
            value = self.live.value or Decimal("1000")
            for action in actions:
                fields = fields_for(action, value)
                self._both(
                    lambda action=action, fields=fields: self.app.record(self.deal_id, action, fields, actor=ACTOR),
                    lambda action=action, fields=fields: self.live.record_action(action, fields, actor=ACTOR),
                )
            if stage == SIGNING_STAGE.name:
                self.sign(str(self.live.value or "1000"), None)
            else:
                self.advance(evidence, None)
        elif stage == STAGE_NAMES[-1]:  # one step towards closing: invoice the rest, or pay an invoice
            left = self.live.signed_amount - self.live.invoiced_total
            unpaid = [key for key, invoice in self.live.invoices.items() if balance(invoice)]
            if left:
                taken = {key.casefold() for key in self.live.invoices}
                self.invoice(next(f"INV-{n}" for n in range(1, 99) if f"inv-{n}" not in taken), str(left))
            elif unpaid:
                self.pay(unpaid[0], str(balance(self.live.invoices[unpaid[0]])))

    @rule(data=st.data(), on=DATES, then_move_on=st.booleans())
    def act_in_the_current_stage(self, data: st.DataObject, on: date | None, then_move_on: bool) -> None:
        if self.live.stage is not None:
            actions = [action.name for action in STAGE_BY_NAME[self.live.stage].actions]
            self.act(data.draw(st.sampled_from(actions).flatmap(_action_and_fields)), on)
        if then_move_on:
            self.meet_the_exit_signal()

    @rule(stage=st.sampled_from([*STAGE_NAMES, "discovery"]), on=DATES)
    def back(self, stage: str, on: date | None) -> None:
        self._both(
            lambda: self.app.back(self.deal_id, stage, reason="the sponsor left", actor=ACTOR, on=on),
            lambda: self.live.step_back(stage, reason="the sponsor left", actor=ACTOR, on=on),
        )

    @rule(reason=st.sampled_from([*LOST_REASONS[:3], "bad luck"]), on=DATES)
    def lose(self, reason: str, on: date | None) -> None:
        self._both(
            lambda: self.app.lose(self.deal_id, reason=reason, competitor="Globex", actor=ACTOR, on=on),
            lambda: self.live.lose(reason=reason, competitor="Globex", actor=ACTOR, on=on),
        )

    @rule(on=DATES)
    def reopen(self, on: date | None) -> None:
        self._both(
            lambda: self.app.reopen(self.deal_id, reason="budget is back", actor=ACTOR, on=on),
            lambda: self.live.reopen(reason="budget is back", actor=ACTOR, on=on),
        )

    @rule(amount=st.sampled_from(["1000", "0.30", "0"]), currency=st.sampled_from([None, "EUR", "USD"]))
    def sign(self, amount: str, currency: str | None) -> None:
        self._both(
            lambda: self.app.sign(self.deal_id, amount=amount, currency=currency, actor=ACTOR),
            lambda: self.live.sign(amount=amount, currency=currency, actor=ACTOR),
        )

    @rule(invoice=INVOICES, amount=AMOUNTS)
    def invoice(self, invoice: str, amount: str) -> None:
        due = date.today() + timedelta(days=30)
        self._both(
            lambda: self.app.invoice(self.deal_id, invoice, amount=amount, due=due, actor=ACTOR),
            lambda: self.live.invoice(invoice, amount=amount, due=due, actor=ACTOR),
        )

    @rule(invoice=INVOICES, amount=AMOUNTS)
    def pay(self, invoice: str, amount: str) -> None:
        key = self._invoice_key(invoice)
        self._both(
            lambda: self.app.pay(invoice, amount=amount, actor=ACTOR),
            lambda: self.live.pay(key, amount=amount, actor=ACTOR),
        )

    @rule(invoice=INVOICES, part=st.sampled_from(["all", "half", "all and a cent"]))
    def pay_part_of_the_balance(self, invoice: str, part: str) -> None:
        """Amounts that matter here: the whole balance, part of it, or one cent too much."""
        key = self._invoice_key(invoice)
        owed = balance(self.live.invoices[key]) if key in self.live.invoices else Decimal(0)
        amount = {"all": owed, "half": (owed / 2).quantize(CENT), "all and a cent": owed + CENT}[part]
        self.pay(invoice, str(amount))

    @rule(invoice=INVOICES, part=st.sampled_from(["the rest", "half the rest", "the rest and a cent"]))
    def invoice_part_of_the_rest(self, invoice: str, part: str) -> None:
        """Amounts that matter here: what is left of the signed amount, part of it, or one cent too much."""
        rest = (self.live.signed_amount or 0) - self.live.invoiced_total
        half = (rest / 2).quantize(CENT)
        amount = {"the rest": rest, "half the rest": half, "the rest and a cent": rest + CENT}[part]
        self.invoice(invoice, str(amount))

    @rule(invoice=INVOICES)
    def write_off(self, invoice: str) -> None:
        key = self._invoice_key(invoice)
        self._both(
            lambda: self.app.write_off(invoice, reason="goodwill", actor=ACTOR),
            lambda: self.live.write_off(key, reason="goodwill", actor=ACTOR),
        )

    @rule(invoice=INVOICES)
    def chase(self, invoice: str) -> None:
        key = self._invoice_key(invoice)
        self._both(
            lambda: self.app.chase(invoice, cause="unwilling", method="phone", actor=ACTOR),
            lambda: self.live.chase(key, cause="unwilling", method="phone", actor=ACTOR),
        )

    @rule(value=st.sampled_from(["900", "950", "-5"]))
    def set_bottom_line(self, value: str) -> None:
        self._both(
            lambda: self.app.set_bottom_line(self.deal_id, "price", value, actor=ACTOR),
            lambda: self.live.set_bottom_line("price", value, actor=ACTOR),
        )

    @rule(
        term=st.sampled_from([*CONCESSION_TERMS[:2], "colour"]),
        by=st.sampled_from(["us", "us", "customer"]),
        before=st.sampled_from([None, None, "1000", "980", "940"]),  # None: where the side last stood
        after=st.sampled_from(["990", "960", "880", "1000"]),
        override=st.sampled_from([None, "strategic account"]),
        reason=st.sampled_from([None, "re-quoted"]),
    )
    def concede(
        self, term: str, by: str, before: str | None, after: str, override: str | None, reason: str | None
    ) -> None:
        start = before or str(self.live.concession_positions.get(term, {}).get(by, "1000"))
        concession = {"term": term, "by": by, "before": start, "after": after, "override": override, "reason": reason}
        self._both(
            lambda: self.app.concede(self.deal_id, actor=ACTOR, **concession),
            lambda: self.live.concede(actor=ACTOR, **concession),
        )

    @rule(text=st.sampled_from(["called the CFO", "   "]), on=st.one_of(DATES, st.just(FUTURE)))
    def note(self, text: str, on: date | None) -> None:
        self._both(
            lambda: self.app.note(self.deal_id, text, actor=ACTOR, on=on),
            lambda: self.live.note(text, actor=ACTOR, on=on),
        )

    @rule(owner=st.sampled_from([ACTOR, "bruno", "carmen"]))
    def assign(self, owner: str) -> None:
        self._both(
            lambda: self.app.assign(self.deal_id, owner, actor=ACTOR),
            lambda: self.live.assign(owner, actor=ACTOR),
        )

    @rule(value=st.sampled_from([None, "1500", "x"]), currency=st.sampled_from([None, "EUR", "GBP"]))
    def forecast(self, value: str | None, currency: str | None) -> None:
        self._both(
            lambda: self.app.forecast(self.deal_id, value=value, currency=currency, actor=ACTOR),
            lambda: self.live.forecast(value=value, currency=currency, actor=ACTOR),
        )

    @rule(buying_stage=st.sampled_from([*BUYING_STAGES[:2], "shopping"]))
    def update_buying_stage(self, buying_stage: str) -> None:
        self._both(
            lambda: self.app.update_buying_stage(self.deal_id, buying_stage, actor=ACTOR),
            lambda: self.live.update_buying_stage(buying_stage, actor=ACTOR),
        )

    # --- what must always hold ----------------------------------------------------------------

    @invariant()
    def the_stored_deal_equals_the_live_one(self) -> None:
        expected = state_of(self.live)
        assert state_of(self.app.deal(self.deal_id)) == expected, "loaded (snapshot + events) differs from live"
        assert state_of(replayed(self.app, self.deal_id)) == expected, "replayed from all events differs from live"

    @invariant()
    def no_balance_is_negative(self) -> None:
        deal = self.live
        for invoice in deal.invoices.values():
            assert balance(invoice) >= 0 and invoice["paid"] >= 0 and invoice["written_off"] >= 0
        assert deal.open_balance >= 0
        assert deal.invoiced_total <= (deal.signed_amount or 0)

    @precondition(lambda self: self.live.version > self.checked_version)
    @invariant()
    def every_new_event_moved_the_deal_only_as_the_machine_allows(self) -> None:
        for event in self.app.history(self.deal_id)[self.checked_version :]:
            before = self.app.deal(self.deal_id, version=event.originator_version - 1)
            assert lifecycle().next_state(before, event.trigger, **event.trigger_context()) == event.state, event
            if event.trigger in ACTIONS:
                assert event.state == f"{STAGE_OF_ACTION[event.trigger].name}.{event.trigger}"
        self.checked_version = self.live.version


RUNS = settings(max_examples=50, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_random_command_sequences_keep_the_deal_consistent(stores: Stores) -> None:
    run_state_machine_as_test(lambda: DealLifecycle(stores), settings=examples_on(stores, RUNS))
