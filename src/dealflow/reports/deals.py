"""The deals list as `export deals` writes it, from the projections' position in one query: the pipeline
projection's row per deal, the title from its first event, its version and action from its last."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from dealflow.aggregates.events import Opened
from dealflow.reports.table import Cell, Column, Table
from dealflow.storage import eventlog

if TYPE_CHECKING:
    from dealflow.reports.reading import Reading

OPENED = get_topic(Opened)
DEAL_COLUMNS = (
    *(Column(key) for key in ("id", "account", "title", "owner", "status", "stage", "action")),
    Column("value", Cell.MONEY),
    Column("currency"),
    Column("close_by", Cell.DATE),
    Column("opened_on", Cell.DATE),
    Column("version", Cell.INTEGER),
)


def deals_table(reading: Reading) -> Table:
    """Every deal as `deals --json` shows it, in the order opened, as of the projections' position:
    the pipeline projection's row (one query, where loading 100,000 aggregates takes half a minute),
    the title from the deal's first event, its version and action from its last."""
    from sqlalchemy import select

    from dealflow.aggregates.lifecycle import sub_state_of
    from dealflow.projections.tables import pipeline_deals as deals
    from dealflow.projections.units import from_day, from_units

    titles = dict(eventlog.first_field(reading.app, OPENED, "title", reading.position))
    latest = {
        key: (version, state) for key, state, version in eventlog.last_field(reading.app, "state", reading.position)
    }
    d = deals.c
    total = deal_count(reading)
    found = reading.connection.execute(
        select(
            d.deal, d.deal_id, d.account, d.owner, d.status, d.stage, d.value, d.currency, d.close_by, d.opened_on
        ).order_by(d.id)
    )

    def rows() -> Iterator[dict[str, Any]]:
        for key, deal_id, account, owner, status, stage, value, currency, close_by, opened_on in found:
            version, state = latest[key]
            yield {
                "id": deal_id,
                "account": account,
                "title": titles[key],
                "owner": owner,
                "status": status,
                "stage": stage,
                "action": sub_state_of(state),
                "value": from_units(value),
                "currency": currency,
                "close_by": from_day(close_by),
                "opened_on": from_day(opened_on),
                "version": version,
            }

    return Table("deals", DEAL_COLUMNS, rows(), total_rows=total)


def deal_count(reading: Reading) -> int:
    """How many deals the projections hold at their position."""
    from sqlalchemy import func, select

    from dealflow.projections.tables import pipeline_deals

    return int(reading.connection.execute(select(func.count()).select_from(pipeline_deals)).scalar_one())
