"""The reports an export writes: built from the projections, caught up with the log first, and read
in one transaction, so that every table of an export reflects the same position in the log."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from dealflow.exports.table import Chart, Table
from dealflow.projections.ageing_report import BUCKETS

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from dealflow.application import DealflowApp
    from dealflow.projections.report import Report

REPORTS = ("pipeline", "concessions", "ageing")
Progress = Callable[[int], AbstractContextManager[Callable[[int], None] | None]]
CHARTS = {
    ("pipeline", "stages"): Chart("Pipeline value by stage", "stage", ("value",), series_by="currency"),
    ("ageing", "totals"): Chart("Receivables by days past due", "currency", BUCKETS, kind="bar", stacked=True),
}


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


def build_report(reading: Reading, name: str, *, as_of: date, by: str | None = None, deal: str | None = None) -> Report:
    """`name`'s report as of the end of `as_of` (see `as_of_day`: never in the future), charts attached."""
    latest = as_of == date.today()
    if name == "pipeline":
        from dealflow.projections.pipeline_report import pipeline_report

        settings = reading.app.settings(as_of)
        report = pipeline_report(reading.connection, as_of=as_of, settings=settings, by=by or "stage", latest=latest)
    elif name == "ageing":
        from dealflow.projections.ageing_report import ageing_report

        settings = reading.app.settings(as_of)
        report = ageing_report(reading.connection, as_of=as_of, settings=settings, by=by or "invoice", latest=latest)
    elif name == "concessions":
        from dealflow.projections.concessions_report import concessions_report

        report = concessions_report(reading.connection, deal)
    else:
        raise ValueError(f"no report {name!r}: choose one of {', '.join(REPORTS)}")
    report.tables = [charted(name, table) for table in report.tables]
    return report


def charted(report: str, table: Table) -> Table:
    chart = CHARTS.get((report, table.name))
    return table if chart is None or table.chart is not None else dataclasses.replace(table, chart=chart)
