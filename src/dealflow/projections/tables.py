"""Every projection table, in one place. Money columns hold ten-thousandths and day columns day
numbers (see `units`); `deal` is the deal's aggregate id in hex, the key across the log. A deal's
id, account and currency are kept once, by the pipeline (`pipeline_deals`): the concessions and
ageing reports look them up there, as every report catches every projection up first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

from dealflow.playbook import STAGE_NAMES

metadata = MetaData()


def _deal(primary_key: bool = True) -> Column:
    return Column("deal", String(32), primary_key=primary_key)


tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("version", Integer, nullable=False),  # the layout of the projection's tables
    Column("position", BigInteger, nullable=False),  # the last notification id processed
    Column("events", BigInteger, nullable=False),  # notifications processed since the last rebuild
    Column("rebuilding", Boolean, nullable=False),  # replaying from the start, not yet at the head
)


def days_in(stage: str) -> str:
    """The column of a deal's version that holds its days in `stage`, in stays already ended."""
    return f"days_{stage}"


STAGE_BIT = {stage: 1 << n for n, stage in enumerate(STAGE_NAMES)}  # `entered`: the stages a deal has been in


def _deal_version_columns() -> list[Column]:
    """A deal as it stood from `valid_from` on: every day with an event starts a new version. (What
    never changes, its id, account, title and opening day, is kept in `pipeline_deals` alone.)"""
    return [
        Column("owner", String, nullable=False),
        Column("status", String(8), nullable=False),
        Column("stage", String(20)),  # None once lost or closed
        Column("stage_since", Integer, nullable=False),  # the day its present stay (or loss, or close) began
        Column("entered", Integer, nullable=False),  # the STAGE_BIT of every stage entered so far
        *(Column(days_in(stage), Integer, nullable=False) for stage in STAGE_NAMES),
        Column("currency", String(3)),
        Column("value", BigInteger),
        Column("signed", BigInteger),
        Column("close_by", Integer),
        Column("lost_reason", String(20)),
        Column("lost_from", String(20)),
        Column("valid_from", Integer, nullable=False),  # the day of its latest event
        # the version before this one, as far as the pipeline's movement reads it (all None for the
        # first): a change is one row, read without joining a version to the one before
        *(Column(f"{PREVIOUS}{column.name}", column.type) for column in _movement_columns()),
    ]


PREVIOUS = "prev_"
MOVEMENT_FACTS = ("status", "stage", "currency", "value", "close_by", "owner")  # what a change of the pipeline reads


def _movement_columns() -> list[Column]:
    kinds: dict[str, Any] = {
        "status": String(8),
        "stage": String(20),
        "currency": String(3),
        "value": BigInteger(),
        "close_by": Integer(),
    }
    return [Column(name, kinds.get(name, String())) for name in MOVEMENT_FACTS]


pipeline_deals = Table(  # each deal as it is now
    "pipeline_deals",
    metadata,
    # a number of our own, in the order deals were opened: small keys, and the deals a batch touches are close
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("deal", String(32), nullable=False, unique=True),
    Column("deal_id", String(40), nullable=False),
    Column("account", String, nullable=False),
    Column("title", String, nullable=False),
    Column("opened_on", Integer, nullable=False),
    *_deal_version_columns(),
    # what `deals` lists and finds: its latest event's version and the action its state is at, and the
    # text it is found by, case-folded here (the same on every database): the account, and the id,
    # account and title together (`pipeline.search_text`)
    Column("version", Integer, nullable=False),
    Column("action", String(40)),
    Column("account_key", String, nullable=False),
    Column("search", String, nullable=False),
)
Index("pipeline_deals_owner", pipeline_deals.c.owner)  # `--owner`: its names, then its deals
Index("pipeline_deals_account", pipeline_deals.c.account_key)  # `open`: the account's other deals

# covers the current pipeline's one grouped scan, flow included: read from the index alone, in group order
Index(
    "pipeline_deals_standing",
    *(
        pipeline_deals.c[name]
        for name in (
            "status", "stage", "currency", "lost_reason", "valid_from", "value", "signed", "stage_since", "entered",
            *(days_in(stage) for stage in STAGE_NAMES),
        )
    ),
)  # fmt: skip

# The versions a deal has left behind, valid from `valid_from` up to `valid_to`. No index on the days:
# measured on 590,000 versions, SQLite answered as-of reports as fast or faster scanning them all.
pipeline_history = Table(
    "pipeline_history",
    metadata,
    Column("id", Integer, nullable=False),  # pipeline_deals.id
    *_deal_version_columns(),
    Column("valid_to", Integer, nullable=False),
    PrimaryKeyConstraint("id", "valid_from"),
)

concession_terms = Table(  # per deal and term: what each side gave, our bottom line, the flags raised
    "concession_terms",
    metadata,
    _deal(),
    Column("term", String(20), primary_key=True),
    Column("bottom_line", BigInteger),
    Column("our_count", Integer, nullable=False),
    Column("our_total", BigInteger, nullable=False),
    Column("their_count", Integer, nullable=False),
    Column("their_total", BigInteger, nullable=False),
    Column("widened", Integer, nullable=False),
    Column("past_bottom_line", Integer, nullable=False),
)

concessions = Table(  # every concession, in the order recorded (`version` within the deal)
    "concessions",
    metadata,
    _deal(),
    Column("version", Integer, primary_key=True),
    Column("term", String(20), nullable=False),
    Column("round", Integer, nullable=False),
    Column("by", String(10), nullable=False),
    Column("before", BigInteger, nullable=False),
    Column("after", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("running_total", BigInteger, nullable=False),  # this side's concessions on this term so far
    Column("on", Integer, nullable=False),
    Column("actor", String, nullable=False),
    Column("widened", Boolean, nullable=False),
    Column("past_bottom_line", Boolean, nullable=False),
    Column("override", String),
    Column("bottom_line", BigInteger),  # ours on the term when this concession was made
)

concession_deadlocks = Table(
    "concession_deadlocks",
    metadata,
    _deal(),
    Column("version", Integer, primary_key=True),
    Column("on", Integer, nullable=False),
    Column("actor", String, nullable=False),
)

ageing_invoices = Table(
    "ageing_invoices",
    metadata,
    _deal(),
    Column("invoice", String, primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("issued", Integer, nullable=False),
    Column("due", Integer, nullable=False),
    Column("invoiced_on", Integer, nullable=False),
    Column("paid", BigInteger, nullable=False),
    Column("written_off", BigInteger, nullable=False),
    Column("balance", BigInteger, nullable=False),
    Column("chases", Integer, nullable=False),
    Column("cause", String(20)),  # of its latest chase by date (then as recorded): the collection step follows it
    Column("chased_on", Integer),  # that chase's day
)
# covers the current ageing's scan of the open invoices (measured, 6,000 open of 24,000: 30 ms -> 23 ms)
Index(
    "ageing_invoices_open",
    *(ageing_invoices.c[name] for name in ("balance", "deal", "invoice", "amount", "issued", "due", "chases", "cause")),
)

ageing_movements = Table(  # dated payments, write-offs and chases, for the ageing as of a past date
    "ageing_movements",
    metadata,
    _deal(),
    Column("invoice", String, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("on", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("note", String),
    Column("cause", String(20)),  # a chase's
)

deal_signals = Table(  # per deal: what its exit signal still misses (`signals`), for `agenda`
    "deal_signals",
    metadata,
    _deal(),
    Column("deal_id", String(40), nullable=False),  # as `pipeline_deals` has it: the agenda's order reads it here
    Column("state", String, nullable=False),  # the state its latest event left
    Column("stage", String(20)),  # the open stage whose exit signal the items are of; None once won, lost or closed
    Column("since", Integer, nullable=False),  # the day it entered that stage (`pipeline_deals.stage_since`)
    Column("facts", Text, nullable=False),  # what the checklist reads (`signals.SignalFacts`), as JSON
    Column("missing", Text, nullable=False),  # the items missing, in the checklist's order, as a JSON list
    Column("missing_items", Integer, nullable=False),  # how many
)
# the agenda's order within a stage, and its count of the items of every open deal, read from the index alone
Index("deal_signals_waiting", *(deal_signals.c[name] for name in ("stage", "since", "deal_id", "missing_items")))
