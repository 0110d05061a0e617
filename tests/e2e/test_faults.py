"""Faults a store survives, with the real console script: an import killed part-way and run again
ends as one clean import (deals from a CRM export, and an event log), and a PostgreSQL server
stopped in the middle of a command leaves nothing half-written and one line saying what to do.

(A rebuild of the projections killed part-way is tested on both stores in
tests/integration/test_projections.py.) The server that is stopped is a temporary one of this
module's own (tests/pg_cluster.py), never the shared one.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import Dealflow, dealflow_executable
from crm_export import EVENTS_A_ROW, OPTIONS, crm_export
from dealflow.application import DealflowApp
from dealflow.imports.runner import CHUNK
from pg_cluster import PASSWORD, USER, Cluster

ACTOR = "ana"
ROWS = 8_000  # deals: 24,000 events in two chunks, a few seconds of writing on either store
LOG_LINES = 8_000  # of the event log: two chunks
KILL_TIMEOUT = 300  # seconds for an import to save its first chunk on two busy CPUs
STOPPED_TIMEOUT = 300  # seconds for a command to give up on a stopped server (the library retries for a while)


@dataclass
class Reference:
    """What one clean import of the export gives: the figures a killed and resumed import must end with."""

    csv: Path
    log: Path  # the first LOG_LINES lines of the clean store's event log, as `export events` writes them
    events: int
    deals: Any
    pipeline: Any


def as_json(cli: Dealflow, *args: str) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """A clean import into a SQLite file of its own. (Both stores give the same JSON for the same
    events, so it is the reference for the PostgreSQL runs too.)"""
    folder = tmp_path_factory.mktemp("reference")
    export = folder / "opportunities.csv"
    crm_export(export, ROWS)
    clean = Dealflow(str(folder / "clean.db"), actor=ACTOR)
    clean.run("import", "deals", export, *OPTIONS, check=True)
    log = folder / "log.jsonl"
    lines = clean.run("export", "events", "--format", "jsonl", check=True).stdout.splitlines()
    log.write_text("".join(f"{line}\n" for line in lines[:LOG_LINES]), encoding="utf-8")
    return Reference(export, log, clean.events(), as_json(clean, "deals"), as_json(clean, "pipeline"))


def killed_while_saving(cli: Dealflow, *args: object) -> int:
    """Run the command and SIGKILL it once the store holds some of the events it writes: those it left."""
    env = {**os.environ, "DEALFLOW_DB": cli.db, "DEALFLOW_ACTOR": cli.actor}
    watcher = DealflowApp(cli.db)
    try:
        running = subprocess.Popen(
            [dealflow_executable(), *map(str, args)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + KILL_TIMEOUT
            while watcher.event_count() == 0:
                assert running.poll() is None, "the import ended before it saved anything"
                assert time.monotonic() < deadline, "the import saved nothing in time"
                time.sleep(0.01)
        finally:
            running.kill()
            running.wait()
        return watcher.event_count()
    finally:
        watcher.close()


def log_lines(text: str) -> list[dict[str, Any]]:
    """An event log's lines but for what each store gives afresh (position, recorded_at)."""
    rows = [json.loads(line) for line in text.splitlines()]
    return [{k: v for k, v in row.items() if k not in ("position", "recorded_at")} for row in rows]


# --- an import killed part-way ---------------------------------------------------------------------


@pytest.mark.slow
def test_a_deals_import_killed_part_way_and_run_again_ends_as_one_clean_import(dealflow_on, reference):
    left = killed_while_saving(dealflow_on, "import", "deals", reference.csv, *OPTIONS)

    assert 0 < left < reference.events, "the import ended before it was killed: give the test more rows"
    assert left % (CHUNK * EVENTS_A_ROW) == 0  # whole chunks saved, none half-saved

    again = dealflow_on.run("import", "deals", reference.csv, *OPTIONS, "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["already"], summary["imported"]) == (left // EVENTS_A_ROW, ROWS - left // EVENTS_A_ROW)
    assert dealflow_on.events() == reference.events
    deals = as_json(dealflow_on, "deals")
    assert len({deal["id"] for deal in deals}) == len(deals) == ROWS
    assert deals == reference.deals
    assert as_json(dealflow_on, "pipeline") == reference.pipeline


@pytest.mark.slow
def test_an_event_log_import_killed_part_way_and_run_again_ends_as_one_clean_import(dealflow_on, reference):
    """The log is checked whole before anything is written (docs/imports.md), but written a chunk a
    transaction like every import: killed while writing, it leaves whole chunks and resumes."""
    left = killed_while_saving(dealflow_on, "import", "events", reference.log)

    assert 0 < left < LOG_LINES, "the import ended before it was killed: give the test more lines"
    assert left % CHUNK == 0

    again = dealflow_on.run("import", "events", reference.log, "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["already"], summary["imported"]) == (left, LOG_LINES - left)
    assert dealflow_on.events() == LOG_LINES
    exported = dealflow_on.run("export", "events", "--format", "jsonl", check=True).stdout
    assert log_lines(exported) == log_lines(reference.log.read_text(encoding="utf-8"))  # each line once, in order


# --- the PostgreSQL server stopped in the middle of a command --------------------------------------


@dataclass
class Blocked:
    """A `dealflow` process waiting for a lock on the events table that the test holds."""

    process: subprocess.Popen[str]
    statement: str  # what the process is waiting to run


@contextmanager
def blocked_command(server: Cluster, cli: Dealflow, lock: str, *args: str) -> Iterator[Blocked]:
    """The command, started with the store's events table locked in `lock` mode and waiting for it;
    killed at the end of the block if it is still running."""
    from psycopg.sql import SQL, Identifier

    schema, table = events_table(cli.db)
    holder = server.admin(autocommit=False)  # its transaction, and the lock, last until the server stops
    try:
        holder.execute(SQL(f"LOCK TABLE {{}}.{{}} IN {lock} MODE").format(Identifier(schema), Identifier(table)))
        env = {**os.environ, "DEALFLOW_DB": cli.db, "DEALFLOW_ACTOR": cli.actor}
        process = subprocess.Popen(
            [dealflow_executable(), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            yield Blocked(process, waiting_statement(server, process))
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    finally:
        with suppress(Exception):  # after the server stopped, closing may fail: the connection is gone anyway
            holder.close()


def events_table(url: str) -> tuple[str, str]:
    app = DealflowApp(url)
    try:
        recorder: Any = app.recorder
        return recorder.datastore.schema, recorder.events_table_name
    finally:
        app.close()


def waiting_statement(server: Cluster, process: subprocess.Popen[str], timeout: float = 120) -> str:
    """The statement of the CLI's session that waits for a lock, once there is one."""
    deadline = time.monotonic() + timeout
    with server.admin() as watcher:
        while True:
            found = watcher.execute(
                "SELECT query FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Lock'", (USER,)
            ).fetchone()
            if found:
                return found[0]
            assert process.poll() is None, f"the command ended instead of waiting: {process.communicate()}"
            assert time.monotonic() < deadline, "the command never waited for the lock"
            time.sleep(0.05)


def crash(server: Cluster) -> None:
    server.stop("immediate")  # as far as a client can tell, a crash: no goodbye, no commit


@pytest.mark.slow
@pytest.mark.parametrize(
    "lock",
    [
        # every statement on the table waits: the command is stopped while it sets up the store
        "ACCESS EXCLUSIVE",
        # reads pass, writes wait: the command has read the deal and is stopped inside its write transaction
        # (the library tries the write again for some 40 s before the command gives up)
        "SHARE",
    ],
)
def test_a_server_stopped_in_the_middle_of_a_command_leaves_no_partial_write_and_one_line(server, lock):
    cli = Dealflow(server.fresh_url(), actor=ACTOR)
    deal = cli.run("open", "Acme", "--title", "ERP", check=True).stdout.strip()
    before = cli.events()

    with blocked_command(server, cli, lock, "note", deal, "budget round moved to March") as blocked:
        if lock == "SHARE":
            assert not blocked.statement.lstrip().upper().startswith("CREATE"), blocked.statement
        crash(server)
        out, err = blocked.process.communicate(timeout=STOPPED_TIMEOUT)

    assert blocked.process.returncode == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"dealflow: cannot use the store postgresql://{USER}:***@")
    assert "check --db / DEALFLOW_DB and that the database is running" in err
    assert PASSWORD not in out + err

    server.start()
    assert cli.events() == before  # nothing half-written
    again = cli.run("note", deal, "budget round moved to March")
    assert again.returncode == 0, again.stderr
    assert cli.events() == before + 1
    notes = [e for e in json.loads(cli.run("history", deal, "--json", check=True).stdout) if e["event"] == "NoteAdded"]
    assert [note["text"] for note in notes] == ["budget round moved to March"]


@pytest.mark.slow
def test_a_server_back_within_moments_of_a_crash_mid_write_lets_the_command_finish_once(server):
    """eventsourcing tries a failed write again for a while: a server restarted meanwhile (a failover,
    a restart by the administrator) takes the write, once."""
    cli = Dealflow(server.fresh_url(), actor=ACTOR)
    deal = cli.run("open", "Acme", "--title", "ERP", check=True).stdout.strip()
    before = cli.events()

    with blocked_command(server, cli, "SHARE", "note", deal, "called the CFO") as blocked:
        crash(server)
        server.start()
        out, err = blocked.process.communicate(timeout=STOPPED_TIMEOUT)

    assert (blocked.process.returncode, out, err) == (0, f"{deal}: note added (version 2)\n", "")
    assert cli.events() == before + 1
    history = json.loads(cli.run("history", deal, "--json", check=True).stdout)
    assert [e["text"] for e in history if e["event"] == "NoteAdded"] == ["called the CFO"]
