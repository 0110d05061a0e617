"""The waterfall chart: stacked columns over hidden helper cells (an invisible base, then the rise, the
fall or the total), written beside a movement table and read back with openpyxl and from the chart XML."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from dealflow.exports.xlsx_charts import step
from dealflow.exports.xlsx_writer import write_xlsx
from dealflow.reports.table import Cell, Chart, Column, Table

COLUMNS = (
    Column("currency"),
    Column("bucket"),
    Column("deals", Cell.INTEGER),
    Column("value", Cell.MONEY),
    Column("change", Cell.MONEY),
)
CHART = Chart("Pipeline movement", "bucket", ("change",), kind="waterfall", series_by="currency")
STEPS = {  # bucket: (deals, value, change); 100 + 50 - 30 - 20 + 0 == 100
    "EUR": [
        ("start", 4, 100),
        ("created", 1, 50),
        ("decreased", 1, 30),
        ("won", 1, 20),
        ("lost", 0, 0),
        ("end", 3, 100),
    ],
    "USD": [("start", 1, 10), ("created", 1, 5), ("end", 2, 15)],
}


def movement_rows() -> list[dict]:
    rows = []
    for currency, steps in STEPS.items():
        for bucket, deals, value in steps:
            signed = -value if bucket in ("decreased", "won", "lost") else value
            rows.append(
                {
                    "currency": currency,
                    "bucket": bucket,
                    "deals": deals,
                    "value": Decimal(value),
                    "change": Decimal(signed),
                }
            )
    return rows


def written(tmp_path: Path) -> Path:
    path = tmp_path / "movement.xlsx"
    rows = iter(movement_rows())  # streamed: the helper cells are worked out as each row goes past
    write_xlsx([Table("movement", COLUMNS, rows, chart=CHART)], path)
    return path


def test_the_helper_cells_lift_each_step_to_the_running_total_and_draw_totals_from_zero(tmp_path):
    sheet = openpyxl.load_workbook(written(tmp_path))["movement"]

    header = [cell.value for cell in sheet[1]]
    assert header == ["currency", "bucket", "deals", "value", "change", "base", "up", "down", "total"]
    cells = [(row[1], *row[5:]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == [
        ("start", 0, None, None, 100),
        ("created", 100, 50, None, None),
        ("decreased", 120, None, 30, None),  # a fall stands on the total after it
        ("won", 100, None, 20, None),
        ("lost", 100, 0, None, None),  # a step of nothing
        ("end", 0, None, None, 100),
        ("start", 0, None, None, 10),  # the next currency walks from zero again
        ("created", 10, 5, None, None),
        ("end", 0, None, None, 15),
    ]
    helpers = sheet.column_dimensions["F"]
    assert helpers.hidden and (helpers.min, helpers.max) == (6, 9)
    assert sheet.auto_filter.ref == "A1:I10"


def test_each_currency_has_a_stacked_chart_of_four_series_whose_base_is_not_drawn(tmp_path):
    path = written(tmp_path)

    charts = openpyxl.load_workbook(path)["movement"]._charts
    assert len(charts) == 2 and all(len(chart.series) == 4 for chart in charts)
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/charts/chart1.xml").decode()
        assert "xl/charts/chart2.xml" in package.namelist()
    assert '<c:grouping val="stacked"/>' in xml and '<c:overlap val="100"/>' in xml
    assert "Pipeline movement: EUR" in xml
    assert "<c:plotVisOnly" not in xml  # the helper columns are hidden: plotted all the same
    base, up, down, total = re.findall(r"<c:ser>.*?</c:ser>", xml, re.DOTALL)
    assert "$F$2:$F$7" in base and "<a:noFill/><a:ln><a:noFill/></a:ln>" in base
    for series, color in ((up, "3A9D5D"), (down, "C0504D"), (total, "4F81BD")):
        assert f'<a:srgbClr val="{color}"/>' in series and "$B$2:$B$7" in series
    assert '<c:legendEntry><c:idx val="0"/><c:delete val="1"/>' in xml  # no "base" in the legend


@given(st.integers(min_value=0, max_value=10**6), st.lists(st.integers(min_value=-(10**6), max_value=10**6)))
def test_every_bar_spans_the_running_total_before_and_after_its_step(start, changes):
    running, cells = step(Decimal(7), "start", Decimal(start))
    assert running == start and cells == {"base": 0, "total": start}
    for change in changes:
        if running + change < 0:  # the pipeline's open value never goes below zero
            continue
        after, cells = step(running, "moved_in", Decimal(change))
        bar = cells.get("up", Decimal(0)) + cells.get("down", Decimal(0))
        assert min(bar, *cells.values()) >= 0 and after == running + change
        assert {cells["base"], cells["base"] + bar} == {running, after}
        running = after
