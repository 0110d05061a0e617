"""Reading the reports: the projections caught up with the log first, then read in one transaction,
so that every table of a report, and every report of a workbook, reflects the same position in the log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from dealflow.application import DealflowApp
    from dealflow.reports.report import Report

REPORTS = ("pipeline", "concessions", "ageing", "movement", "forecast")
Progress = Callable[[int], AbstractContextManager[Callable[[int], None] | None]]


@dataclass(frozen=True)
class Reading:
    """The projections as they stand at `position` (the last notification they have processed)."""

    app: DealflowApp
    connection: Connection
    position: int


@contextmanager
def caught_up(app: DealflowApp, progress: Progress | None = None) -> Iterator[Reading]:
    """Catch the projections up with the log (`progress` is given the number of events to read and
    makes the callback that is told of each batch read), then hold one transaction to read them in."""
    from dealflow.projections import tracking
    from dealflow.projections.runner import Projections

    with Projections(app) as projections:
        if progress is None:
            projections.catch_up()
        else:
            start, head = projections.backlog()
            with progress(head - start) as advance:
                projections.catch_up(progress=advance)
        if projections.log.newer is not None:  # an export without the note a report prints: stop
            from dealflow.storage.storeformat import NewerDealflow

            raise NewerDealflow(
                f"event {projections.log.newer} of the log was written by a newer dealflow, which the projections "
                "cannot count: upgrade dealflow to export this"
            )
        with projections.reading() as connection:
            found = tracking.positions(connection)
            position = min((found[p.name].position for p in projections.projections), default=0)
            yield Reading(app, connection, position)


def read_report(reading: Reading, name: str, *, as_of: date, by: str | None = None, deal: str | None = None) -> Report:
    """`name`'s report as of the end of `as_of` (see `as_of_day`: never in the future)."""
    latest = as_of == date.today()
    if name == "pipeline":
        from dealflow.reports.pipeline import pipeline_report

        settings = reading.app.settings(as_of)
        return pipeline_report(reading.connection, as_of=as_of, settings=settings, by=by or "stage", latest=latest)
    if name == "ageing":
        from dealflow.reports.ageing import ageing_report

        settings = reading.app.settings(as_of)
        return ageing_report(reading.connection, as_of=as_of, settings=settings, by=by or "invoice", latest=latest)
    if name == "concessions":
        from dealflow.reports.concessions import concessions_report

        return concessions_report(reading.connection, deal)
    if name == "movement":
        from dealflow.reports.movement import movement_report
        from dealflow.reports.periods import quarter_before

        # From the close of the last quarter: the quarter to date, as a review of the pipeline looks at it.
        return movement_report(reading.connection, start=quarter_before(as_of), end=as_of, by=by)
    if name == "forecast":
        from dealflow.reports.forecast import forecast_report

        return forecast_report(
            reading.connection,
            today=as_of,
            settings_on=reading.app.settings,
            period="quarter",
            periods=4,
            accuracy=True,
        )
    raise ValueError(f"no report {name!r}: choose one of {', '.join(REPORTS)}")
