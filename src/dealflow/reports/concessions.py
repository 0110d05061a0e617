"""The concession history report: per deal and term, what each side gave, with the method's flags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from dealflow.aggregates.errors import Command, NotFound
from dealflow.aggregates.ids import deal_uuid
from dealflow.playbook import CONCESSION_TERMS
from dealflow.projections.tables import concession_deadlocks, concession_terms, concessions, pipeline_deals
from dealflow.projections.units import from_day, from_units
from dealflow.reports.report import Report, columns
from dealflow.reports.table import Cell, Table

_TERM_ORDER = {term: n for n, term in enumerate(CONCESSION_TERMS)}
_SUMMARY = columns(
    ("deal", Cell.TEXT),
    ("account", Cell.TEXT),
    ("term", Cell.TEXT),
    ("ours", Cell.INTEGER),
    ("we_gave", Cell.NUMBER),
    ("theirs", Cell.INTEGER),
    ("they_gave", Cell.NUMBER),
    ("bottom_line", Cell.NUMBER),
    ("widened", Cell.INTEGER),
    ("past_bottom_line", Cell.INTEGER),
    ("deadlocks", Cell.INTEGER),
)
_ROUNDS = columns(
    ("term", Cell.TEXT),
    ("round", Cell.INTEGER),
    ("by", Cell.TEXT),
    ("from", Cell.NUMBER),
    ("to", Cell.NUMBER),
    ("size", Cell.NUMBER),
    ("running_total", Cell.NUMBER),
    ("on", Cell.DATE),
    ("actor", Cell.TEXT),
    ("widened", Cell.BOOLEAN),
    ("past_bottom_line", Cell.BOOLEAN),
    ("override", Cell.TEXT),
    ("bottom_line", Cell.NUMBER),
)


def concessions_report(
    connection: Connection, deal_id: str | None = None, *, owners: Collection[str] | None = None
) -> Report:
    """Every deal's summary per term (of the deals `owners` own now, when given); with `deal_id`, that
    deal's concessions one by one as well."""
    if deal_id is None:
        facts = {} if owners is None else {"owners": list(owners)}
        return Report(facts, [_summary(connection, None, owners)])
    key = deal_uuid(deal_id).hex
    found = connection.execute(
        select(pipeline_deals.c.deal_id, pipeline_deals.c.account).where(pipeline_deals.c.deal == key)
    ).first()
    if found is None:
        raise NotFound("no deal {!r} in this store: {} lists the deals", deal_id, Command("deals"))
    return Report(
        {"deal": found.deal_id, "account": found.account},
        [_history(connection, key), _summary(connection, key), _deadlocks(connection, key)],
    )


def _summary(connection: Connection, key: str | None, owners: Collection[str] | None = None) -> Table:
    t, d = concession_terms.c, pipeline_deals.c
    query = select(d.deal_id, d.account, concession_terms).join_from(concession_terms, pipeline_deals, t.deal == d.deal)
    locks = select(concession_deadlocks.c.deal, func.count()).group_by(concession_deadlocks.c.deal)
    if key is not None:
        query, locks = query.where(t.deal == key), locks.where(concession_deadlocks.c.deal == key)
    if owners is not None:
        owned = select(d.deal).where(d.owner.in_(owners))
        query, locks = query.where(d.owner.in_(owners)), locks.where(concession_deadlocks.c.deal.in_(owned))
    deadlocks: dict[str, int] = dict(connection.execute(locks).all())
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    names: dict[str, tuple[str, str]] = {}
    for row in connection.execute(query).mappings():
        names[row["deal"]] = row["deal_id"], row["account"]
        rows[row["deal"]].append(
            {
                "deal": row["deal_id"],
                "account": row["account"],
                "term": row["term"],
                "ours": row["our_count"],
                "we_gave": from_units(row["our_total"]),
                "theirs": row["their_count"],
                "they_gave": from_units(row["their_total"]),
                "bottom_line": from_units(row["bottom_line"]),
                "widened": row["widened"],
                "past_bottom_line": row["past_bottom_line"],
                "deadlocks": deadlocks.get(row["deal"], 0),
            }
        )
    for deal in deadlocks.keys() - rows.keys():  # deadlocked before any concession or bottom line
        deal_id, account = connection.execute(select(d.deal_id, d.account).where(d.deal == deal)).one()
        rows[deal].append(
            dict.fromkeys(c.key for c in _SUMMARY) | {"deal": deal_id, "account": account, "deadlocks": deadlocks[deal]}
        )
    ordered = sorted(rows.values(), key=lambda found: found[0]["deal"])
    return Table("summary", _SUMMARY, [row for found in ordered for row in sorted(found, key=_by_term)])


def _history(connection: Connection, key: str) -> Table:
    c = concessions.c
    found = connection.execute(select(concessions).where(c.deal == key).order_by(c.version)).mappings()
    rows = [_round(row) for row in found]
    return Table("concessions", _ROUNDS, sorted(rows, key=_by_term))  # stable: in the order recorded within each term


def concession_rounds(connection: Connection) -> Table:
    """Every concession of every deal, one row each, as one deal's report lists them: the deals in the
    order opened, each deal's concessions in the order recorded (`export concessions --detail`)."""
    c, d = concessions.c, pipeline_deals.c
    counted = select(func.count()).select_from(concessions).join(pipeline_deals, c.deal == d.deal)
    named = (*columns(("deal", Cell.TEXT), ("account", Cell.TEXT)), *_ROUNDS)
    return Table("detail", named, _every_round(connection), total_rows=connection.execute(counted).scalar_one())


def _every_round(connection: Connection) -> Iterator[dict[str, Any]]:
    c, d = concessions.c, pipeline_deals.c
    query = (
        select(d.deal_id, d.account, concessions)
        .join_from(concessions, pipeline_deals, c.deal == d.deal)
        .order_by(d.id, c.version)
    )
    for row in connection.execute(query).mappings():
        yield {"deal": row["deal_id"], "account": row["account"], **_round(row)}


def _round(row: RowMapping) -> dict[str, Any]:
    return {
        "term": row["term"],
        "round": row["round"],
        "by": row["by"],
        "from": from_units(row["before"]),
        "to": from_units(row["after"]),
        "size": from_units(row["size"]),
        "running_total": from_units(row["running_total"]),
        "on": from_day(row["on"]),
        "actor": row["actor"],
        "widened": row["widened"],
        "past_bottom_line": row["past_bottom_line"],
        "override": row["override"],
        "bottom_line": from_units(row["bottom_line"]),
    }


def _deadlocks(connection: Connection, key: str) -> Table:
    d = concession_deadlocks.c
    found = connection.execute(select(d.on, d.actor).where(d.deal == key).order_by(d.version)).all()
    return Table(
        "deadlocks",
        columns(("on", Cell.DATE), ("actor", Cell.TEXT)),
        [{"on": from_day(on), "actor": actor} for on, actor in found],
    )


def _by_term(row: Mapping[str, Any]) -> int:
    return _TERM_ORDER.get(row["term"], len(_TERM_ORDER))
