"""Shared fixtures: real stores (a SQLite file, a PostgreSQL schema of its own), each test that
touches a store run once on each, and the CLI in-process and as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from dealflow.application import DealflowApp
from dealflow.cli.main import cli

if TYPE_CHECKING:
    from pg_cluster import Cluster

# CI replays the same generated examples on every run (hypothesis' documented "ci" profile); a
# developer's runs keep exploring new ones, and a failure they find becomes a test of its own.
# `pytest --hypothesis-profile=soak` hunts much harder, for a developer with time to spare.
settings.register_profile("dealflow", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", settings.get_profile("dealflow"), derandomize=True, print_blob=True)
settings.register_profile("soak", settings.get_profile("dealflow"), max_examples=500, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dealflow")


@pytest.fixture(scope="session", autouse=True)
def no_columns() -> None:
    """No COLUMNS for the CLI the tests run: a table is as wide as a pipe's (never fitted to a terminal)
    unless a test says how wide. Unset in the process's own environment too, which a subprocess started
    without `env` inherits: the readline that pytest loads sets COLUMNS there, unseen by os.environ."""
    os.environ.pop("COLUMNS", None)
    os.unsetenv("COLUMNS")


POSTGRES_URL = os.environ.get("DEALFLOW_TEST_POSTGRES_URL")
NO_POSTGRES = "DEALFLOW_TEST_POSTGRES_URL is not set: the PostgreSQL tests need a server (CI sets it)"


def _postgres_admin():
    import psycopg

    try:
        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:  # set but unreachable: a failure, never a skip
        pytest.fail(f"DEALFLOW_TEST_POSTGRES_URL is set but the server is unreachable: {error}")


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A postgresql:// URL whose schema belongs to the caller alone, dropped at the end of the block."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _postgres_admin() as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}schema={schema}"
    finally:
        with _postgres_admin() as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A postgresql:// URL whose schema belongs to this test alone, dropped afterwards."""
    with postgres_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "dealflow.db")


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store, SQLite then PostgreSQL: a test that takes this, or a fixture made from it, runs on each."""
    return request.param


@pytest.fixture
def store_url(store_kind: str, request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs once on a SQLite file and once on PostgreSQL."""
    return request.getfixturevalue(f"{store_kind}_url")


class Stores:
    """Empty stores of one kind, as many as a test needs, none seeing another: a SQLite file in a
    folder of its own, or a PostgreSQL schema of its own. Every store made is removed at `close`."""

    def __init__(self, kind: str, folder: Path) -> None:
        # A missing server is found here, once, not in a hypothesis example: hypothesis would take it
        # for a failing example and try to shrink it, at a connect timeout a try.
        if kind == "postgres":
            if not POSTGRES_URL:
                pytest.skip(NO_POSTGRES)
            _postgres_admin().close()
        self.kind = kind
        self.folder = folder
        self._made = ExitStack()

    @contextmanager
    def fresh(self) -> Iterator[str]:
        """A store removed when the block ends: one per hypothesis example, which must start empty."""
        if self.kind == "postgres":
            with postgres_schema() as url:
                yield url
        else:
            with tempfile.TemporaryDirectory(dir=self.folder) as folder:
                yield str(Path(folder) / "dealflow.db")

    def new(self) -> str:
        """A store kept until `close`: a second book, say, to export from."""
        return self._made.enter_context(self.fresh())

    def close(self) -> None:
        self._made.close()


# A fresh PostgreSQL schema per hypothesis example costs far more than a fresh SQLite file: on two
# CPUs shared with other work, the four projection properties took 160 s for 30 examples each on
# PostgreSQL against 60 s on SQLite. So PostgreSQL runs a third of the examples the profile asks for
# (10 of the 30), enough to catch what differs between the stores; SQLite runs every one.
POSTGRES_SHARE_OF_EXAMPLES = 3


def examples_on(stores: Stores, base: settings | None = None) -> settings:
    """The hypothesis settings for a property that makes a store per example, on `stores`' kind:
    `base` (by default the loaded profile), with fewer examples on PostgreSQL."""
    base = base or settings.default
    if stores.kind != "postgres":
        return base
    return settings(base, max_examples=max(1, base.max_examples // POSTGRES_SHARE_OF_EXAMPLES))


@pytest.fixture
def stores(store_kind: str, tmp_path: Path) -> Iterator[Stores]:
    """More stores of the kind this test runs on, beside the one in `store_url`."""
    made = Stores(store_kind, tmp_path)
    yield made
    made.close()


@pytest.fixture(scope="module", params=STORES)
def module_stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """Stores of each kind in turn, for a book that a module's tests share because it is costly to make."""
    made = Stores(request.param, tmp_path_factory.mktemp(request.param))
    yield made
    made.close()


@pytest.fixture
def app(store_url: str) -> Iterator[DealflowApp]:
    application = DealflowApp(store_url)
    yield application
    application.close()


def event_count(db: str) -> int:
    application = DealflowApp(db)
    try:
        return application.event_count()
    finally:
        application.close()


class Dealflow:
    """The CLI on one store: in-process through CliRunner, or as the installed console script."""

    def __init__(self, db: str, actor: str = "ana") -> None:
        self.db = db
        self.actor = actor

    def __call__(self, *args: str) -> Result:
        env = {"DEALFLOW_DB": self.db, "DEALFLOW_ACTOR": self.actor}
        return CliRunner(env=env).invoke(cli, [str(a) for a in args], catch_exceptions=False)

    def run(self, *args: str, check: bool = False, columns: int | None = None) -> subprocess.CompletedProcess[str]:
        """The console script; `columns`: the terminal width it is told (COLUMNS), by default none."""
        env = {**os.environ, "DEALFLOW_DB": self.db, "DEALFLOW_ACTOR": self.actor}
        if columns is not None:
            env["COLUMNS"] = str(columns)
        return subprocess.run(
            [dealflow_executable(), *map(str, args)], capture_output=True, text=True, env=env, check=check, timeout=120
        )

    def events(self) -> int:
        return event_count(self.db)


def dealflow_executable() -> str:
    beside = Path(sys.executable).with_name("dealflow")
    found = str(beside) if beside.exists() else shutil.which("dealflow")
    assert found, "the dealflow console script is not installed: run `make test`, which installs it"
    return found


@pytest.fixture
def dealflow(store_url: str) -> Dealflow:
    """The CLI on each store in turn (SQLite, then PostgreSQL), as `dealflow_on` is."""
    return Dealflow(store_url)


@pytest.fixture
def sqlite_dealflow(sqlite_url: str) -> Dealflow:
    """The CLI on a SQLite file only: for tests about the file itself, and for tests of help and
    usage, which never open a store and so have nothing to learn from a second one."""
    return Dealflow(sqlite_url)


@pytest.fixture
def dealflow_on(store_url: str) -> Dealflow:
    """The CLI on each store in turn (SQLite, then PostgreSQL)."""
    return Dealflow(store_url)


# --- a PostgreSQL server of the tests' own (tests/pg_cluster.py), which tests may stop --------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """One temporary server for the module that asks for it, removed afterwards."""
    from pg_cluster import temporary_cluster

    with temporary_cluster() as running:
        yield running


@pytest.fixture
def server(cluster: Cluster) -> Cluster:
    """The module's temporary server, running (a test that failed half-way may have left it stopped)."""
    if not cluster.is_running():
        cluster.start()
    return cluster


def unsealed(line: dict[str, Any]) -> dict[str, Any]:
    """An exported event line without its seal: what a test that edits lines on purpose imports
    (`import events` refuses a sealed line that was changed)."""
    return {key: value for key, value in line.items() if key != "seal"}
