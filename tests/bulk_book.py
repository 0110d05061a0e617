"""A large, realistic book, fast: a few deal histories built once through the domain (every rule
checked), then cloned with new ids, owners, accounts and dates and inserted as stored events in
large batches through the recorder. The benchmarks and the crash test use it."""

from __future__ import annotations

import heapq
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from eventsourcing.persistence import StoredEvent

from dealflow.aggregates import correcting
from dealflow.aggregates.claims import InvoiceNumber
from dealflow.aggregates.events import Corrected, Revision, Voided
from dealflow.aggregates.ids import deal_uuid, invoice_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.application import DealflowApp
from dealflow.playbook import DEFAULTS

DEAL, ACCOUNT, OWNER, OTHER_OWNER = "TPL-DEAL", "TPL-ACCOUNT", "TPL-OWNER", "TPL-OTHER-OWNER"
INVOICES = ("TPL-INV-1", "TPL-INV-2")
ACTOR = "bulk"
DAY0 = date(2000, 1, 1)  # the templates' own calendar; clones are moved to recent dates
STAKEHOLDER = "Luis Vega"
YES = {"opportunity": True, "solution": True, "winnable": True, "worth": True}


def _day(n: int) -> date:
    return DAY0 + timedelta(days=n)


class _Script:
    """Drives one template deal through the domain, collecting its events and its invoice claims."""

    def __init__(self, currency: str, value: str) -> None:
        self.deal = Opportunity.open(
            deal_id=DEAL,
            account=ACCOUNT,
            title="Plant rollout",
            actor=ACTOR,
            owner=OWNER,
            value=value,
            currency=currency,
            close_by=_day(150),
            on=_day(0),
        )
        self.claims: list[InvoiceNumber] = []
        self.day = 0

    def at(self, days: int) -> _Script:
        self.day += days
        return self

    @property
    def on(self) -> date:
        return _day(self.day)

    def act(self, action: str, **fields: Any) -> _Script:
        self.deal.record_action(action, fields, actor=ACTOR, on=self.on)
        return self

    def to_trust(self) -> _Script:
        self.act("develop-guide", contact="Marta Ruiz", position="IT manager")
        self.at(3).act("collect-info", category="business", summary="two new plants")
        self.act("map-stakeholder", contact=STAKEHOLDER, level="decision", roles=["decision-maker"])
        self.at(4).act("qualify", **YES)
        self.deal.advance(actor=ACTOR, on=self.on)
        return self

    def to_needs(self) -> _Script:
        self.at(5).act("acquaint", contact=STAKEHOLDER, activity="phone", style="driver")
        self.at(6).act("engage", contact=STAKEHOLDER, activity="site-visit")
        self.at(9).act("build-trust", contact=STAKEHOLDER, activity="social")
        self.deal.advance(actor=ACTOR, on=self.on)
        return self

    def to_value(self) -> _Script:
        self.at(4).act("explore-goals", goals=["growth"], summary="double output")
        self.at(2).act("diagnose-problem", obstacle="manual scheduling")
        self.deal.update_buying_stage("evaluation", actor=ACTOR, on=self.on)
        self.at(5).act("shape-solution", outline="MES in two phases", products=["MES", "training"])
        self.act("set-criteria", criteria={"uptime": "99.9%"}, buying_stage="evaluation")
        self.deal.advance(actor=ACTOR, evidence="RFP-14", on=self.at(3).on)
        return self

    def to_commitment(self, quotation: str) -> _Script:
        self.at(6).act("analyze-competition", competitor="Globex", strengths="support")
        self.act("plan-strategy", stakeholder=STAKEHOLDER, plan="references")
        self.at(5).act("submit-proposal", quotation=quotation)
        self.at(7).act("demonstrate", audience="plant managers", key_points=["uptime", "reports", "cost"])
        self.deal.advance(actor=ACTOR, evidence="meeting booked", on=self.at(2).on)
        return self

    def negotiate(self, start: int) -> _Script:
        self.at(3).act("spot-buying-signal", kind="price-enquiry")
        self.deal.set_bottom_line("price", start * 8 // 10, actor=ACTOR, on=self.on)
        self.deal.concede(term="price", by="us", before=start, after=start - 5000, actor=ACTOR, on=self.at(4).on)
        self.deal.concede(
            term="price", by="customer", before=start - 15000, after=start - 10000, actor=ACTOR, on=self.on
        )
        self.deal.concede(
            term="price", by="us", before=start - 5000, after=start - 11000, actor=ACTOR, on=self.at(5).on
        )
        self.act("negotiate", step="deadlock")
        self.deal.concede(term="payment", by="us", before=30, after=45, actor=ACTOR, on=self.at(2).on)
        self.at(1).act("upsell", product="premium support", amount="4000")
        self.act("promote-close", method="benefit-summary")
        return self

    def sign(self, amount: str) -> _Script:
        self.deal.sign(amount=amount, actor=ACTOR, terms="30 days", on=self.at(6).on)
        return self

    def invoice(self, invoice: str, amount: str, due_in: int) -> _Script:
        self.deal.invoice(invoice, amount=amount, due=_day(self.day + due_in), actor=ACTOR, issued=self.on, on=self.on)
        self.claims.append(InvoiceNumber(invoice=invoice, deal_id=DEAL))
        return self

    def revise(self, revision: type[Revision], version: int, reason: str, **given: Any) -> _Script:
        """Correct (with `given`) or void the event at `version`, judged as `dealflow correct`/`void` judge it."""
        history = list(self.deal.pending_events)
        judged = (
            correcting.correct(history, [version], given, lambda on: DEFAULTS)
            if given
            else correcting.void(history, [version], lambda on: DEFAULTS)
        )
        self.deal.record_revision(
            revision, versions=[version], changes=judged.changes, state=judged.state, reason=reason, actor=ACTOR,
            on=self.on,
        )  # fmt: skip
        self.deal.fold_again(list(self.deal.pending_events))
        return self

    def events(self) -> list[Any]:
        """The deal's events with each invoice claim right after the invoice it was saved with."""
        claims = iter(self.claims)
        found: list[Any] = []
        for event in self.deal.collect_events():
            found.append(event)
            if type(event).__name__ == "Invoiced":
                found.extend(next(claims).collect_events())
        return found


def _won_and_paid() -> _Script:
    s = _Script("EUR", "120000").to_trust().to_needs().to_value().to_commitment("120000").negotiate(120000)
    s.deal.note("steering committee approved", actor=ACTOR, on=s.on)
    s.sign("113000").at(2).act("confirm-satisfaction", checkpoint="delivery", outcome="on time")
    s.invoice(INVOICES[0], "60000", 30).invoice(INVOICES[1], "53000", 60)
    s.deal.pay(INVOICES[0], amount="60000", actor=ACTOR, on=s.at(28).on)
    s.deal.pay(INVOICES[1], amount="20000", actor=ACTOR, on=s.at(40).on)
    s.at(30).act("collect", invoice=INVOICES[1], cause="unwilling", method="call the CFO")
    s.deal.pay(INVOICES[1], amount="33000", actor=ACTOR, on=s.at(10).on)
    return s


def _won_and_owing() -> _Script:
    s = _Script("USD", "80000").to_trust().to_needs().to_value().to_commitment("80000")
    s.deal.assign(OTHER_OWNER, actor=ACTOR, on=s.on)
    s.sign("80000").invoice(INVOICES[0], "50000", 30).invoice(INVOICES[1], "30000", 45)
    s.deal.pay(INVOICES[0], amount="20000", actor=ACTOR, on=s.at(35).on)
    s.at(20).act("collect", invoice=INVOICES[0], cause="our-fault", method="fix the delivery note")
    s.deal.write_off(INVOICES[1], reason="disputed", actor=ACTOR, on=s.at(50).on)
    return s


def _lost_then_reopened() -> _Script:
    s = _Script("EUR", "45000").to_trust().to_needs()
    s.deal.lose(reason="budget", actor=ACTOR, on=s.at(10).on)
    s.deal.reopen(reason="budget released", actor=ACTOR, on=s.at(40).on)
    s.deal.forecast(value="50000", close_by=_day(s.day + 90), actor=ACTOR, on=s.at(2).on)
    s.to_value()
    s.deal.step_back("trust", reason="champion left", actor=ACTOR, on=s.at(4).on)
    s.deal.lose(reason="competitor", competitor="Globex", actor=ACTOR, on=s.at(12).on)
    return s


def _open_in_value() -> _Script:
    s = _Script("GBP", "30000").to_trust().to_needs().to_value()
    s.at(3).act("analyze-competition", competitor="Initrode")
    s.deal.forecast(value="32000", close_by=_day(s.day + 60), actor=ACTOR, on=s.at(1).on)
    s.deal.note("waiting for the budget rond", actor=ACTOR, on=s.at(8).on)
    s.revise(Corrected, s.deal.version, "typo", text="waiting for the budget round")  # a note, corrected
    return s.revise(Voided, s.deal.version - 2, "recorded on the wrong deal")  # and the forecast, voided


def _early() -> _Script:
    s = _Script("EUR", "15000")
    s.at(2).act("collect-info", category="background", summary="family-owned")
    s.deal.note("first call went well", actor=ACTOR, on=s.at(5).on)
    return s


def _just_opened() -> _Script:
    return _Script("EUR", "9000")


def _lost_early() -> _Script:
    s = _Script("EUR", "20000").to_trust()
    s.deal.lose(reason="no-decision", actor=ACTOR, on=s.at(20).on)
    return s


@dataclass(frozen=True)
class Template:
    share: int  # deals of this kind in every hundred
    events: tuple[tuple[str, int, Any, int], ...]  # (topic, version, JSON state, day); invoice claims included
    span: int  # days from the first event to the last


# Most deals die young: about ten events a deal on average, as in a book of 100,000 deals and a million events.
SCRIPTS: tuple[tuple[int, Callable[[], _Script]], ...] = (
    (12, _just_opened),
    (40, _early),
    (20, _lost_early),
    (10, _open_in_value),
    (6, _lost_then_reopened),
    (6, _won_and_paid),
    (6, _won_and_owing),
)


def templates(app: DealflowApp) -> list[Template]:
    found = []
    for share, script in SCRIPTS:
        built = script()
        events, day = [], 0
        for stored in map(app.mapper.to_stored_event, built.events()):
            state = json.loads(stored.state)
            if "effective_on" in state:
                day = (date.fromisoformat(state["effective_on"]["_data_"]) - DAY0).days
            events.append((stored.topic, stored.originator_version, state, day))
        found.append(Template(share, tuple(events), built.day))
    return found


class _Clone:
    """One copy of a template: its names replaced, its dates moved to begin on `start`."""

    def __init__(self, number: int, kind: Template, start: date, rng: random.Random, owners: int, accounts: int):
        deal_id = f"B-{number:07d}"
        self.names = {
            DEAL: deal_id,
            ACCOUNT: f"Account {rng.randrange(accounts):05d}",
            OWNER: f"owner-{rng.randrange(owners):02d}",
            OTHER_OWNER: f"owner-{rng.randrange(owners):02d}-b",
            **{invoice: f"{deal_id}-{n}" for n, invoice in enumerate(INVOICES, 1)},
        }
        self.number = number
        self.kind = kind
        self.start = start
        self.uuid = deal_uuid(deal_id)
        self.shift = start - DAY0

    def day(self, seq: int) -> date:
        return self.start + timedelta(days=self.kind.events[seq][3])

    def stored(self, seq: int) -> StoredEvent:
        topic, version, state, _ = self.kind.events[seq]
        copied = self.copy(state)
        originator = invoice_uuid(copied["invoice"]) if ":InvoiceNumber." in topic else self.uuid
        return StoredEvent(originator, version, topic, _encode(copied))

    def copy(self, value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("_type_") == "date_iso":
                return {"_type_": "date_iso", "_data_": (date.fromisoformat(value["_data_"]) + self.shift).isoformat()}
            return {key: self.copy(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.copy(item) for item in value]
        if isinstance(value, str):
            return self.names.get(value, value)
        return value


def clone_events(
    app: DealflowApp, deals: int, *, seed: int = 7, owners: int = 25, accounts: int = 20_000, window: int = 720
) -> Iterator[StoredEvent]:
    """The stored events of `deals` cloned deals, opened one after another over `window` days and
    recorded in the order of their effective dates, as a team's log grows."""
    rng = random.Random(seed)
    kinds = templates(app)
    weights = [kind.share for kind in kinds]
    first_day = date.today() - timedelta(days=window + max(kind.span for kind in kinds))
    pending: list[tuple[date, int, int, _Clone]] = []  # (day, deal number, event seq, clone): the next event of each
    for number in range(deals):
        start = first_day + timedelta(days=number * window // deals)
        while pending and pending[0][0] < start:
            yield from _next(pending)
        clone = _Clone(number, rng.choices(kinds, weights)[0], start, rng, owners, accounts)
        heapq.heappush(pending, (start, number, 0, clone))
    while pending:
        yield from _next(pending)


def _next(pending: list[tuple[date, int, int, _Clone]]) -> Iterator[StoredEvent]:
    _, number, seq, clone = heapq.heappop(pending)
    yield clone.stored(seq)
    if seq + 1 < len(clone.kind.events):
        heapq.heappush(pending, (clone.day(seq + 1), number, seq + 1, clone))


def _encode(state: dict[str, Any]) -> bytes:
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()


def fill(app: DealflowApp, deals: int, *, batch: int = 5_000, **options: Any) -> int:
    """Insert `deals` cloned deals into the app's store in batches; returns the number of events.
    (Observed here: one insert of 20,000 events into PostgreSQL never returns; 5,000 take 0.1 s.)"""
    pending: list[StoredEvent] = []
    count = 0
    for stored in clone_events(app, deals, **options):
        pending.append(stored)
        if len(pending) == batch:
            app.recorder.insert_events(pending)
            count += len(pending)
            pending = []
    if pending:
        app.recorder.insert_events(pending)
        count += len(pending)
    return count
