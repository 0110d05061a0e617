"""Issue 2: commands per second through the application on a SQLite file (one command per save),
and loading a deal with 10 events against one with 10,000 (snapshots make it O(1))."""

from __future__ import annotations

import statistics
import time

from common import median_seconds, scratch
from dealflow.application import SNAPSHOT_EVERY, DealflowApp

COMMANDS = 2_000
LONG_HISTORY = 10_000
LOADS = 200


def _deal_with_events(app: DealflowApp, deal_id: str, count: int) -> None:
    app.open_deal(
        account="Acme Corp", title="ERP rollout", actor="bench", deal_id=deal_id, value="1000", currency="EUR"
    )
    for n in range(count - 1):
        app.note(deal_id, f"call {n}", actor="bench")


def run() -> dict[str, object]:
    app = DealflowApp(str(scratch() / "bench.db"))
    app.open_deal(account="Acme Corp", title="ERP rollout", actor="bench", deal_id="D-1")
    latencies = []
    for n in range(COMMANDS):
        start = time.perf_counter()
        if n % 2:
            app.note("D-1", f"call {n}", actor="bench")
        else:
            app.record("D-1", "collect-info", {"category": "business", "summary": f"fact {n}"}, actor="bench")
        latencies.append(time.perf_counter() - start)

    _deal_with_events(app, "SHORT", 10)
    _deal_with_events(app, "NINE", SNAPSHOT_EVERY - 1)
    _deal_with_events(app, "LONG", LONG_HISTORY)
    # the worst case: the most events that can follow the last snapshot
    _deal_with_events(app, "LONGEST", LONG_HISTORY + SNAPSHOT_EVERY - 1)
    short = median_seconds(lambda: app.deal("SHORT"), LOADS)
    long = median_seconds(lambda: app.deal("LONG"), LOADS)
    longest = median_seconds(lambda: app.deal("LONGEST"), LOADS)
    nine = median_seconds(lambda: app.deal("NINE"), LOADS)
    return {
        "commands": COMMANDS,
        "command_median_ms": round(statistics.median(latencies) * 1000, 3),
        "commands_per_second": round(1 / statistics.median(latencies)),
        "snapshot_every": SNAPSHOT_EVERY,
        "load_10_events_median_ms": round(short * 1000, 3),
        "load_10000_events_median_ms": round(long * 1000, 3),
        "load_ratio": round(long / short, 2),
        "load_worst_case_median_ms": round(longest * 1000, 3),
        "load_9_events_median_ms": round(nine * 1000, 3),
        "load_ratio_worst_case_to_9_events": round(longest / nine, 2),
        "load_ratio_target": 2.0,
    }
