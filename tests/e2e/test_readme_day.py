"""The README's "a day with dealflow" is run as written, after `make demo`'s `dealflow demo`: every
command succeeds and prints what its comment promises of it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import dealflow_executable

README = Path(__file__).parents[2] / "README.md"


def day_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text.split("## A day with dealflow", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_a_day_with_dealflow_runs_as_written_on_the_demo_book(tmp_path):
    env = {**os.environ, "PATH": f"{Path(dealflow_executable()).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("COLUMNS", None)
    demo = subprocess.run(["dealflow", "--db", "demo.db", "demo"], cwd=tmp_path, env=env, capture_output=True)
    assert demo.returncode == 0, demo.stderr
    printed = {}
    for line in day_lines():
        command = line.partition("  #")[0].strip()
        if command.startswith(". "):  # activating the environment: PATH above does it
            continue
        if command.startswith("export "):
            env.update(dict(word.split("=", 1) for word in command.split()[1:]))
            continue
        result = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        printed[command] = result.stdout
    assert printed, "the README has no day with dealflow"
    by_start = {command.split()[1]: out for command, out in printed.items() if command.startswith("dealflow ")}
    assert "D-0016" in by_start["agenda"] and "D-0016" in by_start["deals"]
    for section in ("stakeholders:", "negotiation:", "next:"):
        assert section in by_start["show"]
    assert "note added" in printed[next(command for command in printed if "note D-0016 -" in command)]
