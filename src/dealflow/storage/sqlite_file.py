"""The SQLite store's file, looked at before eventsourcing opens it: sqlite3 would make a missing
file, so that a mistyped --db became an empty store, and says "file is not a database" without
naming the file. A new store is made here, readable by its owner only. SQLite's errors about the
file are said again with its name and what to do (`explain`)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from dealflow.aggregates.errors import Refused

HEADER = b"SQLite format 3\x00"  # the first bytes of every SQLite database (sqlite.org/fileformat.html)
CHECK_DB = "check --db / DEALFLOW_DB"
FIX_FOLDER = "check its permissions or choose another --db"


def check(path: Path, *, create: bool) -> None:
    """Refuse a file that is not a SQLite database; make a missing one when `create`, else refuse it.
    An empty file is what `create` makes: a store for a command that writes, none yet for one that reads."""
    try:
        with path.open("rb") as file:
            header = file.read(len(HEADER))
    except FileNotFoundError:
        if not create:
            raise Refused(no_store(path)) from None
        _create(path)
        return
    except PermissionError:
        raise Refused(f"cannot read {path}: check its permissions, or {CHECK_DB}") from None
    if header and header != HEADER:
        raise Refused(not_a_database(path))
    if not header and not create:
        raise Refused(no_store(path, "the file is empty"))


def explain(path: Path, message: str) -> str | None:
    """What SQLite's error `message` means for the store `path`, and what to do; None for an error
    that is not about the file (a lock held too long, a full disk: SQLite's own words say it)."""
    if "file is not a database" in message:
        return not_a_database(path)
    if "database disk image is malformed" in message:
        return f"{path} is damaged (the database disk image is malformed): restore it from a backup, or {CHECK_DB}"
    if "unable to open database file" in message or "readonly database" in message:
        folder = _folder(path)
        if not os.access(folder, os.W_OK):
            return (
                f"cannot use the store {path}: folder {folder} is not writable, and SQLite keeps the store's"
                f" -wal and -shm files there; {FIX_FOLDER}"
            )
        if path.exists() and not os.access(path, os.W_OK):
            return f"cannot write {path}: check its permissions, or {CHECK_DB}"
    return None


def not_a_database(path: Path) -> str:
    return f"{path} is not a dealflow store (not a SQLite database): {CHECK_DB}"


def no_store(where: object, why: str = "") -> str:
    detail = f" ({why})" if why else ""
    return f"no store at {where}{detail}: `dealflow open` creates one, or {CHECK_DB}"


def _create(path: Path) -> None:
    try:
        # A new store is readable and writable by its owner only: it holds the whole book.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        raise Refused(f"cannot create the store {path}: folder {_folder(path)} is not writable; {FIX_FOLDER}") from None


def _folder(path: Path) -> Path:
    return path.absolute().parent
