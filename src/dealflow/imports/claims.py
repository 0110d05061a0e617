"""An invoice id claimed for its deal, store-wide, as an import records it: the claim saved beside
the invoice, marked with the same source, so that `export events` and a replay show where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventsourcing.domain import Aggregate

from dealflow.aggregates.claims import InvoiceNumber
from dealflow.aggregates.events import mark_imported


def claim_invoice(
    invoice: str, deal_id: str, source: Mapping[str, Any] | None
) -> tuple[InvoiceNumber, Aggregate.Event]:
    """The claim, and its one new event (marked imported when a source is given)."""
    claim = InvoiceNumber(invoice=invoice, deal_id=deal_id)
    event = claim.pending_events[0]
    assert isinstance(event, Aggregate.Event)
    if source is not None:
        mark_imported(event, source)
    return claim, event
