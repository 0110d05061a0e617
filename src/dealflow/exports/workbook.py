"""Every report in one workbook: a first sheet that says what it reflects (the as-of date, the store,
the position in the event log and when that event was recorded, the version, the counts), then
each deal's facts and a sheet per report table, every concession after the concessions summary.
Nothing in it is wall-clock time, so the same data gives the same bytes."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from dealflow import __version__
from dealflow.exports.reports import build_report
from dealflow.reports.deals import deal_count
from dealflow.reports.reading import Reading
from dealflow.reports.table import Cell, Column, Table
from dealflow.storage import eventlog

# (report, --by, the tables of it that go in): each deal's facts, the pipeline by stage, owner and
# month and its stalled deals, its movement over the quarter to date and the forecast by quarter with
# the accuracy of the quarters before, the concessions summary and every concession, the ageing by
# invoice with its totals and by customer.
SHEETS: tuple[tuple[str, str | None, tuple[str, ...] | None], ...] = (
    ("deals", None, None),
    ("pipeline", "stage", None),
    ("pipeline", "owner", None),
    ("pipeline", "month", None),
    ("pipeline", "stalled", None),
    ("movement", None, None),
    ("forecast", None, None),
    ("concessions", None, None),
    ("concessions", "detail", None),
    ("ageing", "invoice", None),
    ("ageing", "customer", ("customers",)),
)
ABOUT = (Column("fact", width=34), Column("value", Cell.ANY, width=40))


def workbook_tables(reading: Reading, *, as_of: date) -> list[Table]:
    """The about sheet, then every report's tables, each named `report table` (`pipeline stages`), or
    `report` alone when its one table has the report's name (`deals`)."""
    tables: list[Table] = []
    facts: list[tuple[str, Any]] = []
    for name, by, wanted in SHEETS:
        report = build_report(reading, name, as_of=as_of, by=by)
        for table in report.tables:
            if wanted is None or table.name in wanted:
                title = name if table.name == name else f"{name} {table.name.replace('_', ' ')}"
                tables.append(dataclasses.replace(table, name=title, **_counted(table)))
        facts += [(f"{name}: {key.replace('_', ' ')}", value) for key, value in report.facts.items()]
    about = _about(reading, as_of, tables) + _unique(facts)
    return [Table("about", ABOUT, [{"fact": fact, "value": value} for fact, value in about]), *tables]


def _counted(table: Table) -> dict[str, Any]:
    """The table's rows and their number, for the about sheet written first: a table of records,
    one row per deal or concession, counts them in SQL and streams; a report's few rows are kept."""
    if table.total_rows is not None:
        return {"rows": table.rows, "total_rows": table.total_rows}
    rows = list(table.rows)
    return {"rows": rows, "total_rows": len(rows)}


def _about(reading: Reading, as_of: date, tables: list[Table]) -> list[tuple[str, Any]]:
    app = reading.app
    return [
        ("as of (end of day)", as_of),
        ("store", f"{app.store.kind}: {app.store.display}"),
        ("event log position (last event number)", reading.position),
        ("that event recorded at (UTC)", eventlog.recorded_at(app, reading.position)),
        ("events in the log up to it", eventlog.count(app, reading.position)),
        ("deals", deal_count(reading)),
        ("dealflow version", __version__),
        *((f"rows in {table.name}", table.total_rows) for table in tables),
    ]


def _unique(facts: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Each report's settings once (the pipeline is read for several views), without its as-of date and view,
    nor a setting it was not given (the movement's close window): an empty cell would read as unknown."""
    kept = {key: value for key, value in facts if value is not None and not key.endswith((": as of", ": by"))}
    return list(kept.items())
