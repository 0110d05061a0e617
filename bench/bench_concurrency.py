"""Eight people recording at once: commands per second of RECORDERS concurrent recorders (every
command counted, whatever its exit code), how long a command takes (median, and 95th percentile with
others), and the share of them that lost a race and must be run again, on a SQLite file and on
PostgreSQL; one recorder alone on the same store as the reference; medians of RUNS runs each. Each
recorder is one Python driver that runs the installed `dealflow` console script COMMANDS times, every
other command on one deal everybody shares and the rest on a deal of its own: notes, actions,
forecasts and assignments, which the method accepts in any order.

What limits the throughput is starting a process per command, not the store. Measured on two CPUs
shared with other jobs (load average about 9): `python -c pass` takes 11 ms and `dealflow --version`
55 ms. Taken apart in a fresh interpreter (`one_note_in_process_median_ms`), one note spends about
35 ms importing the CLI and 55 ms importing the application (eventsourcing, the deal aggregate, the
lifecycle machine); then on SQLite 2 ms importing the driver, 1 ms opening the store and 6 ms loading
the deal and saving the note; on PostgreSQL 100 ms importing psycopg and eventsourcing's PostgreSQL
module, 25 ms connecting and running eventsourcing's schema statements (on every start) and 11 ms for
the note. All of it is CPU: a command costs the recorders 130-160 ms of CPU on SQLite and 290-360 ms
on PostgreSQL (the server's own CPU not counted), so C CPUs run at most C / that many commands a
second (`cpu_ceiling_commands_per_second`), and other jobs on the same CPUs take their share of it.
One recorder alone already keeps one CPU busy, so on two CPUs eight recorders do only 1.2-1.3 times
as many commands a second as one (SQLite 8.8 against 6.8, PostgreSQL 3.8 against 3.2). The store's
locks cost little beside that: SQLite makes writers wait for its file lock (up to 30 s) rather than
fail, PostgreSQL holds a table lock for the few milliseconds of an insert.

A race lost to another writer (all on the shared deal: nobody else writes to a recorder's own) is
retried inside dealflow, the command judged again on a fresh load after a jittered pause
(`dealflow.application.retried`), so `lost_race_share` counts only the commands that lost every
attempt. Before the retry it was 5.8 % of the commands on SQLite and 5.0 % on PostgreSQL; with it,
0 on both (on two CPUs with a load average of 8 to 29 from other jobs, which also set the throughput
and durations of those runs: compare CPU per command, 270-290 ms on SQLite, 560-580 ms on PostgreSQL,
before and after alike).

PostgreSQL: DEALFLOW_BENCH_POSTGRES_URL, else a local server, in a schema of its own, dropped after."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from common import executable, scratch, time_command
from dealflow.application import DealflowApp

RECORDERS = 8
COMMANDS = 30  # per recorder and run
RUNS = 3
STARTS = 21  # timings of `dealflow --version` and of a bare interpreter
SHARED = "SHARED"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
LOST_RACE = "changed by someone else"
TIMEOUT = 1800  # seconds for one run of all the recorders: a failure, not a measurement

# One `dealflow note` taken apart in a fresh interpreter: the imports, opening the store, the command.
PHASES = """
import importlib, json, sys, time
marks = [time.perf_counter()]
import dealflow.cli.main
marks.append(time.perf_counter())
import dealflow.application
marks.append(time.perf_counter())
importlib.import_module("eventsourcing." + ("postgres" if sys.argv[1].startswith("postgresql") else "sqlite"))
marks.append(time.perf_counter())
app = dealflow.application.DealflowApp(sys.argv[1])
marks.append(time.perf_counter())
app.note(sys.argv[2], "phases", actor="bench")
marks.append(time.perf_counter())
names = ["import_cli", "import_application", "import_store_driver", "open_store", "note"]
print(json.dumps({name: b - a for name, a, b in zip(names, marks, marks[1:])}))
"""

# One recorder: its commands one after another; prints each one's exit code, stderr line and seconds.
DRIVER = """
import json, subprocess, sys, time
dealflow, plan = sys.argv[1], json.load(open(sys.argv[2]))
for argv in plan:
    started = time.perf_counter()
    done = subprocess.run([dealflow, *argv], capture_output=True, text=True)
    print(json.dumps([done.returncode, done.stderr.strip(), time.perf_counter() - started]), flush=True)
"""


def run() -> dict[str, object]:
    folder = scratch()
    driver = folder / "recorder.py"
    driver.write_text(DRIVER)
    return {
        "recorders": RECORDERS,
        "commands_per_recorder": COMMANDS,
        "runs": RUNS,
        "cpus": os.cpu_count(),
        **_start_up(),
        "sqlite": _measure(lambda n: str(folder / f"run-{n}.db"), driver),
        "postgresql": _on_postgres(driver),
    }


def _start_up() -> dict[str, float]:
    """What every command pays before it touches the store."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    bare = [time_command([sys.executable, "-c", "pass"], env) for _ in range(STARTS)]
    version = [time_command([executable("dealflow"), "--version"], env) for _ in range(STARTS)]
    return {
        "python_start_median_ms": _ms(statistics.median(bare)),
        "dealflow_version_median_ms": _ms(statistics.median(version)),
    }


def _on_postgres(driver: Path) -> dict[str, object]:
    try:
        import psycopg
    except ImportError:
        return {"skipped": "psycopg is not installed: pip install 'dealflow[postgres]'"}
    server = os.environ.get("DEALFLOW_BENCH_POSTGRES_URL", LOCAL_POSTGRES)
    try:
        with _schema(server) as url:
            return _measure(lambda _: url, driver)
    except psycopg.OperationalError as error:
        return {"skipped": f"no PostgreSQL server: {str(error).strip().splitlines()[0]}"}


@contextmanager
def _schema(server: str) -> Iterator[str]:
    """The store URL of a schema of the bench's own on the server; dropped after."""
    import psycopg
    from psycopg.sql import SQL, Identifier

    schema = f"bench_concurrency_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
        admin.execute(SQL("CREATE SCHEMA {}").format(Identifier(schema)))
    try:
        yield f"{server}{'&' if '?' in server else '?'}schema={schema}"
    finally:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
            admin.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(schema)))


def _measure(store_for_run: Callable[[int], str], driver: Path) -> dict[str, object]:
    """RUNS runs of one recorder alone, then of all of them at once; run n uses store_for_run(n)."""
    alone, together = [], []
    for n in range(RUNS):
        db = store_for_run(n)
        _prepare(db, run=n)
        alone.append(_race(db, driver, [_plan(n, 0, single=True)]))
        together.append(_race(db, driver, [_plan(n, me) for me in range(RECORDERS)]))
    single = statistics.median(r["per_second"] for r in alone)
    concurrent = statistics.median(r["per_second"] for r in together)
    cpu = statistics.median(r["cpu_per_command"] for r in together)
    return {
        "single_recorder_commands_per_second": round(single, 2),
        "concurrent_commands_per_second": round(concurrent, 2),
        "speedup": round(concurrent / single, 2),
        "cpu_ceiling_commands_per_second": round((os.cpu_count() or 1) / cpu, 2),
        "load_average_during": round(statistics.median(r["load"] for r in together), 1),
        "lost_race_share": round(statistics.median(r["lost_share"] for r in together), 3),
        "single_command_median_ms": _ms(statistics.median(r["latency"] for r in alone)),
        "concurrent_command_median_ms": _ms(statistics.median(r["latency"] for r in together)),
        "concurrent_command_p95_ms": _ms(statistics.median(r["latency_p95"] for r in together)),
        "single_cpu_ms_per_command": _ms(statistics.median(r["cpu_per_command"] for r in alone)),
        "concurrent_cpu_ms_per_command": _ms(cpu),
        "other_failures": sum(r["other_failures"] for r in alone + together),
        "one_note_in_process_median_ms": _phases(store_for_run(0), f"{SHARED}-0"),
    }


def _phases(db: str, deal: str) -> dict[str, float]:
    """Where one command's time goes, medians of STARTS cold runs: imports, opening the store, the note."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    argv = [sys.executable, "-c", PHASES, db, deal]
    runs = [json.loads(subprocess.run(argv, env=env, check=True, capture_output=True).stdout) for _ in range(STARTS)]
    return {name: _ms(statistics.median(run[name] for run in runs)) for name in runs[0]}


def _prepare(db: str, run: int) -> None:
    """The shared deal and each recorder's own (plus the lone recorder's), with a value to forecast."""
    app = DealflowApp(db)
    try:
        for deal in [f"{SHARED}-{run}", f"ALONE-{run}", *(f"OWN-{run}-{me}" for me in range(RECORDERS))]:
            app.open_deal(account="Acme Corp", title="ERP", actor="bench", deal_id=deal, value="1000", currency="EUR")
    finally:
        app.close()


def _plan(run: int, me: int, *, single: bool = False) -> list[list[str]]:
    """Every other command on the shared deal; each one accepted in any order (or lost to a race)."""
    own = f"ALONE-{run}" if single else f"OWN-{run}-{me}"
    plan = []
    for n in range(COMMANDS):
        deal, tag = (f"{SHARED}-{run}" if n % 2 else own), f"{'a' if single else 'r'}{me}-{n}"
        kind = n // 2 % 4
        if kind == 0:
            plan.append(["note", deal, tag])
        elif kind == 1:
            plan.append(["act", deal, "collect-info", "--category", "business", "--summary", tag])
        elif kind == 2:
            plan.append(["forecast", deal, "--value", str(10_000 + 100 * me + n)])
        else:
            plan.append(["assign", deal, f"owner-{tag}"])
    return plan


def _race(db: str, driver: Path, plans: list[list[list[str]]]) -> dict[str, float]:
    """All plans at once, one driver each; commands per second, lost-race share, CPU per command."""
    folder = driver.parent
    env = {**os.environ, "DEALFLOW_DB": db, "DEALFLOW_ACTOR": "bench"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    files = []
    for me, plan in enumerate(plans):
        files.append(folder / f"plan-{me}.json")
        files[-1].write_text(json.dumps(plan))
    cpu_before = _children_cpu()
    started = time.perf_counter()
    drivers = [
        subprocess.Popen(
            [sys.executable, str(driver), executable("dealflow"), str(file)], stdout=subprocess.PIPE, env=env
        )
        for file in files
    ]
    outputs = [process.communicate(timeout=TIMEOUT)[0] for process in drivers]
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    load = os.getloadavg()[0]  # the last minute's: how busy the CPUs were, with other jobs too
    results = [json.loads(line) for output in outputs for line in output.splitlines()]
    commands = sum(len(plan) for plan in plans)
    if len(results) != commands:
        raise RuntimeError(f"{commands - len(results)} commands did not report: a recorder failed")
    lost = sum(1 for code, error, _ in results if code == 1 and LOST_RACE in error)
    latencies = sorted(took for _, _, took in results)
    return {
        "per_second": commands / seconds,
        "lost_share": lost / commands,
        "latency": statistics.median(latencies),
        "latency_p95": latencies[int(0.95 * (len(latencies) - 1))],
        "cpu_per_command": cpu / commands,
        "other_failures": sum(1 for code, _, _ in results if code != 0) - lost,
        "load": load,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
