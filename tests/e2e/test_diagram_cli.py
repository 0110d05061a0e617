"""`dealflow diagram` draws the same machine that guards every command."""

from __future__ import annotations

from click.testing import CliRunner

from dealflow.aggregates.lifecycle import definition
from dealflow.cli.main import cli
from dealflow.playbook import CLOSED, LOST, STAGES, Move, Record


def draw(*args: str) -> str:
    result = CliRunner().invoke(cli, ["diagram", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_mermaid_diagram_names_every_stage_and_action_of_the_playbook():
    diagram = draw()

    assert "stateDiagram-v2" in diagram
    for stage in STAGES:
        assert f'state "{stage.name}" as {stage.name}' in diagram
        for action in stage.actions:
            assert f'state "{action.name}" as {stage.name}.{action.name}' in diagram
            assert f"{stage.name} --> {stage.name}.{action.name}: {action.name}" in diagram
    assert f'state "{LOST}" as {LOST}' in diagram
    assert f'state "{CLOSED}" as {CLOSED}' in diagram


def test_the_diagram_shows_every_move_and_record_with_its_guard():
    diagram = draw()

    for trigger in [*Move, *Record]:
        assert f": {trigger}" in diagram or f"| {trigger}" in diagram, trigger
    assert f"{STAGES[0].name} --> {STAGES[1].name}: {Move.ADVANCE} [exit_signal_holds]" in diagram
    assert f"{STAGES[-2].name} --> {STAGES[-1].name}: {Move.SIGN}" in diagram


def test_the_diagram_has_one_edge_per_transition_of_the_lifecycle_machine():
    _, transitions = definition()
    moves = [t for t in transitions if t["dest"] is not None]

    edges = [line for line in draw().splitlines() if " --> " in line and not line.strip().startswith("[*]")]

    assert len(edges) == len(moves) + len(STAGES)  # plus one line per stage for its records, drawn as self-loops


def test_the_dot_diagram_is_graphviz_source_without_the_dot_program():
    diagram = draw("--format", "dot")

    assert diagram.startswith("digraph ")
    for stage in STAGES:
        assert f"cluster_{stage.name}" in diagram
        for action in stage.actions:
            assert f'"{stage.name}.{action.name}"' in diagram


def test_the_diagram_marks_no_state_as_current():
    assert "darksalmon" not in draw("--format", "dot")  # transitions' colour for the model's current state


def test_the_diagram_needs_no_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    draw()

    assert list(tmp_path.iterdir()) == []


def test_an_unknown_format_is_a_usage_error():
    result = CliRunner().invoke(cli, ["diagram", "--format", "svg"])

    assert result.exit_code == 2
