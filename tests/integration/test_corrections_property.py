"""Random histories of one deal with random corrections and voids, through a real application on
each store (a fresh SQLite file or PostgreSQL schema per run).

Beside the store being revised, a second store holds the same deal recorded right from the start:
the same commands, each as its accepted corrections left it, without the voided ones. Every command
is recorded on both; after every accepted correction or void the second store is recorded again,
from scratch, in a fresh store. The properties:

- an accepted correction or void leaves the deal (loaded, from its snapshots and events, and folded
  from its history) as recording the revised commands from the start leaves it; that recording is
  accepted, and each later command is accepted or refused on both stores alike;
- a refused correction or void writes nothing, and is refused for a reason: recording the commands it
  asked for from the start is refused too (but where a revision has rules of its own: nothing to
  change, or a settling it would add);
- every store proves itself (`verify`) and follows the method (`audit`, corrections judged).

Left to tests of their own, each failing today: voiding a deal's opening, and what a command works
out from a default (a concession's round, an invoice's issue date), which a revision keeps as
recorded (`test_corrections.py`, `test_correct_cli.py`). So openings are not voided here, and
rounds and issue dates are given as the command would have worked them out. Referral sales, which
open another deal, are not drawn.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import event as tally
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from conftest import Stores, examples_on
from dealbook import ALL_YES, SAMPLE_FIELDS, days_ago, state_of
from dealflow.aggregates.correcting import CORRECTABLE as CORRECTABLE_KINDS
from dealflow.aggregates.correcting import VOIDABLE as VOIDABLE_KINDS
from dealflow.aggregates.errors import DealflowError
from dealflow.aggregates.receivables import balance
from dealflow.aggregates.revised import fold
from dealflow.application import DealflowApp
from dealflow.audit import audit_deal
from dealflow.playbook import ACTIONS, CONCESSION_TERMS, STAGE_BY_NAME, Effect, action_with
from dealflow.storage.verify import verify

DEAL = "D-1"
ACTOR = "ana"
OPENED = 200  # days ago
REFERRAL = action_with(Effect.REFERRAL).name  # opens another deal: not among the commands drawn here
COLLECT = action_with(Effect.COLLECTS).name
CONTACTS = ("Luis Vega", "Luis Vgea", "Marta Ruiz")
# What leaving each stage takes: the actions and the evidence, as `dealbook.EXITS`, but the contact drawn.
EXIT_EVIDENCE = {"analysis": None, "trust": None, "needs": "RFP-14 received", "value": "negotiation booked"}
CORRECTABLE = frozenset(CORRECTABLE_KINDS)
VOIDABLE = frozenset(VOIDABLE_KINDS)
# refusals of a revision's own, not the method's: nothing changes, it would close the deal, the kind of event
# is not revised this way (an invoice is not voided, a stage move has its own command), it no longer counts
REVISION_RULES = frozenset({"no change", "would close", "not correctable", "voided"})

# The words `dealflow correct` takes for each command, and the command's parameter each one changes.
WORDS: dict[str, dict[str, str]] = {
    "open": {"account": "account", "title": "title", "value": "value", "currency": "currency", "close_by": "close_by"},
    "note": {"text": "text"},
    "bottom_line": {"value": "value"},
    "concede": {"from": "before", "to": "after", "override": "override"},
    "invoice": {"amount": "amount", "issued": "issued", "due": "due"},
    "pay": {"amount": "amount"},
    "forecast": {"value": "value", "currency": "currency", "close_by": "close_by"},
    "sign": {"amount": "amount", "terms": "terms"},
    "chase": {"invoice": "invoice", "cause": "cause", "method": "method", "note": "note"},
}


@dataclass
class Command:
    """One command as a person gave it: what, with which values, on which day; and the version of the
    event it recorded in the store being revised."""

    kind: str
    params: dict[str, Any]
    on: date
    version: int = 0

    def corrected(self, given: dict[str, Any]) -> Command:
        """The command as `dealflow correct ... given` says it should have been given."""
        params = copy.deepcopy(self.params)
        for word, value in given.items():
            if word == "on":
                continue
            if self.kind == "act":
                if word == "note":
                    params["note"] = value
                else:
                    params["fields"][word] = value
            else:
                params[WORDS[self.kind][word]] = value
        return Command(self.kind, params, given.get("on", self.on), self.version)


def record(app: DealflowApp, command: Command) -> None:
    """Give `command` to the application."""
    p, on = command.params, command.on
    kind = command.kind
    if kind == "open":
        app.open_deal(deal_id=DEAL, actor=ACTOR, on=on, **p)
    elif kind == "act":
        app.record(DEAL, p["action"], p["fields"], actor=ACTOR, on=on, note=p.get("note"))
    elif kind == "note":
        app.note(DEAL, p["text"], actor=ACTOR, on=on)
    elif kind == "advance":
        app.advance(DEAL, actor=ACTOR, evidence=p["evidence"], on=on)
    elif kind == "lose":
        app.lose(DEAL, reason=p["reason"], actor=ACTOR, on=on)
    elif kind == "reopen":
        app.reopen(DEAL, reason=p["reason"], actor=ACTOR, on=on)
    elif kind == "bottom_line":
        app.set_bottom_line(DEAL, p["term"], p["value"], actor=ACTOR, on=on)
    elif kind == "concede":
        app.concede(DEAL, actor=ACTOR, on=on, **p)
    elif kind == "sign":
        app.sign(DEAL, amount=p["amount"], terms=p.get("terms"), actor=ACTOR, on=on)
    elif kind == "invoice":
        app.invoice(DEAL, p["invoice"], amount=p["amount"], due=p["due"], issued=p["issued"], actor=ACTOR, on=on)
    elif kind == "pay":
        app.pay(p["invoice"], amount=p["amount"], actor=ACTOR, on=on)
    elif kind == "write_off":
        app.write_off(p["invoice"], reason=p["reason"], actor=ACTOR, on=on)
    elif kind == "chase":
        app.chase(p["invoice"], cause=p["cause"], method=p["method"], note=p.get("note"), actor=ACTOR, on=on)
    elif kind == "forecast":
        app.forecast(DEAL, actor=ACTOR, on=on, **p)
    else:
        raise AssertionError(f"no such command {kind}")


def seen(deal: Any) -> dict[str, Any]:
    """Everything a user could see of a deal but its version (the revised store's counts its revisions)."""
    return {name: value for name, value in state_of(deal).items() if name != "version"}


def proven(app: DealflowApp) -> None:
    sealed = verify(app)
    assert sealed.holds and sealed.events == app.event_count(), sealed.breaks
    for deal_id in app.deal_ids():
        audited = audit_deal(app.history(deal_id), app.settings)
        assert audited.passed, [(f.version, f.event, f.reasons) for f in audited.violations]


AMOUNTS = ("1", "100", "250.50", "400", "1000", "0", "-1", "lots")
SHIFTS = st.integers(-20, 20)


def _given_for(kind: str, event: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Values a person might correct an event of `kind` with: mostly its own words, some wrong ones."""
    own: dict[str, st.SearchStrategy[Any]] = {
        "Opened": st.one_of(
            st.fixed_dictionaries({"value": st.sampled_from(["90000", "120000"])}),
            st.fixed_dictionaries({"account": st.sampled_from(["Acme Industrial", " "])}),
            st.fixed_dictionaries({"currency": st.sampled_from(["USD", "EUR", "euro"])}),
        ),
        "NoteAdded": st.fixed_dictionaries({"text": st.sampled_from(["called the CFO", "   ", "met the board"])}),
        "BottomLineSet": st.fixed_dictionaries({"value": st.sampled_from(["850", "900", "950", "990", "-5"])}),
        "Conceded": st.one_of(
            st.fixed_dictionaries({"to": st.sampled_from(["990", "960", "880", "1000"])}),
            st.fixed_dictionaries({"from": st.sampled_from(["1000", "990", "980"])}),
            st.fixed_dictionaries({"override": st.just("strategic account")}),
        ),
        "Invoiced": st.one_of(
            st.fixed_dictionaries({"amount": st.sampled_from(AMOUNTS)}),
            st.fixed_dictionaries({"due": SHIFTS.map(lambda n: getattr(event, "due", date.today()) + timedelta(n))}),
        ),
        "PaymentReceived": st.fixed_dictionaries({"amount": st.sampled_from(AMOUNTS)}),
        "ForecastChanged": st.fixed_dictionaries({"value": st.sampled_from(["1500", "2500", "x"])}),
        "Signed": st.one_of(
            st.fixed_dictionaries({"amount": st.sampled_from(["1000", "900", "5000"])}),
            st.fixed_dictionaries({"terms": st.just("net 30")}),
        ),
    }
    if kind == "ActionRecorded":
        action = event.action
        fields = [f.name for f in ACTIONS[action].fields]
        choices: list[st.SearchStrategy[dict[str, Any]]] = [
            st.fixed_dictionaries({"note": st.sampled_from(["as agreed", "   "])}),
            st.just({"colour": "red"}),
        ]
        if "contact" in fields:
            choices.append(st.fixed_dictionaries({"contact": st.sampled_from(CONTACTS)}))
        if action == "qualify":
            choices.append(st.fixed_dictionaries({st.sampled_from(sorted(ALL_YES)): st.sampled_from(["yes", "no"])}))
        if action == "map-stakeholder":
            choices.append(st.fixed_dictionaries({"level": st.sampled_from(["operation", "management", "decision"])}))
        if action == COLLECT:
            choices.append(st.fixed_dictionaries({"method": st.just("a visit")}))
        base = st.one_of(*choices)
    else:
        base = own.get(kind, st.just({"note": "nothing to correct here"}))
    dated = SHIFTS.map(lambda n: {"on": min(date.today(), event.effective_on + timedelta(n))})
    return st.one_of(base, base, dated, st.tuples(base, dated).map(lambda pair: {**pair[0], **pair[1]}))


@contextmanager
def recorded_right(stores: Stores, commands: list[Command]) -> Iterator[tuple[DealflowApp, DealflowError | None]]:
    """A fresh store with `commands` recorded in it, and the refusal that stopped it (None: all accepted)."""
    with stores.fresh() as url:
        app = DealflowApp(url)
        try:
            refusal = None
            for command in commands:
                try:
                    record(app, command)
                except DealflowError as error:
                    refusal = error
                    break
            yield app, refusal
        finally:
            app.close()


class RevisedDeal(RuleBasedStateMachine):
    def __init__(self, stores: Stores) -> None:
        super().__init__()
        self.stores = stores
        self.held = ExitStack()
        self.app = DealflowApp(self.held.enter_context(stores.fresh()))  # the store being revised
        self.right_store = ExitStack()
        self.right = DealflowApp(self.right_store.enter_context(stores.fresh()))  # the deal recorded right
        self.commands: list[Command] = []
        self.day = OPENED
        self.invoices = 0

    def teardown(self) -> None:
        try:
            proven(self.app)
            proven(self.right)
        finally:
            self.right.close()
            self.right_store.close()
            self.app.close()
            self.held.close()

    # --- recording on both stores ---------------------------------------------------------------

    def _next_day(self, data: st.DataObject) -> date:
        self.day = max(0, self.day - data.draw(st.integers(0, 4), label="days later"))
        return days_ago(self.day)

    def give(self, command: Command) -> bool:
        """Record `command` on both stores: both accept it or both refuse it; a refusal writes nothing."""
        events = self.app.event_count()
        version = self.deal.version if command.kind != "open" else 0
        try:
            record(self.app, command)
        except DealflowError as refusal:
            assert self.app.event_count() == events, f"refused ({refusal}) but wrote events"
            revised_refusal: DealflowError | None = refusal
        else:
            revised_refusal = None
        try:
            record(self.right, command)
        except DealflowError as refusal:
            assert revised_refusal is not None, f"only the store recorded right refused {command}: {refusal}"
            return False
        assert revised_refusal is None, f"only the revised store refused {command}: {revised_refusal}"
        command.version = version + 1  # its event's (a payment's close, if any, comes after it)
        self.commands.append(command)
        return True

    @initialize(
        value=st.sampled_from([None, "1000"]),
        stage=st.sampled_from(["analysis", "trust", "needs", "value", "commitment", "commitment", *["follow_up"] * 4]),
        data=st.data(),
    )
    def open_and_take_to(self, value: str | None, stage: str, data: st.DataObject) -> None:
        """Open the deal, and take it to a stage drawn, most often the later ones, where there is most to revise."""
        details = {"account": "Acme Corp", "title": "MES rollout", "value": value, "currency": "EUR"}
        assert self.give(Command("open", details, days_ago(OPENED)))
        while self.deal.stage != stage:
            self.meet_the_exit_signal_and_move_on(data)
        if stage == "follow_up":
            for _ in range(data.draw(st.integers(0, 3), label="collections")):
                self.collect(data)

    @property
    def deal(self) -> Any:
        return self.app.deal(DEAL)

    @rule(data=st.data())
    def act_in_the_stage(self, data: st.DataObject) -> None:
        stage = self.deal.stage
        if stage is None:
            return
        actions = [a.name for a in STAGE_BY_NAME[stage].actions if a.name != REFERRAL]
        action = data.draw(st.sampled_from(actions), label="action")
        fields = dict(SAMPLE_FIELDS[action])
        if "contact" in fields:
            fields["contact"] = data.draw(st.sampled_from(CONTACTS), label="contact")
        if action == "qualify":
            fields = {q: data.draw(st.sampled_from(["yes", "yes", "no"]), label=q) for q in ALL_YES}
        if action == COLLECT:
            unpaid = [key for key, invoice in self.deal.invoices.items() if balance(invoice)]
            if not unpaid:
                return
            fields["invoice"] = data.draw(st.sampled_from(unpaid), label="invoice")
            self.give(Command("chase", {k: fields[k] for k in ("invoice", "cause", "method")}, self._next_day(data)))
            return
        if action == "submit-proposal":
            fields = {"quotation": data.draw(st.sampled_from(["1000", "1200"]), label="quotation"), "currency": "EUR"}
        note = data.draw(st.sampled_from([None, None, "by phone"]), label="note")
        self.give(Command("act", {"action": action, "fields": fields, "note": note}, self._next_day(data)))

    @rule(data=st.data())
    def meet_the_exit_signal_and_move_on(self, data: st.DataObject) -> None:
        """Record what the stage's exit signal needs, then leave it: so that histories get far."""
        deal = self.deal
        stage = deal.stage
        if stage in EXIT_EVIDENCE:
            contact = data.draw(st.sampled_from(CONTACTS), label="contact")
            needs: list[tuple[str, dict[str, Any]]] = {
                "analysis": [
                    ("map-stakeholder", {"contact": contact, "level": "decision", "roles": "decision-maker"}),
                    ("qualify", ALL_YES),
                ],
                "trust": [("ally", {"contact": contact, "activity": "firm-support"})],
                "needs": [(a, SAMPLE_FIELDS[a]) for a in ("explore-goals", "diagnose-problem", "shape-solution")]
                + [("set-criteria", SAMPLE_FIELDS["set-criteria"])],
                "value": [("submit-proposal", {"quotation": "1000", "currency": "EUR"})],
            }[stage]
            for action, fields in needs:
                self.give(
                    Command("act", {"action": action, "fields": dict(fields), "note": None}, self._next_day(data))
                )
            self.give(Command("advance", {"evidence": EXIT_EVIDENCE[stage]}, self._next_day(data)))
        elif stage == "commitment":
            for _ in range(data.draw(st.integers(0, 3), label="negotiation steps")):
                self.negotiate(data)
            amount = data.draw(st.sampled_from(["1000", "900"]), label="signed")
            self.give(Command("sign", {"amount": amount, "terms": None}, self._next_day(data)))
        elif stage == "follow_up":
            self.collect(data)

    def collect(self, data: st.DataObject) -> None:
        """Invoice part or all of the rest, or pay part or all of an invoice."""
        deal = self.deal
        left = (deal.signed_amount or 0) - deal.invoiced_total
        unpaid = [key for key, invoice in deal.invoices.items() if balance(invoice)]
        if left and (not unpaid or not data.draw(st.integers(0, 2), label="pay")):
            self.invoices += 1
            part = data.draw(st.sampled_from(["all", "half"]), label="part")
            amount = left if part == "all" else (left / 2).quantize(Decimal("0.01"))
            on = self._next_day(data)
            due = on + timedelta(days=data.draw(st.sampled_from([10, 30]), label="terms"))
            # the issue date given: one left to --on is not moved by correcting --on (`test_corrections` proves it)
            params = {"invoice": f"INV-{self.invoices}", "amount": str(amount), "issued": on, "due": due}
            self.give(Command("invoice", params, on))
        elif unpaid:
            invoice = data.draw(st.sampled_from(unpaid), label="invoice")
            owed = balance(deal.invoices[invoice])
            how = data.draw(st.sampled_from(["all", "half", "half", "write off"]), label="how")
            if how == "write off":
                self.give(Command("write_off", {"invoice": invoice, "reason": "goodwill"}, self._next_day(data)))
            else:
                amount = owed if how == "all" else (owed / 2).quantize(Decimal("0.01"))
                self.give(Command("pay", {"invoice": invoice, "amount": str(amount)}, self._next_day(data)))

    @rule(data=st.data())
    def negotiate_in_commitment(self, data: st.DataObject) -> None:
        self.negotiate(data)

    def negotiate(self, data: st.DataObject) -> None:
        if self.deal.stage != "commitment":
            return
        term = data.draw(st.sampled_from(CONCESSION_TERMS[:2]), label="term")
        if data.draw(st.booleans(), label="bottom line"):
            value = data.draw(st.sampled_from(["900", "950"]), label="value")
            self.give(Command("bottom_line", {"term": term, "value": value}, self._next_day(data)))
            return
        by = data.draw(st.sampled_from(["us", "us", "customer"]), label="by")
        start = str(self.deal.concession_positions.get(term, {}).get(by, "1000"))
        after = data.draw(st.sampled_from(["990", "960", "940", "880"]), label="after")
        override = data.draw(st.sampled_from([None, "strategic account"]), label="override")
        # the round given, as the command would number it: a round left to the command is numbered when
        # recorded, and a void does not number the later ones again (`test_corrections` proves it)
        next_round = self.deal.concession_rounds.get(term, 0) + 1
        concession = {
            "term": term,
            "by": by,
            "before": start,
            "after": after,
            "override": override,
            "round": next_round,
        }
        self.give(Command("concede", concession, self._next_day(data)))

    @rule(data=st.data())
    def note_or_forecast(self, data: st.DataObject) -> None:
        if data.draw(st.booleans(), label="note"):
            self.give(Command("note", {"text": "called the CFO"}, self._next_day(data)))
        else:
            value = data.draw(st.sampled_from(["1500", "2000"]), label="forecast")
            self.give(Command("forecast", {"value": value, "currency": None, "close_by": None}, self._next_day(data)))

    @rule(data=st.data())
    def lose_or_reopen(self, data: st.DataObject) -> None:
        if self.deal.status == "lost":
            self.give(Command("reopen", {"reason": "budget is back"}, self._next_day(data)))
        elif data.draw(st.integers(0, 3), label="lose") == 0:
            self.give(Command("lose", {"reason": "budget"}, self._next_day(data)))

    # --- revising ----------------------------------------------------------------------------------

    def _by_version(self) -> dict[int, Command]:
        return {command.version: command for command in self.commands}

    def revise(self, versions: list[int], given: dict[str, Any] | None) -> None:
        """Correct (`given`) or void (None) `versions` in the revised store, and check what it did."""
        events, history = self.app.event_count(), self.app.history(DEAL)
        before = seen(self.deal)
        try:
            if given is None:
                self.app.void(DEAL, versions, reason="recorded on the wrong deal", actor=ACTOR)
            else:
                self.app.correct(DEAL, versions, given, reason="mistyped", actor=ACTOR)
        except DealflowError as refusal:
            assert self.app.event_count() == events, f"a refused revision ({refusal}) wrote events"
            assert self.app.history(DEAL) == history and seen(self.deal) == before
            tally(f"revision refused: {refusal.rule or type(refusal).__name__}")
            self.refused_for_a_reason(versions, given, refusal)
            return
        assert self.app.event_count() == events + 1
        tally("revision accepted: " + ("void" if given is None else "correction"))
        commands = self.revised_commands(versions, given)
        assert commands is not None, f"accepted a revision of {versions} that no command made: {self.app.history(DEAL)}"
        self.commands = commands
        self.right.close()
        self.right_store.close()  # the deal recorded right is recorded again, from the start
        self.right_store = ExitStack()
        self.right = DealflowApp(self.right_store.enter_context(self.stores.fresh()))
        for command in self.commands:
            try:
                record(self.right, command)
            except DealflowError as refusal:
                raise AssertionError(
                    f"the revision was accepted, but recorded right {command} is refused: {refusal}"
                ) from refusal
        self.same_deal()

    def revised_commands(self, versions: list[int], given: dict[str, Any] | None) -> list[Command] | None:
        """The commands as the revision says they should have been given (None: a version no command made)."""
        by_version = self._by_version()
        if any(version not in by_version for version in versions):
            return None
        revised = []
        for command in self.commands:
            if command.version in versions:
                if given is None:
                    continue
                command = command.corrected(given)
            revised.append(command)
        return revised

    def refused_for_a_reason(self, versions: list[int], given: dict[str, Any] | None, refusal: DealflowError) -> None:
        """A revision the method refuses: recording the commands it asks for from the start is refused too."""
        if refusal.rule in REVISION_RULES:
            return
        by_version = self._by_version()
        unrevisable = ("advance", "lose", "reopen") if given is None else ("advance", "lose", "reopen", "write_off")
        if any(version not in by_version or by_version[version].kind in unrevisable for version in versions):
            return  # not a command's event, or one revised otherwise (a stage move by its own command)
        if given is not None and any(not set(given) - {"on"} <= _words(by_version[v]) for v in versions):
            return  # a word the command does not take: there is nothing to record otherwise
        commands = self.revised_commands(versions, given)
        assert commands is not None
        with recorded_right(self.stores, commands) as (_, stopped):
            assert stopped is not None, (
                f"the revision of {versions} with {given} was refused ({refusal}), "
                "but recording its commands from the start is accepted"
            )

    def same_deal(self) -> None:
        """The revised deal is the deal recorded right; loaded and folded, it is the same deal."""
        deal, history = self.deal, self.app.history(DEAL)
        assert seen(deal) == seen(self.right.deal(DEAL)), "the revised deal is not the deal recorded right"
        assert state_of(deal) == state_of(fold(history)), "loaded (snapshots and events) differs from the fold"

    def _target(self, data: st.DataObject, kinds: frozenset[str]) -> Any:
        """An event of the deal: most often one of `kinds`, its kind drawn first (actions, the most
        numerous, would else crowd out the rest); now and then any event (most of them refused)."""
        history = self.app.history(DEAL)
        by_kind: dict[str, list[Any]] = {}
        for stored in history:
            if type(stored).__name__ in kinds:
                by_kind.setdefault(type(stored).__name__, []).append(stored)
        if not by_kind or not data.draw(st.integers(0, 9), label="any event"):
            return data.draw(st.sampled_from(history), label="event")
        kind = data.draw(st.sampled_from(sorted(by_kind)), label="kind")
        return data.draw(st.sampled_from(by_kind[kind]), label="event")

    @rule(data=st.data())
    def correct_an_event(self, data: st.DataObject) -> None:
        target = self._target(data, CORRECTABLE)
        given = data.draw(_given_for(type(target).__name__, target), label="given")
        self.revise([target.originator_version], given)

    @rule(data=st.data())
    def correct_a_contact_everywhere(self, data: st.DataObject) -> None:
        """One name corrected on every action that names it, in one command."""
        wrong = data.draw(st.sampled_from(CONTACTS), label="wrong")
        right = data.draw(st.sampled_from([c for c in CONTACTS if c != wrong]), label="right")
        versions = [
            command.version
            for command in self.commands
            if command.kind == "act" and command.params["fields"].get("contact") == wrong
        ]
        if versions:
            self.revise(versions, {"contact": right})

    @rule(data=st.data())
    def void_an_event(self, data: st.DataObject) -> None:
        target = self._target(data, VOIDABLE)
        if target.originator_version == 1:
            return  # voiding the opening fails with an AttributeError today: `test_correct_cli` proves it
        self.revise([target.originator_version], None)

    # --- what must always hold --------------------------------------------------------------------

    @invariant()
    def the_revised_deal_is_the_deal_recorded_right(self) -> None:
        assert seen(self.deal) == seen(self.right.deal(DEAL))


def _words(command: Command) -> set[str]:
    """The words `dealflow correct` takes for the event `command` recorded."""
    if command.kind == "act":
        return {"note", *(f.name for f in ACTIONS[command.params["action"]].fields)}
    return set(WORDS[command.kind])


RUNS = settings(max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_a_revised_deal_is_the_deal_recorded_right_and_a_refused_revision_writes_nothing(stores: Stores) -> None:
    run_state_machine_as_test(lambda: RevisedDeal(stores), settings=examples_on(stores, RUNS))
