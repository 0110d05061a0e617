"""Native XLSX charts over a sheet's own cells: one series per value column, or, with the chart's
`series_by`, one per run of rows sharing a value (the pipeline's value by stage, one series per currency)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dealflow.reports.table import Table

SIZE = {"width": 720, "height": 360}


class Runs:
    """The sheet rows of each run of equal values in one column, noted as rows stream past."""

    def __init__(self, key: str | None) -> None:
        self.key = key
        self.found: list[tuple[str, int, int]] = []  # (value, first row, last row)

    def see(self, row: Mapping[str, Any], number: int) -> None:
        if self.key is None:
            return
        value = str(row.get(self.key) or "-")
        if self.found and self.found[-1][0] == value and self.found[-1][2] == number - 1:
            self.found[-1] = (value, self.found[-1][1], number)
        else:
            self.found.append((value, number, number))


def add_chart(workbook: Any, sheet: Any, table: Table, count: int, runs: Runs) -> None:
    spec = table.chart
    assert spec is not None
    keys = [column.key for column in table.columns]
    chart = workbook.add_chart({"type": spec.kind, **({"subtype": "stacked"} if spec.stacked else {})})
    category = keys.index(spec.category)
    for key in spec.values:
        col = keys.index(key)
        if spec.series_by is None:
            chart.add_series(
                {
                    "name": [sheet.name, 0, col],
                    "categories": [sheet.name, 1, category, count, category],
                    "values": [sheet.name, 1, col, count, col],
                }
            )
            continue
        _, first, last = runs.found[0]
        for value, start, end in runs.found:
            chart.add_series(
                {
                    "name": value if len(spec.values) == 1 else f"{value} {key}",
                    "categories": [sheet.name, first, category, last, category],
                    "values": [sheet.name, start, col, end, col],
                }
            )
    chart.set_title({"name": spec.title})
    chart.set_size(SIZE)
    sheet.insert_chart(1, len(keys) + 1, chart)
