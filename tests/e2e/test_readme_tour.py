"""The README's five-minute tour is run as written: every line does what its comment says."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

from conftest import dealflow_executable

README = Path(__file__).parents[2] / "README.md"


def tour_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text.split("## A five-minute tour", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


# SQLite only: the tour is run as written, and it writes to the file its `export DEALFLOW_DB=tour.db`
# names. The same commands run on each store in test_recording_cli.
def test_the_readme_tour_takes_a_deal_from_open_to_closed_as_it_says(tmp_path):
    env = {**os.environ, "PATH": f"{Path(dealflow_executable()).parent}{os.pathsep}{os.environ['PATH']}"}
    for line in tour_lines():
        command, _, comment = line.partition("#")
        words = shlex.split(command)
        if words[0] == "export":
            env.update(dict(word.split("=", 1) for word in words[1:]))
            continue
        result = subprocess.run(words, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        expected = 1 if "refused" in comment else 0
        assert result.returncode == expected, f"{command.strip()}\n{result.stderr}"
        if expected:
            assert re.search(comment.split("refused:", 1)[1].strip(), result.stderr), result.stderr
    shown = subprocess.run(
        ["dealflow", "show", "D-0001", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    deal = json.loads(shown.stdout)
    assert deal["status"] == "closed" and deal["open_balance"] == "0"
