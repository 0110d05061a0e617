"""Issue 4: rebuilding the three projections from a million events on a SQLite file (events per
second and peak memory of the `dealflow projections rebuild` process, against a raw `sqlite3`
scan of the same events table), then `dealflow pipeline --json` and `dealflow ageing --json` on
the caught-up store of 100,000 deals. Medians of RUNS each."""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import bulk_store, executable, installed_env

DEALS = 100_000  # about a million events: most deals die young, won ones carry forty events
REBUILDS = 3
SCANS = 3
REPORTS = 9


def _measured(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss / 1024


def _raw_scan(path: Path) -> tuple[float, int]:
    """Every stored event read by the standard library alone: the floor for reading the log."""
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    count = 0
    for _ in connection.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events"):
        count += 1
    connection.close()
    return time.perf_counter() - start, count


def run() -> dict[str, object]:
    store, events, generated = bulk_store("book.db", DEALS)
    env = installed_env(DEALFLOW_DB=str(store), DEALFLOW_ACTOR="bench")
    dealflow = executable("dealflow")

    rebuilds = [_measured([dealflow, "projections", "rebuild"], env) for _ in range(REBUILDS)]
    scans = [_raw_scan(store) for _ in range(SCANS)]
    assert all(count == events for _, count in scans)
    rebuild_seconds = statistics.median(seconds for seconds, _ in rebuilds)
    scan_seconds = statistics.median(seconds for seconds, _ in scans)

    pipeline, ageing, floor = [], [], []
    for _ in range(REPORTS):  # interleaved, so all three see the same machine load
        pipeline.append(_measured([dealflow, "pipeline", "--json"], env)[0])
        ageing.append(_measured([dealflow, "ageing", "--json"], env)[0])
        floor.append(_measured([sys.executable, "-c", "import sqlalchemy"], env)[0])
    return {
        "deals": DEALS,
        "events": events,
        "store_generation_seconds": round(generated, 1),
        "rebuild_runs": REBUILDS,
        "rebuild_median_seconds": round(rebuild_seconds, 2),
        "rebuild_events_per_second": round(events / rebuild_seconds),
        "rebuild_events_per_second_target": 50_000,
        "rebuild_peak_memory_mb": round(max(memory for _, memory in rebuilds), 1),
        "rebuild_peak_memory_mb_target": 300,
        "raw_sqlite3_scan_median_seconds": round(scan_seconds, 2),
        "raw_sqlite3_scan_events_per_second": round(events / scan_seconds),
        "rebuild_to_raw_scan_ratio": round(rebuild_seconds / scan_seconds, 1),
        "report_runs": REPORTS,
        "pipeline_json_median_ms": round(statistics.median(pipeline) * 1000, 1),
        "ageing_json_median_ms": round(statistics.median(ageing) * 1000, 1),
        "report_target_ms": 500,
        # What any process that reads the projections pays before its first query: the machine's speed of the moment
        "python_import_sqlalchemy_median_ms": round(statistics.median(floor) * 1000, 1),
    }
