"""Shell completion through the real `dealflow` process, by click's protocol (`_DEALFLOW_COMPLETE`,
`COMP_WORDS`, `COMP_CWORD`), against a seeded demo book on each store: deal ids wherever a DEAL is
asked, and after `act DEAL` only the actions that deal's stage allows."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.shell_completion import BashComplete

from conftest import Dealflow, Stores, dealflow_executable, event_count
from dealflow.cli.main import cli
from dealflow.cli.reference import walk
from dealflow.playbook import ACTIONS

NEGOTIATION = "D-0016"  # the demo's negotiation, in winning commitment


def complete(line: str, *, db: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """What bash's completion function asks of dealflow for `line`, the cursor at its end."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    env = {**os.environ, "_DEALFLOW_COMPLETE": "bash_complete", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    env.pop("DEALFLOW_DB", None)
    if db is not None:
        env["DEALFLOW_DB"] = db
    return subprocess.run([dealflow_executable()], capture_output=True, text=True, env=env, cwd=cwd, timeout=60)


def offered(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line]


@pytest.fixture(scope="module")
def demo_db(module_stores: Stores) -> str:
    db = module_stores.new()
    assert Dealflow(db)("demo").exit_code == 0
    return db


@pytest.fixture(scope="module")
def deal_ids(demo_db: str) -> list[str]:
    return [deal["id"] for deal in json.loads(Dealflow(demo_db)("deals", "--json").stdout)]


def test_show_completes_to_the_deal_ids_that_begin_with_what_is_typed(demo_db, deal_ids):
    assert offered(complete("dealflow show D-00", db=demo_db)) == sorted(deal_ids)
    assert offered(complete("dealflow show D-001", db=demo_db)) == [f"D-001{n}" for n in range(10)]


def test_completion_reads_the_store_that_db_names_on_the_command_line(demo_db, deal_ids):
    line = f"dealflow --db {shlex.quote(demo_db)} history D-003"

    assert offered(complete(line)) == sorted(i for i in deal_ids if i.startswith("D-003"))


def test_after_act_and_a_deal_only_the_actions_its_stage_allows_are_offered(demo_db):
    deal = json.loads(Dealflow(demo_db)("show", NEGOTIATION, "--json").stdout)
    assert deal["stage"] == "commitment"

    actions = offered(complete(f"dealflow act {NEGOTIATION} ", db=demo_db))

    assert actions == [name for name in ACTIONS if name in deal["allowed"]]
    assert "negotiate" in actions and "qualify" not in actions
    assert not {"lose", "note", "back"} & set(actions), "commands that are not actions are not offered after act"
    assert offered(complete(f"dealflow act {NEGOTIATION} ne", db=demo_db)) == ["negotiate"]


def test_act_completes_the_deal_first(demo_db, deal_ids):
    assert offered(complete("dealflow act D-002", db=demo_db)) == sorted(i for i in deal_ids if i.startswith("D-002"))


def test_an_unknown_deal_or_a_store_that_is_not_there_offers_nothing_and_makes_nothing(demo_db, tmp_path):
    before = event_count(demo_db)

    assert offered(complete("dealflow act D-9999 ", db=demo_db)) == []
    assert offered(complete("dealflow show D-", db="missing.db", cwd=tmp_path)) == []
    assert offered(complete("dealflow act D-0001 ", cwd=tmp_path)) == []

    assert list(tmp_path.iterdir()) == [], "completion made a store"
    assert event_count(demo_db) == before


def test_every_command_that_takes_a_deal_completes_deal_ids(demo_db, monkeypatch):
    """Through click's completion in-process (the same path as above, without a process per command):
    the 22 commands that take a DEAL argument, and `export events --deal`."""
    monkeypatch.setenv("DEALFLOW_DB", demo_db)
    deal_params = [(path, p) for path, ctx in walk(cli) for p in ctx.command.params if p.name == "deal"]
    completer = BashComplete(cli, {}, "dealflow", "_DEALFLOW_COMPLETE")

    for path, param in deal_params:
        words = path.split()[1:] + (param.opts[:1] if isinstance(param, click.Option) else [])
        completed = [item.value for item in completer.get_completions(words, "D-002")]
        assert completed == [f"D-002{n}" for n in range(10)], words
    assert sum(isinstance(param, click.Argument) for _, param in deal_params) == 22


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_command_prints_the_script_for_each_shell(sqlite_dealflow: Dealflow, shell):
    done = sqlite_dealflow.run("completion", shell)

    assert done.returncode == 0, done.stderr
    assert "_DEALFLOW_COMPLETE" in done.stdout and f"{shell}_complete" in done.stdout


def test_the_completion_command_refuses_a_shell_it_does_not_know(sqlite_dealflow: Dealflow):
    done = sqlite_dealflow.run("completion", "tcsh")

    assert done.returncode == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in done.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_bash_script_installed_as_the_help_says_completes_the_allowed_actions(demo_db):
    script = f"""
        eval "$(dealflow completion bash)"
        COMP_WORDS=(dealflow act {NEGOTIATION} ne); COMP_CWORD=3
        _dealflow_completion dealflow
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    path = f"{Path(dealflow_executable()).parent}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, "PATH": path, "DEALFLOW_DB": demo_db}

    done = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60)

    assert done.stdout.split() == ["negotiate"], done.stderr
