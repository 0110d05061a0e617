"""Issue 3: `dealflow act` on an existing deal in a 1,000-deal SQLite store against
`sqlite-utils insert` of one row, side by side, medians of RUNS each. Issue 15: `dealflow note` too,
in the same run (the seller's views must not make recording slower: read commands alone import them)."""

from __future__ import annotations

import compileall
import json
import os
import statistics
from pathlib import Path

import dealflow
from common import executable, scratch, time_command
from dealflow.application import DealflowApp

DEALS = 1_000
RUNS = 31


def run() -> dict[str, object]:
    folder = scratch()
    store = folder / "book.db"
    app = DealflowApp(str(store))
    for n in range(DEALS):
        app.open_deal(account=f"Account {n}", title="Deal", actor="bench", deal_id=f"D-{n:04d}")
    app.close()
    row = folder / "row.json"
    row.write_text(json.dumps({"category": "business", "summary": "met the CFO"}))
    # Byte-compiled, as pip leaves sqlite-utils: an editable install compiles on first use, unless
    # PYTHONDONTWRITEBYTECODE (set in some shells) makes every run compile dealflow from source.
    compileall.compile_dir(str(Path(dealflow.__file__).parent), quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(DEALFLOW_DB=str(store), DEALFLOW_ACTOR="bench")
    act = [
        executable("dealflow"),
        "act",
        "D-0500",
        "collect-info",
        "--category",
        "business",
        "--summary",
        "met the CFO",
    ]
    insert = [executable("sqlite-utils"), "insert", str(folder / "other.db"), "facts", str(row)]
    note = [executable("dealflow"), "note", "D-0501", "called the CFO back"]
    ours, noted, theirs = [], [], []
    for _ in range(RUNS):  # interleaved, so all see the same machine load
        ours.append(time_command(act, env))
        noted.append(time_command(note, env))
        theirs.append(time_command(insert))
    dealflow_ms = statistics.median(ours) * 1000
    note_ms = statistics.median(noted) * 1000
    sqlite_utils_ms = statistics.median(theirs) * 1000
    return {
        "runs": RUNS,
        "dealflow_act_median_ms": round(dealflow_ms, 1),
        "dealflow_note_median_ms": round(note_ms, 1),
        "sqlite_utils_insert_median_ms": round(sqlite_utils_ms, 1),
        "ratio": round(dealflow_ms / sqlite_utils_ms, 2),
        "note_ratio": round(note_ms / sqlite_utils_ms, 2),
        "ratio_target": 1.0,
    }
