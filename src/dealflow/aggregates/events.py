"""The facts of a deal's life. Each carries what it needs to apply itself, including
the state it leaves the deal in, so that replaying history never runs the machine.
`apply` only calls the `DealState` method that says what the event changes (`state.py`).

Stores name these classes by this module (their topics): they stay here. An event type added
here is registered in `registry.py`, which says how it is shown, replayed and projected."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from dealflow.aggregates.lifecycle import stage_of
from dealflow.playbook import Effect, Move, Record, Revise, action_with

if TYPE_CHECKING:
    from dealflow.aggregates.state import DealState

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


# The two marks below write on an event, a frozen dataclass, before it is saved: the one place dealflow
# does. Each keeps what is stored byte for byte as every store holds it (the e2e tests compare
# `history --json` and `export events` lines, and their re-import). The ways that need no write each
# change it: a field `imported: dict | None = None` stores `"imported":null` in every live event; an
# event type of its own for an import (or for a legacy concession) is a new topic, which an older
# dealflow reads as a newer one's event; and `dataclasses.replace` copies fields only.


def mark_imported(event: object, source: Mapping[str, Any]) -> None:
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

    def apply(self, deal: DealState) -> None:
        deal.enter(self.state, self.effective_on)
        self.assign(deal)

    def assign(self, deal: DealState) -> None:
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

    def assign(self, deal: DealState) -> None:
        deal.act(self.action, self.fields)


class Advanced(DealEvent):
    evidence: str | None
    trigger: ClassVar[str] = Move.ADVANCE

    def trigger_context(self) -> dict[str, Any]:
        return {"evidence": self.evidence}


class SteppedBack(DealEvent):
    reason: str
    trigger: ClassVar[str] = Move.BACK

    def assign(self, deal: DealState) -> None:
        deal.step_back_counted()

    def trigger_context(self) -> dict[str, Any]:
        return {"to": stage_of(self.state)}


class Lost(DealEvent):
    reason: str
    competitor: str | None
    lost_from: str
    trigger: ClassVar[str] = Move.LOSE

    def assign(self, deal: DealState) -> None:
        deal.mark_lost(self.lost_from, self.reason, self.competitor)


class Reopened(DealEvent):
    reason: str
    trigger: ClassVar[str] = Move.REOPEN

    def assign(self, deal: DealState) -> None:
        deal.mark_lost(None, None, None)


class BottomLineSet(DealEvent):
    term: str
    value: Decimal
    trigger: ClassVar[str] = NEGOTIATE

    def assign(self, deal: DealState) -> None:
        deal.bottom_line_set(self.term, self.value)
        deal.done(self.trigger)


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

    def assign(self, deal: DealState) -> None:
        deal.concession_made(self.term, self.by, self.before, self.after, self.round, self.size)
        deal.done(self.trigger)


class Signed(DealEvent):
    amount: Decimal
    currency: str
    terms: str | None
    trigger: ClassVar[str] = Move.SIGN

    def assign(self, deal: DealState) -> None:
        deal.mark_signed(self.amount, self.currency, self.terms, self.effective_on)


class Invoiced(DealEvent):
    invoice: str
    amount: Decimal
    issued: date
    due: date
    trigger: ClassVar[str] = COLLECT

    def assign(self, deal: DealState) -> None:
        deal.add_invoice(self.invoice, self.amount, self.issued, self.due)


class PaymentReceived(DealEvent):
    invoice: str
    amount: Decimal
    trigger: ClassVar[str] = COLLECT

    def assign(self, deal: DealState) -> None:
        deal.add_payment(self.invoice, self.amount)


class WrittenOff(DealEvent):
    invoice: str
    amount: Decimal
    reason: str
    trigger: ClassVar[str] = COLLECT

    def assign(self, deal: DealState) -> None:
        deal.add_write_off(self.invoice, self.amount)


class Closed(DealEvent):
    trigger: ClassVar[str] = Move.CLOSE


class NoteAdded(DealEvent):
    text: str
    trigger: ClassVar[str] = Record.NOTE


class Reassigned(DealEvent):
    owner: str
    previous: str
    trigger: ClassVar[str] = Record.ASSIGN

    def assign(self, deal: DealState) -> None:
        deal.reassign(self.owner)


class ForecastChanged(DealEvent):
    value: Decimal | None
    currency: str | None
    close_by: date | None
    trigger: ClassVar[str] = Record.FORECAST

    def assign(self, deal: DealState) -> None:
        deal.change_forecast(self.value, self.currency, self.close_by)


class BuyingStageUpdated(DealEvent):
    buying_stage: str
    trigger: ClassVar[str] = Record.BUYING_STAGE

    def assign(self, deal: DealState) -> None:
        deal.set_buying_stage(self.buying_stage)


class Revision(DealEvent):
    """A correction or a void of an earlier event: a new fact about the record, never an edit of it.

    `versions` are the events the person corrected or voided; `changes` every stored fact the revision
    replaces, by version (as text, for JSON) and field: the person's own change and what the method
    works out again from it in later events (a concession's flags, the state left). The deal's state
    is the fold of its history so revised (`correcting.py`): applying one only says that the state
    must be folded again, which loading a deal does (`application/base.py`)."""

    versions: list[int]
    changes: dict[str, dict[str, Any]]
    reason: str

    def apply(self, deal: DealState) -> None:
        deal.revised = True  # the loader folds the deal's history again; never saved in a snapshot


class Corrected(Revision):
    trigger: ClassVar[str] = Revise.CORRECT


class Voided(Revision):
    trigger: ClassVar[str] = Revise.VOID
