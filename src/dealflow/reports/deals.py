"""Finding deals in the pipeline projection, never loading one: `deals` (filtered, sorted, limited)
and `export deals` list its row per deal in one query; an owner is named by the beginning of the
name; and `open` asks which other deals of the account are open without importing SQLAlchemy."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from dealflow.aggregates.errors import OWNER, InvalidInput, Refused
from dealflow.playbook import STAGE_NAMES, Status
from dealflow.reports.table import Cell, Column, Table

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from dealflow.aggregates.opportunity import Opportunity
    from dealflow.application import DealflowApp
    from dealflow.reports.reading import Reading

DEAL_COLUMNS = (
    *(Column(key) for key in ("id", "account", "title", "owner", "status", "stage", "action")),
    Column("value", Cell.MONEY),
    Column("currency"),
    Column("close_by", Cell.DATE),
    Column("opened_on", Cell.DATE),
    Column("version", Cell.INTEGER),
)
FIELDS = tuple(column.key for column in DEAL_COLUMNS)  # a deal as `deals --json` shows it; `--sort` takes each
OWNERS_NAMED = 10  # an ambiguous owner's message names this many of the owners it could be


@dataclass(frozen=True)
class DealFilter:
    """Which deals to list, in what order and how many: every condition given holds for each."""

    account: str | None = None  # within the account's name, in any case
    search: str | None = None  # within the id, the account or the title, in any case
    owners: Collection[str] | None = None  # owned by one of these (`named_owners`)
    stage: str | None = None
    status: str | None = None
    close_before: date | None = None  # expected to close before this day
    sort: str | None = None  # one of FIELDS, then the order opened; None: the order opened
    descending: bool = False
    limit: int | None = None
    leave_out: str | None = None  # a deal's key: the one holding the event a newer dealflow wrote


def deals_table(reading: Reading) -> Table:
    """Every deal as `deals --json` shows it, in the order opened, as of the projections' position."""
    return Table("deals", DEAL_COLUMNS, listed(reading.connection, DealFilter()), total_rows=deal_count(reading))


def listed(connection: Connection, chosen: DealFilter) -> Iterator[dict[str, Any]]:
    """The deals `chosen`, each as `deals --json` shows it, from one query of the pipeline's current rows
    (measured on 100,000 deals, loading every aggregate instead took over three minutes)."""
    from sqlalchemy import select

    from dealflow.projections.tables import pipeline_deals
    from dealflow.projections.units import from_day, from_units

    d = pipeline_deals.c
    query = (
        select(*(d.deal_id if field == "id" else d[field] for field in FIELDS))
        .where(*_conditions(chosen))
        .order_by(*_order(chosen, postgres=connection.dialect.name == "postgresql"))
        .limit(chosen.limit)
    )
    for row in connection.execute(query):
        deal = dict(zip(FIELDS, row, strict=True))
        deal["value"] = from_units(deal["value"])
        deal["close_by"], deal["opened_on"] = from_day(deal["close_by"]), from_day(deal["opened_on"])
        yield deal


def _conditions(chosen: DealFilter) -> Iterator[Any]:
    from dealflow.projections.tables import pipeline_deals

    d = pipeline_deals.c
    # the stored text is case-folded (`pipeline.search_text`); autoescape: % and _ are themselves
    if chosen.account is not None:
        yield d.account_key.contains(chosen.account.casefold(), autoescape=True)
    if chosen.search is not None:
        yield d.search.contains(chosen.search.casefold(), autoescape=True)
    if chosen.owners is not None:
        yield d.owner.in_(chosen.owners)
    if chosen.stage is not None:
        yield d.stage == chosen.stage
    if chosen.status is not None:
        yield d.status == chosen.status
    if chosen.close_before is not None:
        yield d.close_by < chosen.close_before.toordinal()
    if chosen.leave_out is not None:
        yield d.deal != chosen.leave_out


def _order(chosen: DealFilter, *, postgres: bool) -> list[Any]:
    """By the field chosen, missing values last either way, then in the order opened. A stage in the
    method's order, a status in the deal's life; text in code-point order on both databases
    (PostgreSQL's "C" collation is SQLite's own), an account in any case."""
    from sqlalchemy import case

    from dealflow.projections.tables import pipeline_deals

    d = pipeline_deals.c
    if chosen.sort is None:
        return [d.id.desc() if chosen.descending else d.id]
    texts = {"id": d.deal_id, "account": d.account_key, "title": d.title, "owner": d.owner}
    texts.update(action=d.action, currency=d.currency)
    key: Any
    if chosen.sort == "stage":
        key = case({stage: n for n, stage in enumerate(STAGE_NAMES)}, value=d.stage)
    elif chosen.sort == "status":
        key = case({status.value: n for n, status in enumerate(Status)}, value=d.status)
    elif chosen.sort in texts:
        key = texts[chosen.sort].collate("C") if postgres else texts[chosen.sort]
    else:  # value, close_by, opened_on, version: numbers
        key = d[chosen.sort]
    return [(key.desc() if chosen.descending else key.asc()).nulls_last(), d.id]


def named_owners(connection: Connection, given: str, *, as_of: int | None = None) -> list[str]:
    """The owners `given` names: each whose whole name it is, in any case; else the one whose name
    begins with it (`ana`: ana.garcia); none when no name does. Refused when it begins several names:
    the message names them. The owners of the deals now, and with `as_of` (a day number) also those
    of the deals as they stood at the end of that day."""
    from sqlalchemy import select, union

    from dealflow.projections.tables import pipeline_deals, pipeline_history

    folded = given.casefold()
    if not folded.strip():
        raise InvalidInput("{} is empty: give an owner's name, or its beginning", OWNER, rule="empty")
    d, h = pipeline_deals.c, pipeline_history.c
    now = select(d.owner)
    if as_of is None:
        found = connection.execute(now.distinct())
    else:
        found = connection.execute(union(now, select(h.owner).where(h.valid_from <= as_of, h.valid_to > as_of)))
    names = sorted(found.scalars())
    exact = [name for name in names if name.casefold() == folded]
    if exact:
        return exact
    begun = [name for name in names if name.casefold().startswith(folded)]
    if len(begun) > 1:
        more = len(begun) - OWNERS_NAMED
        named = ", ".join(begun[:OWNERS_NAMED]) + (f" and {more} more" if more > 0 else "")
        raise Refused("{} {!r} could be any of {} owners: {}; give more of the name", OWNER, given, len(begun), named)
    return begun


def deal_count(reading: Reading) -> int:
    """How many deals the projections hold at their position."""
    from sqlalchemy import func, select

    from dealflow.projections.tables import pipeline_deals

    return int(reading.connection.execute(select(func.count()).select_from(pipeline_deals)).scalar_one())


def holding(app: DealflowApp, connection: Connection, position: int) -> tuple[str, str] | None:
    """The deal (its key and id) whose event is at `position`, when the pipeline holds that deal."""
    from sqlalchemy import select

    from dealflow.projections.tables import pipeline_deals
    from dealflow.storage import eventlog

    found = eventlog.after(app, position - 1)
    if not found or found[0].id != position:
        return None
    key = UUID(str(found[0].originator_id)).hex
    deal_id = connection.execute(select(pipeline_deals.c.deal_id).where(pipeline_deals.c.deal == key)).scalar()
    return None if deal_id is None else (key, deal_id)


# The pipeline projection's tables as `open` reads them, in plain SQL: importing SQLAlchemy (projections/
# tables.py) would double the time `open` takes. A test holds these equal to the projection's own.
TRACKING, PIPELINE, PIPELINE_DEALS, PIPELINE_VERSION = "projection_tracking", "pipeline", "pipeline_deals", 4
PAGE = 5_000  # the log read after the projection's position, a page at a time


def other_open_deals(app: DealflowApp, account: str, opened: str) -> list[Opportunity]:
    """The open deals of `account` (its name in any case) but `opened`, as they stand: the deals of the
    account in the pipeline projection as it stands (not caught up: a read, in a command that records),
    and those opened after its position in the log, each then loaded for its status now."""
    from dealflow.storage.storeformat import NewerDealflow

    key = account.casefold()
    position, found = _projected(app, key)
    deals = []
    for deal_id in dict.fromkeys([*found, *_opened_after(app, position, key)]):
        if deal_id == opened:
            continue
        try:
            deal = app.deal(deal_id)
        except NewerDealflow:  # not readable here: its status is not known
            continue
        if deal.status == Status.OPEN:
            deals.append(deal)
    return deals


def _projected(app: DealflowApp, key: str) -> tuple[int, list[str]]:
    """The pipeline projection's position and the ids of the deals of the account `key` it holds;
    (0, none) when it was never built, or not at this layout (a report rebuilds it)."""
    from dealflow.storage import sql

    if not sql.has_table(app, TRACKING):
        return 0, []
    param = sql.param(app)
    template = "SELECT version, position FROM {table} WHERE name = {param}"
    tracked = list(sql.select(app, template, PIPELINE, table=TRACKING, param=param))
    if not tracked or tracked[0]["version"] != PIPELINE_VERSION:
        return 0, []
    template = "SELECT deal_id FROM {table} WHERE account_key = {param}"
    found = sql.select(app, template, key, table=PIPELINE_DEALS, param=param)
    return tracked[0]["position"], [row["deal_id"] for row in found]


def _opened_after(app: DealflowApp, position: int, key: str) -> Iterator[str]:
    """The ids of the deals of the account `key` opened after `position` in the log (the whole log
    when the projection was never built: slower, once)."""
    from eventsourcing.utils import get_topic

    from dealflow.aggregates.events import Opened

    start, topics = position + 1, [get_topic(Opened)]
    while page := app.recorder.select_notifications(start, PAGE, topics=topics):
        for notification in page:
            event = cast(Opened, app.mapper.to_domain_event(notification))
            if event.account.casefold() == key:
                yield event.deal_id
        start = page[-1].id + 1
