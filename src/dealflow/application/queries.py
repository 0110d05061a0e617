"""What the application answers: deals (now, at a version, as of a date), their events, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

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

    def deal_as_of(self, deal_id: str, on: date) -> Opportunity:
        """The deal as it stood at the end of `on`, from the events' effective dates."""
        stored = [e for e in self.history(deal_id) if _effective_on(e) <= on]
        if not stored:
            raise NotFound(f"deal {deal_id!r} was not yet open on {on}")
        known = [event for event in stored if not isinstance(event, UnknownEvent)]
        if len(known) < len(stored):
            raise self._newer_deal(deal_id)
        deal: Any = None
        for event in known:
            if deal is not None:
                deal.version = event.originator_version - 1  # events dated later are skipped
            deal = event.mutate(deal)
        return deal

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

    def readable_deals(self, unreadable: list[str]) -> Iterator[Opportunity]:
        """Every deal, in the order opened, but those holding an event a newer dealflow wrote: their
        ids are added to `unreadable`, so that a listing says what it left out."""
        for deal_id in self.deal_ids():
            try:
                yield self.deal(deal_id)
            except NewerDealflow:
                unreadable.append(deal_id)

    def settings(self, on: date | None = None) -> Defaults:
        from dealflow.aggregates.settings import Settings  # see _numbers

        try:
            return self.repository.get(Settings.ID).in_force(on)
        except AggregateNotFoundError:
            return DEFAULTS


def _effective_on(event: Opened | DealEvent | UnknownEvent) -> date:
    return event.effective_on or date.min  # a newer dealflow's event with no date it can read: as early as any
