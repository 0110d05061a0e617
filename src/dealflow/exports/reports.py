"""A report as an export writes it: read from the projections (`reports.reading`), with the native
charts its sheets carry attached; and the two tables of records that the workbook holds beside the
reports, each deal's facts (`deals`) and every concession (`concessions` by `detail`)."""

from __future__ import annotations

import dataclasses
from datetime import date

from dealflow.reports.ageing import BUCKETS
from dealflow.reports.concessions import concession_rounds
from dealflow.reports.deal_facts import deal_facts_table
from dealflow.reports.reading import Reading, read_report
from dealflow.reports.report import Report
from dealflow.reports.table import Chart, Table

CHARTS = {
    ("pipeline", "stages"): Chart("Pipeline value by stage", "stage", ("value",), series_by="currency"),
    ("ageing", "totals"): Chart("Receivables by days past due", "currency", BUCKETS, kind="bar", stacked=True),
}


def build_report(reading: Reading, name: str, *, as_of: date, by: str | None = None, deal: str | None = None) -> Report:
    """`name`'s report as of the end of `as_of`, charts attached."""
    if name == "deals":
        latest = as_of == date.today()
        return Report({"as_of": as_of}, [deal_facts_table(reading.connection, as_of=as_of, latest=latest)])
    if name == "concessions" and by == "detail":
        return Report({}, [concession_rounds(reading.connection)])
    report = read_report(reading, name, as_of=as_of, by=by, deal=deal)
    report.tables = [charted(name, table) for table in report.tables]
    return report


def charted(report: str, table: Table) -> Table:
    chart = CHARTS.get((report, table.name))
    return table if chart is None or table.chart is not None else dataclasses.replace(table, chart=chart)
