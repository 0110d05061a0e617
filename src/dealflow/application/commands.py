"""The dealflow application: commands in, deal ids and deals out, on eventsourcing's own stores.

Each command loads, decides and saves; `retried` runs it again on a lost race. Reading is in
`queries`, the store in `base`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from dealflow.aggregates.errors import ID, ConcurrentChange, Refused
from dealflow.aggregates.events import REFER, Conceded
from dealflow.aggregates.ids import check_deal_id, deal_uuid, invoice_uuid, numbered_deal_id
from dealflow.aggregates.opportunity import Opportunity
from dealflow.application.retry import MANY_OPENED, retried
from dealflow.application.revisions import Revisions
from dealflow.playbook import DEFAULTS, Defaults

if TYPE_CHECKING:
    from dealflow.aggregates.claims import DealNumbers

SNAPSHOT_EVERY = 10  # measured: a worst-case load (snapshot + 9 events) stays within 2x a 10-event deal


class Changed(NamedTuple):
    """A changed deal, and what the change replaced (the stage it left, its previous owner), read in the
    same attempt that changed it: a lost race is retried on the deal as the other writer left it, so
    `was` is what that writer left, never what a first read saw."""

    deal: Opportunity
    was: Any


class Acted(NamedTuple):
    """The deal an action was recorded on, as saved; a referral sale also names the deal it opened."""

    deal: Opportunity
    new_deal_id: str | None = None


class Concession(NamedTuple):
    """A recorded concession on the deal as saved, with what it was judged against: our previous concession on the term
    and our bottom line there, as they stood in the attempt that recorded it."""

    deal: Opportunity
    event: Conceded
    our_previous: Decimal | None
    bottom_line: Decimal | None


class DealflowApp(Revisions):
    """Every accepted command is saved as events in one transaction, or not at all."""

    snapshotting_intervals = {Opportunity: SNAPSHOT_EVERY}  # noqa: RUF012 - the library's class attribute

    # --- commands -------------------------------------------------------------------------

    @retried
    def open_deal(self, *, account: str, title: str, actor: str, deal_id: str | None = None, **details: Any) -> str:
        """Open a deal; returns its id (the one given, or the next D-NNNN). Another writer opening the
        same id meanwhile: the retry refuses it; taking the same number: the retry takes the next one."""
        if deal_id is not None:
            deal = Opportunity.open(
                deal_id=check_deal_id(deal_id), account=account, title=title, actor=actor, **details
            )
            self._refuse_existing(deal.deal_id)
            self._save(deal)
            return deal.deal_id
        numbers = self._numbers()
        deal = Opportunity.open(
            deal_id=self._take_number(numbers), account=account, title=title, actor=actor, **details
        )
        try:
            self.save(deal, numbers)
        except IntegrityError:
            raise ConcurrentChange(MANY_OPENED) from None
        return deal.deal_id

    @retried
    def record(
        self,
        deal_id: str,
        action: str,
        fields: Mapping[str, object],
        *,
        actor: str,
        on: date | None = None,
        note: str | None = None,
    ) -> Acted:
        """Record one of the 24 actions; returns the deal as saved (a referral sale: and the new deal's id)."""
        if action == REFER:
            return self._refer(deal_id, fields, actor=actor, on=on, note=note)
        deal = self.deal(deal_id)
        # the gift limit in force when the gift was given, whatever the action; only a gift needs the settings read
        limit = self.settings(on).gift_limit if fields.get("gift_value") not in (None, "") else DEFAULTS.gift_limit
        deal.record_action(action, fields, actor=actor, on=on, note=note, gift_limit=limit)
        self._save(deal)
        return Acted(deal)

    def _refer(
        self, deal_id: str, fields: Mapping[str, object], *, actor: str, on: date | None, note: str | None
    ) -> Acted:
        """A referral sale: the deal and the deal it opens, saved together.
        Without an --id the new deal takes the next number; whether the number or the deal was taken
        meanwhile by another writer, `record`'s retry judges the referral again and takes the next one."""
        deal = self.deal(deal_id)
        details = {name: value for name, value in fields.items() if name != "id"}
        if fields.get("id"):
            new_deal_id = check_deal_id(str(fields["id"]))
            self._refuse_existing(new_deal_id)
            self._save(deal, deal.refer(details, new_deal_id=new_deal_id, actor=actor, on=on, note=note))
            return Acted(deal, new_deal_id)
        numbers = self._numbers()
        new_deal_id = self._take_number(numbers)
        self._save(deal, deal.refer(details, new_deal_id=new_deal_id, actor=actor, on=on, note=note), numbers)
        return Acted(deal, new_deal_id)

    def advance(self, deal_id: str, *, actor: str, evidence: str | None = None, on: date | None = None) -> Changed:
        """The deal moved on, and the stage it left."""
        return self._replacing(deal_id, lambda d: d.advance(actor=actor, evidence=evidence, on=on), _stage)

    def back(self, deal_id: str, stage: str, *, reason: str, actor: str, on: date | None = None) -> Changed:
        """The deal moved back, and the stage it left."""
        return self._replacing(deal_id, lambda d: d.step_back(stage, reason=reason, actor=actor, on=on), _stage)

    def lose(
        self, deal_id: str, *, reason: str, actor: str, competitor: str | None = None, on: date | None = None
    ) -> Opportunity:
        return self._change(deal_id, lambda d: d.lose(reason=reason, competitor=competitor, actor=actor, on=on))

    def reopen(self, deal_id: str, *, reason: str, actor: str, on: date | None = None) -> Opportunity:
        return self._change(deal_id, lambda d: d.reopen(reason=reason, actor=actor, on=on))

    def set_bottom_line(
        self, deal_id: str, term: str, value: object, *, actor: str, on: date | None = None
    ) -> Opportunity:
        return self._change(deal_id, lambda d: d.set_bottom_line(term, value, actor=actor, on=on))

    @retried
    def concede(self, deal_id: str, *, actor: str, term: str, **concession: Any) -> Concession:
        deal = self.deal(deal_id)
        judged_against = deal.our_last_concession.get(term), deal.bottom_lines.get(term)
        conceded = deal.concede(actor=actor, term=term, **concession)
        self._save(deal)
        return Concession(deal, conceded, *judged_against)

    def sign(
        self,
        deal_id: str,
        *,
        amount: object,
        actor: str,
        currency: str | None = None,
        terms: str | None = None,
        on: date | None = None,
    ) -> Opportunity:
        return self._change(
            deal_id, lambda d: d.sign(amount=amount, currency=currency, terms=terms, actor=actor, on=on)
        )

    @retried
    def invoice(
        self,
        deal_id: str,
        invoice: str,
        *,
        amount: object,
        due: date,
        actor: str,
        issued: date | None = None,
        on: date | None = None,
    ) -> Opportunity:
        """The invoice id is claimed store-wide in the same save: claimed meanwhile by another writer,
        the retry refuses it."""
        deal = self.deal(deal_id)
        self._refuse_claimed(invoice)
        deal.invoice(invoice, amount=amount, due=due, issued=issued, on=on, actor=actor)
        from dealflow.aggregates.claims import InvoiceNumber  # see _numbers

        self._save(deal, InvoiceNumber(invoice=invoice.strip(), deal_id=deal.deal_id))
        return deal

    def pay(self, invoice: str, *, amount: object, actor: str, on: date | None = None) -> Opportunity:
        return self._change_invoice(invoice, lambda d, i: d.pay(i, amount=amount, actor=actor, on=on))

    def chase(
        self, invoice: str, *, cause: str, method: str, actor: str, note: str | None = None, on: date | None = None
    ) -> Opportunity:
        return self._change_invoice(
            invoice, lambda d, i: d.chase(i, cause=cause, method=method, note=note, actor=actor, on=on)
        )

    def write_off(self, invoice: str, *, reason: str, actor: str, on: date | None = None) -> Opportunity:
        return self._change_invoice(invoice, lambda d, i: d.write_off(i, reason=reason, actor=actor, on=on))

    def note(self, deal_id: str, text: str, *, actor: str, on: date | None = None) -> Opportunity:
        return self._change(deal_id, lambda d: d.note(text, actor=actor, on=on))

    def assign(self, deal_id: str, owner: str, *, actor: str, on: date | None = None) -> Changed:
        """The deal handed over, and its previous owner."""
        return self._replacing(deal_id, lambda d: d.assign(owner, actor=actor, on=on), _owner)

    def forecast(self, deal_id: str, *, actor: str, **forecast: Any) -> Opportunity:
        return self._change(deal_id, lambda d: d.forecast(actor=actor, **forecast))

    def update_buying_stage(
        self, deal_id: str, buying_stage: str, *, actor: str, on: date | None = None
    ) -> Opportunity:
        return self._change(deal_id, lambda d: d.update_buying_stage(buying_stage, actor=actor, on=on))

    @retried
    def change_setting(self, name: str, value: str, *, actor: str, on: date | None = None) -> Defaults:
        from dealflow.aggregates.settings import Settings  # see _numbers

        try:
            settings: Settings = self.repository.get(Settings.ID)
        except AggregateNotFoundError:
            settings = Settings()
        settings.change(name, value, actor=actor, on=on or date.today())
        self._save(settings)
        return settings.in_force()

    # --- plumbing -------------------------------------------------------------------------

    @retried
    def _change(self, deal_id: str, command: Any) -> Opportunity:
        deal = self.deal(deal_id)
        command(deal)
        self._save(deal)
        return deal

    @retried
    def _replacing(self, deal_id: str, command: Any, read: Any) -> Changed:
        deal = self.deal(deal_id)
        was = read(deal)
        command(deal)
        self._save(deal)
        return Changed(deal, was)

    @retried
    def _change_invoice(self, invoice: str, command: Any) -> Opportunity:
        deal = self.deal_for_invoice(invoice)
        command(deal, _invoice_key(deal, invoice))
        self._save(deal)
        return deal

    def _numbers(self) -> DealNumbers:
        # imported here, not at the top: defining an aggregate's event classes costs start-up time
        # that commands on an existing deal (most keystrokes) need not pay
        from dealflow.aggregates.claims import DealNumbers

        try:
            return self.repository.get(DealNumbers.ID)
        except AggregateNotFoundError:
            return DealNumbers()

    def _take_number(self, numbers: DealNumbers) -> str:
        """The next free D-NNNN: numbers an explicit --id already took are skipped."""
        number = numbers.last + 1
        while deal_uuid(numbered_deal_id(number)) in self.repository:
            number += 1
        numbers.take(number)
        return numbered_deal_id(number)

    def _refuse_existing(self, deal_id: str) -> None:
        if deal_uuid(deal_id) in self.repository:
            raise Refused(
                "deal {} already exists: choose another {}, or leave it out for the next number", deal_id, ID.bare
            )

    def _refuse_claimed(self, invoice: str) -> None:
        if invoice_uuid(invoice) in self.repository:
            raise Refused(f"invoice {invoice} already exists: invoice ids are unique across the store")


def _stage(deal: Opportunity) -> str | None:
    return deal.stage


def _owner(deal: Opportunity) -> str:
    return deal.owner


def _invoice_key(deal: Opportunity, invoice: str) -> str:
    """The invoice id as the deal spells it (ids are matched without regard to case)."""
    wanted = invoice.strip().casefold()
    return next((key for key in deal.invoices if key.casefold() == wanted), invoice.strip())
