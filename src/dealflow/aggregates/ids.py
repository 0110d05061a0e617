"""People type deal ids; aggregate ids are derived from them, so one deal id names one aggregate."""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from dealflow.aggregates.errors import InvalidInput

NAMESPACE = UUID("6f1d3c2e-5a7b-4c1e-9d2a-0b8e4f6a7c31")
DEAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")


def check_deal_id(deal_id: str) -> str:
    deal_id = deal_id.strip()
    if not DEAL_ID.fullmatch(deal_id):
        raise InvalidInput(f"deal id {deal_id!r} must be 1-40 letters, digits, '.', '_', '/' or '-', such as D-0042")
    return deal_id


def deal_uuid(deal_id: str) -> UUID:
    """Case-insensitive: d-0042 and D-0042 are the same deal."""
    return uuid5(NAMESPACE, "deal:" + deal_id.strip().casefold())


def invoice_uuid(invoice: str) -> UUID:
    return uuid5(NAMESPACE, "invoice:" + invoice.strip().casefold())


def numbered_deal_id(number: int) -> str:
    return f"D-{number:04d}"
