"""Projections read the stored JSON directly: what they take from it equals what the library's own
mapper makes of the same stored event, for every kind of event a deal records, on each store."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from uuid import uuid4

import pytest
from eventsourcing.persistence import Notification, StoredEvent

from bulk_book import templates
from conftest import Stores
from dealflow.aggregates.events import DealEvent, Opened
from dealflow.application import DealflowApp
from dealflow.projections.decode import KIND_OF_TOPIC, Decoder


@pytest.fixture(scope="module")
def app(module_stores: Stores) -> Iterator[DealflowApp]:
    application = DealflowApp(module_stores.new())
    yield application
    application.close()


@pytest.fixture(scope="module")
def stored(app: DealflowApp) -> list[Notification]:
    """One of each template's events, written to the store and read back from its log as the
    projections read it (each store gives the state back in its own column type)."""
    written = [
        StoredEvent(originator_id=uuid4(), originator_version=version, topic=topic, state=_encoded(state))
        for template in templates(app)
        for topic, version, state, _ in template.events
    ]
    app.recorder.insert_events(written)
    return list(app.recorder.select_notifications(start=1, limit=len(written) + 1))


def _encoded(state: dict) -> bytes:
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()


def test_the_templates_hold_every_kind_of_deal_event(stored):
    assert {n.topic for n in stored} >= set(KIND_OF_TOPIC)


def test_an_events_day_state_and_action_are_those_the_mapper_decodes(app, stored):
    decoder = Decoder(app.mapper)
    for notification in stored:
        event = decoder.decode(notification)
        if notification.topic not in KIND_OF_TOPIC:
            assert event is None  # invoice claims, settings, numbering: not a deal's
            continue
        domain = app.mapper.to_domain_event(notification)
        assert event.kind == type(domain).__name__
        assert event.on == domain.effective_on.toordinal()
        assert event.deal == domain.originator_id.hex and event.version == domain.originator_version
        if isinstance(domain, (DealEvent, Opened)):
            assert event.state == domain.state
        if hasattr(domain, "action"):
            assert event.action == domain.action


def test_an_event_of_an_older_class_version_is_upcast_by_the_mapper(app, stored):
    note = next(n for n in stored if n.topic.endswith(":NoteAdded"))
    older = json.loads(note.state) | {"class_version": 1}
    upcast = Decoder(app.mapper).decode(dataclasses.replace(note, state=json.dumps(older).encode()))
    assert isinstance(upcast.data["effective_on"], date)  # typed by the mapper, not raw JSON
    assert upcast.on == upcast.data["effective_on"].toordinal()
