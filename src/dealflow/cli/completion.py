"""`dealflow completion SHELL`, and what the shell is offered beyond click's own: the store's deal ids
wherever a command takes a DEAL, and after `act DEAL` only the actions that deal's stage allows.

Imported only when the shell asks or this command runs: recording never pays for it; and the store's
code only when the shell asks, since `eval "$(dealflow completion bash)"` runs at every shell start.
A completion offers nothing rather than fail: whatever it printed would land in the user's prompt.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem, get_completion_class

if TYPE_CHECKING:
    from dealflow.application import DealflowApp

PROGRAM = "dealflow"
COMPLETE_VAR = "_DEALFLOW_COMPLETE"  # click's name for the program's completion variable
SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Completion offers the commands and their options, the store's deal ids wherever a command
    takes a DEAL (the store that --db or DEALFLOW_DB names), and after `act DEAL` only the actions
    that deal's stage allows. It works where the shell finds `dealflow` on its PATH (after
    `. .venv/bin/activate` in the project). Install it once:

    \b
      bash: add  eval "$(dealflow completion bash)"  to ~/.bashrc (bash 4.4 or later)
      zsh:  add  eval "$(dealflow completion zsh)"  to ~/.zshrc, after compinit
      fish: dealflow completion fish > ~/.config/fish/completions/dealflow.fish

    \b
    Example:
      eval "$(dealflow completion bash)"
      dealflow completion fish > ~/.config/fish/completions/dealflow.fish
    """
    script = get_completion_class(shell)
    assert script is not None  # click registers every one of SHELLS
    click.echo(script(ctx.find_root().command, {}, PROGRAM, COMPLETE_VAR).source(), nl=False)


def deal_ids(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """The store's deal ids that begin with what is typed, read from the deals' opening events alone."""
    from eventsourcing.utils import get_topic

    from dealflow.aggregates.events import Opened
    from dealflow.storage import eventlog

    try:
        with _reading(ctx) as app:
            opened = eventlog.first_field(app, get_topic(Opened), "deal_id", eventlog.head(app))
            found = sorted(str(deal_id) for _, deal_id in opened)
    except Exception:  # see the module's docstring: nothing rather than a traceback in the prompt
        return []
    return [CompletionItem(deal_id) for deal_id in found if deal_id.startswith(incomplete)]


def allowed_actions(ctx: click.Context, deal_id: str, incomplete: str) -> list[CompletionItem]:
    """The actions the deal's stage allows now, in the method's order, with their summaries."""
    from dealflow.playbook import ACTIONS

    try:
        with _reading(ctx) as app:
            allowed = set(app.deal(deal_id).allowed())
    except Exception:  # as in deal_ids: an unknown deal or an unreadable store offers nothing
        return []
    return [
        CompletionItem(name, help=action.summary)
        for name, action in ACTIONS.items()
        if name in allowed and name.startswith(incomplete)
    ]


@contextmanager
def _reading(ctx: click.Context) -> Iterator[DealflowApp]:
    """The store the command line names (`--db`, else DEALFLOW_DB), opened to read: never made."""
    from dealflow.application import DealflowApp

    app = DealflowApp(ctx.find_root().params.get("db"), create=False)
    try:
        yield app
    finally:
        app.close()
