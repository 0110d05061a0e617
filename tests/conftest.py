"""Shared fixtures: real stores (a SQLite file, a PostgreSQL schema of its own), and the CLI
in-process and as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from dealflow.application import DealflowApp
from dealflow.cli.main import cli

# CI replays the same generated examples on every run (hypothesis' documented "ci" profile); a
# developer's runs keep exploring new ones, and a failure they find becomes a test of its own.
# `pytest --hypothesis-profile=soak` hunts much harder, for a developer with time to spare.
settings.register_profile("dealflow", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", settings.get_profile("dealflow"), derandomize=True, print_blob=True)
settings.register_profile("soak", settings.get_profile("dealflow"), max_examples=500, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dealflow")

POSTGRES_URL = os.environ.get("DEALFLOW_TEST_POSTGRES_URL")
NO_POSTGRES = "DEALFLOW_TEST_POSTGRES_URL is not set: the PostgreSQL tests need a server (CI sets it)"


def _postgres_admin():
    import psycopg

    try:
        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:  # set but unreachable: a failure, never a skip
        pytest.fail(f"DEALFLOW_TEST_POSTGRES_URL is set but the server is unreachable: {error}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A postgresql:// URL whose schema belongs to this test alone, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _postgres_admin() as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}schema={schema}"
    with _postgres_admin() as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "dealflow.db")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs once on a SQLite file and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


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

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DEALFLOW_DB": self.db, "DEALFLOW_ACTOR": self.actor}
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
def dealflow(sqlite_url: str) -> Dealflow:
    return Dealflow(sqlite_url)


@pytest.fixture
def dealflow_on(store_url: str) -> Dealflow:
    """The CLI on each store in turn (SQLite, then PostgreSQL)."""
    return Dealflow(store_url)
