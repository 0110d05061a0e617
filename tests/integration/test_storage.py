"""The storage interface's contract, on SQLite and PostgreSQL alike: what each function of
`dealflow.storage` answers about a real store, checked against what the application recorded."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.utils import get_topic

from dealflow.aggregates.events import Opened
from dealflow.aggregates.ids import deal_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.application import DealflowApp
from dealflow.storage import eventlog, sql, stored, storeformat, transcoded
from dealflow.storage.storeformat import NewerDealflow
from dealflow.storage.unknown import UnknownEvent

OPENED = get_topic(Opened)


def open_with_notes(app: DealflowApp, deal_id: str, notes: int, title: str = "ERP rollout") -> str:
    app.open_deal(account="Acme Corp", title=title, actor="ana", deal_id=deal_id, on=date(2026, 2, 1))
    for n in range(notes):
        app.note(deal_id, f"call {n}", actor="ana", on=date(2026, 3, 1 + n))
    return deal_id


def test_an_empty_store_has_a_log_and_no_events(app):
    assert sql.has_log(app)
    assert stored.is_empty(app)
    assert (eventlog.head(app), eventlog.count(app)) == (0, 0)
    assert list(eventlog.pages(app)) == []


def test_head_and_count_follow_every_event_recorded(app):
    open_with_notes(app, "A-1", 2)
    open_with_notes(app, "A-2", 1)

    assert not stored.is_empty(app)
    assert eventlog.count(app) == app.event_count() == 3 + 2  # each deal's events (an --id claims no number)
    assert eventlog.head(app) >= eventlog.count(app)
    assert eventlog.count(app, upto=0) == 0
    assert eventlog.count(app, upto=eventlog.head(app)) == eventlog.count(app)


def test_the_log_comes_in_pages_in_order_without_gaps_up_to_a_stop(app):
    for n in range(5):
        open_with_notes(app, f"P-{n}", 2)
    everything = [n.id for n in app.recorder.select_notifications(1, 1000)]

    pages = list(eventlog.pages(app, size=4))
    stopped = [n.id for page in eventlog.pages(app, size=4, stop=everything[6]) for n in page]

    assert all(len(page) == 4 for page in pages[:-1])
    assert [n.id for page in pages for n in page] == everything
    assert stopped == everything[:7]
    assert [n.id for n in eventlog.after(app, everything[2], 3)] == everything[3:6]


def test_pages_of_one_topic_hold_only_its_events(app):
    for n in range(3):
        open_with_notes(app, f"T-{n}", 1)

    found = [n for page in eventlog.pages(app, topics=[OPENED]) for n in page]

    assert [app.mapper.to_domain_event(n).deal_id for n in found] == ["T-0", "T-1", "T-2"]
    assert list(app.deal_ids()) == ["T-0", "T-1", "T-2"]


def test_one_aggregates_events_come_oldest_first_with_their_positions(app):
    open_with_notes(app, "O-1", 3)
    open_with_notes(app, "O-2", 1)
    positions = {(n.originator_id, n.originator_version): n.id for n in app.recorder.select_notifications(1, 100)}

    found = eventlog.of_originator(app, deal_uuid("O-1"))

    assert [n.originator_version for n in found] == [1, 2, 3, 4]
    assert all(n.originator_id == deal_uuid("O-1") for n in found)
    assert [n.id for n in found] == [positions[(deal_uuid("O-1"), v)] for v in (1, 2, 3, 4)]
    assert eventlog.of_originator(app, uuid4()) == []


def test_first_fields_are_read_up_to_a_position(app):
    open_with_notes(app, "F-1", 2, title="First")
    middle = eventlog.head(app)
    open_with_notes(app, "F-2", 0, title="Second")
    app.note("F-1", "after the middle", actor="ana")

    titles = dict(eventlog.first_field(app, OPENED, "title", middle))
    everything = dict(eventlog.first_field(app, OPENED, "title", eventlog.head(app)))

    assert titles == {deal_uuid("F-1").hex: "First"}
    assert everything == {deal_uuid("F-1").hex: "First", deal_uuid("F-2").hex: "Second"}


def test_what_an_import_finds_stored_is_asked_for_many_aggregates_at_once(app, monkeypatch):
    monkeypatch.setattr(stored, "IN_LIMIT", 2)  # several queries for five ids
    for n in range(4):
        open_with_notes(app, f"S-{n}", n)
    ids = [deal_uuid(f"S-{n}") for n in range(4)] + [uuid4()]

    firsts = stored.first_events(app, ids)
    versions = stored.last_versions(app, ids + ids)

    assert {key: event.deal_id for key, event in firsts.items()} == {deal_uuid(f"S-{n}"): f"S-{n}" for n in range(4)}
    assert all(isinstance(event, Opened) for event in firsts.values())
    assert versions == {deal_uuid(f"S-{n}"): n + 1 for n in range(4)}


def test_rows_are_the_log_as_stored_for_a_reader_that_decodes_them(app):
    open_with_notes(app, "R-1", 2)
    notifications = app.recorder.select_notifications(1, 100)
    rows = eventlog.Rows(app)
    try:
        found = rows.page(notifications[0].id, 2, notifications[-1].id)
        everything = rows.page(0, 100, notifications[-1].id)
    finally:
        rows.close()

    assert [row[0] for row in found] == [n.id for n in notifications[1:3]]
    assert [(r[0], r[2], r[3], bytes(r[4])) for r in everything] == [
        (n.id, n.originator_version, n.topic, n.state) for n in notifications
    ]
    assert {r[1] if isinstance(r[1], str) else r[1].hex for r in everything} >= {deal_uuid("R-1").hex}


def test_the_stored_bytes_show_an_events_date_state_and_action_without_parsing(app):
    app.open_deal(account="Acme Corp", title="ERP", actor="ana", deal_id="B-1", on=date(2026, 3, 2))
    app.record("B-1", "collect-info", {"category": "business", "summary": "a fact"}, actor="ana")
    notes = app.recorder.select_events(deal_uuid("B-1"))
    events = [app.mapper.to_domain_event(n) for n in notes]

    assert transcoded.readable(app.mapper)
    for raw, event in zip((n.state for n in notes), events, strict=True):
        assert transcoded.effective_on(raw) == event.effective_on.isoformat().encode()
        assert transcoded.text(raw, transcoded.STATE) == event.state
        assert not transcoded.needs_upcast(raw)
    assert transcoded.text(notes[1].state, transcoded.ACTION) == "collect-info"
    assert transcoded.text(notes[0].state, transcoded.ACTION) is None


def test_a_bulk_save_stores_every_event_in_order_in_one_transaction(app):
    deals = [Opportunity.open(deal_id=f"K-{n}", account="Acme", title="ERP", actor="ana") for n in range(50)]
    for deal in deals:
        deal.note("imported", actor="ana")

    app.save(*deals)

    found = [n for page in eventlog.pages(app) for n in page]
    assert len(found) == eventlog.count(app) == 100
    assert [n.id for n in found] == sorted(n.id for n in found)
    assert [(n.originator_id, n.originator_version) for n in found] == [
        (deal.id, version) for deal in deals for version in (1, 2)
    ]


def test_a_save_that_loses_a_race_stores_nothing(app):
    open_with_notes(app, "L-1", 0)
    first, second = app.deal("L-1"), app.deal("L-1")
    first.note("mine", actor="ana")
    second.note("theirs", actor="bo")
    app.save(first)
    before = eventlog.count(app)

    with pytest.raises(IntegrityError):
        app.save(second)

    assert eventlog.count(app) == before


def test_the_format_is_recorded_once_and_a_newer_one_refuses_writes(app):
    assert storeformat.recorded(app) is None  # nothing written yet
    storeformat.check_writable(app)
    storeformat.check_writable(app)  # a second time changes nothing
    assert storeformat.recorded(app) == storeformat.FORMAT
    assert sql.has_table(app, storeformat.TABLE)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storeformat, "FORMAT", storeformat.FORMAT + 1)
        storeformat.record(app)
    with pytest.raises(NewerDealflow, match="written by a newer dealflow"):
        storeformat.check_writable(app)


def test_an_event_of_a_type_this_dealflow_does_not_know_is_read_as_what_can_be_read(app):
    open_with_notes(app, "U-1", 0)
    state = b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-02T10:00:00+00:00"},'
    state += b'"effective_on":{"_type_":"date_iso","_data_":"2026-03-02"},"actor":"ana","state":"won"}'
    app.recorder.insert_events(
        [StoredEvent(deal_uuid("U-1"), 2, "dealflow.aggregates.events:Opportunity.Corrected", state)]
    )

    (_, unknown) = app.history("U-1")

    assert isinstance(unknown, UnknownEvent)
    assert (unknown.name, unknown.effective_on, unknown.actor, unknown.state) == (
        "Opportunity.Corrected",
        date(2026, 3, 2),
        "ana",
        "won",
    )
    assert eventlog.count(app) == 2


def test_the_postgresql_recorder_notifies_a_channel_of_its_own(app):
    if app.store.is_sqlite:
        pytest.skip("SQLite has no channel: a follower polls")
    assert eventlog.channel(app)


def test_a_bulk_save_larger_than_a_slice_is_stored_whole_on_postgresql(app, monkeypatch):
    if app.store.is_sqlite:
        pytest.skip("the SQLite recorder writes a save in one statement")
    from dealflow.storage import postgres_recorder

    monkeypatch.setattr(postgres_recorder, "SLICE", 7)
    deals = [Opportunity.open(deal_id=f"Z-{n}", account="Acme", title="ERP", actor="ana") for n in range(20)]

    app.save(*deals)

    found = [n for page in eventlog.pages(app) for n in page]
    assert [(n.originator_id, n.originator_version) for n in found] == [(deal.id, 1) for deal in deals]
    assert [n.id for n in found] == list(range(found[0].id, found[0].id + 20))
