"""Text the store cannot hold is refused where it enters, naming the field, and nothing is written:
a NUL character (PostgreSQL's text columns refuse it, so a stored one stopped the projections for good)
from a file, and bytes that are not UTF-8 on a command line (Python keeps them as lone surrogates,
which no store can encode)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import Dealflow, dealflow_executable, unsealed


def run_bytes(cli: Dealflow, *args: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DEALFLOW_DB": cli.db, "DEALFLOW_ACTOR": cli.actor}
    return subprocess.run([dealflow_executable().encode(), *args], capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize(
    "args",
    [
        (b"open", b"Ac\xffme", b"--title", b"ERP"),
        (b"note", b"D-0001", b"called \xfe back"),
        (b"--actor", b"b\xfeo", b"note", b"D-0001", b"called"),
    ],
    ids=["account", "note", "actor"],
)
def test_bytes_that_are_not_utf8_on_the_command_line_are_refused_naming_the_field(dealflow_on: Dealflow, args):
    assert dealflow_on.run("open", "Acme", "--title", "ERP").returncode == 0
    before = dealflow_on.events()
    done = run_bytes(dealflow_on, *args)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.decode().splitlines()
    assert "holds bytes that are not UTF-8" in line and "save the text as UTF-8" in line
    assert dealflow_on.events() == before


def test_a_nul_character_in_an_imported_event_is_refused_and_the_reports_keep_working(
    dealflow_on: Dealflow, tmp_path: Path
):
    assert dealflow_on.run("open", "Acme", "--title", "ERP").returncode == 0
    exported = dealflow_on.run("export", "events", "--format", "jsonl", check=True).stdout.splitlines()
    opened = {**unsealed(json.loads(exported[0])), "deal": "D-0099", "deal_id": "D-0099", "account": "Ac\x00me"}
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(opened) + "\n", encoding="utf-8")
    before = dealflow_on.events()

    done = dealflow_on.run("import", "events", str(log))

    assert done.returncode == 2, done.stderr
    assert "the account holds a NUL character" in done.stderr and done.stderr.count("\n") == 1
    assert dealflow_on.events() == before
    assert dealflow_on.run("pipeline").returncode == 0
