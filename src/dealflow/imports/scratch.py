"""The import's own notes between its two passes, in a temporary SQLite file, so that memory
stays flat however long the file: the first line of each source id (to find repeats), the rows
found good, as read (the second pass writes them without reading the file again), running
tallies such as a deal's invoiced total, and objects set aside (such as the deals an event import
replays in its first pass)."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

IN_LIMIT = 500  # keys a query: within every SQLite's limit on parameters


class Scratch:
    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="dealflow-import-")
        self.db = sqlite3.connect(Path(self._folder.name) / "scratch.db", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER, digest TEXT) WITHOUT ROWID")
        self.db.execute("CREATE TABLE good (line INTEGER PRIMARY KEY, digest TEXT, row TEXT)")
        self.db.execute("CREATE TABLE tally (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
        self.db.execute("CREATE TABLE held (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")

    def close(self) -> None:
        self.db.close()
        self._folder.cleanup()

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- source ids: the first line each was seen on, with its content's digest ---------------

    def first_seen(self, rows: Sequence[tuple[str, int, str]]) -> dict[str, tuple[int, str]]:
        """Note (key, line, digest) of rows whose keys are new; returns the earlier (line, digest) of
        those seen before. Most chunks repeat nothing: then one insert of the chunk is the whole cost."""
        with self._writing():
            before = self.db.total_changes
            self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", rows)
            if self.db.total_changes - before == len(rows):
                return {}
        mine = {(key, line) for key, line, _ in rows}
        found = self._select("seen", "line, digest", (key for key, _, _ in rows))
        return {key: (line, digest) for key, line, digest in found if (key, line) not in mine}

    # --- the rows to write, as the first pass read them -----------------------------------------

    def keep(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """(line, digest, the row read and encoded as text) of each good row."""
        with self._writing():
            self.db.executemany("INSERT INTO good VALUES (?, ?, ?)", rows)

    def kept(self, size: int) -> Iterator[list[tuple[int, str, str]]]:
        """The good rows in the order of the file, `size` at a time."""
        last = 0
        while True:
            chunk = self.db.execute(
                "SELECT line, digest, row FROM good WHERE line > ? ORDER BY line LIMIT ?", (last, size)
            ).fetchall()
            if not chunk:
                return
            yield chunk
            last = chunk[-1][0]

    # --- running tallies (JSON values) -------------------------------------------------------

    def tallies(self, keys: Iterable[str]) -> dict[str, Any]:
        return {key: json.loads(value) for key, value in self._select("tally", "value", keys)}

    def set_tallies(self, values: Mapping[str, Any]) -> None:
        with self._writing():
            self.db.executemany(
                "INSERT OR REPLACE INTO tally VALUES (?, ?)",
                ((key, json.dumps(value)) for key, value in values.items()),
            )

    # --- objects set aside while the first pass runs (pickled), so that it holds few in memory ---

    def hold(self, values: Iterable[tuple[str, bytes]]) -> None:
        with self._writing():
            self.db.executemany("INSERT OR REPLACE INTO held VALUES (?, ?)", values)

    def held(self, key: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM held WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction: in autocommit mode each row of an executemany would be one of its own."""
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    def _select(self, table: str, columns: str, keys: Iterable[str]) -> Iterator[Sequence[Any]]:
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), IN_LIMIT):
            part = wanted[start : start + IN_LIMIT]
            marks = ",".join("?" * len(part))
            yield from self.db.execute(f"SELECT key, {columns} FROM {table} WHERE key IN ({marks})", part)
