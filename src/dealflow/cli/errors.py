"""Turn every failure into one line on stderr and the documented exit code:
0 done, 1 refused by the method or the data, 2 bad usage."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

import click

from dealflow.aggregates.errors import Command, DealflowError, Field, InvalidInput, Vocabulary
from dealflow.storage.store import mask, redact

REFUSED = 1
BAD_USAGE = 2

OPTIONS = {"from": "--from", "to": "--to"}  # where an option's name is not the field's


def option(field: Field) -> str:
    """A field as the command line takes it: `close_by` is `--close-by` (`a --reason` where the message
    asks for an article)."""
    name = OPTIONS.get(field.name, "--" + field.name.replace("_", "-"))
    return f"{field.article} {name}" if field.article else name


def command_line(command: Command) -> str:
    """A command to run, quoted: `dealflow act DEAL negotiate --step exchange --note TEXT`."""
    words = ["dealflow", command.name, *command.arguments]
    for given in command.fields:
        words += [option(given[0]), given[1]] if isinstance(given, tuple) else [option(given)]
    return "`" + " ".join(words) + "`"


CLI = Vocabulary(option, command_line)


def fail(message: str, code: int, db: str | None = None) -> NoReturn:
    """The one line: a message quotes user text (a deal id, a cell), mostly with repr(); what it puts
    in unquoted is shown safe too (cli/safe.py). The password is redacted first: no escape hides it."""
    from dealflow.cli.safe import shown

    click.echo(f"dealflow: {shown(redact(message, db), quoted=True)}", err=True)
    sys.exit(code)


def run_converting_errors(invoke: Callable[[], object], *, debug: bool, db: str | None) -> NoReturn:
    """Run the CLI in non-standalone mode and convert what escapes it. No line it prints holds the
    password of the store's URL (`db`), wherever the message got it from."""
    try:
        result = invoke()
    except click.UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        fail(error.format_message() + hint, BAD_USAGE, db)
    except click.ClickException as error:
        fail(error.format_message(), error.exit_code, db)
    except click.exceptions.Abort:
        fail("aborted", REFUSED)
    except InvalidInput as error:
        fail(error.render(CLI), BAD_USAGE, db)
    except DealflowError as error:
        fail(error.render(CLI), REFUSED, db)
    except Exception as error:  # the store unreachable, a disk full: say so in one line
        if debug:  # the traceback asked for, but for the password, each of its lines shown safely
            from dealflow.cli.safe import shown

            lines = redact("".join(traceback.format_exception(error)).rstrip(), db).split("\n")
            click.echo("\n".join(shown(line, quoted=True) for line in lines), err=True)
            sys.exit(REFUSED)
        fail(_describe(error, db), REFUSED, db)
    sys.exit(result if isinstance(result, int) else 0)


def _describe(error: Exception, db: str | None) -> str:
    text = mask(str(error).strip().splitlines()[0]) if str(error).strip() else type(error).__name__
    if db and "://" in db:
        text = text.replace(db, mask(db))
    kind = type(error).__name__
    about_the_file = _sqlite_file_problem(text, db)
    if about_the_file:
        return about_the_file
    if "Operational" in kind or "Interface" in kind or "Connection" in kind or "Pool" in kind:
        where = f" {mask(db)}" if db else ""
        if db and "couldn't get a connection" in text:
            text = _why_no_connection(db) or text
        return f"cannot use the store{where}: {text}; check --db / DEALFLOW_DB and that the database is running"
    return f"{kind}: {text} (run with --debug for the traceback)"


def _sqlite_file_problem(text: str, db: str | None) -> str | None:
    """SQLite's error said with the store file's name and what to do, if it is about the file."""
    from dealflow.storage import sqlite_file
    from dealflow.storage.store import parse_store

    try:
        store = parse_store(db)
    except DealflowError:
        return None
    return sqlite_file.explain(store.file, text) if store.is_sqlite else None


def _why_no_connection(db: str) -> str | None:
    """psycopg's pool says only that it got no connection in time, alike for a stopped server, a wrong
    password and a database that does not exist: one direct attempt names which (the password is
    passed as a parameter, and every line printed is redacted)."""
    from dealflow.storage.store import parse_store

    try:
        store = parse_store(db)
    except DealflowError:
        return None
    if store.is_sqlite:
        return None
    import psycopg

    try:
        psycopg.connect(**{**store.connect_args(), "connect_timeout": 3}).close()  # type: ignore[arg-type]
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return first.removeprefix("connection failed: ").replace("FATAL:  ", "") or None
    return None  # it answers now: the pool's own message stands
