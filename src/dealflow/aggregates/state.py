"""DealState: what a deal is, every attribute declared here and changed only here, by its events.

Each event's `apply` calls the one method below that says what it changes (`events.py`); the
aggregate, `Opportunity`, holds this state by inheriting it, so a snapshot is the deal's attributes
as they are (a flat `__dict__`, as every store holds them). The methods only assign: the checks are
the commands' (`opportunity.py`, `placement.py`), and replaying history runs none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from dealflow.aggregates.lifecycle import stage_of, sub_state_of
from dealflow.aggregates.negotiation import direction
from dealflow.aggregates.receivables import balance
from dealflow.playbook import (
    ACTIONS,
    CLOSED,
    CONCESSION_TERMS,
    DEADLOCK,
    LOST,
    STAGE_OF_ACTION,
    US,
    WON_STAGE,
    Effect,
    Status,
)

PRICE = CONCESSION_TERMS[0]


class DealState:
    """A deal's attributes, and the changes its events make to them."""

    # What each side has conceded on each term so far, by "term by", kept within the limits. A deal
    # loaded from a snapshot taken before it was kept counts from that snapshot on: this default.
    conceded: Mapping[str, Decimal] = MappingProxyType({})
    # Where each side last stood on each term (term -> side -> last position), and the way our
    # concessions go there (term -> +1 up, -1 down). A deal loaded from a snapshot taken before they
    # were kept starts afresh: its next concession on a term may start anywhere, and sets the term's way.
    concession_positions: Mapping[str, Mapping[str, Decimal]] = MappingProxyType({})
    our_concession_directions: Mapping[str, int] = MappingProxyType({})
    # Set by a correction or void (`events.Revision`) applied after the state was last folded: the
    # loader then folds the deal's revised history again (`revised.fold`). Never set in a snapshot.
    revised: bool = False

    def __init__(
        self,
        deal_id: str,
        account: str,
        title: str,
        owner: str,
        value: Decimal | None,
        currency: str | None,
        close_by: date | None,
        effective_on: date,
        actor: str,
        state: str,
        referred_by: str | None,
    ) -> None:
        """The deal as `Opened` leaves it (eventsourcing calls this with the event's fields)."""
        self.deal_id = deal_id
        self.account = account
        self.title = title
        self.owner = owner
        self.value = value
        self.currency = currency
        self.close_by = close_by
        self.opened_on = effective_on
        self.opened_by = actor
        self.state = state
        self.referred_by = referred_by
        self.stage_changed_on = effective_on
        self.last_record_on = effective_on
        self.actions_done: list[str] = []
        self.answers: dict[str, bool] = {}
        self.stakeholders: dict[str, dict[str, Any]] = {}
        self.relationships: dict[str, str] = {}
        self.criteria: dict[str, str] = {}
        self.buying_stage: str | None = None
        self.deadlocks = 0
        self.regressions = 0
        self.referrals: list[str] = []
        self.lost_from: str | None = None
        self.lost_reason: str | None = None
        self.competitor: str | None = None
        self.bottom_lines: dict[str, Decimal] = {}
        self.our_last_concession: dict[str, Decimal] = {}
        self.concession_rounds: dict[str, int] = {}
        self.conceded = {}
        self.concession_positions = {}
        self.our_concession_directions = {}
        self.signed_amount: Decimal | None = None
        self.signed_on: date | None = None
        self.payment_terms: str | None = None
        self.invoices: dict[str, dict[str, Any]] = {}

    # --- where the deal stands -------------------------------------------------------------

    @property
    def stage(self) -> str | None:
        return None if self.state in (LOST, CLOSED) else stage_of(self.state)

    @property
    def action(self) -> str | None:
        return sub_state_of(self.state)

    @property
    def status(self) -> Status:
        if self.state == LOST:
            return Status.LOST
        if self.state == CLOSED:
            return Status.CLOSED
        return Status.WON if stage_of(self.state) == WON_STAGE.name else Status.OPEN

    @property
    def invoiced_total(self) -> Decimal:
        return sum((invoice["amount"] for invoice in self.invoices.values()), Decimal(0))

    @property
    def open_balance(self) -> Decimal:
        return sum((balance(invoice) for invoice in self.invoices.values()), Decimal(0))

    # --- what every later event changes ---------------------------------------------------

    def enter(self, state: str, on: date) -> None:
        """The state an event leaves the deal in, on its effective date."""
        if stage_of(state) != stage_of(self.state):
            self.stage_changed_on = on
        self.state = state
        self.last_record_on = max(self.last_record_on, on)

    def done(self, action: str) -> None:
        self.actions_done = sorted({*self.actions_done, action})

    def update_invoice(self, invoice: str, **changes: Any) -> None:
        self.invoices = {**self.invoices, invoice: {**self.invoices[invoice], **changes}}

    # --- what each event changes ----------------------------------------------------------

    def act(self, action: str, fields: dict[str, Any]) -> None:
        """An action recorded, with the effect the method gives it (`Effect`)."""
        self.done(action)
        effect = ACTIONS[action].effect
        if effect is Effect.QUALIFIES:
            self.answers = dict(fields)
        elif effect is Effect.STAKEHOLDER:
            key = fields["contact"].casefold()
            self.stakeholders = {**self.stakeholders, key: {**self.stakeholders.get(key, {}), **fields}}
        elif effect is Effect.RELATIONSHIP:
            key = fields["contact"].casefold()
            ladder = [done.name for done in STAGE_OF_ACTION[action].actions]
            reached = self.relationships.get(key)
            if reached is None or ladder.index(action) > ladder.index(reached):
                self.relationships = {**self.relationships, key: action}
        elif effect is Effect.SETS_CRITERIA:
            self.criteria = {**self.criteria, **fields["criteria"]}
            self.buying_stage = fields.get("buying_stage", self.buying_stage)
        elif effect is Effect.SETS_VALUE:
            self.value = fields["quotation"]
            self.currency = fields.get("currency", self.currency)
        elif effect is Effect.UPSELLS:
            self.value = (self.value or Decimal(0)) + fields["amount"]
        elif effect is Effect.NEGOTIATES:
            if fields["step"] == DEADLOCK:
                self.deadlocks = self.deadlocks + 1
        elif effect is Effect.REFERRAL:
            self.referrals = [*self.referrals, fields["deal"]]
        elif effect is Effect.COLLECTS:
            invoice = fields["invoice"]
            self.update_invoice(invoice, chases=self.invoices[invoice]["chases"] + 1)

    def step_back_counted(self) -> None:
        self.regressions = self.regressions + 1

    def mark_lost(self, lost_from: str | None, reason: str | None, competitor: str | None) -> None:
        """Lost from a stage, why and to whom; all None again when the deal is reopened."""
        self.lost_from = lost_from
        self.lost_reason = reason
        self.competitor = competitor

    def bottom_line_set(self, term: str, value: Decimal) -> None:
        self.bottom_lines = {**self.bottom_lines, term: value}

    def concession_made(self, term: str, by: str, before: Decimal, after: Decimal, round: int, size: Decimal) -> None:
        self.concession_rounds = {**self.concession_rounds, term: round}
        key = f"{term} {by}"
        self.conceded = {**self.conceded, key: self.conceded.get(key, Decimal(0)) + size}
        if by == US:
            self.our_last_concession = {**self.our_last_concession, term: size}
        if term == PRICE:  # the latest price on the table, by either side, is the deal's expected value
            self.value = after
        positions = self.concession_positions.get(term, {})
        self.concession_positions = {**self.concession_positions, term: {**positions, by: after}}
        directions = self.our_concession_directions
        if term not in directions:  # the term's first concession: the way each side goes
            moves = direction(before, after)
            self.our_concession_directions = {**directions, term: moves if by == US else -moves}

    def mark_signed(self, amount: Decimal, currency: str, terms: str | None, on: date) -> None:
        self.signed_amount = amount
        self.signed_on = on
        self.value = amount
        self.currency = currency
        self.payment_terms = terms

    def add_invoice(self, invoice: str, amount: Decimal, issued: date, due: date) -> None:
        entry = {"amount": amount, "paid": Decimal(0), "written_off": Decimal(0), "issued": issued, "due": due}
        self.invoices = {**self.invoices, invoice: {**entry, "chases": 0}}

    def add_payment(self, invoice: str, amount: Decimal) -> None:
        self.update_invoice(invoice, paid=self.invoices[invoice]["paid"] + amount)

    def add_write_off(self, invoice: str, amount: Decimal) -> None:
        self.update_invoice(invoice, written_off=self.invoices[invoice]["written_off"] + amount)

    def reassign(self, owner: str) -> None:
        self.owner = owner

    def change_forecast(self, value: Decimal | None, currency: str | None, close_by: date | None) -> None:
        if value is not None:
            self.value = value
        if currency is not None:
            self.currency = currency
        if close_by is not None:
            self.close_by = close_by

    def set_buying_stage(self, buying_stage: str) -> None:
        self.buying_stage = buying_stage
