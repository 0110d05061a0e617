"""After `make demo`, every command the demo prints runs as printed from the project directory,
where dealflow is `.venv/bin/dealflow` and not on the PATH; and the README says to activate the
environment before its own plain `dealflow` commands. SQLite only: `make demo` seeds a file."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from conftest import dealflow_executable

README = Path(__file__).parents[2] / "README.md"


def path_without_dealflow() -> str:
    """The PATH as a newcomer's shell has it before activating the environment."""
    folders = os.environ["PATH"].split(os.pathsep)
    return os.pathsep.join(folder for folder in folders if not (Path(folder) / "dealflow").exists())


def run(command: list[str], project: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path, "DEALFLOW_ACTOR": "ana"}
    env.pop("DEALFLOW_DB", None)
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)


def tour(output: str) -> list[str]:
    """The commands after "try next:", each before the two spaces that begin its explanation."""
    lines = output.split("try next:\n", 1)[1].splitlines()
    return [re.split(r" {2,}", line.strip())[0] for line in lines if line.strip()]


def test_every_command_the_demo_prints_runs_as_printed_in_the_project_directory(tmp_path):
    """The project as `make demo` leaves it: the console script in .venv/bin, run by that path."""
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    shutil.copy2(dealflow_executable(), tmp_path / ".venv" / "bin" / "dealflow")
    path = path_without_dealflow()

    seeded = run([".venv/bin/dealflow", "--db", "demo.db", "demo"], tmp_path, path)

    assert seeded.returncode == 0, seeded.stderr
    commands = tour(seeded.stdout)
    assert len(commands) >= 10
    for command in commands:
        assert command.startswith(".venv/bin/dealflow --db demo.db "), command
        done = run(shlex.split(command), tmp_path, path)
        assert done.returncode == 0, f"{command}\n{done.stderr}"


def test_the_demo_prints_plain_dealflow_where_the_path_finds_it(tmp_path):
    path = f"{Path(dealflow_executable()).parent}{os.pathsep}{path_without_dealflow()}"

    seeded = run(["dealflow", "--db", "demo.db", "demo"], tmp_path, path)

    assert seeded.returncode == 0, seeded.stderr
    assert all(command.startswith("dealflow --db demo.db ") for command in tour(seeded.stdout))


def test_the_readme_activates_the_environment_before_its_first_dealflow_command():
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()

    assert [line.split("#")[0].strip() for line in first_block] == ["make demo", "make test", ". .venv/bin/activate"]
    assert text.index(". .venv/bin/activate") < text.index("dealflow act")
    assert "`.venv/bin/dealflow --db demo.db ...`" in text
