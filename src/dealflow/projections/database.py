"""The projections' SQLAlchemy engine, in the store's own database (and, on PostgreSQL, its schema)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event

from dealflow.storage.store import KEEPALIVES, Store

BEGIN = "dealflow_begin"  # execution option: how a SQLite transaction begins (DEFERRED or IMMEDIATE)


def engine_for(store: Store) -> Engine:
    if store.is_sqlite:
        return _sqlite(store.env)
    return _postgres(store.env)


def _sqlite(env: dict[str, str]) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=env["SQLITE_DBNAME"]),
        connect_args={"timeout": float(env.get("SQLITE_LOCK_TIMEOUT", "30"))},
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling would begin late and skip DDL; we say BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # Projections are derived data, rebuilt from the log at will: NORMAL (no fsync per commit in WAL) is enough.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA wal_autocheckpoint=16000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at once, so a batch reads the rows it will change under that lock.
    mode = connection.get_execution_options().get(BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _postgres(env: dict[str, str]) -> Engine:
    url = URL.create(
        "postgresql+psycopg",
        username=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        database=env["POSTGRES_DBNAME"],
    )
    connect_args: dict[str, Any] = {
        "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        "application_name": f"dealflow projections {os.getpid()}",
        **KEEPALIVES,
    }
    schema = env.get("POSTGRES_SCHEMA")
    if schema:  # the projection tables live beside the events, in the same schema
        connect_args["options"] = f"-c search_path={schema}"
    # pre-ping: a pooled connection that the server has closed meanwhile (a restart, an idle timeout, an
    # administrator) is replaced before use, so that a long-lived follower's next catch-up just works
    return create_engine(url, connect_args=connect_args, pool_size=2, max_overflow=2, pool_pre_ping=True)
