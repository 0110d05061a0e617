"""`dealflow history` beside the actor each event declares: on PostgreSQL, the database role that wrote
it, shown where the two differ, and `db_role` in every JSON row (null where it is unknown); SQLite,
which has no authenticated identity, shows the actor alone and no `db_role`. Through the installed
CLI, each store and actor given on the command line as a user gives them."""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest

from conftest import POSTGRES_URL, dealflow_executable


def dealflow(db: str, actor: str, *args: str) -> str:
    """The CLI's output, the store and the actor given with --db and --actor."""
    command = [dealflow_executable(), "--db", db, "--actor", actor, *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def actors(history: str) -> dict[int, str]:
    """The ACTOR column of `history`'s table, by version."""
    header, *lines = history.splitlines()
    start, end = header.index("ACTOR"), header.index("WHAT")
    return {int(line.split()[0]): line[start:end].strip() for line in lines if line.lstrip()[:1].isdigit()}


@pytest.fixture
def clerk(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A login role of the test's own that may create tables in the test's schema (roles are the
    server's: each test makes its own and drops it, with what it owns): its name and its URL."""
    import psycopg
    from psycopg.sql import SQL, Identifier, Literal

    name, password = f"dealflow_clerk_{secrets.token_hex(4)}", secrets.token_hex(12)
    parts = urlsplit(postgres_url)
    schema = Identifier(parse_qs(parts.query)["schema"][0])
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(Identifier(name), Literal(password)))
        try:
            admin.execute(SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(schema, Identifier(name)))
            yield name, urlunsplit(parts._replace(netloc=f"{name}:{password}@{parts.netloc.rpartition('@')[2]}"))
        finally:
            admin.execute(SQL("DROP OWNED BY {}").format(Identifier(name)))
            admin.execute(SQL("DROP ROLE {}").format(Identifier(name)))


def admin_login() -> str:
    import psycopg

    with psycopg.connect(POSTGRES_URL) as admin:
        (login,) = admin.execute("SELECT session_user").fetchone() or ("",)
        return str(login)


@pytest.mark.postgres
def test_history_shows_the_database_role_beside_the_actor_where_they_differ(clerk, postgres_url):
    role, url = clerk
    dealflow(url, "ana", "open", "Acme Corp", "--title", "ERP rollout", "--id", "R-1")
    dealflow(url, "ana", "note", "R-1", "first call")
    dealflow(url, role, "note", "R-1", "the clerk under its own name")
    dealflow(postgres_url, "ana", "note", "R-1", "by the administrator, declaring ana")  # into the clerk's tables

    shown = actors(dealflow(url, "ben", "history", "R-1"))
    rows = json.loads(dealflow(url, "ben", "history", "R-1", "--json"))

    admin = admin_login()
    assert shown == {1: f"ana (db: {role})", 2: f"ana (db: {role})", 3: role, 4: f"ana (db: {admin})"}
    assert [(row["version"], row["actor"], row["db_role"]) for row in rows] == [
        (1, "ana", role),
        (2, "ana", role),
        (3, role, role),
        (4, "ana", admin),
    ]
    assert "every seal holds" in dealflow(url, "ben", "verify")


@pytest.mark.postgres
def test_events_sealed_before_roles_were_recorded_have_a_null_db_role(postgres_url):
    import psycopg
    from psycopg.sql import SQL, Identifier

    dealflow(postgres_url, "ana", "open", "Acme Corp", "--title", "ERP rollout", "--id", "R-1")
    schema = parse_qs(urlsplit(postgres_url).query)["schema"][0]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:  # as a dealflow before roles left the store
        admin.execute(SQL("ALTER TABLE {}.dealflow_seals DROP COLUMN written_by").format(Identifier(schema)))
    dealflow(postgres_url, "ana", "note", "R-1", "recorded before")

    before = json.loads(dealflow(postgres_url, "ana", "history", "R-1", "--json"))
    dealflow(postgres_url, "ana", "open", "Beta", "--title", "CRM", "--id", "R-2")  # checks the tables: the column
    dealflow(postgres_url, "ana", "note", "R-1", "recorded after")
    after = json.loads(dealflow(postgres_url, "ana", "history", "R-1", "--json"))

    assert [row["db_role"] for row in before] == [None, None]
    assert [row["db_role"] for row in after] == [None, None, admin_login()]
    shown = actors(dealflow(postgres_url, "ana", "history", "R-1"))
    assert shown == {1: "ana", 2: "ana", 3: f"ana (db: {admin_login()})"}


def test_on_sqlite_history_shows_the_actor_alone_and_no_db_role(sqlite_url):
    dealflow(sqlite_url, "ana", "open", "Acme Corp", "--title", "ERP rollout", "--id", "R-1")
    dealflow(sqlite_url, "ben", "note", "R-1", "first call")

    rows = json.loads(dealflow(sqlite_url, "ana", "history", "R-1", "--json"))

    assert actors(dealflow(sqlite_url, "ana", "history", "R-1")) == {1: "ana", 2: "ben"}
    assert all("db_role" not in row for row in rows)
