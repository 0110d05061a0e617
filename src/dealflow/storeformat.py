"""The store's format: which dealflow may write a store, and what an older one does with a newer one's events.

FORMAT is the format of what dealflow stores: its event types (their topics) and their fields. A
store records each format it has been written at, a row each, in a small table of its own beside
eventsourcing's (`dealflow_format`: format, recorded_at); the highest is the store's format. A store
with no such table was written by a dealflow before formats were recorded: format 1.

The rule, for this dealflow and every later one: a dealflow writes into a store of its own format
or an older one (recording its own on its first write), and refuses to write into a newer one,
whose events it may not know: "this store was written by a newer dealflow (format N); upgrade to
record into it". A dealflow that adds an event type, or changes what an event means, raises FORMAT.

The format is read before a command's first write, never by a read (no round trip on every
command): a read meets a newer dealflow's event as it reads it, an event whose topic names no class
here (`UnknownEvent`), and says so for that deal, keeping the others readable.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Mapper, ProgrammingError, StoredEvent
from eventsourcing.utils import TopicError, resolve_topic

from dealflow.aggregates.errors import Refused

if TYPE_CHECKING:
    from dealflow.application import DealflowApp

FORMAT = 1
TABLE = "dealflow_format"  # a constant: nothing in the statements below comes from data


class NewerDealflow(Refused):
    """The store holds what a newer dealflow wrote: upgrade dealflow (exit 1)."""


class NewerEvent(NewerDealflow):
    """An event whose type this dealflow does not know: a newer dealflow wrote it."""

    def __init__(self, stored: StoredEvent) -> None:
        self.stored = stored
        super().__init__(
            f"the store holds an event written by a newer dealflow ({event_name(stored.topic)}): "
            "upgrade dealflow to read it"
        )


def newer_store(found: int | None) -> str:
    """The refusal to write into a store a newer dealflow wrote (its format, when recorded)."""
    return f"this store was written by a newer dealflow{_format(found)}; upgrade to record into it"


def newer_deal(deal_id: str, found: int | None) -> str:
    return (
        f"deal {deal_id} holds an event written by a newer dealflow{_format(found)}: upgrade dealflow to read or "
        f"record it; `dealflow history {deal_id}` lists its events"
    )


def _format(found: int | None) -> str:
    return f" (format {found})" if found is not None and found > FORMAT else ""


def event_name(topic: str) -> str:
    """What the log calls an event of `topic`: its class's name in its module, e.g. Opportunity.Corrected."""
    return topic.rpartition(":")[2] or topic


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
    text = value.get("_data_") if isinstance(value, dict) else value
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


# --- the format recorded in the store --------------------------------------------------------------


def recorded(app: DealflowApp) -> int | None:
    """The store's format as recorded; None when none is (a new store, or one written before formats were)."""
    recorder: Any = app.recorder
    if app.store.is_sqlite:
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,))
            if cursor.fetchone() is None:
                return None
            cursor.execute(f"SELECT MAX(format) AS format FROM {TABLE}")
            found = cursor.fetchone()["format"]
    else:
        from psycopg.errors import UndefinedTable

        try:  # one statement on the pool's autocommit connection: one round trip (a transaction takes three)
            with recorder.datastore.cursor() as cursor:
                cursor.execute(_postgres("SELECT MAX(format) AS format FROM {}.{}", app))
                found = cursor.fetchone()["format"]
        except ProgrammingError as error:
            if not isinstance(error.__cause__, UndefinedTable):
                raise
            return None
    return None if found is None else int(found)


def record(app: DealflowApp) -> None:
    """Record that this dealflow's format has written the store (once: a second time changes nothing)."""
    recorder: Any = app.recorder
    now = datetime.now(UTC).isoformat(timespec="seconds")
    create = "CREATE TABLE IF NOT EXISTS {table} (format INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL)"
    insert = "INSERT INTO {table} (format, recorded_at) VALUES ({mark}, {mark}) ON CONFLICT (format) DO NOTHING"
    with recorder.datastore.transaction(commit=True) as cursor:
        if app.store.is_sqlite:
            cursor.execute(create.format(table=TABLE))
            cursor.execute(insert.format(table=TABLE, mark="?"), (FORMAT, now))
        else:
            cursor.execute(_postgres(create.format(table="{}.{}"), app))
            cursor.execute(_postgres(insert.format(table="{}.{}", mark="%s"), app), (FORMAT, now))


def _postgres(template: str, app: DealflowApp) -> Any:
    from psycopg.sql import SQL, Identifier

    recorder: Any = app.recorder
    return SQL(template).format(Identifier(recorder.datastore.schema), Identifier(TABLE))  # type: ignore[arg-type]
