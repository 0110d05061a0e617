"""What the application answers: deals (now, at a version, as of a date), their events, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from dealflow.aggregates import revised
from dealflow.aggregates.errors import Command, NotFound
from dealflow.aggregates.events import DealEvent, Opened
from dealflow.aggregates.ids import deal_uuid, invoice_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.application.base import OnStore
from dealflow.playbook import DEFAULTS, Defaults
from dealflow.storage import eventlog, storeformat
from dealflow.storage.storeformat import NewerDealflow, NewerEvent
from dealflow.storage.unknown import UnknownEvent

if TYPE_CHECKING:
    from uuid import UUID

    from dealflow.aggregates.claims import InvoiceNumber


class Queries(OnStore):
    """Reading never writes, and never reads the store's format: a newer dealflow's event is met as it is read."""

    def _newer_deal(self, deal_id: str) -> NewerDealflow:
        return NewerDealflow(storeformat.newer_deal(deal_id, storeformat.recorded(self)))

    def _event_or_unknown(self, stored: Any) -> Any:
        try:
            return self.mapper.to_domain_event(stored)
        except NewerEvent:
            return UnknownEvent(stored, self.mapper)

    def deal(self, deal_id: str, *, version: int | None = None) -> Opportunity:
        try:
            deal: object = self.repository.get(deal_uuid(deal_id), version=version)
        except AggregateNotFoundError:
            raise NotFound("no deal {!r} in this store: {} lists the deals", deal_id, Command("deals")) from None
        except NewerEvent:
            raise self._newer_deal(deal_id) from None
        assert isinstance(deal, Opportunity)
        return deal

    def held(self, key: UUID) -> Opportunity | None:
        """The deal of that key as the store holds it, or None when it holds none."""
        try:
            deal: Opportunity = self.repository.get(key)
        except AggregateNotFoundError:
            return None
        return deal

    def deal_as_of(self, deal_id: str, on: date, *, known_at: datetime | None = None) -> Opportunity:
        """The deal as it stood at the end of `on`, from the events' effective dates, as corrected (as
        known at `known_at`, when given: before the corrections recorded later)."""
        history = self.history(deal_id)
        if known_at is not None:
            history = revised.known_at(history, known_at)
        if any(isinstance(event, UnknownEvent) and _effective_on(event) <= on for event in history):
            raise self._newer_deal(deal_id)
        known = [event for event in history if not isinstance(event, UnknownEvent)]
        counted = [event for event in revised.effective(known) if event.effective_on <= on]
        if not counted:
            raise NotFound(f"deal {deal_id!r} was not yet open on {on}")
        deal: Opportunity = revised.fold(counted, effective_history=counted)
        return deal

    def deal_known_at(self, deal_id: str, at: datetime) -> Opportunity:
        """The deal as the store held it at the recorded time `at`: its events until then, corrected only
        by the corrections recorded until then."""
        history = self.known_history(deal_id, known_at=at)
        deal: Opportunity = revised.fold(history)
        return deal

    def known_history(self, deal_id: str, *, known_at: datetime | None = None) -> list[Any]:
        """A deal's events, oldest first, all of them readable here (recorded until `known_at`, when given)."""
        history = self.history(deal_id)
        if any(isinstance(event, UnknownEvent) for event in history):
            raise self._newer_deal(deal_id)
        if known_at is None:
            return history
        held = revised.known_at(history, known_at)
        if not held:
            raise NotFound(f"deal {deal_id!r} was not yet recorded at {known_at:%Y-%m-%d %H:%M:%S} UTC")
        return held

    def history(self, deal_id: str) -> list[Opened | DealEvent | UnknownEvent]:
        """A deal's events, oldest first; one a newer dealflow wrote is an `UnknownEvent`."""
        found = [self._event_or_unknown(stored) for stored in self.recorder.select_events(deal_uuid(deal_id))]
        if not found:
            raise NotFound("no deal {!r} in this store: {} lists the deals", deal_id, Command("deals"))
        return found

    def deal_for_invoice(self, invoice: str) -> Opportunity:
        try:
            claim: InvoiceNumber = self.repository.get(invoice_uuid(invoice))
        except AggregateNotFoundError:
            raise NotFound(
                "no invoice {!r}: record it with {}", invoice, Command("invoice", "DEAL", invoice, "...")
            ) from None
        return self.deal(claim.deal_id)

    def deal_ids(self) -> Iterator[str]:
        """Every deal's id, in the order they were opened."""
        for page in eventlog.pages(self, size=1000, topics=[get_topic(Opened)]):
            for notification in page:
                yield cast(Opened, self.mapper.to_domain_event(notification)).deal_id

    def settings(self, on: date | None = None) -> Defaults:
        from dealflow.aggregates.settings import Settings  # see _numbers

        try:
            return self.repository.get(Settings.ID).in_force(on)
        except AggregateNotFoundError:
            return DEFAULTS


def _effective_on(event: Opened | DealEvent | UnknownEvent) -> date:
    return event.effective_on or date.min  # a newer dealflow's event with no date it can read: as early as any
