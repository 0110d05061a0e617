"""The event registry is complete: every event class of a deal is registered, and each projection
handles exactly the event types the registry says it reads (none skipped silently)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from dealflow.aggregates import events
from dealflow.aggregates.registry import BY_KIND, EVENT_TYPES, PROJECTIONS
from dealflow.projections.ageing import AgeingProcessor
from dealflow.projections.concessions import ConcessionsProcessor
from dealflow.projections.decode import DEAL_EVENTS, KINDS
from dealflow.projections.pipeline import PipelineProcessor
from dealflow.projections.projection import Processor
from dealflow.projections.signals import SignalsProcessor

NO_VIEW = cast(Any, None)  # building a processor stores its view; `handlers` never reads it
PROCESSORS: dict[str, Processor] = {
    "pipeline": PipelineProcessor(NO_VIEW),
    "concessions": ConcessionsProcessor(NO_VIEW),
    "ageing": AgeingProcessor(NO_VIEW),
    "signals": SignalsProcessor(NO_VIEW),
}


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_event_class_is_registered_once() -> None:
    found = _subclasses(events.DealEvent) - {events.Revision}  # the base of Corrected and Voided, never stored
    classes = {events.Opened, *(cls for cls in found if cls.__module__.startswith("dealflow."))}
    registered = [event_type.cls for event_type in EVENT_TYPES]
    assert len(registered) == len(set(registered))
    assert classes == set(registered)


def test_a_new_subclass_of_deal_event_is_found_unregistered() -> None:
    class Retitled(events.DealEvent):  # the walk that the test above relies on finds it
        pass

    assert Retitled in _subclasses(events.DealEvent)
    assert Retitled.__name__ not in BY_KIND


def test_the_projections_decode_every_registered_event() -> None:
    assert tuple(event_type.cls for event_type in EVENT_TYPES) == DEAL_EVENTS
    assert set(BY_KIND) == KINDS


def test_every_projection_named_has_a_processor() -> None:
    assert set(PROJECTIONS) == set(PROCESSORS)
    assert all(event_type.projections <= set(PROJECTIONS) for event_type in EVENT_TYPES)


@pytest.mark.parametrize("projection", PROJECTIONS)
def test_a_projection_handles_what_the_registry_says_it_reads(projection: str) -> None:
    handled = set(PROCESSORS[projection].handlers())
    read = {event_type.cls for event_type in EVENT_TYPES if projection in event_type.projections}
    revising = {event_type.cls for event_type in EVENT_TYPES if event_type.revises}  # `Projection.apply` derives again
    assert handled == read - revising
    assert revising <= read


def test_an_event_replayed_from_an_import_has_the_live_command_too() -> None:
    assert all(event_type.replay is not None for event_type in EVENT_TYPES)
    imported = {event_type.kind for event_type in EVENT_TYPES if event_type.replay_imported is not None}
    assert imported == {"Opened", "Advanced", "Signed", "Lost", "Closed", "Invoiced", "PaymentReceived", "NoteAdded"}


def test_no_command_shadows_a_change_the_events_make() -> None:
    """An event applies itself by calling DealState's methods on the aggregate: a command of the same
    name on Opportunity (or its mixins) would be called instead."""
    from dealflow.aggregates.opportunity import Opportunity
    from dealflow.aggregates.state import DealState

    changes = {name for name in vars(DealState) if not name.startswith("__")}
    commands = {name for cls in Opportunity.__mro__[: Opportunity.__mro__.index(DealState)] for name in vars(cls)}
    assert not changes & commands
