"""Events for the projections, decoded straight from the stored JSON by topic.

Measured on a 1.6M-event SQLite log: `json.loads` of the state costs 2.8 µs an event, the
library's mapper (object hooks, event objects) 4.5 µs. Projections read a handful of fields,
so they take the JSON as it is, parse it only for the events whose fields they use, and convert
only what they read (`units.to_day`, `to_units`). An event written by an older class version
goes through the mapper, so that its upcasters run. An event whose topic names no class here
(written by a newer dealflow) is noted, not decoded: the reader stops there (see `LogReader`).
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification, StoredEvent
from eventsourcing.utils import get_topic

from dealflow.aggregates.registry import EVENT_TYPES
from dealflow.projections.units import to_day
from dealflow.storage import transcoded
from dealflow.storage.unknown import TopicCheck

DEAL_EVENTS = tuple(event_type.cls for event_type in EVENT_TYPES)  # the registry's, in its order
KIND_OF_TOPIC = {get_topic(cls): cls.__name__ for cls in DEAL_EVENTS}
KINDS = frozenset(KIND_OF_TOPIC.values())


class Event:
    """One deal event: where it is in the log, whose it is, what kind, when it happened, the action
    it records (ActionRecorded), and its fields (`data`), parsed from the stored JSON on first use."""

    __slots__ = ("_data", "_raw", "action", "deal", "id", "kind", "on", "version")

    def __init__(self, id: int, deal: str, version: int, kind: str, raw: bytes | None, data: Any = None) -> None:
        self.id = id  # notification id: the position in the log
        self.deal = deal  # the deal's aggregate id, as 32 hex digits
        self.version = version
        self.kind = kind  # the event class's name, e.g. "Advanced"
        self._raw = raw
        self._data = data
        if raw is None:
            on = to_day(data["effective_on"])
            assert on is not None  # every deal event has an effective date
            self.on: int = on
            self.action: str | None = data.get("action")
            return
        text = _effective_on(raw)
        on = _DAYS.get(text) if text else None
        self.on = on if on is not None else _day(text, raw)
        self.action = (_text(raw, _ACTION) or self.data["action"]) if kind == "ActionRecorded" else None

    @property
    def data(self) -> dict[str, Any]:
        """The stored state: raw JSON values (the transcoder's forms: `transcoded`), or typed ones once upcast."""
        if self._data is None:
            self._data = json.loads(self._raw or b"")
        return self._data

    @property
    def state(self) -> str:
        """The state the event leaves the deal in."""
        return (self._raw is not None and _text(self._raw, _STATE)) or self.data["state"]


# the store's layout of an event's bytes (see `transcoded`), bound here: the hot loop looks up no module
_effective_on, _text, _STATE, _ACTION = transcoded.effective_on, transcoded.text, transcoded.STATE, transcoded.ACTION

_DAYS: dict[bytes, int] = {}  # b"2026-03-31" -> its day number: a log holds few distinct dates


def _day(text: bytes | None, raw: bytes) -> int:
    """The day number of an effective date found in the JSON, or of the parsed JSON's own when it was not."""
    day = to_day(json.loads(raw)["effective_on"] if text is None else text.decode())
    assert day is not None  # every deal event has an effective date
    if text is not None:
        _DAYS[text] = day
    return day


class Decoder:
    """Decodes the deal events in a page of notifications; the store's other aggregates are skipped."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        self.raw = transcoded.readable(mapper)  # else only the mapper can read it
        self.topics = TopicCheck()
        self.newer: int | None = None  # the position of the first event met that a newer dealflow wrote

    def decode(self, notification: Notification) -> Event | None:
        return self.decode_row(
            notification.id,
            notification.originator_id,
            notification.originator_version,
            notification.topic,
            notification.state,
        )

    def decode_row(self, id: int, originator: UUID | str, version: int, topic: str, state: bytes) -> Event | None:
        """One row of the log (position, aggregate id, version, topic, state); None unless a deal's event."""
        kind = KIND_OF_TOPIC.get(topic)
        if kind is None:
            if self.newer is None and not self.topics.known(topic):  # else deal numbers, invoice ids, settings
                self.newer = id
            return None
        raw: bytes | None = state
        data = None
        if not self.raw or transcoded.needs_upcast(state):  # an older version: let the library upcast it
            stored = StoredEvent(originator_id=originator, originator_version=version, topic=topic, state=state)
            raw, data = None, dict(vars(self.mapper.to_domain_event(stored)))
        deal = (
            originator.hex
            if isinstance(originator, UUID)
            else originator
            if len(originator) == 32
            else UUID(originator).hex
        )
        return Event(id, deal, version, kind, raw, data)
