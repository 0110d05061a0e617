"""The CLI documents itself: every command has help with an example, and docs/cli.md is that help."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow.cli.main import cli
from dealflow.cli.reference import reference, walk

REFERENCE = Path(__file__).parents[2] / "docs" / "cli.md"
COMMANDS = list(walk(cli))


@pytest.mark.parametrize(("path", "ctx"), COMMANDS, ids=[path for path, _ in COMMANDS])
def test_every_command_has_a_short_help_and_an_example(path, ctx):
    assert ctx.command.get_short_help_str().strip(), f"{path} has no short help"
    assert "Example:" in ctx.command.get_help(ctx), f"{path} --help shows no Example:"


def test_the_cli_reference_lists_every_command():
    text = REFERENCE.read_text(encoding="utf-8")
    for path, _ in COMMANDS:
        assert f"## {path}\n" in text, f"{path} is missing from docs/cli.md"


def test_the_cli_reference_is_regenerated_after_every_help_change():
    assert REFERENCE.read_text(encoding="utf-8") == reference(), "docs/cli.md is stale: run `make docs`"


def test_the_version_and_help_work_without_a_store(tmp_path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.startswith("dealflow, version ")
    assert "Usage: dealflow" in runner.invoke(cli, ["-h"]).output
    assert not (tmp_path / "dealflow.db").exists(), "--help must not create a store"
