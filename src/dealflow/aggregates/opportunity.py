"""Opportunity: one sales deal, event-sourced, moved through the method's lifecycle.

Command methods check with the lifecycle machine and the playbook's rules, then
trigger events; a refused command raises before any event exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from dealflow.aggregates import events
from dealflow.aggregates.errors import InvalidInput, Refused
from dealflow.aggregates.fields import clean_fields
from dealflow.aggregates.ids import check_deal_id, deal_uuid
from dealflow.aggregates.lifecycle import SEPARATOR, entered, lifecycle, stage_of, sub_state_of
from dealflow.aggregates.limits import POSITIVE_AMOUNT, ROUND, check_total, whole
from dealflow.aggregates.money import parse_amount, parse_currency
from dealflow.aggregates.negotiation import Standing, assess_concession, check_term
from dealflow.aggregates.receivables import balance, check_new_invoice, check_payment, open_invoice
from dealflow.aggregates.signals import missing
from dealflow.aggregates.storable import check_storable
from dealflow.playbook import (
    ACTIONS,
    BUYING_STAGES,
    CLOSED,
    CONCEDE,
    DEFAULTS,
    GIFT_ACTIVITIES,
    LOST,
    LOST_REASONS,
    SIGNING_STAGE,
    STAGE_NAMES,
    STAGE_OF_ACTION,
    WON_STAGE,
    Effect,
    Move,
    Record,
    Status,
)


def _text(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput(f"give {what}")
    return value.strip()


def _effective_on(
    on: date | None, not_before: date | None, since: str = "last stage change", option: str = "--on"
) -> date:
    today = date.today()
    on = on or today
    if on > today:
        raise InvalidInput(f"{option} {on} is in the future: records are dated today ({today}) or earlier")
    if not_before is not None and on < not_before:
        raise Refused(f"{option} {on} is before this deal's {since} on {not_before}: date it {not_before} or later")
    return on


# Where each command that is no action of its own is done: what a refusal says, as the user typed
# the command, not the action the method records it under (e.g. `pay` is a `collect` step).
_NEGOTIATING = STAGE_OF_ACTION[events.NEGOTIATE].name
_ON_INVOICES = f"in {WON_STAGE.name}, on the invoices of a signed deal"
INVOICING = f"invoices are recorded in {WON_STAGE.name}, once the deal is signed"
PAYING = f"payments are recorded {_ON_INVOICES}"
CHASING = f"an invoice is chased {_ON_INVOICES}"
WRITING_OFF = f"write-offs are recorded {_ON_INVOICES}"
CONCEDING = f"concessions are recorded in {_NEGOTIATING}, while negotiating"
SETTING_BOTTOM_LINE = f"a bottom line is set in {_NEGOTIATING}, while preparing the negotiation"
SIGNING = f"the agreement is signed in {SIGNING_STAGE.name}"


class Opportunity(Aggregate):
    """A sales deal. Open one with `Opportunity.open`."""

    # What each side has conceded on each term so far, by "term by", kept within the limits. A deal
    # loaded from a snapshot taken before it was kept counts from that snapshot on: this default.
    conceded = MappingProxyType({})  # not annotated: the library makes an annotated one a field
    # Where each side last stood on each term, and the way our concessions go there. A deal loaded
    # from a snapshot taken before they were kept starts afresh: its next concession on a term may
    # start anywhere, and sets the term's way.
    concession_positions = MappingProxyType({})
    our_concession_directions = MappingProxyType({})

    @staticmethod
    def create_id(deal_id: str, **_: Any) -> UUID:
        return deal_uuid(deal_id)

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
        self.conceded: Mapping[str, Decimal] = {}
        self.concession_positions: Mapping[str, Mapping[str, Decimal]] = {}  # term -> side -> last position
        self.our_concession_directions: Mapping[str, int] = {}  # term -> the way ours go: +1 up, -1 down
        self.signed_amount: Decimal | None = None
        self.signed_on: date | None = None
        self.payment_terms: str | None = None
        self.invoices: dict[str, dict[str, Any]] = {}

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
        amount = None if value is None else parse_amount(value, "--value", POSITIVE_AMOUNT)
        if amount is not None and currency is None:
            raise InvalidInput("give --currency with --value: a deal's money has one ISO 4217 currency")
        facts = dict(
            deal_id=check_deal_id(deal_id),
            account=_text(account, "the account (the customer's name)"),
            title=_text(title, "a --title for the deal"),
            owner=_text(
                actor if owner is None else owner, "the --owner's name, or leave --owner out to own it yourself"
            ),
            value=amount,
            currency=None if currency is None else parse_currency(currency),
            close_by=close_by,
            effective_on=_effective_on(on, None),
            actor=actor,
            state=entered(STAGE_NAMES[0]),
            referred_by=referred_by,
        )
        check_storable(facts)
        return cls._create(events.Opened, **facts)

    # --- where the deal stands -----------------------------------------------------------

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

    def allowed(self) -> list[str]:
        return lifecycle().allowed(self.state)

    def update_invoice(self, invoice: str, **changes: Any) -> None:
        self.invoices = {**self.invoices, invoice: {**self.invoices[invoice], **changes}}

    # --- recording ------------------------------------------------------------------------

    def _record(
        self,
        event_class: type[events.DealEvent],
        trigger: str,
        on: date | None,
        actor: str,
        context: Mapping[str, Any] | None = None,
        **facts: Any,
    ) -> None:
        state = lifecycle().next_state(self, trigger, **(context or {}))
        if stage_of(state) != stage_of(self.state):  # a stage change comes after the records that justify it
            since = "last stage change" if self.last_record_on == self.stage_changed_on else "last record"
            effective_on = _effective_on(on, self.last_record_on, since)
        else:
            effective_on = _effective_on(on, self.stage_changed_on)
        check_storable(facts, actor=actor)
        self.trigger_event(event_class, effective_on=effective_on, actor=actor, state=state, **facts)

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
            raise InvalidInput(f"unknown action {action!r}: `dealflow act --help` lists the 24 actions")
        spec = ACTIONS[action]
        cleaned: dict[str, Any] = clean_fields(spec, fields)
        lifecycle().next_state(self, action, doing=doing)  # the method's word first: right stage, open deal
        self._check_effect(spec.effect, cleaned, gift_limit)
        if spec.effect is Effect.UPSELLS:
            check_total((self.value or Decimal(0)) + cleaned["amount"], "this deal's value after the upsell")
        if spec.effect is Effect.COLLECTS:
            self._check_after_issue(cleaned["invoice"], on)
        if spec.effect is Effect.REFERRAL:
            cleaned["deal"] = _text(referral_id, "the referred deal's id")
        self._record(events.ActionRecorded, action, on, actor, action=action, fields=cleaned, note=note)

    def _check_effect(self, effect: Effect | None, fields: dict[str, Any], gift_limit: Decimal) -> None:
        # a gift value is held to the limit whatever the activity: a gift given at a dinner is still a gift
        gift = fields.get("gift_value")
        if gift is None and fields.get("activity") in GIFT_ACTIVITIES:
            raise InvalidInput("a gift needs --gift-value: gifts stay within the law and company rules")
        if gift is not None and gift > gift_limit and not fields.get("approver"):
            raise Refused(f"a gift of {gift} is above the limit of {gift_limit}: name the --approver who allowed it")
        if effect is Effect.SETS_VALUE:
            currency = fields.get("currency") or self.currency
            if currency is None:
                raise InvalidInput("give the quotation's --currency: this deal has none yet")
            self._check_currency(currency)
            fields["currency"] = currency
        if effect is Effect.UPSELLS and self.currency is None:
            raise Refused("this deal has no value or currency yet: submit a proposal or set a forecast first")
        if effect is Effect.NEGOTIATES and fields["step"] == CONCEDE:
            raise InvalidInput("record a concession with `dealflow concede DEAL --term --by --from --to`")
        if effect is Effect.COLLECTS:
            open_invoice(self.invoices, fields["invoice"])

    def _check_after_issue(self, invoice: str, on: date | None) -> None:
        issued = self.invoices[invoice]["issued"]
        when = on or date.today()
        if self.stage_changed_on <= when < issued:  # earlier than the stage change: _record says so
            raise Refused(f"--on {on} is before invoice {invoice} was issued on {issued}: date it {issued} or later")

    def _agreement(self, amount: object, currency: str | None, amount_is: str, currency_is: str) -> tuple[Decimal, str]:
        """A signed amount (more than 0) and its currency, which must be the deal's one currency."""
        signed = parse_amount(amount, amount_is, POSITIVE_AMOUNT)
        code = parse_currency(currency) if currency else self.currency
        if code is None:
            raise InvalidInput(f"give {currency_is}: this deal has none yet")
        self._check_currency(code)
        return signed, code

    def _check_currency(self, currency: str) -> None:
        if self.currency is not None and currency != self.currency:
            raise Refused(
                f"this deal is in {self.currency}: a deal has one currency, so give amounts in {self.currency}"
            )

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
        cleaned = clean_fields(ACTIONS[action], fields)
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
        self._record(events.Advanced, Move.ADVANCE, on, actor, {"evidence": evidence}, evidence=evidence)

    def step_back(self, to: str, *, reason: str, actor: str, on: date | None = None) -> None:
        if to not in STAGE_NAMES:
            raise InvalidInput(f"stage must be one of {', '.join(STAGE_NAMES)}; got {to!r}")
        self._record(
            events.SteppedBack, Move.BACK, on, actor, {"to": to}, reason=_text(reason, "a --reason for stepping back")
        )

    def lose(self, *, reason: str, actor: str, competitor: str | None = None, on: date | None = None) -> None:
        if reason not in LOST_REASONS:
            raise InvalidInput(f"--reason must be one of {', '.join(LOST_REASONS)}; got {reason!r}")
        lost_from = self.stage
        self._record(
            events.Lost, Move.LOSE, on, actor, reason=reason, competitor=competitor or None, lost_from=lost_from
        )

    def reopen(self, *, reason: str, actor: str, on: date | None = None) -> None:
        self._record(events.Reopened, Move.REOPEN, on, actor, reason=_text(reason, "a --reason for reopening"))

    def set_bottom_line(self, term: str, value: object, *, actor: str, on: date | None = None) -> None:
        """Our private limit on a term, set while preparing the negotiation."""
        lifecycle().next_state(self, events.NEGOTIATE, doing=SETTING_BOTTOM_LINE)
        check_term(term)
        self._record(events.BottomLineSet, events.NEGOTIATE, on, actor, term=term, value=parse_amount(value, "--value"))

    def concede(
        self,
        *,
        term: str,
        by: str,
        before: object,
        after: object,
        actor: str,
        round: int | None = None,
        override: str | None = None,
        reason: str | None = None,
        on: date | None = None,
        legacy: bool = False,
    ) -> events.Conceded:
        """Record a concession; returns it so the caller can report its flags. `reason`: why --from is
        not the side's last position on the term. `legacy`: replaying a concession of a log written
        before dealflow checked where concessions start and which way they go (see `imports.replay`)."""
        lifecycle().next_state(self, events.NEGOTIATE, doing=CONCEDING)
        concession = assess_concession(
            term=term,
            by=by,
            before=parse_amount(before, "--from"),
            after=parse_amount(after, "--to"),
            round=None if round is None else whole(round, ROUND, "--round"),
            override=override,
            reason=reason,
            standing=Standing(
                last_position=self.concession_positions.get(term, {}).get(by),
                our_direction=self.our_concession_directions.get(term),
                bottom_line=self.bottom_lines.get(term),
                our_last_size=self.our_last_concession.get(term),
                last_round=self.concession_rounds.get(term, 0),
            ),
            legacy=legacy,
        )
        check_total(self.conceded.get(f"{term} {by}", Decimal(0)) + concession.size, f"what {by} conceded on {term}")
        self._record(
            events.Conceded,
            events.NEGOTIATE,
            on,
            actor,
            term=term,
            by=by,
            before=parse_amount(before),
            after=parse_amount(after),
            round=concession.round,
            size=concession.size,
            widened=concession.widened,
            past_bottom_line=concession.past_bottom_line,
            override=override.strip() if override and override.strip() else None,
            reason=reason.strip() if reason and reason.strip() else None,
        )
        conceded: events.Conceded = self.pending_events[-1]  # type: ignore[assignment]
        if legacy:
            events.mark_legacy(conceded)
        return conceded

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
        signed, code = self._agreement(amount, currency, "--amount", "--currency")
        self._record(events.Signed, Move.SIGN, on, actor, amount=signed, currency=code, terms=terms or None)

    def invoice(
        self, invoice: str, *, amount: object, due: date, actor: str, issued: date | None = None, on: date | None = None
    ) -> None:
        lifecycle().next_state(self, events.COLLECT, doing=INVOICING)
        amount = parse_amount(amount, "--amount", POSITIVE_AMOUNT)
        issued_on = _effective_on(issued or on, self.stage_changed_on, option="--issued" if issued else "--on")
        check_new_invoice(self.invoices, invoice.strip(), amount, issued_on, due, self.signed_amount or Decimal(0))
        self._record(
            events.Invoiced,
            events.COLLECT,
            on or issued,
            actor,
            invoice=invoice.strip(),
            amount=amount,
            issued=issued_on,
            due=due,
        )

    def pay(self, invoice: str, *, amount: object, actor: str, on: date | None = None) -> None:
        lifecycle().next_state(self, events.COLLECT, doing=PAYING)
        paid = parse_amount(amount, "--amount", POSITIVE_AMOUNT)
        check_payment(self.invoices, invoice, paid)
        self._check_after_issue(invoice, on)
        self._record(events.PaymentReceived, events.COLLECT, on, actor, invoice=invoice, amount=paid)
        self._close_if_paid(actor, on)

    def write_off(self, invoice: str, *, reason: str, actor: str, on: date | None = None) -> None:
        lifecycle().next_state(self, events.COLLECT, doing=WRITING_OFF)
        left = balance(open_invoice(self.invoices, invoice))
        self._check_after_issue(invoice, on)
        self._record(
            events.WrittenOff,
            events.COLLECT,
            on,
            actor,
            invoice=invoice,
            amount=left,
            reason=_text(reason, "a --reason for the write-off"),
        )
        self._close_if_paid(actor, on)

    def chase(
        self, invoice: str, *, cause: str, method: str, actor: str, note: str | None = None, on: date | None = None
    ) -> None:
        """A collection step on an unpaid invoice: the `collect` action."""
        fields = {"invoice": invoice, "cause": cause, "method": method}
        self.record_action(events.COLLECT, fields, actor=actor, on=on, note=note, doing=CHASING)

    def _close_if_paid(self, actor: str, on: date | None) -> None:
        """The method's last exit: all accounts paid closes the deal, in the same save. An imported
        ledger deal, which holds a customer's invoices without a signed agreement, stays open for more."""
        if self.signed_amount is not None and not missing(WON_STAGE, self):
            self._record(events.Closed, Move.CLOSE, on, actor)

    def note(self, text: str, *, actor: str, on: date | None = None) -> None:
        self._record(events.NoteAdded, Record.NOTE, on, actor, text=_text(text, "the note's text"))

    def assign(self, owner: str, *, actor: str, on: date | None = None) -> None:
        owner = _text(owner, "the new owner's name")
        if owner == self.owner:
            raise Refused(f"{owner} already owns this deal")
        self._record(events.Reassigned, Record.ASSIGN, on, actor, owner=owner, previous=self.owner)

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
            raise InvalidInput("give --value, --currency or --close-by to change the forecast")
        code = parse_currency(currency) if currency else None
        if code is not None:
            self._check_currency(code)
        amount = None if value is None else parse_amount(value, "--value", POSITIVE_AMOUNT)
        if amount is not None and (code or self.currency) is None:
            raise InvalidInput("give --currency with --value: this deal has no currency yet")
        self._record(events.ForecastChanged, Record.FORECAST, on, actor, value=amount, currency=code, close_by=close_by)

    def update_buying_stage(self, buying_stage: str, *, actor: str, on: date | None = None) -> None:
        if buying_stage not in BUYING_STAGES:
            raise InvalidInput(f"buying stage must be one of {', '.join(BUYING_STAGES)}; got {buying_stage!r}")
        self._record(events.BuyingStageUpdated, Record.BUYING_STAGE, on, actor, buying_stage=buying_stage)

    # --- importing ------------------------------------------------------------------------
    # An import places a deal where its source says it stands, dated as the source dates it. The
    # machine is not asked and no exit signal is claimed: each event records the source it came from
    # (`events.mark_imported`), `history` shows it and `audit` reports it as imported. The rules on
    # values still hold: amounts, one currency, dates never in the future, nor before the deal's
    # last stage change; a stage change not before its last record.

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

    def place_imported(self, stage: str, *, source: Mapping[str, Any], actor: str, on: date) -> None:
        """The deal entered `stage` on `on`: a selling stage, or follow-up for a ledger deal (never signed)."""
        if stage not in STAGE_NAMES:
            raise InvalidInput(f"stage must be one of {', '.join(STAGE_NAMES)}; got {stage!r}")
        self._check_open_for_import()
        self._record_imported(events.Advanced, entered(stage), on, actor, source, evidence=None)

    def win_imported(
        self, *, amount: object, currency: str | None, source: Mapping[str, Any], actor: str, on: date
    ) -> None:
        """The agreement was signed on `on` for `amount`: the deal is won and enters follow-up."""
        self._check_open_for_import()
        signed, code = self._agreement(amount, currency, "the won amount", "the won amount's currency")
        self._record_imported(
            events.Signed, entered(WON_STAGE.name), on, actor, source, amount=signed, currency=code, terms=None
        )

    def lose_imported(
        self, *, reason: str, source: Mapping[str, Any], actor: str, on: date, competitor: str | None = None
    ) -> None:
        """The deal was lost on `on`, from the stage it is in."""
        if reason not in LOST_REASONS:
            raise InvalidInput(f"a lost reason is one of {', '.join(LOST_REASONS)}; got {reason!r}")
        self._check_open_for_import()
        lost_from = self.stage
        self._record_imported(
            events.Lost, LOST, on, actor, source, reason=reason, competitor=competitor or None, lost_from=lost_from
        )

    def close_imported(self, *, source: Mapping[str, Any], actor: str, on: date) -> None:
        """A won deal whose accounts the source says are all paid."""
        if self.status is not Status.WON:
            raise Refused(f"only a won deal can be closed; this one is {self.status}")
        self._record_imported(events.Closed, CLOSED, on, actor, source)

    def invoice_imported(
        self, invoice: str, *, amount: object, issued: date, due: date, source: Mapping[str, Any], actor: str
    ) -> None:
        """An invoice of a won deal (or a ledger deal), dated its issue date; not beyond the signed amount."""
        self._check_won_for_import()
        amount = parse_amount(amount, "the invoice amount", POSITIVE_AMOUNT)
        check_total(self.invoiced_total + amount, "the invoiced total of this deal")
        limit = self.signed_amount if self.signed_amount is not None else self.invoiced_total + amount
        check_new_invoice(self.invoices, invoice.strip(), amount, issued, due, limit)
        self._record_imported(
            events.Invoiced, self._collecting(), issued, actor, source,
            invoice=invoice.strip(), amount=amount, issued=issued, due=due,
        )  # fmt: skip

    def pay_imported(self, invoice: str, *, amount: object, source: Mapping[str, Any], actor: str, on: date) -> None:
        """A payment on an invoice on `on`; the one that settles a signed deal's last account closes it."""
        self._check_won_for_import()
        paid = parse_amount(amount, "the payment", POSITIVE_AMOUNT)
        check_payment(self.invoices, invoice, paid)
        issued = self.invoices[invoice]["issued"]
        if on < issued:
            raise Refused(f"a payment on {on} is before invoice {invoice} was issued on {issued}")
        collecting = self._collecting()
        self._record_imported(events.PaymentReceived, collecting, on, actor, source, invoice=invoice, amount=paid)
        if self.signed_amount is not None and not missing(WON_STAGE, self):
            self._record_imported(events.Closed, CLOSED, on, actor, source)

    def note_imported(self, text: str, *, source: Mapping[str, Any], actor: str, on: date) -> None:
        self._record_imported(events.NoteAdded, self.state, on, actor, source, text=_text(text, "the note's text"))

    def _check_open_for_import(self) -> None:
        if self.status is not Status.OPEN:
            raise Refused(f"this deal is {self.status}: an import places only open deals")

    def _check_won_for_import(self) -> None:
        if self.status is not Status.WON:
            raise Refused(f"invoices are imported to won deals, in {WON_STAGE.name}; this one is {self.status}")

    def _collecting(self) -> str:
        return f"{WON_STAGE.name}{SEPARATOR}{events.COLLECT}"

    def _record_imported(
        self,
        event_class: type[events.DealEvent],
        state: str,
        on: date,
        actor: str,
        source: Mapping[str, Any],
        **facts: Any,
    ) -> None:
        if stage_of(state) != stage_of(self.state):
            since = "last stage change" if self.last_record_on == self.stage_changed_on else "last record"
            effective_on = _effective_on(on, self.last_record_on, since, option="the date")
        else:
            effective_on = _effective_on(on, self.stage_changed_on, option="the date")
        check_storable(facts, actor=actor)
        self.trigger_event(event_class, effective_on=effective_on, actor=actor, state=state, **facts)
        events.mark_imported(self.pending_events[-1], source)
