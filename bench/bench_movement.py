"""Issue 16: `movement` between two days and `forecast --accuracy` over 8 quarters on a SQLite book of
100,000 deals and about a million events, after catch-up: the reports themselves in this process
(what the target of 0.5 s is for), then as a user runs them (the console script, process start and
imports included), beside `pipeline --json`, interleaved so that all see the same machine load; and
`export report` (target 3 s). Medians of RUNS each."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import date, timedelta

from common import bulk_store, executable, installed_env, scratch

DEALS = 100_000
RUNS = 7
TODAY = date.today()


def _spans() -> dict[str, tuple[date, date]]:
    from dealflow.reports.periods import period_of, quarter_before

    last_quarter = period_of(quarter_before(TODAY), "quarter")
    return {
        "quarter_to_date": (quarter_before(TODAY), TODAY),
        "last_quarter": (last_quarter.first_day - timedelta(days=1), last_quarter.last_day),
        "last_year": (TODAY - timedelta(days=365), TODAY),
        "whole_history": (date(2000, 1, 1), TODAY),
    }


def _in_process(store: str) -> dict[str, float]:
    """Each report's median in one process, the projections caught up first."""
    from dealflow.application import DealflowApp
    from dealflow.projections.runner import Projections
    from dealflow.reports.forecast import forecast_report
    from dealflow.reports.movement import movement_report

    app = DealflowApp(store)
    reports: dict[str, Callable[..., object]] = {}
    for name, (start, end) in _spans().items():
        reports[f"movement_{name}"] = lambda c, s=start, e=end: movement_report(c, start=s, end=e)
    first, last = _spans()["last_year"]
    reports["movement_last_year_by_owner"] = lambda c: movement_report(c, start=first, end=last, by="owner")
    reports["forecast"] = lambda c: forecast_report(c, today=TODAY, settings_on=app.settings)
    reports["forecast_accuracy_8_quarters"] = lambda c: forecast_report(
        c, today=TODAY, settings_on=app.settings, periods=8, accuracy=True
    )
    times: dict[str, list[float]] = {name: [] for name in reports}
    try:
        with Projections(app) as projections:
            projections.catch_up()
            with projections.reading() as connection:
                for _ in range(RUNS):
                    for name, report in reports.items():
                        start = time.perf_counter()
                        report(connection)
                        times[name].append(time.perf_counter() - start)
    finally:
        app.close()
    return {f"{name}_median_ms": round(statistics.median(found) * 1000, 1) for name, found in times.items()}


def _seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def run() -> dict[str, object]:
    store, events, generated = bulk_store("book.db", DEALS)
    env = installed_env(DEALFLOW_DB=str(store), DEALFLOW_ACTOR="bench")
    dealflow = executable("dealflow")
    start = time.perf_counter()
    subprocess.run([dealflow, "projections", "rebuild"], env=env, capture_output=True, check=True)
    rebuilt = time.perf_counter() - start
    in_process = _in_process(str(store))

    page = scratch() / "report.html"
    year_ago = (TODAY - timedelta(days=365)).isoformat()
    commands = {
        "movement": ["movement", "--json"],
        "movement_last_year": ["movement", "--from", year_ago, "--json"],
        "forecast_accuracy_8_quarters": ["forecast", "--accuracy", "--periods", "8", "--json"],
        "pipeline_json": ["pipeline", "--json"],
        "export_report": ["export", "report", "-o", str(page)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(RUNS):  # interleaved: every command sees the same machine load
        for name, options in commands.items():
            times[name].append(_seconds([dealflow, *options], env))
    return {
        "deals": DEALS,
        "events": events,
        "store_generation_seconds": round(generated, 1),
        "projections_rebuild_cli_seconds": round(rebuilt, 1),
        "rebuild_events_per_second": round(events / rebuilt),
        "runs": RUNS,
        "in_process_after_catch_up": in_process,
        "in_process_target_ms": 500,
        **{f"cli_{name}_median_ms": round(statistics.median(found) * 1000, 1) for name, found in times.items()},
        "export_report_target_ms": 3000,
        "report_page_bytes": page.stat().st_size,
    }
