"""The store-wide claims moved to `aggregates/claims.py`, but every store names them by the module
they were first defined in: this dealflow writes those topics and resolves them, so stores old
and new read alike, by this dealflow and by an older one."""

from __future__ import annotations

import subprocess
import sys

import pytest
from eventsourcing.utils import get_topic

from dealflow.aggregates.claims import DealNumbers, InvoiceNumber

STORED = {
    "dealflow.aggregates.registry:DealNumbers": DealNumbers,
    "dealflow.aggregates.registry:DealNumbers.Created": DealNumbers.Created,
    "dealflow.aggregates.registry:DealNumbers.NumberTaken": DealNumbers.NumberTaken,
    "dealflow.aggregates.registry:InvoiceNumber": InvoiceNumber,
    "dealflow.aggregates.registry:InvoiceNumber.Created": InvoiceNumber.Created,
}


@pytest.mark.parametrize("topic", STORED)
def test_a_claim_is_written_under_its_stored_topic(topic: str) -> None:
    assert get_topic(STORED[topic]) == topic


def test_new_claims_name_their_stored_topics() -> None:
    numbers = DealNumbers()
    numbers.take(1)
    claim = InvoiceNumber(invoice="INV-1", deal_id="D-0001")
    written = [get_topic(type(event)) for event in [*numbers.pending_events, *claim.pending_events]]
    assert written == [
        "dealflow.aggregates.registry:DealNumbers.Created",
        "dealflow.aggregates.registry:DealNumbers.NumberTaken",
        "dealflow.aggregates.registry:InvoiceNumber.Created",
    ]
    assert claim.pending_events[0].originator_topic == "dealflow.aggregates.registry:InvoiceNumber"


def test_a_fresh_process_resolves_the_stored_topics_before_anything_imports_the_claims() -> None:
    script = (
        "from eventsourcing.utils import resolve_topic\n"
        f"for topic in {list(STORED)!r}:\n"
        "    print(resolve_topic(topic).__qualname__)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [cls.__qualname__ for cls in STORED.values()]
