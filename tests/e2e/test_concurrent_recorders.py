"""Several people recording at once: every accepted command is one event, every lost race says
so and writes nothing, and nothing is silently overwritten (real processes, both stores)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import Dealflow, dealflow_executable

RECORDERS = 8
COMMANDS = 20

# One recorder: COMMANDS notes, every other one on the shared deal; prints each exit code and stderr line.
RECORDER = """
import json, subprocess, sys
dealflow, me, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(count):
    deal = "SHARED" if n % 2 else f"OWN-{me}"
    done = subprocess.run([dealflow, "note", deal, f"{me}:{n}"], capture_output=True, text=True)
    print(json.dumps([deal, f"{me}:{n}", done.returncode, done.stderr.strip()]))
"""


def test_eight_recorders_at_once_lose_no_event_and_overwrite_nothing(dealflow_on: Dealflow, tmp_path: Path):
    cli = dealflow_on
    for deal in ["SHARED", *(f"OWN-{me}" for me in range(RECORDERS))]:
        assert cli("open", "Acme", "--title", "race", "--id", deal).exit_code == 0
    before = cli.events()
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    env = {**os.environ, "DEALFLOW_DB": cli.db, "DEALFLOW_ACTOR": "racer"}
    recorders = [
        subprocess.Popen(
            [sys.executable, str(script), dealflow_executable(), str(me), str(COMMANDS)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for me in range(RECORDERS)
    ]
    results = [json.loads(line) for recorder in recorders for line in recorder.communicate(timeout=600)[0].splitlines()]

    accepted = [(deal, text) for deal, text, code, _ in results if code == 0]
    refused = [(code, error) for _, _, code, error in results if code != 0]
    assert len(results) == RECORDERS * COMMANDS
    assert all(code == 1 and "changed by someone else" in error and "run the command again" in error
               for code, error in refused), refused  # fmt: skip
    assert cli.events() == before + len(accepted)
    for deal in {row[0] for row in results}:
        history = json.loads(cli("history", deal, "--json").stdout)
        notes = [row["text"] for row in history if row["event"] == "NoteAdded"]
        assert sorted(notes) == sorted(text for d, text in accepted if d == deal)
    assert cli("audit", "--all").exit_code == 0
