"""Events this dealflow cannot read: a newer dealflow's, whose topic names no class here.

Reading one through eventsourcing's mapper raises `NewerEvent` (a dealflow error naming the event);
a reader that shows what it can (`history`, the audit trail) takes an `UnknownEvent` instead: what
can be read of the stored event, and the event itself, unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import TopicError, resolve_topic

from dealflow.storage.storeformat import NewerEvent, event_name
from dealflow.storage.transcoded import DATA


class TopicCheck:
    """Whether topics name classes of this dealflow, each topic resolved once."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}

    def known(self, topic: str) -> bool:
        found = self._known.get(topic)
        if found is None:
            try:
                resolve_topic(topic)
                found = True
            except TopicError:
                found = False
            self._known[topic] = found
        return found


class NewerAwareMapper(Mapper[Any]):
    """eventsourcing's mapper, raising NewerEvent (a dealflow error naming the event) on an unknown topic."""

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            return super().to_domain_event(stored_event)
        except TopicError:
            raise NewerEvent(stored_event) from None


class UnknownEvent:
    """A stored event of a type this dealflow does not know, with what can be read of it: when it was
    recorded, by whom, the state it left the deal in, and its stored topic and state, unchanged.
    A plain class, not a dataclass: making one costs every command's start-up a few milliseconds."""

    __slots__ = (
        "actor",
        "effective_on",
        "originator_id",
        "originator_version",
        "state",
        "stored",
        "timestamp",
        "topic",
    )

    def __init__(self, stored: StoredEvent, mapper: Mapper[Any]) -> None:
        raw = _json(stored.state) if mapper.cipher is None and mapper.compressor is None else None
        fields = _decoded(mapper, stored.state) or (raw if isinstance(raw, dict) else {})
        timestamp = _value(fields.get("timestamp"), datetime.fromisoformat)
        self.originator_id = stored.originator_id
        self.originator_version = stored.originator_version
        self.topic = stored.topic
        self.stored: Any = raw  # the stored state as JSON (None if it is not JSON: a ciphered or compressed store)
        self.timestamp: datetime | None = timestamp.astimezone(UTC) if isinstance(timestamp, datetime) else None
        self.effective_on: date | None = _value(fields.get("effective_on"), date.fromisoformat)
        self.actor: str | None = fields.get("actor") if isinstance(fields.get("actor"), str) else None
        self.state: str | None = fields.get("state") if isinstance(fields.get("state"), str) else None

    @property
    def name(self) -> str:
        return event_name(self.topic)

    def row(self) -> dict[str, Any]:
        """A line of the audit trail, shaped like `views.event_row`'s, carrying the stored event as it is:
        its topic and state, so that a dealflow that knows the event can take it."""
        return {
            "version": self.originator_version,
            "event": self.name,
            "recorded_at": self.timestamp,
            "effective_on": self.effective_on,
            "actor": self.actor,
            "stage": None,
            "action": None,
            "state": self.state,
            "newer": "written by a newer dealflow: upgrade dealflow to read it",
            "topic": self.topic,
            "stored": self.stored,
        }


def _json(state: bytes) -> Any:
    try:
        return json.loads(state)
    except ValueError:
        return None


def _value(value: Any, parse: Any) -> Any:
    """A date or time as decoded, or parsed from the transcoder's form ({"_type_": ..., "_data_": "2026-03-02"})
    where the whole state could not be decoded; None if it is neither."""
    if isinstance(value, date):
        return value
    text = value.get(DATA) if isinstance(value, dict) else value
    try:
        return parse(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _decoded(mapper: Mapper[Any], state: bytes) -> dict[str, Any] | None:
    """The stored state through the mapper's own decoding, or None where a newer dealflow encoded
    something this one cannot decode (a type of value it does not know): show what can be shown."""
    try:
        if mapper.cipher is not None:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor is not None:
            state = mapper.compressor.decompress(state)
        decoded = mapper.transcoder.decode(state)
    except Exception:  # whatever a newer dealflow's encoding makes the transcoder raise
        return None
    return decoded if isinstance(decoded, dict) else None
