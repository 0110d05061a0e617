"""Native XLSX charts over a sheet's own cells: one series per value column, or, with the chart's
`series_by`, one per run of rows sharing a value (the pipeline's value by stage, one series per currency).

A waterfall (the pipeline's movement from start to end) is not a chart Excel's file format has, so it
is drawn as stacked columns over hidden helper cells beside the table: an invisible base that lifts
each step to where the running total stands, then its rise, its fall, or a total drawn from zero."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from dealflow.reports.table import Table

SIZE = {"width": 720, "height": 360}
GAP = 20  # pixels between charts placed one under the other
# The helper columns of a waterfall, in sheet order, and how each is drawn: the base is there only to lift.
WATERFALL: dict[str, dict[str, Any]] = {
    "base": {"fill": {"none": True}, "border": {"none": True}},
    "up": {"fill": {"color": "#3A9D5D"}, "border": {"none": True}},
    "down": {"fill": {"color": "#C0504D"}, "border": {"none": True}},
    "total": {"fill": {"color": "#4F81BD"}, "border": {"none": True}},
}
TOTALS = ("start", "end")  # the movement report's totals: drawn from zero, never stacked on the running total
HELPER_WIDTH = 10  # hidden, but a width of its own keeps every column of the sheet as wide as the rest


class Runs:
    """The sheet rows of each run of equal values in one column, noted as rows stream past."""

    helpers = 0  # columns written beside the table's own

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


def step(running: Decimal, category: str, change: Decimal) -> tuple[Decimal, dict[str, Decimal]]:
    """The running total after one row of a waterfall, and the helper cells that draw the row.

    A rise stands on the total before it; a fall on the total after it, so that its bar reaches
    back up to where the total was; a total stands on zero. The bars are sizes, never negative: a
    stacked column cannot float a bar across zero, and the pipeline's running total never goes
    below it (its open value is a sum of amounts). A step of zero is a rise of nothing."""
    if category in TOTALS:
        return change, {"base": Decimal(0), "total": change}
    after = running + change
    if change >= 0:
        return after, {"base": running, "up": change}
    return after, {"base": after, "down": -change}


class Waterfall(Runs):
    """Runs of a waterfall's rows, each a walk from its start to its end (one per currency with
    `series_by`), whose helper cells are written as each row is: in constant_memory mode a row is
    flushed to disk once the next begins, so they cannot wait for the rows after it."""

    helpers = len(WATERFALL)

    def __init__(self, table: Table, sheet: Any, header: Any, money: Callable[[Mapping[str, Any]], Any]) -> None:
        spec = table.chart
        assert spec is not None
        super().__init__(spec.series_by)
        self.sheet, self.money = sheet, money
        self.category, self.value = spec.category, spec.values[0]
        self.first = len(table.columns)
        self.running = Decimal(0)
        for offset, name in enumerate(WATERFALL):
            sheet.write_string(0, self.first + offset, name, header)
        sheet.set_column(self.first, self.first + self.helpers - 1, HELPER_WIDTH, None, {"hidden": True})

    def see(self, row: Mapping[str, Any], number: int) -> None:
        super().see(row, number)
        if number == 1 or (self.found and self.found[-1][1] == number):  # a new walk begins
            self.running = Decimal(0)
        change = row.get(self.value)
        self.running, cells = step(self.running, str(row.get(self.category)), Decimal(change or 0))
        for offset, name in enumerate(WATERFALL):
            if name in cells:
                self.sheet.write_number(number, self.first + offset, float(cells[name]), self.money(row))


def runs_for(table: Table, sheet: Any, header: Any, money: Callable[[Mapping[str, Any]], Any]) -> Runs:
    """What the table's chart needs noted of its rows as they are written: runs, or a waterfall's cells."""
    spec = table.chart
    if spec is not None and spec.kind == "waterfall":
        return Waterfall(table, sheet, header, money)
    return Runs(spec.series_by if spec else None)


def add_chart(workbook: Any, sheet: Any, table: Table, count: int, runs: Runs) -> None:
    spec = table.chart
    assert spec is not None
    keys = [column.key for column in table.columns]
    if isinstance(runs, Waterfall):
        _add_waterfalls(workbook, sheet, table, count, runs)
        return
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


def _add_waterfalls(workbook: Any, sheet: Any, table: Table, count: int, runs: Waterfall) -> None:
    """A chart per walk, one under the other, right of the hidden helper columns."""
    spec = table.chart
    assert spec is not None
    category = [column.key for column in table.columns].index(spec.category)
    walks = runs.found or [("", 1, count)]
    for index, (value, start, end) in enumerate(walks):
        chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
        for offset, style in enumerate(WATERFALL.values()):
            col = runs.first + offset
            chart.add_series(
                {
                    "name": [sheet.name, 0, col],
                    "categories": [sheet.name, start, category, end, category],
                    "values": [sheet.name, start, col, end, col],
                    "gap": 50,
                    **style,
                }
            )
        chart.show_hidden_data()  # the helper columns are hidden, and Excel leaves hidden cells out of charts
        chart.set_legend({"position": "bottom", "delete_series": [0]})
        chart.set_title({"name": f"{spec.title}: {value}" if value else spec.title})
        chart.set_size(SIZE)
        sheet.insert_chart(1, runs.first + runs.helpers + 1, chart, {"y_offset": index * (SIZE["height"] + GAP)})
