"""Issue 15: `dealflow deals` with one filter on a SQLite book of 100,000 deals, as a user runs it
(the console script in a subprocess, the projections caught up first), beside `dealflow pipeline`
and the import of SQLAlchemy that both pay, interleaved so that all see the same machine load.
Medians of RUNS each, and how many deals each lists: past a few hundred, printing them costs more than
finding them (about 10 µs a deal to find, 25 µs to print a table row). Target: each filter at most
0.5 s, the budget of `pipeline`."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

from common import bulk_store, executable, installed_env

DEALS = 100_000
RUNS = 7
FILTERS = {  # the bulk book's deals: owners owner-00 .. owner-24 (and owner-NN-b), 20,000 accounts
    "account": ("--account", "Account 01234"),
    "search": ("--search", "account 0123"),
    "owner": ("--owner", "owner-07"),  # exact, though owner-07-b begins so too
    "owner_prefix": ("--owner", "owner-07-"),
    "stage": ("--stage", "value"),
    "status": ("--status", "won"),
    "close_before": ("--close-before", (date.today() - timedelta(days=760)).isoformat()),  # the earliest 1 %
    "sorted_limited": ("--sort", "value", "--desc", "--limit", "20"),
}


def _seconds(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def run() -> dict[str, object]:
    store, events, generated = bulk_store("book.db", DEALS)
    env = installed_env(DEALFLOW_DB=str(store), DEALFLOW_ACTOR="bench")
    dealflow = executable("dealflow")
    built, _ = _seconds([dealflow, "projections", "rebuild"], env)

    times: dict[str, list[float]] = {name: [] for name in (*FILTERS, "owner_json", "pipeline", "import_sqlalchemy")}
    listed: dict[str, int] = {}
    for _ in range(RUNS):  # interleaved: every command sees the same machine load
        for name, options in FILTERS.items():
            seconds, shown = _seconds([dealflow, "deals", *options], env)
            times[name].append(seconds)
            listed[name] = max(len(shown.splitlines()) - 1, 0)  # less the header
        times["owner_json"].append(_seconds([dealflow, "deals", *FILTERS["owner"], "--json"], env)[0])
        times["pipeline"].append(_seconds([dealflow, "pipeline", "--json"], env)[0])
        times["import_sqlalchemy"].append(_seconds([sys.executable, "-c", "import sqlalchemy"], env)[0])
    medians = {name: round(statistics.median(found) * 1000, 1) for name, found in times.items()}
    return {
        "deals": DEALS,
        "events": events,
        "store_generation_seconds": round(generated, 1),
        "projections_rebuild_seconds": round(built, 1),
        "runs": RUNS,
        **{f"deals_{name}_median_ms": medians[name] for name in (*FILTERS, "owner_json")},
        "deals_listed": listed,
        "deals_slowest_filter_median_ms": max(medians[name] for name in FILTERS),
        "target_ms": 500,
        "pipeline_json_median_ms": medians["pipeline"],
        # what any process that reads the projections pays before its first query: the machine's speed of the moment
        "python_import_sqlalchemy_median_ms": medians["import_sqlalchemy"],
    }
