"""The store file is never destroyed, never made by a command that only reads, and a file that cannot
be a store is refused in one line that names it: through the real CLI, on real files.

Each test works on a copy of a small book in a folder of its own, and compares the folder before and
after: the store byte for byte, no file added (no export, no temporary file, no -wal or -shm)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import psycopg
import pytest

from conftest import Dealflow, dealflow_executable, event_count

NO_STORE = "`dealflow open` creates one, or check --db / DEALFLOW_DB"
AS_ROOT = "root reads and writes whatever the permissions say: run as another user to test them"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite book with deals, a note and its projections built; copied by each test."""
    store = tmp_path_factory.mktemp("book") / "book.db"
    cli = Dealflow(str(store))
    for command in (
        ("open", "Acme", "--title", "ERP", "--value", "1000", "--currency", "EUR"),
        ("open", "Globex", "--title", "CRM"),
        ("note", "D-0001", "called the CFO"),
        ("pipeline",),
    ):
        assert cli(*command).exit_code == 0, command
    return store


@pytest.fixture
def copy(book: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(book, tmp_path / book.name))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def run(store: Path | str, *args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The console script on `store`, in `cwd` (where relative paths given to -o go)."""
    env = {**os.environ, "DEALFLOW_DB": str(store), "DEALFLOW_ACTOR": "ana"}
    command = [dealflow_executable(), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def refused_unchanged(store: Path, *args: object) -> str:
    """Run `args` on `store` from the store's folder: bad usage (2) that changes nothing there."""
    events = event_count(str(store))
    before = snapshot(store.parent)
    result = run(store, *args, cwd=store.parent)
    assert result.returncode == 2, result.stderr
    assert snapshot(store.parent) == before  # the store byte for byte, and no file added
    assert event_count(str(store)) == events
    return one_line(result)


# --- exports never write over the store (finding 2) ------------------------------------------------------

EXPORTS = [  # every kind of export, and every format between them
    ("export", "deals", "--format", "csv"),
    ("export", "events", "--format", "jsonl"),
    ("export", "history", "D-0001", "--format", "json"),
    ("export", "pipeline", "--format", "xlsx"),
    ("export", "concessions", "--format", "csv"),
    ("export", "ageing", "--format", "json"),
]


@pytest.mark.parametrize("export", EXPORTS, ids=lambda args: " ".join(args[1:]))
def test_an_export_to_the_store_itself_is_refused_and_the_store_is_kept_byte_for_byte(copy: Path, export):
    message = refused_unchanged(copy, *export, "-o", copy.name)
    assert "-o book.db is the store itself: choose another file" in message


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_an_export_to_a_file_sqlite_keeps_beside_the_store_is_refused_and_not_made(copy: Path, suffix: str):
    message = refused_unchanged(copy, "export", "events", "--format", "csv", "-o", f"book.db{suffix}")
    assert f"-o book.db{suffix} is the store's {suffix} file: choose another file" in message


@pytest.mark.parametrize("link", ["symlink", "hard link"])
@pytest.mark.parametrize("export", [("export", "deals"), ("export", "workbook")], ids=["deals", "workbook"])
def test_an_export_to_another_name_of_the_store_is_refused(copy: Path, link: str, export: tuple[str, ...]):
    other = copy.with_name("copy.xlsx")
    other.symlink_to(copy.name) if link == "symlink" else os.link(copy, other)
    message = refused_unchanged(copy, *export, "-o", other.name)
    assert "-o copy.xlsx is the store itself" in message


def test_a_csv_export_of_several_tables_is_refused_whole_when_one_of_its_files_would_be_the_store(tmp_path: Path):
    store = tmp_path / "report-stages.csv"  # what `export pipeline -o report.csv` writes its first table to
    cli = Dealflow(str(store))
    assert cli("open", "Acme", "--title", "ERP").exit_code == 0 and cli("pipeline").exit_code == 0
    # the names of the tables are known once the report is made: the refusal comes after that, and before
    # anything is written (the projections were caught up above, so that their tables stay as they are)
    message = refused_unchanged(store, "export", "pipeline", "-o", "report.csv")
    assert "-o report.csv would write report-stages.csv, which is the store itself: choose another -o" in message


def test_an_export_to_standard_output_appended_to_the_store_is_refused(copy: Path):
    before, events = copy.read_bytes(), event_count(str(copy))
    env = {**os.environ, "DEALFLOW_DB": str(copy), "DEALFLOW_ACTOR": "ana"}
    with copy.open("ab") as appended:
        result = subprocess.run(
            [dealflow_executable(), "export", "events"], stdout=appended, stderr=subprocess.PIPE, text=True, env=env
        )
    assert result.returncode == 2 and "standard output goes into the store" in one_line(result)
    assert copy.read_bytes() == before and event_count(str(copy)) == events


def test_an_import_whose_rejected_rows_would_go_to_the_store_is_refused_before_reading_a_row(copy: Path):
    rows = copy.with_name("crm.csv")
    rows.write_text("Opportunity ID,Opportunity Name,Account Name,Stage\n006X,ERP,Acme,Nonsense\n", encoding="utf-8")
    message = refused_unchanged(copy, "import", "deals", rows.name, "--skip-bad", "--rejects", copy.name)
    assert "--rejects book.db is the store itself: choose another file" in message


# --- a command that only reads never makes a store (finding 5) ----------------------------------------------

READS = [
    ("info",),
    ("deals",),
    ("show", "D-0001"),
    ("history", "D-0001"),
    ("audit", "--all"),
    ("pipeline",),
    ("concessions",),
    ("ageing",),
    ("settings", "show"),
    ("projections", "status"),
    ("projections", "rebuild"),
    ("projections", "follow"),
    ("export", "deals"),
    ("export", "events"),
    ("export", "workbook", "-o", "book.xlsx"),
]
# commands that record on a deal, which a store that is not there cannot hold: a typo makes no book either
RECORDS_ON_A_DEAL = [
    ("note", "D-0001", "called"),
    ("act", "D-0001", "collect-info", "--category", "business", "--summary", "3 plants"),
    ("advance", "D-0001"),
    ("assign", "D-0001", "bo"),
    ("pay", "INV-1", "--amount", "10"),
]


@pytest.mark.parametrize("command", READS + RECORDS_ON_A_DEAL, ids=" ".join)
def test_a_command_that_only_reads_or_records_on_a_deal_makes_no_store_where_there_is_none(
    tmp_path: Path, command: tuple[str, ...]
):
    result = run("typo.db", *command, cwd=tmp_path)
    assert result.returncode == 1
    assert f"no store at typo.db: {NO_STORE}" in one_line(result)
    assert list(tmp_path.iterdir()) == []  # no store, no -wal or -shm, no export


def test_a_command_that_reads_an_empty_file_says_there_is_no_store_yet_and_leaves_it_empty(tmp_path: Path):
    empty = tmp_path / "book.db"
    empty.touch()
    result = run(empty, "deals")
    assert result.returncode == 1 and f"no store at {empty} (the file is empty)" in one_line(result)
    assert [path.name for path in tmp_path.iterdir()] == ["book.db"] and empty.stat().st_size == 0


def test_a_command_that_writes_still_makes_the_store_in_a_missing_or_empty_file(tmp_path: Path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for store in (empty, tmp_path / "new.db"):
        assert run(store, "open", "Acme", "--title", "ERP").returncode == 0
        assert event_count(str(store)) > 0


def test_a_command_that_reads_another_programs_sqlite_database_says_it_holds_no_store(tmp_path: Path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
    connection.close()
    result = run(other, "deals")
    assert result.returncode == 1 and f"no store at {other} (it has no dealflow tables)" in one_line(result)
    with sqlite3.connect(other) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    connection.close()
    assert tables == ["contacts"]


def objects_in(url: str) -> list[str]:
    """The tables, types and functions in the URL's schema."""
    schema = url.rpartition("schema=")[2]
    with psycopg.connect(url.partition("?")[0], autocommit=True) as connection:
        relations = connection.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
            (schema,),
        ).fetchall()
        functions = connection.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s",
            (schema,),
        ).fetchall()
    return sorted(row[0] for row in relations + functions)


@pytest.mark.postgres
@pytest.mark.parametrize("command", [("deals",), ("info",), ("pipeline",), ("export", "events")], ids=" ".join)
def test_a_command_that_only_reads_makes_no_tables_in_an_empty_postgresql_schema(postgres_url: str, command):
    result = Dealflow(postgres_url).run(*command)
    assert result.returncode == 1 and "(it has no dealflow tables)" in one_line(result)
    assert objects_in(postgres_url) == []


@pytest.mark.postgres
def test_a_command_that_writes_still_makes_the_tables_in_an_empty_postgresql_schema(postgres_url: str):
    assert Dealflow(postgres_url).run("open", "Acme", "--title", "ERP").returncode == 0
    assert "dealflow_events" in objects_in(postgres_url) and event_count(postgres_url) > 0


# --- a file that cannot be a store is refused with its name and what to do (finding 7) -------------------


def not_a_store(kind: str, folder: Path, book: Path) -> Path:
    path = folder / ("book.csv" if kind == "a CSV file" else "book.db")
    if kind == "a CSV file":
        path.write_text("deal,account\nD-0001,Acme\n", encoding="utf-8")
    elif kind == "random bytes":
        path.write_bytes(os.urandom(8192))
    else:  # a store cut short: its first 100 bytes, the header and no more
        path.write_bytes(book.read_bytes()[:100])
    return path


BAD_FILES = {
    "a CSV file": "is not a dealflow store (not a SQLite database): check --db / DEALFLOW_DB",
    "random bytes": "is not a dealflow store (not a SQLite database): check --db / DEALFLOW_DB",
    "a truncated store": "is damaged (the database disk image is malformed): restore it from a backup",
}


@pytest.mark.parametrize("kind", BAD_FILES)
@pytest.mark.parametrize("command", [("deals",), ("open", "Acme", "--title", "ERP")], ids=["read", "write"])
def test_a_file_that_is_not_a_store_is_named_refused_and_left_as_it_was(tmp_path, book, kind, command):
    path = not_a_store(kind, tmp_path, book)
    before = snapshot(tmp_path)
    result = run(path, *command)
    assert result.returncode == 1
    assert f"dealflow: {path} {BAD_FILES[kind]}" in one_line(result)
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason=AS_ROOT)
def test_a_store_in_a_folder_that_cannot_be_written_is_refused_with_the_folder_named(tmp_path: Path, book: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    store = Path(shutil.copy(book, locked / "book.db"))
    locked.chmod(0o500)
    try:
        made = run(locked / "new.db", "open", "Acme", "--title", "ERP")
        read = run(store, "deals")
    finally:
        locked.chmod(0o700)
    assert made.returncode == 1 and f"cannot create the store {locked / 'new.db'}: folder {locked}" in one_line(made)
    assert read.returncode == 1 and f"folder {locked} is not writable" in one_line(read)
    assert sorted(path.name for path in locked.iterdir()) == ["book.db"]


@pytest.mark.skipif(os.geteuid() == 0, reason=AS_ROOT)
def test_a_store_file_that_cannot_be_read_is_refused_with_its_name(copy: Path):
    copy.chmod(0)
    try:
        result = run(copy, "deals")
    finally:
        copy.chmod(0o600)
    assert result.returncode == 1 and f"cannot read {copy}: check its permissions" in one_line(result)


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux's /sys, a folder no one may create a file in")
def test_a_store_in_a_folder_no_one_may_write_to_is_refused_with_the_folder_named_even_for_root():
    made = run(Path("/sys/dealflow.db"), "open", "Acme", "--title", "ERP")
    assert made.returncode == 1
    assert "cannot create the store /sys/dealflow.db: folder /sys is not writable" in one_line(made)
    assert not Path("/sys/dealflow.db").exists()
