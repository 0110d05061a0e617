"""eventsourcing's `Application.save`, less the runtime Protocol checks it makes of every object.

Given only aggregates, `save` here collects their events and records them as the library's does,
through its own steps (`_record`, `_take_snapshots`, `_notify`), but without the two `isinstance`
checks against runtime Protocols that the library's `ProcessingEvent.collect_events` makes of each
object: on Python 3.11, saving 1,000 deals (3,000 events) took 342 ms this way against 388 ms the
library's (measured in one process, alternating); on the whole import bench it is about 1 %.
Anything else (an event, keyword arguments) goes the library's way.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application, ProcessingEvent, Recording
from eventsourcing.domain import Aggregate


class QuickSave(Application):
    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[Any]]:
        if kwargs or not all(isinstance(obj, Aggregate) for obj in objs):
            return super().save(*objs, **kwargs)
        processing: ProcessingEvent[Any] = ProcessingEvent()
        for aggregate in objs:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings
