"""One URL picks the store: a SQLite file (the embedded default) or a PostgreSQL database."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dealflow.aggregates.errors import InvalidInput

DEFAULT_FILE = "dealflow.db"
ENV_VAR = "DEALFLOW_DB"


@dataclass(frozen=True)
class Store:
    kind: str  # "sqlite" or "postgresql"
    env: dict[str, str]  # eventsourcing's persistence settings
    display: str  # where it is, with any password masked

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"


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
    if not file.exists():
        # A new store is readable and writable by its owner only: it holds the whole book.
        os.close(os.open(file, os.O_CREAT | os.O_WRONLY, 0o600))
    return Store(
        "sqlite",
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(file), "SQLITE_LOCK_TIMEOUT": "30"},
        str(file.resolve()),
    )


def _postgres(url: str) -> Store:
    from urllib.parse import parse_qs, unquote, urlsplit  # only PostgreSQL URLs pay for URL parsing

    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise InvalidInput("the postgresql:// URL needs a database name, e.g. postgresql://user@host:5432/sales")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname or "localhost",
        "POSTGRES_PORT": str(parts.port or 5432),
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
    """The URL with any password replaced by ***, for every output and error."""
    if "@" not in url:
        return url
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
