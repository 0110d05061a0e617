"""`dealflow projections follow` as its own process on each store, while other processes record:
the reports' projections reach the log's head without any report catching up; SIGTERM and SIGINT
stop it cleanly, a catch-up stopping after a whole batch; a follower killed while events keep
arriving is succeeded by one that resumes exactly where it stopped; on PostgreSQL it reacts to
NOTIFY, and it outlives the server going away."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest

from bulk_book import fill
from conftest import Dealflow, dealflow_executable
from dealflow.projections.runner import Projections

T = TypeVar("T")
PATIENCE = 90  # seconds: the machine running the tests may be busy with other work
CAUGHT_UP = re.compile(r"^caught up to event (\d+) \(\+(\d+)\)$")


def eventually(check: Callable[[], T], what: str, timeout: float = PATIENCE) -> T:
    """Poll `check` until it returns something true; fail saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s (last seen: {found!r})")
        time.sleep(0.1)


class Following:
    """`dealflow projections follow` running as a process of its own, its stderr kept in a file."""

    def __init__(self, db: str, log: Path, *options: str) -> None:
        self.log = log
        env = {**os.environ, "DEALFLOW_DB": db, "DEALFLOW_ACTOR": "follower"}
        with log.open("w") as stderr:
            self.process = subprocess.Popen(
                [dealflow_executable(), "projections", "follow", *options],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()

    def says(self, start: str) -> bool:
        return any(line.startswith(start) for line in self.lines())

    def started(self) -> None:
        """Wait until it has caught up once and waits for news (it says so, unless --quiet)."""
        eventually(lambda: self.process.poll() is not None or self.says("following "), "the follower's start")
        assert self.process.poll() is None, f"the follower ended: {self.lines()}"

    def stop(self, number: int = signal.SIGTERM) -> int:
        self.process.send_signal(number)
        return self.process.wait(timeout=PATIENCE)

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=PATIENCE)


@pytest.fixture
def follow(tmp_path: Path) -> Iterator[Callable[..., Following]]:
    """Start followers; any still running at the end of the test is killed."""
    started: list[Following] = []

    def start(db: str, *options: str) -> Following:
        started.append(Following(db, tmp_path / f"follower-{len(started)}.log", *options))
        return started[-1]

    yield start
    for follower in started:
        follower.end()


def status(cli: Dealflow) -> list[dict]:
    """`projections status --json`: reading it catches nothing up."""
    result = cli("projections", "status", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def at_head(cli: Dealflow) -> int | None:
    """The log's head when every projection has reached it, else None."""
    rows = status(cli)
    head = rows[0]["head"]
    return head if all(row["position"] == head and row["state"] == "current" for row in rows) else None


def lowest_position(cli: Dealflow) -> int:
    return min(row["position"] for row in status(cli))


def report(cli: Dealflow, name: str) -> str:
    result = cli(name, "--json")
    assert result.exit_code == 0, result.output
    return result.stdout


def stages(cli: Dealflow) -> dict[str, int]:
    return {row["stage"]: row["deals"] for row in json.loads(report(cli, "pipeline"))["stages"] if row["deals"]}


QUALIFIED = ("--opportunity", "yes", "--solution", "yes", "--winnable", "yes", "--worth", "yes")


def test_a_follower_brings_the_projections_to_the_head_as_other_processes_record(dealflow_on, follow):
    cli = dealflow_on
    assert cli("open", "Acme", "--title", "ERP", "--id", "D-1").exit_code == 0
    follower = follow(cli.db)
    follower.started()

    for command in (
        ("open", "Globex", "--title", "CRM", "--id", "D-2", "--value", "5000", "--currency", "EUR"),
        ("act", "D-1", "map-stakeholder", "--contact", "Eva", "--level", "decision", "--roles", "decision-maker"),
        ("act", "D-1", "qualify", *QUALIFIED),
        ("advance", "D-1"),
    ):
        done = cli.run(*command)
        assert done.returncode == 0, done.stderr

    # no report has caught up: the follower has
    head = eventually(lambda: at_head(cli), "every projection at the log's head")
    assert stages(cli) == {"analysis": 1, "trust": 1}
    assert follower.stop() == 0
    lines = follower.lines()
    assert lines[-1] == f"dealflow: follower stopped at event {head}"
    caught_up = [CAUGHT_UP.match(line) for line in lines if line.startswith("caught up")]
    assert caught_up and all(caught_up), lines
    assert int(caught_up[-1].group(1)) == head
    assert sum(int(match.group(2)) for match in caught_up) == cli.events()  # each event once, counted in the lines


def test_an_idle_follower_prints_nothing(dealflow_on, follow):
    cli = dealflow_on
    assert cli("open", "Acme", "--title", "ERP", "--id", "D-1").exit_code == 0
    follower = follow(cli.db, "--interval", "0.05")
    follower.started()
    assert cli.run("note", "D-1", "called the CFO").returncode == 0
    head = eventually(lambda: at_head(cli), "every projection at the log's head")
    eventually(lambda: f"caught up to event {head} (+1)" in follower.lines(), "the follower's line for the note")
    before = follower.lines()
    time.sleep(1.5)  # some thirty idle wake-ups
    assert follower.lines() == before
    assert follower.stop() == 0


def test_a_quiet_follower_says_only_where_it_stopped(dealflow_on, follow):
    cli = dealflow_on
    assert cli("open", "Acme", "--title", "ERP", "--id", "D-1").exit_code == 0
    follower = follow(cli.db, "--quiet")
    eventually(lambda: at_head(cli), "the follower's first catch-up")
    assert cli.run("note", "D-1", "called the CFO").returncode == 0
    head = eventually(lambda: at_head(cli), "every projection at the log's head")
    assert follower.stop(signal.SIGINT) == 0
    assert follower.lines() == [f"dealflow: follower stopped at event {head}"]


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_ends_the_follower_promptly_saying_where_it_stopped(dealflow_on, follow, number):
    cli = dealflow_on
    assert cli("open", "Acme", "--title", "ERP").exit_code == 0
    follower = follow(cli.db, "--interval", "60")  # it must not wait out the interval to stop
    follower.started()
    head = at_head(cli)
    assert head
    sent = time.monotonic()
    assert follower.stop(number) == 0
    assert time.monotonic() - sent < 15
    assert follower.lines()[-1] == f"dealflow: follower stopped at event {head}"


def test_a_stop_requested_during_a_catch_up_takes_effect_after_a_whole_batch(app):
    head = fill(app, 30)
    batches: list[int] = []
    with Projections(app, batch_size=7) as projections:
        read = projections.catch_up(progress=batches.append, stopping=lambda: len(batches) == 2)
        stopped = projections.status()
        assert read == 14 and [(row["position"], row["events"]) for row in stopped] == [(14, 14)] * 4
        assert projections.catch_up() == head - 14
        assert [(row["position"], row["events"]) for row in projections.status()] == [(head, head)] * 4


# Inserts cloned deals' events (tests/bulk_book.py) in small batches until the file STOP exists.
WRITER = """
import pathlib, sys, time
sys.path.insert(0, sys.argv[1])
from bulk_book import clone_events
from dealflow.application import DealflowApp
app, stop = DealflowApp(sys.argv[2]), pathlib.Path(sys.argv[3])
batch = []
for stored in clone_events(app, 20_000):
    batch.append(stored)
    if len(batch) == 10:
        app.recorder.insert_events(batch)
        batch = []
        if stop.exists():
            break
        time.sleep(0.01)
app.close()
"""


def test_a_follower_killed_while_events_arrive_is_succeeded_by_one_that_misses_and_repeats_nothing(
    dealflow_on, follow, tmp_path
):
    cli = dealflow_on
    script, stop = tmp_path / "writer.py", tmp_path / "STOP"
    script.write_text(WRITER)
    tests = str(Path(__file__).parents[1])
    assert cli.events() == 0  # the store made first: a follower only reads, and makes none
    writer = subprocess.Popen([sys.executable, str(script), tests, cli.db, str(stop)])
    try:
        first = follow(cli.db)
        killed_at = eventually(lambda: lowest_position(cli), "the first follower's progress")
        first.process.send_signal(signal.SIGKILL)
        assert first.process.wait(timeout=PATIENCE) == -signal.SIGKILL
        eventually(lambda: status(cli)[0]["head"] > killed_at + 100, "more events after the kill")
        assert writer.poll() is None, "the writer ended early: nothing arrived while the follower was down"

        second = follow(cli.db)
        resumed = lowest_position(cli)
        eventually(lambda: lowest_position(cli) > resumed + 100, "the second follower's progress")
        stop.touch()
        assert writer.wait(timeout=PATIENCE) == 0
    finally:
        stop.touch()
        writer.wait(timeout=PATIENCE)

    head = eventually(lambda: at_head(cli), "every projection at the log's head")
    assert [row["events"] for row in status(cli)] == [cli.events()] * 4  # each event processed once
    assert second.stop() == 0
    assert second.lines()[-1] == f"dealflow: follower stopped at event {head}"
    followed = [report(cli, name) for name in ("pipeline", "concessions", "ageing")]
    assert cli("projections", "rebuild").exit_code == 0
    assert [report(cli, name) for name in ("pipeline", "concessions", "ageing")] == followed


@pytest.mark.postgres
def test_on_postgresql_a_notification_wakes_the_follower_long_before_its_interval(postgres_url, follow):
    cli = Dealflow(postgres_url)
    assert cli("open", "Acme", "--title", "ERP").exit_code == 0
    follower = follow(cli.db, "--interval", "30")
    follower.started()
    assert cli.run("open", "Globex", "--title", "CRM").returncode == 0
    recorded = time.monotonic()
    eventually(lambda: at_head(cli), "the new deal in the projections", timeout=25)
    assert time.monotonic() - recorded < 10  # not the 30 s safety net: the NOTIFY woke it
    assert stages(cli) == {"analysis": 2}


class Proxy:
    """A TCP forwarder to the PostgreSQL server that can be cut (every connection dropped, new ones
    refused) and restored: the store becomes unreachable for the follower alone."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def restore(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen()
        server.settimeout(0.1)
        self.server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            server, self.server = self.server, None
            sockets, self.sockets = self.sockets, []
        for each in [server, *sockets] if server else sockets:
            with suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
            each.close()

    def _accept(self, server: socket.socket) -> None:
        while self.server is server:
            try:
                client, _ = server.accept()
            except OSError:  # the timeout, or the server socket closed by cut()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.mark.postgres
def test_on_postgresql_the_follower_outlives_the_server_going_away_and_says_so_once(postgres_url, follow):
    parts = urlsplit(postgres_url)
    proxy = Proxy(parts.hostname or "localhost", parts.port or 5432)
    proxy.restore()
    via_proxy = parts._replace(netloc=f"{parts.username or 'postgres'}:s3cret@127.0.0.1:{proxy.port}").geturl()
    cli = Dealflow(postgres_url)
    try:
        assert cli("open", "Acme", "--title", "ERP", "--id", "D-1").exit_code == 0
        follower = follow(via_proxy, "--interval", "0.5")
        follower.started()

        proxy.cut()
        eventually(lambda: any("cannot reach the store" in line for line in follower.lines()), "the outage line")
        assert cli.run("note", "D-1", "recorded while the follower cannot reach the store").returncode == 0
        time.sleep(3)  # the store stays away a while: the follower tries again, and again
        assert follower.process.poll() is None
        proxy.restore()

        head = eventually(lambda: at_head(cli), "every projection at the log's head after the outage")
        assert follower.stop() == 0
    finally:
        proxy.cut()
    lines = follower.lines()
    outages = [line for line in lines if "cannot reach the store" in line]
    assert len(outages) == 1 and "postgres:***@127.0.0.1" in outages[0], lines
    assert not any("s3cret" in line for line in lines)
    assert any("answers again" in line for line in lines)
    assert lines[-1] == f"dealflow: follower stopped at event {head}"


def test_a_follower_that_cannot_reach_the_store_at_the_start_fails_in_one_line():
    result = Dealflow("postgresql://sales:hunter2@127.0.0.1:1/sales").run("projections", "follow")
    assert result.returncode == 1
    assert "hunter2" not in result.stderr + result.stdout
    assert "cannot use the store postgresql://sales:***@127.0.0.1:1/sales" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
