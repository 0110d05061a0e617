"""One URL picks the store: a SQLite file (the embedded default) or a PostgreSQL database."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from dealflow.aggregates.errors import InvalidInput

DEFAULT_FILE = "dealflow.db"
SECRET_MIN = 4  # characters
SIDECARS = ("-wal", "-shm", "-journal")  # the files SQLite keeps beside a database: part of the store
PERCENT_ENCODE = (
    "a user name or password holding / ? # or @ must be percent-encoded: / as %2F, ? as %3F, # as %23, @ as %40"
)


# TCP keepalives for dealflow's own long-lived PostgreSQL connections (the follower's, the projections'):
# a server that vanished without closing the connection is noticed in about a minute, not hours.
class Keepalives(TypedDict):
    keepalives: int
    keepalives_idle: int
    keepalives_interval: int
    keepalives_count: int


KEEPALIVES = Keepalives(keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)


class ConnectArgs(TypedDict):
    """psycopg's keyword arguments for a connection to the store's server and database."""

    host: str
    port: str
    dbname: str
    user: str
    password: str | None
    connect_timeout: int


@dataclass(frozen=True)
class Store:
    kind: str  # "sqlite" or "postgresql"
    env: dict[str, str]  # eventsourcing's persistence settings
    display: str  # where it is, with any password masked

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"

    @property
    def file(self) -> Path:
        """The SQLite file, as named."""
        return Path(self.env["SQLITE_DBNAME"])

    @property
    def files(self) -> dict[Path, str]:
        """The SQLite file ("") and those SQLite keeps beside it ("-wal", ...), each by the name given and
        by the name it resolves to (SQLite follows a symbolic link to the file); none for PostgreSQL."""
        if not self.is_sqlite:
            return {}
        names = (self.file, self.file.resolve())
        return {Path(f"{name}{suffix}"): suffix for name in names for suffix in ("", *SIDECARS)}

    def connect_args(self) -> ConnectArgs:
        """psycopg's keyword arguments for a connection of one's own to this PostgreSQL store (the
        password passed as a parameter, never formatted into a connection string)."""
        env = self.env
        return {
            "host": env["POSTGRES_HOST"],
            "port": env["POSTGRES_PORT"],
            "dbname": env["POSTGRES_DBNAME"],
            "user": env["POSTGRES_USER"],
            "password": env.get("POSTGRES_PASSWORD") or None,
            "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        }


def parse_store(url: str | None) -> Store:
    """A Store from `--db` / DEALFLOW_DB: a file path, sqlite:///path or postgresql://..."""
    url = (url or "").strip() or DEFAULT_FILE
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres(url)
    if url.startswith("sqlite:///"):
        url = url[len("sqlite:///") :]
    elif "://" in url:
        raise InvalidInput(f"--db {mask(url)} is not a store: give a file path, sqlite:///FILE or postgresql://...")
    return _sqlite(url)


def _sqlite(path: str) -> Store:
    file = Path(path).expanduser()
    if file.is_dir():
        raise InvalidInput(f"--db {path} is a directory: give a file path such as {file / DEFAULT_FILE}")
    if not file.parent.exists():
        raise InvalidInput(f"--db {path}: folder {file.parent} does not exist; create it or choose another path")
    return Store(
        "sqlite",
        {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": "dealflow.storage.sqlite_recorder:SealingSQLiteRecorder",
            "SQLITE_DBNAME": str(file),
            "SQLITE_LOCK_TIMEOUT": "30",
        },
        str(file.resolve()),
    )


def _postgres(url: str) -> Store:
    from urllib.parse import parse_qs, unquote, urlsplit  # only PostgreSQL URLs pay for URL parsing

    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # the text is not shown: it may hold the password
        raise InvalidInput(f"--db {mask(url)}: the host or port is not valid; {PERCENT_ENCODE}") from None
    if "@" in url.partition("://")[2] and "@" not in parts.netloc:
        # "user:pa/ss@host": the password's "/" (or "?", "#") ended the host part, and the rest would be
        # taken for the database or the options, password and all
        raise InvalidInput(f"--db {mask(url)}: cannot be read as user:password@host:port/database; {PERCENT_ENCODE}")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise InvalidInput("the postgresql:// URL needs a database name, e.g. postgresql://user@host:5432/sales")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": "dealflow.storage.postgres_recorder:SlicedPostgresRecorder",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host or "localhost",
        "POSTGRES_PORT": str(port or 5432),
        "POSTGRES_USER": unquote(parts.username or os.environ.get("PGUSER", "postgres")),
        "POSTGRES_PASSWORD": unquote(parts.password or os.environ.get("PGPASSWORD", "")),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "2",
    }
    schema = parse_qs(parts.query).get("schema")
    if schema:
        env["POSTGRES_SCHEMA"] = schema[0]
    return Store("postgresql", env, mask(url))


def mask(url: str) -> str:
    """The URL (or a text holding one) with any password replaced by ***, for every output and error.

    The password is everything between the user name's ":" and the last "@", so that one holding
    "/", "?", "#" or "@" unencoded is masked whole. Never raises: it runs while reporting errors."""
    password = _password(url)
    if not password:
        return url
    scheme, _, rest = url.partition("://")
    userinfo, _, after = rest.rpartition("@")
    user = userinfo.partition(":")[0]
    return f"{scheme}://{user}:***@{after}"


def redact(text: str, url: str | None) -> str:
    """The text with the URL's password, as written or decoded, replaced by *** wherever it appears:
    for messages that quote the password without its URL (a driver's, a traceback's). The masked URL
    itself is kept as it is, whatever the password resembles (postgres:postgres@...); a password
    shorter than SECRET_MIN is not looked for, as it would garble every message it happens to be in."""
    from urllib.parse import unquote

    password = _password(url or "")
    secrets = sorted({s for s in (password, unquote(password)) if len(s) >= SECRET_MIN}, key=len, reverse=True)
    if not url or not secrets:
        return text
    shown = mask(url)
    pieces = text.split(shown)
    for secret in secrets:
        pieces = [piece.replace(secret, "***") for piece in pieces]
    return shown.join(pieces)


def _password(url: str) -> str:
    _, separator, rest = url.partition("://")
    if not separator or rest.startswith("/") or "@" not in rest:  # sqlite:///FILE has no user part
        return ""
    userinfo = rest.rpartition("@")[0]
    return userinfo.partition(":")[2]
