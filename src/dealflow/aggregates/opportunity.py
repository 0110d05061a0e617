"""Opportunity: one sales deal, event-sourced, moved through the method's lifecycle.

Command methods check with the lifecycle machine and the playbook's rules, then record events
(`recording.py`, the one path); a refused command raises before any event exists. The deal's
attributes and what each event changes are `DealState`'s (`state.py`); the negotiation's,
receivables' and import's commands are in `conceding.py`, `collecting.py` and `placement.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from dealflow.aggregates import events
from dealflow.aggregates.collecting import ON_INVOICES
from dealflow.aggregates.conceding import Conceding
from dealflow.aggregates.errors import (
    APPROVER,
    BY,
    CLOSE_BY,
    CURRENCY,
    FROM,
    GIFT_VALUE,
    OWNER,
    REASON,
    TERM,
    TITLE,
    TO,
    VALUE,
    Command,
    InvalidInput,
    Refused,
)
from dealflow.aggregates.fields import clean_fields
from dealflow.aggregates.ids import check_deal_id, deal_uuid
from dealflow.aggregates.lifecycle import entered, lifecycle
from dealflow.aggregates.limits import POSITIVE_AMOUNT, check_total
from dealflow.aggregates.money import parse_amount, parse_currency
from dealflow.aggregates.placement import Placement
from dealflow.aggregates.receivables import open_invoice
from dealflow.aggregates.recording import Live, effective_on, required_text
from dealflow.aggregates.revising import Revising
from dealflow.aggregates.state import PRICE
from dealflow.aggregates.storable import check_storable
from dealflow.playbook import (
    ACTIONS,
    BUYING_STAGES,
    CONCEDE,
    DEFAULTS,
    GIFT_ACTIVITIES,
    LOST_REASONS,
    SIGNING_STAGE,
    STAGE_NAMES,
    WON_STAGE,
    Effect,
    Move,
    Record,
)

# Where each command that is no action of its own is done: what a refusal says (see `collecting.py`).
CHASING = f"an invoice is chased {ON_INVOICES}"
SIGNING = f"the agreement is signed in {SIGNING_STAGE.name}"


class Opportunity(Placement, Conceding, Revising, Aggregate):
    """A sales deal. Open one with `Opportunity.open`."""

    # 2: a concession on price sets the deal's value. A snapshot taken before (version 1) of a deal
    # that has conceded on price may hold an older value: the loader folds its history again.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        if PRICE in state.get("concession_rounds", {}):
            state["revised"] = True  # `RevisingRepository` folds the whole history: the value as now counted

    @staticmethod
    def create_id(deal_id: str, **_: Any) -> UUID:
        return deal_uuid(deal_id)

    # --- opening --------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        *,
        deal_id: str,
        account: str,
        title: str,
        actor: str,
        owner: str | None = None,
        value: object = None,
        currency: str | None = None,
        close_by: date | None = None,
        on: date | None = None,
        referred_by: str | None = None,
    ) -> Opportunity:
        amount = None if value is None else parse_amount(value, VALUE, POSITIVE_AMOUNT)
        if amount is not None and currency is None:
            raise InvalidInput("give {} with {}: a deal's money has one ISO 4217 currency", CURRENCY, VALUE)
        facts: dict[str, Any] = dict(
            deal_id=check_deal_id(deal_id),
            account=required_text(account, "the account (the customer's name)"),
            title=required_text(title, "{} for the deal", TITLE.a),
            owner=required_text(
                actor if owner is None else owner, "{}'s name, or leave {} out to own it yourself", OWNER.the, OWNER
            ),
            value=amount,
            currency=None if currency is None else parse_currency(currency),
            close_by=close_by,
            effective_on=effective_on(on, None),
            actor=actor,
            state=entered(STAGE_NAMES[0]),
            referred_by=referred_by,
        )
        check_storable(facts)
        return cls._create(events.Opened, **facts)

    @classmethod
    def open_imported(
        cls, *, source: Mapping[str, Any], deal_id: str, account: str, title: str, actor: str, on: date, **details: Any
    ) -> Opportunity:
        """A deal opened in analysis on `on`, as the source says (details: owner, value, currency, close_by)."""
        deal = cls.open(deal_id=deal_id, account=account, title=title, actor=actor, on=on, **details)
        events.mark_imported(deal.pending_events[0], source)
        return deal

    @classmethod
    def open_ledger_imported(
        cls, *, source: Mapping[str, Any], deal_id: str, account: str, currency: str, actor: str, on: date
    ) -> Opportunity:
        """A customer's imported receivables ledger: a deal in follow-up from `on`, without a signed
        agreement, that holds the customer's invoices that name no deal."""
        deal = cls.open_imported(
            source=source, deal_id=deal_id, account=account, title=f"receivables of {account.strip()}", actor=actor,
            on=on, currency=currency,
        )  # fmt: skip
        deal.place_imported(WON_STAGE.name, source=source, actor=actor, on=on)
        return deal

    # --- where the deal stands -----------------------------------------------------------

    def allowed(self) -> list[str]:
        return lifecycle().allowed(self.state)

    # --- recording ------------------------------------------------------------------------

    def record_action(
        self,
        action: str,
        fields: Mapping[str, object],
        *,
        actor: str,
        on: date | None = None,
        note: str | None = None,
        gift_limit: Decimal = DEFAULTS.gift_limit,
        referral_id: str | None = None,
        doing: str | None = None,
    ) -> None:
        """Record one of the 24 actions. Referral sales go through `refer`. `doing`: what a command
        recorded as this action does, for a refusal to name it (see `chase`)."""
        if action not in ACTIONS:
            raise InvalidInput("unknown action {!r}: {} lists the 24 actions", action, Command("act", "--help"))
        spec = ACTIONS[action]
        cleaned: dict[str, Any] = clean_fields(spec, fields)
        lifecycle().next_state(self, action, doing=doing)  # the method's word first: right stage, open deal
        self._check_effect(spec.effect, cleaned, gift_limit)
        if spec.effect is Effect.UPSELLS:
            check_total((self.value or Decimal(0)) + cleaned["amount"], "this deal's value after the upsell")
        if spec.effect is Effect.COLLECTS:
            self._check_after_issue(cleaned["invoice"], on)
        if spec.effect is Effect.REFERRAL:
            cleaned["deal"] = required_text(referral_id, "the referred deal's id")
        self._record(events.ActionRecorded, Live(action), on, actor, action=action, fields=cleaned, note=note)

    def _check_effect(self, effect: Effect | None, fields: dict[str, Any], gift_limit: Decimal) -> None:
        # a gift value is held to the limit whatever the activity: a gift given at a dinner is still a gift
        gift = fields.get("gift_value")
        if gift is None and fields.get("activity") in GIFT_ACTIVITIES:
            raise InvalidInput("a gift needs {}: gifts stay within the law and company rules", GIFT_VALUE)
        if gift is not None and gift > gift_limit and not fields.get("approver"):
            raise Refused(
                "a gift of {} is above the limit of {}: name {} who allowed it", gift, gift_limit, APPROVER.the
            )
        if effect is Effect.SETS_VALUE:
            currency = fields.get("currency") or self.currency
            if currency is None:
                raise InvalidInput("give the quotation's {}: this deal has none yet", CURRENCY.bare)
            self._check_currency(currency)
            fields["currency"] = currency
        if effect is Effect.UPSELLS and self.currency is None:
            raise Refused("this deal has no value or currency yet: submit a proposal or set a forecast first")
        if effect is Effect.NEGOTIATES and fields["step"] == CONCEDE:
            raise InvalidInput("record a concession with {}", Command("concede", "DEAL", fields=(TERM, BY, FROM, TO)))
        if effect is Effect.COLLECTS:
            open_invoice(self.invoices, fields["invoice"])

    def refer(
        self,
        fields: Mapping[str, object],
        *,
        new_deal_id: str,
        actor: str,
        on: date | None = None,
        note: str | None = None,
    ) -> Opportunity:
        """The referral-sale action: records it here and returns the new, linked deal (save both together)."""
        action = events.REFER
        cleaned: dict[str, Any] = clean_fields(ACTIONS[action], fields)
        new_deal_id = check_deal_id(new_deal_id)  # before recording: a refused referral records nothing
        self.record_action(action, cleaned, actor=actor, on=on, note=note, referral_id=new_deal_id)
        return Opportunity.open(
            deal_id=new_deal_id,
            account=cleaned["account"],
            title=cleaned.get("title") or f"referral from {self.account}",
            actor=actor,
            owner=self.owner,
            value=cleaned.get("value"),
            currency=self.currency if cleaned.get("value") is not None else None,
            on=on,
            referred_by=self.deal_id,
        )

    def advance(self, *, actor: str, evidence: str | None = None, on: date | None = None) -> None:
        evidence = evidence.strip() if evidence and evidence.strip() else None
        self._record(events.Advanced, Live(Move.ADVANCE, {"evidence": evidence}), on, actor, evidence=evidence)

    def step_back(self, to: str, *, reason: str, actor: str, on: date | None = None) -> None:
        if to not in STAGE_NAMES:
            raise InvalidInput(f"stage must be one of {', '.join(STAGE_NAMES)}; got {to!r}")
        reason = required_text(reason, "{} for stepping back", REASON.a)
        self._record(events.SteppedBack, Live(Move.BACK, {"to": to}), on, actor, reason=reason)

    def lose(self, *, reason: str, actor: str, competitor: str | None = None, on: date | None = None) -> None:
        if reason not in LOST_REASONS:
            raise InvalidInput("{} must be one of {}; got {!r}", REASON, ", ".join(LOST_REASONS), reason)
        self._lost(Live(Move.LOSE), reason, competitor, on, actor)

    def reopen(self, *, reason: str, actor: str, on: date | None = None) -> None:
        reason = required_text(reason, "{} for reopening", REASON.a)
        self._record(events.Reopened, Live(Move.REOPEN), on, actor, reason=reason)

    def sign(
        self,
        *,
        amount: object,
        actor: str,
        currency: str | None = None,
        terms: str | None = None,
        on: date | None = None,
    ) -> None:
        lifecycle().next_state(self, Move.SIGN, doing=SIGNING)  # the method's word first: a lost deal needs no currency
        signed, code = self._agreement(amount, currency)
        self._record(events.Signed, Live(Move.SIGN), on, actor, amount=signed, currency=code, terms=terms or None)

    def chase(
        self, invoice: str, *, cause: str, method: str, actor: str, note: str | None = None, on: date | None = None
    ) -> None:
        """A collection step on an unpaid invoice: the `collect` action."""
        fields = {"invoice": invoice, "cause": cause, "method": method}
        self.record_action(events.COLLECT, fields, actor=actor, on=on, note=note, doing=CHASING)

    def note(self, text: str, *, actor: str, on: date | None = None) -> None:
        self._record(events.NoteAdded, Live(Record.NOTE), on, actor, text=required_text(text, "the note's text"))

    def assign(self, owner: str, *, actor: str, on: date | None = None) -> None:
        owner = required_text(owner, "the new owner's name")
        if owner == self.owner:
            raise Refused(f"{owner} already owns this deal")
        self._record(events.Reassigned, Live(Record.ASSIGN), on, actor, owner=owner, previous=self.owner)

    def forecast(
        self,
        *,
        actor: str,
        value: object = None,
        currency: str | None = None,
        close_by: date | None = None,
        on: date | None = None,
    ) -> None:
        lifecycle().next_state(self, Record.FORECAST)  # a lost or closed deal: the method's word first
        if self.signed_amount is not None:  # won: the pipeline counts what was signed
            raise Refused(
                f"this deal is signed for {self.signed_amount} {self.currency} on {self.signed_on}: its value is "
                "the signed amount; a forecast is for a deal not yet signed"
            )
        if value is None and close_by is None and currency is None:
            raise InvalidInput("give {}, {} or {} to change the forecast", VALUE, CURRENCY, CLOSE_BY)
        code = parse_currency(currency) if currency else None
        if code is not None:
            self._check_currency(code)
        amount = None if value is None else parse_amount(value, VALUE, POSITIVE_AMOUNT)
        if amount is not None and (code or self.currency) is None:
            raise InvalidInput("give {} with {}: this deal has no currency yet", CURRENCY, VALUE)
        how = Live(Record.FORECAST)
        self._record(events.ForecastChanged, how, on, actor, value=amount, currency=code, close_by=close_by)

    def update_buying_stage(self, buying_stage: str, *, actor: str, on: date | None = None) -> None:
        if buying_stage not in BUYING_STAGES:
            raise InvalidInput(f"buying stage must be one of {', '.join(BUYING_STAGES)}; got {buying_stage!r}")
        self._record(events.BuyingStageUpdated, Live(Record.BUYING_STAGE), on, actor, buying_stage=buying_stage)
