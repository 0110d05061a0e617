"""Issue 14: `dealflow verify --all` on a store of about a million events (target: at least
100,000 events a second on SQLite), and `dealflow checkpoint`, run as the installed command."""

from __future__ import annotations

import json
import statistics
import subprocess
import time

from common import bulk_store, executable, installed_env

DEALS = 100_000  # about a million events, as the projections' bench
RUNS = 3


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


def run() -> dict[str, object]:
    store, events, generated = bulk_store("sealed.db", DEALS)
    env = installed_env(DEALFLOW_DB=str(store), DEALFLOW_ACTOR="bench")
    dealflow = executable("dealflow")
    verified = [_timed([dealflow, "verify", "--json"], env) for _ in range(RUNS)]
    assert all(json.loads(out)["verdict"] == "pass" and json.loads(out)["events"] == events for _, out in verified)
    checkpoints = [_timed([dealflow, "checkpoint"], env)[0] for _ in range(RUNS)]
    verify_seconds = statistics.median(seconds for seconds, _ in verified)
    return {
        "deals": DEALS,
        "events": events,
        "sealed_store_generation_seconds": round(generated, 1),
        "sealed_store_generation_events_per_second": round(events / generated),
        "verify_runs": RUNS,
        "verify_median_seconds": round(verify_seconds, 2),
        "verify_events_per_second": round(events / verify_seconds),
        "checkpoint_median_seconds": round(statistics.median(checkpoints), 2),
    }
