"""What the store already holds of the aggregates an import is about to write, asked for many at
once: one query per few hundred ids, where the repository asks one aggregate at a time. Each row is
turned into an event through the application's mapper, so that ciphers, compression and upcasters
apply as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from dealflow.storage import sql

if TYPE_CHECKING:
    from dealflow.storage.sql import HasStore

IN_LIMIT = 500


def is_empty(app: HasStore) -> bool:
    return not app.recorder.max_notification_id()


def first_events(app: HasStore, ids: Iterable[UUID]) -> dict[UUID, Any]:
    """The first event (version 1) of each of `ids` that exists."""
    template = (
        "SELECT originator_id, originator_version, topic, state FROM {table} WHERE originator_version = 1 AND {ids}"
    )
    return {event.originator_id: event for event in _events(app, template, ids)}


def last_versions(app: HasStore, ids: Iterable[UUID]) -> dict[UUID, int]:
    """The latest version of each of `ids` that exists."""
    template = "SELECT originator_id, MAX(originator_version) AS v FROM {table} WHERE {ids} GROUP BY originator_id"
    return {_uuid(row["originator_id"]): int(row["v"]) for row in _rows(app, template, ids)}


def _events(app: HasStore, template: str, ids: Iterable[UUID]) -> Iterator[Any]:
    for row in _rows(app, template, ids):
        stored = StoredEvent(
            originator_id=_uuid(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        yield app.mapper.to_domain_event(stored)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def _rows(app: HasStore, template: str, ids: Iterable[UUID]) -> Iterator[Any]:
    """The rows of `template` for `ids`, one query per IN_LIMIT of them: one placeholder per id on
    SQLite, one array on PostgreSQL; the ids themselves are bound parameters."""
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), IN_LIMIT):
        part = wanted[start : start + IN_LIMIT]
        if app.store.is_sqlite:
            keys: list[Any] = [key.hex for key in part]
            found = sql.select_all(app, template, keys, ids="originator_id IN (" + ",".join("?" * len(part)) + ")")
        else:
            found = sql.select_all(app, template, [part], ids="originator_id = ANY(%s)")
        yield from found
