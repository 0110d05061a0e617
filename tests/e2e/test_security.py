"""Security a team relies on: the password of a database URL is never printed or written, whatever
the command and however it fails; no SQL is built by formatting user data into it, and names,
notes and actors that look like SQL are kept as written; a new SQLite store is its owner's only.

The PostgreSQL server with a password is a temporary one of this module's own (tests/pg_cluster.py):
its TCP connections need the password, so the URLs below carry one the server really checks.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Dealflow, dealflow_executable
from dealflow.application import DealflowApp
from dealflow.cli.errors import run_converting_errors
from dealflow.storage.store import mask
from pg_cluster import PASSWORD, USER, free_port

SRC = Path(__file__).resolve().parents[2] / "src"
CONNECTION_FAILED = "check --db / DEALFLOW_DB and that the database is running"
WRONG_PASSWORD = "WrongPw9"


def start(url: str, args: tuple[str, ...], folder: Path) -> subprocess.Popen[str]:
    """The console script on the store at `url`, in `folder` (where files named by -o go)."""
    env = {**os.environ, "DEALFLOW_DB": url, "DEALFLOW_ACTOR": "ana"}
    return subprocess.Popen(
        [dealflow_executable(), *args], env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def run_all(url: str, commands: list[tuple[str, ...]], folder: Path) -> dict[tuple[str, ...], tuple[int, str, str]]:
    """Every command at once (each waits out the connection timeout on its own): exit code, stdout, stderr."""
    running = {args: start(url, args, folder) for args in commands}
    return {args: finish(process) for args, process in running.items()}


def bad_files(folder: Path) -> tuple[Path, Path]:
    deals = folder / "bad-deals.csv"
    deals.write_text("Opportunity ID,Opportunity Name\n006X,no account and no stage\n", encoding="utf-8")
    events = folder / "bad-log.jsonl"
    events.write_text('{"deal": "D-1", "version": 1, "event": "Opened"\n', encoding="utf-8")
    return deals, events


def everyday_commands(folder: Path) -> list[tuple[str, ...]]:
    """Commands of every kind, reading and writing, with and without --debug; the first makes the store."""
    deals, events = bad_files(folder)
    return [
        ("open", "Acme", "--title", "ERP"),
        ("info",),
        ("info", "--json"),
        ("deals",),
        ("deals", "--json"),
        ("note", "D-0001", "called the CFO"),
        ("show", "D-0001"),
        ("history", "D-0001"),
        ("audit", "--all"),
        ("pipeline",),
        ("pipeline", "--json"),
        ("ageing",),
        ("concessions",),
        ("settings", "show"),
        ("export", "pipeline", "-o", "pipeline.csv"),
        ("export", "events", "--format", "jsonl"),
        ("export", "workbook", "-o", "book.xlsx"),
        ("import", "deals", str(deals)),
        ("import", "events", str(events)),
        ("projections", "status"),
        ("projections", "rebuild"),
        ("--debug", "info"),
        ("--debug", "note", "D-0001", "called the CFO"),
        ("--debug", "pipeline", "--json"),
    ]


def written(folder: Path) -> str:
    """Every file the commands left in the folder, as text (an xlsx file's parts unzipped)."""
    texts = []
    for path in sorted(folder.iterdir()):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as book:
                texts += [book.read(name).decode("utf-8", "replace") for name in book.namelist()]
        else:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


# --- the password of the URL -------------------------------------------------------------------------


@pytest.mark.slow
def test_no_command_says_the_password_of_a_server_that_cannot_be_reached(tmp_path):
    url = f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/sales"  # nothing listens there

    given = [("--db", url, "info"), (f"--db={url}", "deals", "--json")]  # as an option, not only DEALFLOW_DB

    results = run_all(url, everyday_commands(tmp_path) + given, tmp_path)

    for args, (code, out, err) in results.items():
        assert PASSWORD not in out + err, args
        assert code == (2 if args[:2] == ("import", "deals") else 1), (args, err)  # 2: the file, read first, is bad
        if "--debug" in args:
            assert "Traceback" in err, args  # the traceback asked for, without the password
        elif code == 1:
            assert err.startswith(f"dealflow: cannot use the store postgresql://{USER}:***@127.0.0.1:"), args
            assert CONNECTION_FAILED in err and len(err.splitlines()) == 1, (args, err)
    assert PASSWORD not in written(tmp_path)


@pytest.mark.slow
def test_a_wrong_password_is_one_line_that_says_neither_password(server, tmp_path):
    url = server.fresh_url().replace(f":{PASSWORD}@", f":{WRONG_PASSWORD}@")
    commands = [("info",), ("open", "Acme", "--title", "ERP"), ("pipeline",), ("--debug", "info")]

    results = run_all(url, commands, tmp_path)

    for args, (code, out, err) in results.items():
        assert code == 1, (args, err)
        assert WRONG_PASSWORD not in out + err and PASSWORD not in out + err, args
        if "--debug" not in args:
            assert err.startswith(f"dealflow: cannot use the store postgresql://{USER}:***@"), err
            assert CONNECTION_FAILED in err and len(err.splitlines()) == 1, err
            assert "password authentication failed" in err, err  # named, not "couldn't get a connection"


@pytest.mark.slow
def test_a_store_behind_a_password_works_and_no_output_or_file_holds_the_password(server, tmp_path):
    url = server.fresh_url()
    cli = Dealflow(url)

    for args in everyday_commands(tmp_path):  # one after another: the note needs the deal opened before it
        code, out, err = finish(start(url, args, tmp_path))
        assert PASSWORD not in out + err, args
        assert code == (2 if "import" in args else 0), (args, err)  # 2: the bad files, refused as bad input
    files = written(tmp_path)
    assert f"{USER}:***@" in files and PASSWORD not in files  # the workbook names the store, masked

    facts = json.loads(cli.run("info", "--json", check=True).stdout)
    assert facts["location"] == url.replace(f":{PASSWORD}@", ":***@")
    assert facts["events"] == cli.events() > 0


@pytest.mark.parametrize(
    "password",
    [
        "Odd7/Qz?Kv#Wm@Yx",  # "/" ends the host part: the host would be "odd" and the port "Odd7"
        "2468#QzKvWm",  # "#" ends it after a number: the port would be 2468 and the rest a fragment
        "2468/QzKvWm",  # the same with "/": the rest would be the database name, shown whole in every error
    ],
)
def test_a_password_with_characters_that_end_the_host_part_is_refused_without_showing_any_of_it(password):
    url = f"postgresql://odd:{password}@127.0.0.1:1/sales"

    result = Dealflow(url).run("info")

    assert result.returncode == 2
    assert result.stderr.startswith("dealflow: --db postgresql://odd:***@127.0.0.1:1/sales: ")
    assert "must be percent-encoded" in result.stderr and len(result.stderr.splitlines()) == 1
    for piece in ("Odd7", "Qz", "Kv", "Wm", "Yx", "2468"):
        assert piece not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://sales:hunter2@db:5432/sales?schema=q1", "postgresql://sales:***@db:5432/sales?schema=q1"),
        ("postgresql://sales@db/sales", "postgresql://sales@db/sales"),  # no password, nothing to hide
        ("postgresql://sales:p@ss/w#rd@db/sales", "postgresql://sales:***@db/sales"),  # unencoded: hidden whole
        ("postgresql://sales:hunter2@[::1/sales", "postgresql://sales:***@[::1/sales"),  # not even a valid URL
        ("sqlite:///srv/books/q:1@2026.db", "sqlite:///srv/books/q:1@2026.db"),  # a file has no password
    ],
)
def test_the_store_is_shown_with_its_password_masked(url, shown):
    assert mask(url) == shown


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("in_url", "in_message"),
    [(PASSWORD, PASSWORD), ("S3cret%2FPw", "S3cret/Pw")],  # as written in the URL, and percent-decoded
)
def test_an_error_that_quotes_the_password_without_its_url_is_masked_with_or_without_debug(
    capsys, in_url, in_message, debug
):
    def driver_failing() -> None:
        raise RuntimeError(f"authentication with password={in_message} refused")

    with pytest.raises(SystemExit) as exited:
        run_converting_errors(driver_failing, debug=debug, db=f"postgresql://{USER}:{in_url}@db.example/sales")

    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert "RuntimeError: authentication with password=*** refused" in err
    assert in_message not in err and in_url not in err
    assert ("Traceback" in err) is debug  # --debug asks for the traceback: it comes, but for the password


def test_a_password_like_the_user_name_is_masked_without_garbling_the_store_shown(capsys):
    class OperationalError(Exception):
        pass

    def refused() -> None:
        raise OperationalError('password authentication failed for user "postgres" with password postgres')

    with pytest.raises(SystemExit):
        run_converting_errors(refused, debug=False, db="postgresql://postgres:postgres@db.example/sales")

    err = capsys.readouterr().err
    assert err.startswith("dealflow: cannot use the store postgresql://postgres:***@db.example/sales: ")
    assert "with password ***" in err


def test_a_percent_encoded_password_works_and_is_masked_whole(server):
    password = "Odd7/Qz?Kv#Wm@Yx%"
    encoded = "Odd7%2FQz%3FKv%23Wm%40Yx%25"
    with server.admin() as admin:
        admin.execute(f"CREATE ROLE odd LOGIN PASSWORD '{password}'")
        try:
            admin.execute("CREATE SCHEMA odd AUTHORIZATION odd")
            url = f"postgresql://odd:{encoded}@127.0.0.1:{server.port}/dealflow?schema=odd"
            cli = Dealflow(url)
            opened = cli.run("open", "Acme", "--title", "ERP")
            info = cli.run("info")
            assert (opened.returncode, info.returncode) == (0, 0), opened.stderr + info.stderr
            assert f"postgresql://odd:***@127.0.0.1:{server.port}/dealflow?schema=odd" in info.stdout
            for shown in (opened, info):
                assert encoded not in shown.stdout + shown.stderr and password not in shown.stdout + shown.stderr
        finally:
            admin.execute("DROP SCHEMA IF EXISTS odd CASCADE")
            admin.execute("DROP ROLE odd")


# --- no SQL formatted from data ------------------------------------------------------------------------

# Every place in src/dealflow that passes SQL built by formatting (an f-string, % or .format) to the
# database, and why what it formats is never user data. A new one fails the test below until it is
# reviewed and listed here; better still, bind the value as a parameter or compose with psycopg's
# sql.Identifier or SQLAlchemy.
REVIEWED = {
    ("dealflow/storage/sql.py", "statement"): "the one place the storage package formats SQL: eventsourcing's "
    "events table name (recorder.events_table_name) or one of the package's own table names, composed with "
    "psycopg's sql.Identifier on PostgreSQL, and its callers' constant fragments (the position column, the "
    "driver's placeholders, one per id in `stored`, a JSON path to one of their own field names such as 'title' "
    "or 'state'); every value is a bound parameter",
    ("dealflow/imports/scratch.py", "Scratch._select"): "the scratch file's own table and column names (literals "
    "of its callers) and one ? per key; the keys are bound parameters",
    ("dealflow/projections/database.py", "_sqlite_begin"): "BEGIN DEFERRED or IMMEDIATE: an execution option the "
    "projections runner sets from a constant",
}

SINKS = {"execute", "executemany", "executescript", "exec_driver_sql"}  # the drivers' and SQLAlchemy's
MAKERS = {"sqlalchemy": {"text"}, "psycopg": {"SQL"}}  # what turns a string into a statement


def formatted_sql(source: str) -> set[str]:
    """The functions (qualified names) that hand the database SQL built by formatting."""
    tree = ast.parse(source)
    makers = _makers(tree)
    found = set()
    for scope, name in _functions(tree):
        for node in _own_nodes(scope):
            if isinstance(node, ast.Call) and _takes_sql(node, makers):
                statement = node.args[0] if node.args else None
                if statement is not None and _formatted(statement, scope, makers, frozenset()):
                    found.add(name)
    return found


def _makers(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            wanted = MAKERS.get(node.module.split(".")[0], set())
            names |= {alias.asname or alias.name for alias in node.names if alias.name in wanted}
    return names


def _functions(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    yield tree, "<module>"
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        parent, prefix = stack.pop()
        for node in ast.iter_child_nodes(parent):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not isinstance(node, ast.ClassDef):
                    yield node, f"{prefix}{node.name}"
                stack.append((node, f"{prefix}{node.name}."))
            else:
                stack.append((node, prefix))


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """A function's nodes (or the module's), not those of the functions and classes inside it."""
    for child in ast.iter_child_nodes(scope):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            yield child
            yield from _own_nodes(child)


def _takes_sql(call: ast.Call, makers: set[str]) -> bool:
    return (isinstance(call.func, ast.Attribute) and call.func.attr in SINKS) or _is_maker(call.func, makers)


def _is_maker(func: ast.expr, makers: set[str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in makers
    return isinstance(func, ast.Attribute) and func.attr in {"text", "SQL"} and isinstance(func.value, ast.Name)


def _formatted(node: ast.expr, scope: ast.AST, makers: set[str], seen: frozenset[str]) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Mod) or (
            isinstance(node.op, ast.Add) and not (_literal(node.left) and _literal(node.right))
        )
    if isinstance(node, ast.IfExp):
        return _formatted(node.body, scope, makers, seen) or _formatted(node.orelse, scope, makers, seen)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        receiver = node.func.value  # SQL("...{}...").format(Identifier(x)) is psycopg's composition: SQL() is checked
        return not (isinstance(receiver, ast.Call) and _is_maker(receiver.func, makers))
    if isinstance(node, ast.Name) and node.id not in seen:
        return any(_formatted(value, scope, makers, seen | {node.id}) for value in _assigned(scope, node.id))
    return False


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _literal(node.left) and _literal(node.right)
    )


def _assigned(scope: ast.AST, name: str) -> Iterator[ast.expr]:
    """What the function assigns to `name`; `name += x` as `"" + x`, `name %= x` as `"" % x`."""
    for node in _own_nodes(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            yield node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            if node.value is not None:
                yield node.value
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            yield ast.BinOp(ast.Constant(""), node.op, node.value)


UNSAFE_AND_SAFE = """
from psycopg.sql import SQL, Identifier
from sqlalchemy import text

def f_string(cursor, name):
    cursor.execute(f"SELECT * FROM deals WHERE account = '{name}'")

def percent(cursor, name):
    cursor.executemany("INSERT INTO deals VALUES ('%s')" % name, [])

def dot_format(connection, name):
    connection.execute(text("SELECT * FROM deals WHERE account = '{}'".format(name)))

def concatenated_then_passed(cursor, name):
    sql = "SELECT * FROM deals"
    sql += " WHERE account = '" + name + "'"
    cursor.execute(sql)

def formatted_into_psycopg_sql(cursor, name):
    cursor.execute(SQL("SELECT * FROM {}".format(name)))

def bound(cursor, name):
    cursor.execute("SELECT * FROM deals WHERE account = ?", (name,))

def composed(cursor, table, name):
    cursor.execute(SQL("SELECT * FROM {} WHERE account = %s").format(Identifier(table)), (name,))

def literal_pieces(connection):
    sql = "SELECT *"
    sql += " FROM deals"
    connection.exec_driver_sql(sql)
"""


def test_the_check_finds_sql_formatted_from_data_and_passes_bound_or_composed_sql():
    assert formatted_sql(UNSAFE_AND_SAFE) == {
        "f_string",
        "percent",
        "dot_format",
        "concatenated_then_passed",
        "formatted_into_psycopg_sql",
    }


def test_sql_is_formatted_only_in_the_reviewed_places_that_format_library_identifiers():
    found = {
        (path.relative_to(SRC).as_posix(), name)
        for path in sorted((SRC / "dealflow").rglob("*.py"))
        for name in formatted_sql(path.read_text(encoding="utf-8"))
    }
    assert found == set(REVIEWED), "review each new place (and list it in REVIEWED with why), or remove stale ones"
    assert all(len(why) > 40 for why in REVIEWED.values())


HOSTILE = {
    "account": "O'Brien & Sons; Ltd. \"quoted\" '); DROP TABLE dealflow_events; --",
    "title": "x' OR '1'='1'; DELETE FROM stored_events; -- %s %(title)s {table} $1 ? :name",
    "actor": "mallory'); DROP TABLE dealflow_snapshots; --",
    "owner": "bob\\'; UPDATE projection_tracking SET position = 0; --",
}
NOTES = [
    "'); DROP TABLE dealflow_events; --",
    '"; DROP TABLE stored_events; --',
    "Robert'); DELETE FROM pipeline_deals WHERE ('1'='1",
    "back\\slash \\' \\\" ; -- /* comment */",
]


def ok(cli: Dealflow, *args: str) -> Any:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result


def as_json(cli: Dealflow, *args: str) -> Any:
    return json.loads(ok(cli, *args, "--json").stdout)


def named(deal: dict[str, Any]) -> tuple[str, str, str]:
    return deal["account"], deal["title"], deal["owner"]


def test_names_notes_and_actors_that_look_like_sql_are_kept_as_written(store_url):
    cli = Dealflow(store_url, actor=HOSTILE["actor"])
    deal = ok(cli, "open", HOSTILE["account"], "--title", HOSTILE["title"], "--owner", HOSTILE["owner"]).stdout.strip()
    opened = cli.events()
    for text in NOTES:
        ok(cli, "note", deal, text)
    ok(cli, "act", deal, "collect-info", "--category", "business", "--summary", NOTES[0])

    assert cli.events() == opened + len(NOTES) + 1  # one event each, and the events table still there
    shown = as_json(cli, "show", deal)
    assert (shown["account"], shown["title"], shown["owner"]) == (
        HOSTILE["account"],
        HOSTILE["title"],
        HOSTILE["owner"],
    )
    history = as_json(cli, "history", deal)
    assert [e["text"] for e in history if e["event"] == "NoteAdded"] == NOTES
    assert {e["actor"] for e in history} == {HOSTILE["actor"]}
    assert [(d["account"], d["title"]) for d in as_json(cli, "deals")] == [(HOSTILE["account"], HOSTILE["title"])]
    by_account = as_json(cli, "pipeline", "--by", "account")["accounts"]  # through the projections' tables
    assert [row["account"] for row in by_account] == [HOSTILE["account"]]
    by_owner = as_json(cli, "pipeline", "--by", "owner")["owners"]
    assert [row["owner"] for row in by_owner] == [HOSTILE["owner"]]
    lines = [json.loads(line) for line in ok(cli, "export", "events", "--format", "jsonl").stdout.splitlines()]
    assert [line.get("text") for line in lines if line["event"] == "NoteAdded"] == NOTES
    assert as_json(cli, "info")["events"] == cli.events()


def test_an_imported_row_that_looks_like_sql_is_kept_as_written(store_url, tmp_path):
    cli = Dealflow(store_url)
    export = tmp_path / "crm.csv"
    with export.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(
            ["Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Stage", "Created Date"]
        )
        rows.writerow(["006A1", HOSTILE["title"], HOSTILE["account"], HOSTILE["owner"], "Prospecting", "2025-01-10"])
    options = ("--stage-map", "Prospecting=analysis")

    ok(cli, "import", "deals", str(export), *options)
    again = json.loads(ok(cli, "import", "deals", str(export), *options, "--json").stdout)

    assert (again["imported"], again["already"]) == (0, 1)  # the row found again by its id and content
    shown = as_json(cli, "show", "006A1")
    assert (shown["account"], shown["title"], shown["owner"]) == (
        HOSTILE["account"],
        HOSTILE["title"],
        HOSTILE["owner"],
    )
    assert cli.events() == 1


# --- the SQLite file ------------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_store_and_its_wal_files_are_its_owners_only_even_under_a_permissive_umask(tmp_path):
    """(That the file itself is 0600 under the usual umask is tested in test_store_cli.py.)"""
    store = tmp_path / "book.db"
    subprocess.run(
        [dealflow_executable(), "--db", str(store), "open", "Acme", "--title", "ERP"],
        env={**os.environ, "DEALFLOW_ACTOR": "ana"},
        umask=0,  # a file made with the default mode would be readable and writable by everyone
        check=True,
        capture_output=True,
    )
    assert mode(store) == 0o600

    old = os.umask(0)
    try:
        app = DealflowApp(str(store))  # the write-ahead log and its index exist while a connection is open
        try:
            app.note("D-0001", "called the CFO", actor="ana")
            sidecars = [store.with_name(store.name + suffix) for suffix in ("-wal", "-shm")]
            assert [path.name for path in sidecars if path.exists()] == ["book.db-wal", "book.db-shm"]
            assert {path.name: mode(path) for path in sidecars} == {"book.db-wal": 0o600, "book.db-shm": 0o600}
        finally:
            app.close()
    finally:
        os.umask(old)
