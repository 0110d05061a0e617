"""Issue 6: `dealflow import deals` of 100,000 CRM rows (300,000 events) into a new SQLite file, run
as the console script in a subprocess, against a raw `sqlite3` executemany of as many rows of the
same size into a table of the same layout, interleaved so that both see the same machine load.
Peak memory is each import's own (a helper process reports its child's maximum RSS), for a tenth
of the rows and for all of them: flat memory means the two peaks are close. Medians of RUNS.

The raw baseline does what the store does at its core and nothing else: the events table's layout
(originator_id as hex text, originator_version, topic, state; the primary key on the first two),
random ids (uuid5 ids are random), three versions an id, WAL, one transaction per import chunk
of ids (`CHUNK`), and states the size of the stored events, measured from the imported file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from common import executable, installed_env, scratch
from dealflow.imports.runner import CHUNK

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))  # the CRM export the fault tests import too
from crm_export import EVENTS_A_ROW, OPTIONS, crm_export

DEALS = 100_000
SMALL = 10_000
RUNS = 3
TARGET_EVENTS_PER_SECOND = 20_000
TARGET_RATIO, STRETCH_RATIO = 0.12, 0.25
# Runs the import and prints the peak resident memory of that one child, in KiB (Linux reports KiB).
PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def import_deals(csv_file: Path, store: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one `dealflow import deals` into a new store."""
    for stale in (store, store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
        stale.unlink(missing_ok=True)
    command = [executable("dealflow"), "--db", str(store), "import", "deals", str(csv_file), *OPTIONS]
    env = installed_env(DEALFLOW_ACTOR="bench")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *command], check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, int(done.stdout.strip()) / 1024


def stored_state_bytes(store: Path) -> int:
    with sqlite3.connect(store) as db:
        (size,) = db.execute("SELECT AVG(LENGTH(state)) FROM stored_events").fetchone()
    return round(size)


def raw_insert(folder: Path, rows: int, state_bytes: int) -> float:
    """Seconds to executemany `rows` rows of the events table's layout, one transaction per chunk."""
    path = folder / "raw.db"
    for stale in (path, path.with_name("raw.db-wal"), path.with_name("raw.db-shm")):
        stale.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE events (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
        "PRIMARY KEY (originator_id, originator_version))"
    )
    topic = "dealflow.aggregates.events:Opened"
    state = os.urandom(state_bytes)
    ids = [uuid.uuid4().hex for _ in range(rows // EVENTS_A_ROW)]
    chunks = [
        [(key, version, topic, state) for key in ids[start : start + CHUNK] for version in (1, 2, 3)]
        for start in range(0, len(ids), CHUNK)
    ]
    start = time.perf_counter()
    for chunk in chunks:
        db.execute("BEGIN")
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", chunk)
        db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def run() -> dict[str, object]:
    folder = scratch()
    small, large = folder / "deals-10k.csv", folder / "deals-100k.csv"
    crm_export(small, SMALL)
    crm_export(large, DEALS)
    store = folder / "book.db"
    events = DEALS * EVENTS_A_ROW
    ours, theirs, small_peaks, large_peaks = [], [], [], []
    state_bytes = 0
    for _ in range(RUNS):  # interleaved, so that both see the same machine load
        small_peaks.append(import_deals(small, store)[1])
        seconds, peak = import_deals(large, store)
        ours.append(seconds)
        large_peaks.append(peak)
        state_bytes = stored_state_bytes(store)
        theirs.append(raw_insert(folder, events, state_bytes))
    ours_rate = events / statistics.median(ours)
    raw_rate = events / statistics.median(theirs)
    return {
        "runs": RUNS,
        "deals": DEALS,
        "events": events,
        "import_median_s": round(statistics.median(ours), 2),
        "events_per_second": round(ours_rate),
        "events_per_second_target": TARGET_EVENTS_PER_SECOND,
        "raw_executemany_rows_per_second": round(raw_rate),
        "raw_state_bytes": state_bytes,
        "ratio_to_raw": round(ours_rate / raw_rate, 3),
        "ratio_target": TARGET_RATIO,
        "ratio_stretch": STRETCH_RATIO,
        "peak_rss_mb_10k_deals": round(statistics.median(small_peaks), 1),
        "peak_rss_mb_100k_deals": round(statistics.median(large_peaks), 1),
        "peak_rss_growth_mb": round(statistics.median(large_peaks) - statistics.median(small_peaks), 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
