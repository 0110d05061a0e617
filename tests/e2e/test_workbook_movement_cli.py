"""The workbook's movement and forecast sheets: the console script in a subprocess seeds a SQLite demo
book and exports the workbook, read back with openpyxl. The movement must add up, per currency, from
its start to its end, and be drawn as a waterfall."""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import dealflow_executable
from dealflow.reports.periods import quarter_before

TOTALS = ("start", "end")


def dealflow(db: Path, *args: object) -> str:
    env = {**os.environ, "DEALFLOW_ACTOR": "ana"}
    env.pop("DEALFLOW_DB", None)
    done = subprocess.run(
        [dealflow_executable(), "--db", str(db), *map(str, args)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("movement")
    dealflow(folder / "demo.db", "demo")
    dealflow(folder / "demo.db", "export", "workbook", "-o", folder / "book.xlsx")
    return folder / "book.xlsx"


def rows(sheet: Any) -> list[dict[str, Any]]:
    found = list(sheet.iter_rows(values_only=True))
    return [dict(zip(found[0], row, strict=True)) for row in found[1:]]


def test_the_movement_and_forecast_sheets_come_after_the_pipeline_sheets(workbook):
    names = openpyxl.load_workbook(workbook, read_only=True).sheetnames

    new = ["movement", "movement flow", "forecast periods", "forecast accuracy", "forecast accuracy by owner"]
    assert names[names.index("pipeline stalled") + 1 : names.index("concessions summary")] == new


def test_each_currency_walks_from_its_start_by_its_changes_to_its_end(workbook):
    movement = rows(openpyxl.load_workbook(workbook)["movement"])

    walks: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in movement:
        bucket = row["bucket"] if row["bucket"] in TOTALS else "steps"
        walks[row["currency"]][bucket] += row["change"]
    assert walks, "the demo book has no movement"
    for currency, walk in walks.items():
        assert walk["start"] + walk["steps"] == pytest.approx(walk["end"], abs=0.005), currency
        ends = [row for row in movement if row["currency"] == currency and row["bucket"] == "end"]
        assert ends[0]["total"] == ends[0]["value"]  # the waterfall's last column is the end total


def test_the_movement_has_a_waterfall_per_currency_and_the_forecast_a_chart_by_period(workbook):
    sheets = openpyxl.load_workbook(workbook)

    currencies = {row["currency"] for row in rows(sheets["movement"])}
    assert len(sheets["movement"]._charts) == len(currencies)
    assert all(len(chart.series) == 4 for chart in sheets["movement"]._charts)
    assert len(sheets["forecast periods"]._charts) == 1


def test_the_about_sheet_gives_the_day_the_movement_starts_from(workbook):
    facts = {row["fact"]: row["value"] for row in rows(openpyxl.load_workbook(workbook)["about"])}

    start = quarter_before(date.today())
    assert facts["movement: from"] == datetime(start.year, start.month, start.day)
    assert "movement: close window" not in facts  # not given: left off, not an empty cell
