"""Small helpers shared by the benchmarks: medians, timers, peak memory, a scratch folder."""

from __future__ import annotations

import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

TESTS = Path(__file__).parents[1] / "tests"  # bulk_book: the tests' realistic book, cloned from domain-built deals


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_command(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="dealflow-bench-"))


def executable(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def installed_env(**extra: str) -> dict[str, str]:
    """The environment a user's installed dealflow runs in: its modules byte-compiled, as pip leaves
    them. An editable install compiles on first use, unless PYTHONDONTWRITEBYTECODE (set in some
    shells, this project's sandbox among them) makes every run compile dealflow from source: 30-50 ms."""
    import dealflow

    compileall.compile_dir(str(Path(dealflow.__file__).parent), quiet=1)
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def bulk_store(name: str, deals: int) -> tuple[Path, int, float]:
    """A SQLite store of `deals` realistic deals (the tests' bulk book): its file, its events and the
    seconds it took to write."""
    sys.path.insert(0, str(TESTS))
    from bulk_book import fill
    from dealflow.application import DealflowApp

    store = scratch() / name
    app = DealflowApp(str(store))
    started = time.perf_counter()
    events = fill(app, deals)
    generated = time.perf_counter() - started
    app.close()
    return store, events, generated
