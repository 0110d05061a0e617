"""Reading the notification log for the projections: pages of decoded deal events, fast.

A page ends before the first event a newer dealflow wrote (a topic that names no class here): the
projections stop there, and every report says so, rather than count the log without it."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID

from dealflow.projections.decode import Decoder, Event
from dealflow.storage import eventlog

if TYPE_CHECKING:
    from dealflow.storage.sql import HasStore


class Page(NamedTuple):
    """The positions of a page's notifications, in order, and the deal events among them."""

    ids: list[int]
    events: list[Event]


class LogReader:
    """Pages of the application's notification log, each with its deal events decoded."""

    def __init__(self, app: HasStore) -> None:
        self.app = app
        self.decoder = Decoder(app.mapper)
        self.newer: int | None = None  # where the log holds a newer dealflow's event: the projections stop before it
        self._rows = eventlog.Rows(app)

    def page(self, after: int, size: int, head: int) -> Page:
        """Up to `size` notifications after position `after` and up to `head`, and their deal events."""
        rows = self._rows.page(after, size, head)
        decode = self.decoder.decode_row
        events = [event for event in (decode(*row) for row in rows) if event is not None]
        newer, self.decoder.newer = self.decoder.newer, None
        if newer is not None:
            self.newer = newer
            rows = [row for row in rows if row[0] < newer]
            events = [event for event in events if event.id < newer]
        return Page([row[0] for row in rows], events)

    def deal_events(self, deal: str, version: int) -> list[Event]:
        """A deal's events up to `version`, decoded (a revised deal's rows are derived again from them).
        Their positions in the log are not read: each says 0."""
        stored = self.app.recorder.select_events(UUID(deal), lte=version)
        decode = self.decoder.decode_row
        return [
            event
            for event in (decode(0, e.originator_id, e.originator_version, e.topic, e.state) for e in stored)
            if event is not None
        ]

    def newer_after(self, position: int) -> bool:
        """Whether the event after `position` is one a newer dealflow wrote."""
        found = eventlog.after(self.app, position)
        return bool(found) and not self.decoder.topics.known(found[0].topic)

    def close(self) -> None:
        self._rows.close()
