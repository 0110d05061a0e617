"""Choosing the store: a SQLite file by default, a URL for PostgreSQL, passwords never shown."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from conftest import Dealflow
from dealflow.storage.store import mask

UNREACHABLE = "postgresql://sales:hunter2@127.0.0.1:1/sales"


def test_info_names_the_store_and_counts_deals_and_events(dealflow: Dealflow):
    dealflow("open", "Acme", "--title", "ERP")
    facts = json.loads(dealflow("info", "--json").stdout)
    if dealflow.db.startswith("postgresql://"):
        assert facts["store"] == "postgresql" and facts["location"] == mask(dealflow.db)
    else:
        assert facts["store"] == "sqlite" and facts["location"].endswith("dealflow.db")
    assert facts["deals"] == 1 and facts["events"] == dealflow.events() >= 1


def test_a_new_store_file_is_readable_and_writable_by_its_owner_only(sqlite_dealflow: Dealflow, sqlite_url: str):
    # about the SQLite file itself: a PostgreSQL server keeps its own files
    sqlite_dealflow("open", "Acme", "--title", "ERP")
    assert stat.S_IMODE(os.stat(sqlite_url).st_mode) == 0o600


def test_an_unreachable_server_is_one_line_without_the_password():
    result = Dealflow(UNREACHABLE).run("info")
    assert result.returncode == 1
    assert "hunter2" not in result.stderr + result.stdout
    assert "sales:***@127.0.0.1:1/sales" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Connection refused" in result.stderr  # why, not only that no connection came in time


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_named_as_the_cause(postgres_url: str):
    server, _, options = postgres_url.rpartition("/")
    result = Dealflow(f"{server}/no_such_dealflow_db?{options.partition('?')[2]}").run("deals")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert 'database "no_such_dealflow_db" does not exist' in result.stderr, result.stderr


def test_an_unknown_url_scheme_is_bad_usage(tmp_path):
    result = Dealflow("mysql://root@localhost/x").run("info")
    assert result.returncode == 2 and "give a file path, sqlite:///FILE or postgresql://" in result.stderr


def test_python_dash_m_dealflow_runs_the_same_cli(store_url: str):
    result = subprocess.run(
        [sys.executable, "-m", "dealflow", "--db", store_url, "open", "Acme", "--title", "ERP"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "D-0001"


def test_debug_shows_the_traceback_of_an_unexpected_error():
    result = Dealflow(UNREACHABLE).run("--debug", "info")
    assert result.returncode == 1 and "Traceback" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
