"""Issue 15: `dealflow agenda` on a SQLite book of 100,000 deals, as a user runs it (the console script
in a subprocess, the projections caught up first), beside `dealflow pipeline --json`, interleaved so
that all see the same machine load. Medians of RUNS each. Target: at most 0.5 s, the budget of
`pipeline`. Also what the agenda's projection (`signals`: each deal's missing exit-signal items) adds to
rebuilding the projections: the rebuild timed with the three projections before it and with all four."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

from common import bulk_store, executable, installed_env

DEALS = 100_000
RUNS = 7
COMMANDS = {  # the bulk book's deals: owners owner-00 .. owner-24 (and owner-NN-b)
    "agenda": ("agenda",),
    "agenda_owner": ("agenda", "--owner", "owner-07"),
    "agenda_json": ("agenda", "--json"),
    "pipeline_json": ("pipeline", "--json"),
}
WHOLE = {  # every item of the book: printing them all costs more than finding them
    "agenda_all_json": ("agenda", "--all", "--json"),
    "agenda_owner_all": ("agenda", "--owner", "owner-07", "--all"),
    "agenda_as_of_30_days_ago": ("agenda", "--as-of", (date.today() - timedelta(days=30)).isoformat()),
}


def _seconds(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def _rebuild_seconds(store: str, with_signals: bool) -> float:
    """One rebuild of the projections, in this process: the three before `signals`, or all four."""
    from dealflow.application import DealflowApp
    from dealflow.projections.runner import Projections, all_projections

    chosen = [p for p in all_projections() if with_signals or p.name != "signals"]
    app = DealflowApp(store)
    try:
        with Projections(app, projections=chosen) as projections:
            start = time.perf_counter()
            projections.start_rebuild()
            projections.catch_up()
            return time.perf_counter() - start
    finally:
        app.close()


def run() -> dict[str, object]:
    store, events, generated = bulk_store("book.db", DEALS)
    env = installed_env(DEALFLOW_DB=str(store), DEALFLOW_ACTOR="bench")
    dealflow = executable("dealflow")
    before = _rebuild_seconds(str(store), with_signals=False)
    after = _rebuild_seconds(str(store), with_signals=True)
    built, _ = _seconds([dealflow, "projections", "rebuild"], env)  # as a user rebuilds: all four, by the CLI

    times: dict[str, list[float]] = {name: [] for name in (*COMMANDS, *WHOLE, "import_sqlalchemy")}
    lines: dict[str, int] = {}
    for run_number in range(RUNS):  # interleaved: every command sees the same machine load
        for name, options in COMMANDS.items():
            seconds, shown = _seconds([dealflow, *options], env)
            times[name].append(seconds)
            lines[name] = len(shown.splitlines())
        if run_number < 3:  # slower, and no target: three runs
            for name, options in WHOLE.items():
                seconds, shown = _seconds([dealflow, *options], env)
                times[name].append(seconds)
                lines[name] = len(shown.splitlines()) if "--json" not in options else len(shown)
        times["import_sqlalchemy"].append(_seconds([sys.executable, "-c", "import sqlalchemy"], env)[0])
    medians = {name: round(statistics.median(found) * 1000, 1) for name, found in times.items() if found}
    return {
        "deals": DEALS,
        "events": events,
        "store_generation_seconds": round(generated, 1),
        "projections_rebuild_seconds_without_signals": round(before, 1),
        "projections_rebuild_seconds_with_signals": round(after, 1),
        "projections_rebuild_cli_seconds": round(built, 1),
        "runs": RUNS,
        **{f"{name}_median_ms": medians[name] for name in (*COMMANDS, *WHOLE)},
        "output_lines_or_json_characters": lines,
        "target_ms": 500,
        # what any process that reads the projections pays before its first query: the machine's speed of the moment
        "python_import_sqlalchemy_median_ms": medians["import_sqlalchemy"],
    }
