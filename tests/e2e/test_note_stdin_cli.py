"""`dealflow note DEAL -` takes the note's text from standard input, all of it, through the real
process on each store; empty input is refused as an empty note is."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import Dealflow, dealflow_executable

MINUTES = "Call with the CFO:\n- budget approved for Q3\n- wants the plant module first\n\n  (Rita to confirm)"


def note_from_stdin(cli: Dealflow, text: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DEALFLOW_DB": cli.db, "DEALFLOW_ACTOR": cli.actor}
    command = [dealflow_executable(), "note", "D-0001", "-"]
    return subprocess.run(command, input=text, capture_output=True, env=env, timeout=120)


@pytest.fixture
def deal(dealflow: Dealflow) -> Dealflow:
    assert dealflow.run("open", "Acme Corp", "--title", "ERP rollout").returncode == 0
    return dealflow


def last_event(cli: Dealflow) -> dict:
    return json.loads(cli.run("history", "D-0001", "--json", check=True).stdout)[-1]


def test_a_dash_reads_the_whole_note_from_standard_input_line_breaks_and_all(deal: Dealflow):
    done = note_from_stdin(deal, (MINUTES + "\n").encode())

    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "D-0001: note added (version 2)\n"
    noted = last_event(deal)
    assert noted["event"] == "NoteAdded"
    assert noted["text"] == MINUTES  # the final line break trimmed, as at the ends of any note


def test_history_shows_a_note_with_line_breaks_on_one_line_escaped(deal: Dealflow):
    note_from_stdin(deal, MINUTES.encode())

    shown = deal.run("history", "D-0001", check=True).stdout

    assert "budget approved for Q3" in shown.splitlines()[-1]
    assert json.dumps(MINUTES)[1:-1] in shown  # \n, as JSON escapes it


def test_the_same_text_from_standard_input_and_as_an_argument_records_the_same_note(deal: Dealflow):
    note_from_stdin(deal, MINUTES.encode())
    deal.run("note", "D-0001", MINUTES, check=True)

    events = json.loads(deal.run("history", "D-0001", "--json", check=True).stdout)

    assert events[-1]["text"] == events[-2]["text"] == MINUTES


@pytest.mark.parametrize("text", [b"", b"  \n\n\t\n"], ids=["empty", "blank"])
def test_empty_input_is_refused_as_an_empty_note_is_and_writes_nothing(deal: Dealflow, text):
    before = deal.events()

    done = note_from_stdin(deal, text)

    assert done.returncode == 2
    assert done.stderr.decode() == "dealflow: give the note's text\n"
    assert deal.events() == before


def test_bytes_that_are_not_utf8_on_standard_input_are_refused_as_on_the_command_line(deal: Dealflow):
    before = deal.events()

    done = note_from_stdin(deal, b"called \xfe back")

    assert done.returncode == 2
    [line] = done.stderr.decode().splitlines()
    assert "holds bytes that are not UTF-8" in line
    assert deal.events() == before
