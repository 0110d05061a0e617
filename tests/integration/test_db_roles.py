"""The database role that wrote each event, on a real store: on PostgreSQL the server fills it in each
seal row (the role the session logged in as, whatever it declares or sets), no seal covers it, and a
store sealed before roles were recorded gains the column with its older rows unknown; SQLite, which
has no authenticated identity, records none."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest

from conftest import POSTGRES_URL
from dealflow.aggregates.ids import deal_uuid
from dealflow.application import DealflowApp
from dealflow.storage import sealing, sql, storeformat
from dealflow.storage.roles import written_by
from dealflow.storage.verify import verify


def book(app: DealflowApp, deals: int = 2, notes: int = 2, actor: str = "ana") -> None:
    for n in range(deals):
        app.open_deal(account=f"Customer {n}", title="ERP rollout", actor=actor, deal_id=f"R-{n}", on=date(2026, 2, 1))
        for k in range(notes):
            app.note(f"R-{n}", f"call number {k}", actor=actor, on=date(2026, 3, 1 + k))


def roles(app: DealflowApp, deal_id: str = "R-0") -> dict[int, str]:
    return written_by(app, deal_uuid(deal_id))


def login(app: DealflowApp) -> str:
    return app.store.env["POSTGRES_USER"]


def run(app: DealflowApp, template: str, *params: Any) -> None:
    """A statement as someone with the database's password might run it (not through dealflow)."""
    parts = {"seals": sql.qualified(app, sealing.TABLE), "format": sql.qualified(app, storeformat.TABLE)}
    with app.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(sql.statement(app, template, **parts), params)


def column(app: DealflowApp) -> tuple[str, ...]:
    """The seals table's written_by column: its default, or nothing where it has none."""
    query = (
        "SELECT column_default FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s AND column_name = %s"
    )
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(query, (app.recorder.datastore.schema, sealing.TABLE, sealing.WRITTEN_BY))
        return tuple(row["column_default"] for row in cursor.fetchall())


@contextmanager
def role(url: str, *, can_login: bool = True) -> Iterator[tuple[str, str]]:
    """A role of the test's own (roles are the server's, not a schema's) that may use the URL's schema,
    dropped at the end with what it owns: its name, and the URL logging in as it (with a password)."""
    import psycopg
    from psycopg.sql import SQL, Identifier, Literal

    name, password = f"dealflow_clerk_{secrets.token_hex(4)}", secrets.token_hex(12)
    schema = parse_qs(urlsplit(url).query)["schema"][0]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        how = SQL("LOGIN PASSWORD {}").format(Literal(password)) if can_login else SQL("NOLOGIN")
        admin.execute(SQL("CREATE ROLE {} {}").format(Identifier(name), how))
        try:
            admin.execute(SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(Identifier(schema), Identifier(name)))
            parts = urlsplit(url)
            host = parts.netloc.rpartition("@")[2]
            yield name, urlunsplit(parts._replace(netloc=f"{name}:{password}@{host}"))
        finally:
            admin.execute(SQL("DROP OWNED BY {}").format(Identifier(name)))
            admin.execute(SQL("DROP ROLE {}").format(Identifier(name)))


def grant_tables(app: DealflowApp, name: str) -> None:
    """What a clerk needs to record into tables another role owns (UPDATE: the library's LOCK TABLE)."""
    import psycopg
    from psycopg.sql import SQL, Identifier

    schema = Identifier(app.recorder.datastore.schema)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        for grant in (
            "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {} TO {}",
            "GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}",
        ):
            admin.execute(SQL(grant).format(schema, Identifier(name)))


@pytest.fixture
def pg_app(postgres_url: str) -> Iterator[DealflowApp]:
    application = DealflowApp(postgres_url)
    yield application
    application.close()


def test_each_event_records_the_role_that_wrote_it_on_postgresql_and_none_on_sqlite(app):
    book(app)
    if app.store.is_sqlite:
        assert roles(app) == {}
    else:
        assert roles(app) == {1: login(app), 2: login(app), 3: login(app)}
        assert column(app) == ("SESSION_USER",)
    assert verify(app).holds


@pytest.mark.postgres
def test_each_events_role_is_the_login_that_wrote_it_whatever_actor_it_declares(pg_app, postgres_url):
    book(pg_app, deals=1, notes=1)
    with role(postgres_url) as (clerk_name, clerk_url):
        grant_tables(pg_app, clerk_name)
        clerk = DealflowApp(clerk_url, create=False)  # a role not the owner cannot run the library's CREATEs
        try:
            clerk.note("R-0", "by the clerk", actor=login(pg_app), on=date(2026, 3, 9))
            assert roles(clerk) == {1: login(pg_app), 2: login(pg_app), 3: clerk_name}
            assert verify(clerk).holds
        finally:
            clerk.close()


@pytest.mark.postgres
def test_a_role_set_in_the_session_is_not_the_one_recorded(pg_app, postgres_url):
    """session_user, not current_user: SET ROLE changes the role a session acts as, not its login."""
    from psycopg.sql import SQL, Identifier

    book(pg_app, deals=1, notes=0)
    insert = "INSERT INTO {seals} (position, originator_id, originator_version, seal) VALUES (-1, %s, 9, '')"
    written = "SELECT written_by FROM {seals} WHERE position = -1"
    parts = {"seals": sql.qualified(pg_app, sealing.TABLE)}
    with role(postgres_url, can_login=False) as (other, _):
        grant_tables(pg_app, other)
        with pg_app.recorder.datastore.transaction(commit=False) as cursor:  # rolled back
            cursor.execute(SQL("SET LOCAL ROLE {}").format(Identifier(other)))
            cursor.execute("SELECT current_user AS acting, session_user AS login")
            assert cursor.fetchone() == {"acting": other, "login": login(pg_app)}
            cursor.execute(sql.statement(pg_app, insert, **parts), (deal_uuid("R-0"),))
            cursor.execute(sql.statement(pg_app, written, **parts))
            assert cursor.fetchone() == {"written_by": login(pg_app)}


@pytest.mark.postgres
def test_the_role_is_no_part_of_the_seal_and_only_as_good_as_the_databases_permissions(pg_app):
    book(pg_app, deals=1)
    run(pg_app, "UPDATE {seals} SET written_by = 'mallory' WHERE originator_version = 2")
    assert roles(pg_app)[2] == "mallory"
    assert verify(pg_app).holds


@pytest.mark.postgres
def test_a_store_sealed_before_roles_gains_the_column_its_older_events_unknown(pg_app):
    book(pg_app, deals=1)
    run(pg_app, "ALTER TABLE {seals} DROP COLUMN written_by")  # as a dealflow before roles left it
    reader = DealflowApp(pg_app.store, create=False)  # a command that makes nothing adds nothing
    try:
        reader.note("R-0", "written without the column", actor="ana")
        assert column(reader) == ()
        assert roles(reader) == {}  # read from a store without the column: nothing known, and no error
    finally:
        reader.close()

    later = DealflowApp(pg_app.store)  # a command that may make the store checks its tables: the column added
    try:
        assert column(later) == ("SESSION_USER",)
        later.note("R-0", "written with the column", actor="ana")
        assert roles(later) == {5: login(later)}  # the events before it stay unknown, not the upgrader's
        assert verify(later).holds
    finally:
        later.close()


@pytest.mark.postgres
def test_events_sealed_on_upgrade_name_no_role(pg_app):
    book(pg_app, deals=1)
    run(pg_app, "DELETE FROM {seals}")  # a store written before seals: sealed on its next write
    run(pg_app, "DELETE FROM {format}")
    later = DealflowApp(pg_app.store)
    try:
        later.note("R-0", "first call after the upgrade", actor="ana")
        assert verify(later).on_upgrade == 3
        assert roles(later) == {4: login(later)}  # the upgrader sealed 1 to 3, but wrote only 4
    finally:
        later.close()


@pytest.mark.postgres
def test_a_role_that_may_not_alter_the_seals_table_leaves_the_column_to_its_owner(pg_app, postgres_url):
    book(pg_app, deals=1)
    run(pg_app, "ALTER TABLE {seals} DROP COLUMN written_by")
    with role(postgres_url) as (clerk_name, clerk_url):
        grant_tables(pg_app, clerk_name)
        clerk = DealflowApp(clerk_url, create=False)
        try:
            sealing.add_written_by(clerk.recorder)  # refused by the server: left as it is, and no error
            assert column(clerk) == ()
            clerk.note("R-0", "by the clerk", actor="ana")
            assert roles(clerk) == {}
        finally:
            clerk.close()
    sealing.add_written_by(pg_app.recorder)  # the owner's next command that checks the tables
    assert column(pg_app) == ("SESSION_USER",)
