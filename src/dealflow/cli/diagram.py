"""`dealflow diagram`: the lifecycle machine drawn by transitions' diagram support.

The drawing machine is built here, from the same states and transitions as the
machine that guards every command, and only for drawing: production paths never
bind a GraphMachine.
"""

from __future__ import annotations

from typing import Literal, Protocol, cast

import click

from dealflow.playbook import STAGE_NAMES

ENGINES: dict[str, Literal["mermaid", "graphviz"]] = {"mermaid": "mermaid", "dot": "graphviz"}
TITLE = "dealflow: the six-stage sales method"


class _Drawing:
    """The model the drawing machine needs; it only ever stands at the start."""


class _Source(Protocol):
    """What either engine's graph gives (transitions types it only as its own GraphProtocol)."""

    source: str


def draw(fmt: str) -> str:
    """The lifecycle as Mermaid or Graphviz DOT source."""
    from transitions.extensions.diagrams import HierarchicalGraphMachine
    from transitions.extensions.nesting import NestedState

    from dealflow.aggregates.lifecycle import SEPARATOR, definition

    class DottedState(NestedState):
        separator = SEPARATOR

    class DrawingMachine(HierarchicalGraphMachine):
        state_cls = DottedState

    states, transitions = definition()
    model = _Drawing()
    machine = DrawingMachine(
        model=model,
        states=states,
        transitions=transitions,
        initial=STAGE_NAMES[0],
        auto_transitions=False,
        show_conditions=True,
        title=TITLE,
        graph_engine=ENGINES[fmt],
    )
    if fmt == "dot" and machine.graph_cls.__module__.endswith("mermaid"):
        # transitions falls back to Mermaid, with only a log line, when the graphviz package is missing
        raise click.ClickException("--format dot needs the graphviz Python package: pip install graphviz")
    graph = machine.model_graphs[id(model)]
    graph.reset_styling()  # a drawing of the method, not of one deal: no state is marked current
    return cast(_Source, graph.get_graph(title=TITLE)).source


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(ENGINES)),
    default="mermaid",
    show_default=True,
    help="The diagram language.",
)
def diagram(fmt: str) -> None:
    """Draw the method's lifecycle: stages, actions and the moves between them.

    Mermaid renders on GitHub and in many editors; DOT renders with Graphviz (`dot -Tsvg`).

    \b
    Example:
      dealflow diagram > lifecycle.mmd
      dealflow diagram --format dot | dot -Tsvg > lifecycle.svg
    """
    click.echo(draw(fmt))
