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
    ("movement", "movement"): Chart("Pipeline movement", "bucket", ("change",), kind="waterfall", series_by="currency"),
    ("forecast", "periods"): Chart(
        "Forecast by period", "period", ("best_case", "weighted", "committed", "won"), series_by="currency"
    ),
}


def build_report(reading: Reading, name: str, *, as_of: date, by: str | None = None, deal: str | None = None) -> Report:
    """`name`'s report as of the end of `as_of`, charts attached."""
    if name == "deals":
        latest = as_of == date.today()
        return Report({"as_of": as_of}, [deal_facts_table(reading.connection, as_of=as_of, latest=latest)])
    if name == "concessions" and by == "detail":
        return Report({}, [concession_rounds(reading.connection)])
    report = read_report(reading, name, as_of=as_of, by=by, deal=deal)
    report.tables = [charted(name, table, by) for table in report.tables]
    return report


def charted(report: str, table: Table, by: str | None = None) -> Table:
    """The table with its chart. A waterfall walks from one start to one end: grouped `by` owner, stage
    or account, a currency holds a walk per group, which one chart a currency cannot show, so none."""
    chart = CHARTS.get((report, table.name))
    if chart is None or table.chart is not None or (chart.kind == "waterfall" and by is not None):
        return table
    return dataclasses.replace(table, chart=chart)
