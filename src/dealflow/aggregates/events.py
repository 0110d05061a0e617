"""The facts of a deal's life. Each carries what it needs to apply itself, including
the state it leaves the deal in, so that replaying history never runs the machine.
`apply` only assigns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from dealflow.aggregates.lifecycle import stage_of
from dealflow.aggregates.negotiation import direction
from dealflow.playbook import ACTIONS, DEADLOCK, STAGE_OF_ACTION, US, Effect, Move, Record, action_with

if TYPE_CHECKING:
    from dealflow.aggregates.opportunity import Opportunity

NEGOTIATE = action_with(Effect.NEGOTIATES).name
COLLECT = action_with(Effect.COLLECTS).name
REFER = action_with(Effect.REFERRAL).name


class Opened(Aggregate.Created):
    deal_id: str
    account: str
    title: str
    owner: str
    value: Decimal | None
    currency: str | None
    close_by: date | None
    effective_on: date
    actor: str
    state: str
    referred_by: str | None

    trigger: ClassVar[str | None] = None
    imported: ClassVar[dict[str, Any] | None] = None  # see mark_imported


def mark_imported(event: Aggregate.Event, source: Mapping[str, Any]) -> None:
    """Record on a new event the import it came from: file, line, source id, content hash.

    Only imported events carry it, as an attribute of the instance that is stored and read back
    with the event's own fields; on the class it is None. So the events of live commands store
    nothing more, and an import reuses the event types that the projections already read.
    Call it before the event is saved.
    """
    object.__setattr__(event, "imported", dict(source))  # as a frozen dataclass's own __init__ sets fields


def mark_legacy(event: Conceded) -> None:
    """A concession replayed from a log written before dealflow kept a concession's reason: stored
    without the field, as it was written, so that it exports as it was (and replays so again).
    Call it before the event is saved."""
    object.__delattr__(event, "reason")  # the class's default, None, answers for it


class DealEvent(Aggregate.Event):
    """Every later event: when it happened, who recorded it, the state it leaves."""

    effective_on: date
    actor: str
    state: str

    trigger: ClassVar[str]
    imported: ClassVar[dict[str, Any] | None] = None  # see mark_imported

    def apply(self, deal: Opportunity) -> None:
        if stage_of(self.state) != stage_of(deal.state):
            deal.stage_changed_on = self.effective_on
        deal.state = self.state
        deal.last_record_on = max(deal.last_record_on, self.effective_on)
        self.assign(deal)

    def assign(self, deal: Opportunity) -> None:
        """Assign this event's own facts to the deal."""

    def trigger_context(self) -> dict[str, Any]:
        """What the machine's guards need to judge this event again (see `dealflow audit`)."""
        return {}


class ActionRecorded(DealEvent):
    action: str
    fields: dict[str, Any]
    note: str | None

    @property
    def trigger(self) -> str:  # type: ignore[override]
        return self.action

    def assign(self, deal: Opportunity) -> None:
        deal.actions_done = sorted({*deal.actions_done, self.action})
        effect = ACTIONS[self.action].effect
        if effect is not None:
            _EFFECTS[effect](deal, self)


def _qualifies(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    deal.answers = dict(fields)


def _maps_stakeholder(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    key = fields["contact"].casefold()
    known = deal.stakeholders.get(key, {})
    deal.stakeholders = {**deal.stakeholders, key: {**known, **fields}}


def _raises_relationship(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    key = fields["contact"].casefold()
    ladder = [action.name for action in STAGE_OF_ACTION[event.action].actions]
    reached = deal.relationships.get(key)
    if reached is None or ladder.index(event.action) > ladder.index(reached):
        deal.relationships = {**deal.relationships, key: event.action}


def _sets_criteria(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    deal.criteria = {**deal.criteria, **fields["criteria"]}
    deal.buying_stage = fields.get("buying_stage", deal.buying_stage)


def _sets_value(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    deal.value = fields["quotation"]
    deal.currency = fields.get("currency", deal.currency)


def _upsells(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    deal.value = (deal.value or Decimal(0)) + fields["amount"]


def _negotiates(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    if fields["step"] == DEADLOCK:
        deal.deadlocks = deal.deadlocks + 1


def _refers(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    deal.referrals = [*deal.referrals, fields["deal"]]


def _collects(deal: Opportunity, event: ActionRecorded) -> None:
    fields = event.fields
    deal.update_invoice(fields["invoice"], chases=deal.invoices[fields["invoice"]]["chases"] + 1)


_EFFECTS = {
    Effect.QUALIFIES: _qualifies,
    Effect.STAKEHOLDER: _maps_stakeholder,
    Effect.RELATIONSHIP: _raises_relationship,
    Effect.SETS_CRITERIA: _sets_criteria,
    Effect.SETS_VALUE: _sets_value,
    Effect.UPSELLS: _upsells,
    Effect.NEGOTIATES: _negotiates,
    Effect.REFERRAL: _refers,
    Effect.COLLECTS: _collects,
}


class Advanced(DealEvent):
    evidence: str | None
    trigger: ClassVar[str] = Move.ADVANCE

    def trigger_context(self) -> dict[str, Any]:
        return {"evidence": self.evidence}


class SteppedBack(DealEvent):
    reason: str
    trigger: ClassVar[str] = Move.BACK

    def assign(self, deal: Opportunity) -> None:
        deal.regressions = deal.regressions + 1

    def trigger_context(self) -> dict[str, Any]:
        return {"to": stage_of(self.state)}


class Lost(DealEvent):
    reason: str
    competitor: str | None
    lost_from: str
    trigger: ClassVar[str] = Move.LOSE

    def assign(self, deal: Opportunity) -> None:
        deal.lost_from = self.lost_from
        deal.lost_reason = self.reason
        deal.competitor = self.competitor


class Reopened(DealEvent):
    reason: str
    trigger: ClassVar[str] = Move.REOPEN

    def assign(self, deal: Opportunity) -> None:
        deal.lost_from = None
        deal.lost_reason = None
        deal.competitor = None


class BottomLineSet(DealEvent):
    term: str
    value: Decimal
    trigger: ClassVar[str] = NEGOTIATE

    def assign(self, deal: Opportunity) -> None:
        deal.bottom_lines = {**deal.bottom_lines, self.term: self.value}
        deal.actions_done = sorted({*deal.actions_done, self.trigger})


class Conceded(DealEvent):
    term: str
    by: str
    before: Decimal
    after: Decimal
    round: int
    size: Decimal
    widened: bool
    past_bottom_line: bool
    override: str | None
    reason: str | None = None  # why --from is not the side's last position; absent from older events
    trigger: ClassVar[str] = NEGOTIATE

    def assign(self, deal: Opportunity) -> None:
        deal.concession_rounds = {**deal.concession_rounds, self.term: self.round}
        key = f"{self.term} {self.by}"
        deal.conceded = {**deal.conceded, key: deal.conceded.get(key, Decimal(0)) + self.size}
        if self.by == US:
            deal.our_last_concession = {**deal.our_last_concession, self.term: self.size}
        positions = deal.concession_positions.get(self.term, {})
        deal.concession_positions = {**deal.concession_positions, self.term: {**positions, self.by: self.after}}
        directions = deal.our_concession_directions
        if self.term not in directions:  # the term's first concession: the way each side goes
            moves = direction(self.before, self.after)
            deal.our_concession_directions = {**directions, self.term: moves if self.by == US else -moves}
        deal.actions_done = sorted({*deal.actions_done, self.trigger})


class Signed(DealEvent):
    amount: Decimal
    currency: str
    terms: str | None
    trigger: ClassVar[str] = Move.SIGN

    def assign(self, deal: Opportunity) -> None:
        deal.signed_amount = self.amount
        deal.signed_on = self.effective_on
        deal.value = self.amount
        deal.currency = self.currency
        deal.payment_terms = self.terms


class Invoiced(DealEvent):
    invoice: str
    amount: Decimal
    issued: date
    due: date
    trigger: ClassVar[str] = COLLECT

    def assign(self, deal: Opportunity) -> None:
        deal.invoices = {
            **deal.invoices,
            self.invoice: {
                "amount": self.amount,
                "paid": Decimal(0),
                "written_off": Decimal(0),
                "issued": self.issued,
                "due": self.due,
                "chases": 0,
            },
        }


class PaymentReceived(DealEvent):
    invoice: str
    amount: Decimal
    trigger: ClassVar[str] = COLLECT

    def assign(self, deal: Opportunity) -> None:
        deal.update_invoice(self.invoice, paid=deal.invoices[self.invoice]["paid"] + self.amount)


class WrittenOff(DealEvent):
    invoice: str
    amount: Decimal
    reason: str
    trigger: ClassVar[str] = COLLECT

    def assign(self, deal: Opportunity) -> None:
        deal.update_invoice(self.invoice, written_off=deal.invoices[self.invoice]["written_off"] + self.amount)


class Closed(DealEvent):
    trigger: ClassVar[str] = Move.CLOSE


class NoteAdded(DealEvent):
    text: str
    trigger: ClassVar[str] = Record.NOTE


class Reassigned(DealEvent):
    owner: str
    previous: str
    trigger: ClassVar[str] = Record.ASSIGN

    def assign(self, deal: Opportunity) -> None:
        deal.owner = self.owner


class ForecastChanged(DealEvent):
    value: Decimal | None
    currency: str | None
    close_by: date | None
    trigger: ClassVar[str] = Record.FORECAST

    def assign(self, deal: Opportunity) -> None:
        if self.value is not None:
            deal.value = self.value
        if self.currency is not None:
            deal.currency = self.currency
        if self.close_by is not None:
            deal.close_by = self.close_by


class BuyingStageUpdated(DealEvent):
    buying_stage: str
    trigger: ClassVar[str] = Record.BUYING_STAGE

    def assign(self, deal: Opportunity) -> None:
        deal.buying_stage = self.buying_stage
