"""Follower lag, with `dealflow projections follow` running beside `dealflow note` commands: the time
from a command's exit to the pipeline projection holding its event (0 when it was there before the
command had exited), and from the event's commit, as the log's head shows it, to the projection. On
a SQLite file (looked at every 0.5 s, the default) and on PostgreSQL (woken by the store's NOTIFY; the
interval is only a safety net). Median, 90th percentile and worst of COMMANDS commands each. The head
and the projection's position (its tracking row) are read directly, every POLL seconds.

PostgreSQL: DEALFLOW_BENCH_POSTGRES_URL, else a local server, in a schema of its own, dropped after."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from common import executable, installed_env, scratch
from dealflow.application import DealflowApp

COMMANDS = 50
DEALS = 10  # the notes go to these in turn
POLL = 0.002  # seconds between two reads of the log's head and the tracking row
JITTER = 0.5  # seconds: the longest random pause before a command
PATIENCE = 60.0  # seconds: a lag longer than this is a failure, not a measurement
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
POSITION = "SELECT position FROM projection_tracking WHERE name = 'pipeline'"

Query = Callable[[str], int]


def run() -> dict[str, object]:
    return {"commands": COMMANDS, "sqlite": _on_sqlite(), "postgresql": _on_postgres()}


def _on_sqlite() -> dict[str, object]:
    path = str(scratch() / "book.db")
    table = _prepare(path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        head = f"SELECT MAX(rowid) FROM {table}"  # the library's own names
        return _measured(path, head, lambda sql: _number(connection.execute(sql).fetchone()), "0.5 s (default)")
    finally:
        connection.close()


def _on_postgres() -> dict[str, object]:
    try:
        import psycopg
    except ImportError:
        return {"skipped": "psycopg is not installed: pip install 'dealflow[postgres]'"}
    server = os.environ.get("DEALFLOW_BENCH_POSTGRES_URL", LOCAL_POSTGRES)
    try:
        with _schema(server) as (url, schema):
            table = _prepare(url)
            head = f"SELECT MAX(notification_id) FROM {table}"
            with psycopg.connect(server, autocommit=True, options=f"-c search_path={schema}") as connection:
                return _measured(url, head, lambda sql: _number(connection.execute(sql).fetchone()), "5 s (default)")
    except psycopg.OperationalError as error:
        return {"skipped": f"no PostgreSQL server: {str(error).strip().splitlines()[0]}"}


@contextmanager
def _schema(server: str) -> Iterator[tuple[str, str]]:
    """A schema of the bench's own on the server, and the store URL that uses it; dropped after."""
    import psycopg
    from psycopg.sql import SQL, Identifier

    schema = f"bench_follow_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
        admin.execute(SQL("CREATE SCHEMA {}").format(Identifier(schema)))
    try:
        yield f"{server}{'&' if '?' in server else '?'}schema={schema}", schema
    finally:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
            admin.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(schema)))


def _prepare(db: str) -> str:
    """DEALS open deals; returns the name of the store's events table."""
    app = DealflowApp(db)
    try:
        for n in range(DEALS):
            app.open_deal(account=f"Account {n}", title="Deal", actor="bench", deal_id=f"D-{n:04d}")
        return app.recorder.events_table_name  # type: ignore[attr-defined]
    finally:
        app.close()


def _number(row: Any) -> int:
    return int(row[0] or 0) if row else 0


def _measured(db: str, head_sql: str, query: Query, interval: str) -> dict[str, object]:
    """Start a follower on the store, then time COMMANDS notes, each after a random pause of up to
    JITTER seconds, so that the commands do not fall into step with a polling follower."""
    env = installed_env(DEALFLOW_DB=db, DEALFLOW_ACTOR="bench")
    dealflow = executable("dealflow")
    follower = subprocess.Popen(
        [dealflow, "projections", "follow", "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    pauses = random.Random(7)
    try:
        watch = Watch(query, head_sql, follower)
        watch.until(lambda: _position(query) >= query(head_sql))
        timings = []
        for n in range(COMMANDS):
            time.sleep(pauses.uniform(0, JITTER))
            note = [dealflow, "note", f"D-{n % DEALS:04d}", f"lag {n}"]
            timings.append(watch.note(subprocess.Popen(note, env=env, stdout=subprocess.DEVNULL)))
    finally:
        follower.send_signal(signal.SIGTERM)
        stopped = follower.wait(timeout=PATIENCE)
    if stopped != 0:
        raise RuntimeError(f"the follower ended with exit code {stopped}")
    from_exit, from_commit, runs = zip(*timings, strict=True)
    return {
        "interval": interval,
        **_summary(from_exit, "lag_from_exit"),
        **_summary(from_commit, "lag_from_commit"),
        "command_median_ms": _ms(statistics.median(runs)),
    }


class Watch:
    """Polls the log's head and the pipeline projection's position while a command runs."""

    def __init__(self, query: Query, head_sql: str, follower: subprocess.Popen[Any]) -> None:
        self.query = query
        self.head_sql = head_sql
        self.follower = follower

    def note(self, command: subprocess.Popen[Any]) -> tuple[float, float, float]:
        """(from the command's exit to its event in the projection, 0 when it was there first; from the
        commit, as the log's head shows it, to the projection; the command's run), in seconds."""
        before, started = self.query(self.head_sql), time.perf_counter()
        seen: dict[str, float] = {}
        target = 0

        def look() -> bool:
            nonlocal target
            now = time.perf_counter()
            if "exit" not in seen and command.poll() is not None:
                seen["exit"] = now
            if "commit" not in seen and (head := self.query(self.head_sql)) > before:
                seen["commit"], target = now, head
            if "commit" in seen and "projected" not in seen and _position(self.query) >= target:
                seen["projected"] = now
            return "exit" in seen and "projected" in seen

        self.until(look)
        if command.returncode:
            raise RuntimeError(f"dealflow note failed with exit code {command.returncode}")
        return max(seen["projected"] - seen["exit"], 0.0), seen["projected"] - seen["commit"], seen["exit"] - started

    def until(self, done: Callable[[], bool]) -> None:
        deadline = time.perf_counter() + PATIENCE
        while not done():
            if self.follower.poll() is not None:
                raise RuntimeError(f"the follower ended with exit code {self.follower.returncode}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the pipeline projection did not catch up within {PATIENCE} s")
            time.sleep(POLL)


def _position(query: Query) -> int:
    try:
        return query(POSITION)
    except Exception as error:  # the follower has not yet created its tables
        if "projection_tracking" not in str(error):
            raise
        return 0


def _summary(seconds: Sequence[float], name: str) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        f"{name}_median_ms": _ms(statistics.median(ordered)),
        f"{name}_p90_ms": _ms(ordered[int(0.9 * (len(ordered) - 1))]),
        f"{name}_max_ms": _ms(ordered[-1]),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
