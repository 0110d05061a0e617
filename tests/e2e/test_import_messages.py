"""`dealflow import` on files and options that cannot be read as given: a quote never closed, a
delimiter of two characters, an encoding that is none or not the file's, an empty file, lines that
are not JSON, every row bad. Each says in one line what is wrong, where, and what to do, exits 2 (or
1 when the store refuses), and writes nothing. And an import interrupted with Ctrl-C says how many
rows it saved, truly, and that running it again imports the rest.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Dealflow, dealflow_executable
from crm_export import EVENTS_A_ROW, OPTIONS, crm_export
from dealflow.application import DealflowApp
from dealflow.cli.import_run import PROGRESS_FROM
from dealflow.imports.runner import CHUNK

HEADER = b"Opportunity ID,Account Name,Opportunity Name,Stage,Created Date\n"
GOOD = b"D-1,Acme,ERP rollout,analysis,2026-01-05\n"
OPENED = (
    b'{"deal": "D-7", "version": 1, "event": "Opened", "effective_on": "2025-02-03", "actor": "crm-bot", '
    b'"account": "Initech", "title": "Printers", "value": "9000", "currency": "EUR"}\n'
)


@pytest.fixture
def book(dealflow: Dealflow) -> Dealflow:
    """A store holding one deal, D-0, recorded rather than imported, so that "nothing written" means something."""
    assert dealflow("open", "Initech", "--title", "Printers", "--id", "D-0").exit_code == 0
    return dealflow


def refused(cli: Dealflow, *args: object) -> tuple[int, str]:
    """The command, through the console script, on a store that must be the same afterwards: its
    exit code and its one line on stderr."""
    before = cli.events()
    done = cli.run(*args)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert cli.events() == before
    return done.returncode, done.stderr


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and stderr.startswith("dealflow: "), stderr
    return stderr


# --- a CSV file that cannot be read as written ----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (HEADER + b'D-1,"Acme,ERP rollout,analysis,2026-01-05\nD-2,Globex,CRM,analysis,2026-01-06\n', 2),
        (HEADER + b'D-1,"Acme\nCorp",ERP,analysis,2026-01-05\nD-2,Globex,"CRM,analysis,2026-01-06', 4),
    ],
    ids=["swallowing the rest of the file", "on the last line, after a cell with a line break"],
)
def test_a_quote_never_closed_names_the_line_it_opened_on_and_nothing_is_written(book, tmp_path, data, line):
    path = tmp_path / "deals.csv"
    path.write_bytes(data)

    for skip in ((), ("--skip-bad",)):  # the rows after it cannot be told apart: there is nothing to skip
        code, stderr = refused(book, "import", "deals", path, *skip)

        assert code == 2
        assert one_line(stderr).startswith(
            f'dealflow: deals.csv:{line}: a quoted cell opened on this line is never closed (an unmatched "): '
            "close the quote or remove it"
        )
        assert not (tmp_path / "deals-rejects.csv").exists()


@pytest.mark.parametrize("delimiter", [";;", "", '"', "\n"])
def test_a_delimiter_that_is_not_one_character_is_bad_usage(book, tmp_path, delimiter):
    path = tmp_path / "deals.csv"
    path.write_bytes(HEADER + GOOD)

    code, stderr = refused(book, "import", "deals", path, "--delimiter", delimiter)

    assert code == 2
    assert one_line(stderr).startswith(
        f"dealflow: --delimiter takes one character, e.g. ';' or 'tab' (not a quote or a line break); got {delimiter!r}"
    )


@pytest.mark.parametrize(("given", "separator"), [("tab", b"\t"), (";", b";")])
def test_a_delimiter_may_be_one_character_or_tab_by_name(book, tmp_path, given, separator):
    path = tmp_path / "deals.csv"
    path.write_bytes((HEADER + GOOD).replace(b",", separator))

    done = book.run("import", "deals", path, "--delimiter", given)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported 1 deal from deals.csv")


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (HEADER + "D-1,Müller,ERP,analysis,2026-01-05\n".encode("cp1252"), (), "deals.csv:2: byte 0xfc is not utf-8 "
         "text: save the file as UTF-8 (in Excel: CSV UTF-8), or give its --encoding, e.g. --encoding cp1252"),
        (HEADER + GOOD, ("--encoding", "utf-16"), "deals.csv:1: the file is not utf-16 text: save the file as UTF-8"),
        (HEADER + GOOD, ("--encoding", "latin-9x"), "--encoding latin-9x: no such encoding; try utf-8, cp1252"),
        (HEADER + GOOD, ("--encoding", "base64"), "--encoding base64: not a text encoding; try utf-8, cp1252"),
        (b"", (), "deals.csv is empty: there is nothing to import (its first line must name the columns)"),
        (b"\xef\xbb\xbf", (), "deals.csv is empty"),
        (b",,\n" + GOOD, (), "deals.csv has no header line: its first line must name the columns"),
    ],
    ids=["not utf-8", "not utf-16", "no such encoding", "not a text encoding", "empty", "only a BOM", "no header"],
)  # fmt: skip
def test_a_file_not_text_in_its_encoding_or_empty_says_so_and_what_to_do(book, tmp_path, data, options, message):
    path = tmp_path / "deals.csv"
    path.write_bytes(data)

    code, stderr = refused(book, "import", "deals", path, *options)

    assert code == 2
    assert message in one_line(stderr)


def test_a_folder_given_as_the_file_is_bad_usage(book, tmp_path):
    code, stderr = refused(book, "import", "deals", tmp_path)

    assert code == 2
    assert "is a directory" in one_line(stderr)


def test_a_file_of_only_a_header_imports_nothing_and_says_so(book, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER)

    before = book.events()
    done = book.run("import", "deals", path)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == ["imported 0 deals from deals.csv (0 events)", "  rows read: 0"]
    assert book.events() == before


# --- an event log whose lines are not events ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"not json\n", "log.jsonl:2: not a line of JSON (Expecting value at column 1): each line is one JSON object"),
        (OPENED[:60] + b"\n", "log.jsonl:2: not a line of JSON (Unterminated string starting at column 50)"),
        (b"[1, 2]\n", "log.jsonl:2: not an event: each line is one JSON object"),
        (b'{"deal": "D-8", "note": "\xff"}\n', "log.jsonl:2: byte 0xff (column 26) is not UTF-8 text: save the file "
         "as UTF-8"),
    ],
    ids=["not JSON", "cut short", "not an object", "not UTF-8"],
)  # fmt: skip
def test_an_event_log_line_that_is_not_an_event_names_its_line_and_nothing_is_written(book, tmp_path, line, message):
    path = tmp_path / "log.jsonl"
    path.write_bytes(OPENED + line)

    code, stderr = refused(book, "import", "events", path)

    assert code == 2
    assert message in one_line(stderr)


def test_an_event_log_line_of_100_kb_is_one_line_like_any_other(book, tmp_path):
    note = b'{"deal": "D-7", "version": 2, "event": "NoteAdded", "effective_on": "2025-02-04", "actor": "crm-bot", '
    path = tmp_path / "log.jsonl"
    path.write_bytes(OPENED + note + b'"text": "' + b"x" * 100_000 + b'"}\n')

    before = book.events()
    done = book.run("import", "events", path)

    assert done.returncode == 0, done.stderr
    assert book.events() == before + 2


# --- every row bad, with --skip-bad -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "name", "data", "code"),
    [
        ("deals", "deals.csv", HEADER + b"D-1,,ERP,analysis,2026-01-05\nD-2,,CRM,analysis,2026-01-06\n", 2),
        ("deals", "deals.csv", HEADER + b"D-0,Initech,Printers,analysis,2026-01-02\n", 1),  # a recorded deal's id
        ("events", "log.jsonl", b"[1]\n{}\n", 2),
    ],
    ids=["malformed rows", "rows the store refuses", "event lines"],
)
def test_skip_bad_with_every_row_bad_fails_and_points_to_the_rejects(book, tmp_path, command, name, data, code):
    path = tmp_path / name
    path.write_bytes(data)
    rejects = tmp_path / "rejects.csv"

    before = book.events()
    done = book.run("import", command, path, "--skip-bad", "--rejects", rejects)

    assert done.returncode == code, done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"dealflow: no row of {name} could be imported, all ")
    assert f"are bad: fix them ({rejects} lists each, with why) and import again" in done.stderr
    assert book.events() == before
    assert rejects.exists()


# --- Ctrl-C -----------------------------------------------------------------------------------------

ROWS = 2 * CHUNK - 2_000  # two chunks: once the first is saved, the second is left to interrupt
SAVED = re.compile(
    r"dealflow: import of opportunities\.csv interrupted after ([\d,]+) of ([\d,]+) deals were saved; run the same "
    r"command again to import the rest \(deals already imported are skipped\)"
)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "opportunities.csv"
    crm_export(path, ROWS)
    assert path.stat().st_size >= PROGRESS_FROM  # the import says when it begins checking it (the bar's label)
    return path


def interrupted(cli: Dealflow, until: str, *args: object) -> subprocess.CompletedProcess[str]:
    """The command, sent SIGINT (what Ctrl-C sends) once the store holds some of what it writes
    (`until` "saved"), or once it has begun checking its file ("checking", the progress bar's label)."""
    env = {**os.environ, "DEALFLOW_DB": cli.db, "DEALFLOW_ACTOR": cli.actor}
    running = subprocess.Popen(
        [dealflow_executable(), *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as a terminal delivers it, even when this suite runs in the background (where a shell
        # starts it with SIGINT ignored, which the child would inherit, and Python would then keep)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        if until == "checking":
            assert running.stderr is not None
            assert running.stderr.readline() == "checking\n"
        else:
            watcher = DealflowApp(cli.db)
            try:
                deadline = time.monotonic() + 300
                while watcher.event_count() == 0:
                    assert running.poll() is None, "the import ended before it saved anything"
                    assert time.monotonic() < deadline, "the import saved nothing in time"
                    time.sleep(0.01)
            finally:
                watcher.close()
        running.send_signal(signal.SIGINT)
        out, err = running.communicate(timeout=300)
    finally:
        if running.poll() is None:
            running.kill()
            running.wait()
    return subprocess.CompletedProcess(running.args, running.returncode, out, err)


@pytest.mark.slow
def test_ctrl_c_while_saving_says_truly_how_many_rows_were_saved_and_running_again_imports_the_rest(
    dealflow_on, export
):
    done = interrupted(dealflow_on, "saved", "import", "deals", export, *OPTIONS)

    assert done.returncode == 1
    said = SAVED.search(done.stderr)
    assert said, done.stderr
    assert done.stderr.strip().splitlines()[-1] == said.group(0)
    saved, total = (int(group.replace(",", "")) for group in said.groups())
    assert total == ROWS
    assert 0 < saved < ROWS, "the import ended before it was interrupted: give the test more rows"
    assert dealflow_on.events() == saved * EVENTS_A_ROW

    again = dealflow_on.run("import", "deals", export, *OPTIONS)
    assert again.returncode == 0, again.stderr
    assert f"imported {ROWS - saved:,} deals" in again.stdout
    assert f"skipped, already imported: {saved:,}" in again.stdout
    assert dealflow_on.events() == ROWS * EVENTS_A_ROW


@pytest.mark.slow
def test_ctrl_c_while_checking_says_nothing_was_imported(dealflow_on, export):
    done = interrupted(dealflow_on, "checking", "import", "deals", export, *OPTIONS, "--skip-bad")

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "dealflow: import of opportunities.csv interrupted: nothing was imported; run the same command again"
    )
    assert dealflow_on.events() == 0
    assert not export.with_name("opportunities-rejects.csv").exists()
