"""Issue 5: `dealflow export deals` of a 100,000-deal SQLite book to XLSX and to CSV, as a user runs
it (the console script in a subprocess): seconds and peak memory, medians of RUNS each; and the
workbook of every report once. Targets: XLSX at most 10 s and 200 MB, CSV at most 3 s."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import executable, installed_env, scratch

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from bulk_book import fill  # the tests' fast book builder
from dealflow.application import DealflowApp
from dealflow.projections.runner import Projections

DEALS = 100_000
RUNS = 3


def _book(store: Path) -> dict[str, float]:
    """The store, and its projections caught up: an export reads them, it does not build them."""
    started = time.perf_counter()
    app = DealflowApp(str(store))
    try:
        events = fill(app, DEALS)
        filled = time.perf_counter()
        with Projections(app) as projections:
            projections.catch_up()
    finally:
        app.close()
    return {"events": events, "fill_s": filled - started, "catch_up_s": time.perf_counter() - filled}


# Runs the export and reports its time and peak memory. A child's peak includes what it inherited at
# fork, so a large benchmark process would show its own size: a small process starts the export.
MEASURE = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(process.pid, 0)
print(json.dumps({"seconds": time.perf_counter() - started, "peak_kb": usage.ru_maxrss,
                  "code": os.waitstatus_to_exitcode(status), "stderr": process.stderr.read().decode()}))
"""


def _export(store: Path, *args: str) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of one `dealflow export` run."""
    env = installed_env(DEALFLOW_DB=str(store))
    command = [sys.executable, "-c", MEASURE, executable("dealflow"), "export", *args]
    measured = json.loads(subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout)
    if measured["code"]:
        raise RuntimeError(f"dealflow export {' '.join(args)} failed: {measured['stderr']}")
    return measured["seconds"], measured["peak_kb"] / 1024


def _medians(store: Path, *args: str) -> dict[str, float]:
    runs = [_export(store, *args) for _ in range(RUNS)]
    return {
        "median_s": round(statistics.median(seconds for seconds, _ in runs), 2),
        "median_peak_mb": round(statistics.median(peak for _, peak in runs), 1),
        "runs_s": [round(seconds, 2) for seconds, _ in runs],
    }


def run() -> dict[str, object]:
    folder = scratch()
    try:
        store = folder / "book.db"
        built = _book(store)
        xlsx = _medians(store, "deals", "-o", str(folder / "deals.xlsx"))
        csv = _medians(store, "deals", "-o", str(folder / "deals.csv"))
        with (folder / "deals.csv").open(encoding="utf-8") as rows:
            assert sum(1 for _ in rows) == DEALS + 1, "the CSV does not hold every deal"
        workbook_s, workbook_mb = _export(store, "workbook", "-o", str(folder / "book.xlsx"))
        return {
            "deals": DEALS,
            "events": built["events"],
            "build_store_s": round(built["fill_s"], 1),
            "catch_up_projections_s": round(built["catch_up_s"], 1),
            "runs": RUNS,
            "xlsx": {**xlsx, "target_s": 10.0, "target_peak_mb": 200.0},
            "csv": {**csv, "target_s": 3.0},
            "workbook": {"seconds": round(workbook_s, 2), "peak_mb": round(workbook_mb, 1)},
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
