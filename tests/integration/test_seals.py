"""Seals on a real store, SQLite and PostgreSQL: every event written is sealed in its transaction,
and each way of tampering with the log through SQL is found by `verify`, naming the deal, the
version and how; a store written before seals is sealed once, on its first write."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dealflow.aggregates.ids import deal_uuid
from dealflow.application import DealflowApp
from dealflow.storage import sealing, sql, storeformat
from dealflow.storage.verify import CHANGED, MISSING, REORDERED, UNSEALED, verify


def book(app: DealflowApp, deals: int = 3, notes: int = 3) -> None:
    for n in range(deals):
        deal_id = f"S-{n}"
        app.open_deal(account=f"Customer {n}", title="ERP rollout", actor="ana", deal_id=deal_id, on=date(2026, 2, 1))
        for k in range(notes):
            app.note(deal_id, f"call number {k}", actor="ana", on=date(2026, 3, 1 + k))


def run(app: DealflowApp, template: str, *params: Any) -> None:
    """A statement as someone with the database's password might run it (not through dealflow)."""
    mark = sql.param(app)
    parts = {
        "position": sql.position(app),
        "seals": sql.qualified(app, sealing.TABLE),
        "format": sql.qualified(app, storeformat.TABLE),
        "mark": mark,
    }
    with app.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(sql.statement(app, template, **parts), params)


def key(app: DealflowApp, deal_id: str) -> Any:
    uuid = deal_uuid(deal_id)
    return uuid.hex if app.store.is_sqlite else uuid


def position_of(app: DealflowApp, deal_id: str, version: int) -> int:
    (row,) = sql.select(
        app,
        "SELECT {position} AS p FROM {table} WHERE originator_id = {mark} AND originator_version = {mark}",
        key(app, deal_id),
        version,
        position=sql.position(app),
        mark=sql.param(app),
    )
    return int(row["p"])


def breaks(app: DealflowApp) -> list[tuple[str, int, str]]:
    deals = {deal_uuid(f"S-{n}").hex: f"S-{n}" for n in range(10)}
    return [(deals.get(b.key, b.key), b.version, b.problem) for b in verify(app).breaks]


def test_every_event_written_is_sealed_and_the_log_verifies(app):
    book(app)
    found = verify(app)
    assert found.holds
    assert found.events == app.event_count() == 3 * 4
    assert found.recorded_from == position_of(app, "S-0", 1)
    assert found.on_upgrade == 0


def test_a_changed_byte_of_an_events_content_is_found(app):
    book(app)
    if app.store.is_sqlite:
        change = "UPDATE {table} SET state = CAST(replace(CAST(state AS TEXT), 'number 1', 'number 7') AS BLOB)"
    else:
        text = "replace(convert_from(state, 'UTF8'), 'number 1', 'number 7')"
        change = "UPDATE {table} SET state = convert_to(" + text + ", 'UTF8')"
    run(app, change + " WHERE originator_id = {mark} AND originator_version = 3", key(app, "S-1"))
    assert breaks(app) == [("S-1", 3, CHANGED)]


def test_a_deals_middle_event_deleted_is_found(app):
    book(app)
    run(app, "DELETE FROM {table} WHERE originator_id = {mark} AND originator_version = 2", key(app, "S-0"))
    assert breaks(app) == [("S-0", 2, MISSING)]


def test_a_deals_middle_event_deleted_with_its_seal_breaks_the_chain_at_the_next(app):
    book(app)
    for table in ("{table}", "{seals}"):
        run(app, f"DELETE FROM {table} WHERE originator_id = {{mark}} AND originator_version = 2", key(app, "S-0"))
    assert breaks(app) == [("S-0", 3, MISSING)]


def test_a_deals_last_event_deleted_is_found(app):
    book(app)
    run(app, "DELETE FROM {table} WHERE originator_id = {mark} AND originator_version = 4", key(app, "S-2"))
    assert breaks(app) == [("S-2", 4, MISSING)]


def test_two_events_swapped_in_the_log_are_found(app):
    book(app)
    first, second = position_of(app, "S-1", 2), position_of(app, "S-1", 3)
    swap = "UPDATE {table} SET {position} = {mark} WHERE {position} = {mark}"
    run(app, swap, -1, first)
    run(app, swap, first, second)
    run(app, swap, second, -1)
    assert breaks(app) == [("S-1", 3, REORDERED), ("S-1", 2, REORDERED)]


def test_an_event_inserted_is_found(app):
    book(app)
    copy = (
        "INSERT INTO {table} (originator_id, originator_version, topic, state) SELECT originator_id, 5, topic, state "
        "FROM {table} WHERE originator_id = {mark} AND originator_version = 4"
    )
    run(app, copy, key(app, "S-0"))
    assert breaks(app) == [("S-0", 5, UNSEALED)]


def test_a_checkpoints_root_is_the_root_of_the_log_it_covered_and_tells_a_log_cut_short(app):
    book(app)
    at_checkpoint = verify(app, root=True)
    app.note("S-0", "later", actor="ana")
    later = verify(app, prefix=at_checkpoint.events)
    assert later.prefix_root == at_checkpoint.root != later.root
    newest = position_of(app, "S-2", 3)
    run(app, "DELETE FROM {table} WHERE {position} >= {mark}", newest)  # the newest events and their seals
    run(app, "DELETE FROM {seals} WHERE position >= {mark}", newest)  # gone: no chain shows it
    cut = verify(app, prefix=at_checkpoint.events)
    assert cut.holds
    assert cut.events < at_checkpoint.events and cut.prefix_root is None


def test_a_store_written_before_seals_is_sealed_once_on_its_first_write(app):
    book(app, deals=2, notes=2)
    run(app, "DELETE FROM {seals}")
    run(app, "DELETE FROM {format}")
    unsealed = verify(app)
    assert {b.problem for b in unsealed.breaks} == {UNSEALED}

    later = DealflowApp(app.store)  # a dealflow that seals, on the store as an older one left it
    try:
        later.note("S-0", "first call after the upgrade", actor="ana")
        found = verify(later)
        assert found.holds
        assert found.on_upgrade == 2 * 3
        assert found.recorded_from == position_of(later, "S-0", 4)
        assert storeformat.recorded(later) == storeformat.FORMAT
    finally:
        later.close()


@pytest.mark.parametrize("deals", [1, 40])
def test_a_large_save_is_sealed_whole(app, deals):
    from dealflow.aggregates.opportunity import Opportunity

    opened = [
        Opportunity.open(deal_id=f"B-{n}", account="Bulk", title="t", actor="ana", on=date(2026, 1, 1))
        for n in range(deals)
    ]
    for deal in opened:
        for k in range(60):
            deal.note(f"note {k}", actor="ana", on=date(2026, 1, 2))
    app.save(*opened)
    found = verify(app)
    assert found.holds and found.events == deals * 61
