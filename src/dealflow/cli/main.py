"""The `dealflow` command: global options, lazily loaded command modules, error conversion.

Command modules are imported only when their command runs, so that recording a
sales event never pays for reports, exports or SQLAlchemy.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

import click

from dealflow import __version__
from dealflow.cli.context import Session, login_name
from dealflow.cli.errors import run_converting_errors

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

# command name -> "module:attribute", in the order `dealflow --help` lists them; those that may make
# the store where there is none are named in cli/context.py CREATES too
COMMANDS = {
    "info": "dealflow.cli.deals:info",
    "open": "dealflow.cli.deals:open_deal",
    "show": "dealflow.cli.show:show",
    "deals": "dealflow.cli.deals:deals",
    "act": "dealflow.cli.actions:act",
    "advance": "dealflow.cli.moves:advance",
    "back": "dealflow.cli.moves:back",
    "lose": "dealflow.cli.moves:lose",
    "reopen": "dealflow.cli.moves:reopen",
    "sign": "dealflow.cli.moves:sign",
    "bottom-line": "dealflow.cli.negotiation:bottom_line",
    "concede": "dealflow.cli.negotiation:concede",
    "invoice": "dealflow.cli.receivables:invoice",
    "pay": "dealflow.cli.receivables:pay",
    "chase": "dealflow.cli.receivables:chase",
    "write-off": "dealflow.cli.receivables:write_off",
    "note": "dealflow.cli.records:note",
    "assign": "dealflow.cli.records:assign",
    "forecast": "dealflow.cli.forecast:forecast",
    "buying-stage": "dealflow.cli.records:buying_stage",
    "correct": "dealflow.cli.revisions:correct",
    "void": "dealflow.cli.revisions:void",
    "history": "dealflow.cli.history:history",
    "audit": "dealflow.cli.history:audit",
    "verify": "dealflow.cli.integrity:verify",
    "checkpoint": "dealflow.cli.integrity:checkpoint",
    "pipeline": "dealflow.cli.reports:pipeline",
    "concessions": "dealflow.cli.reports:concessions",
    "ageing": "dealflow.cli.reports:ageing",
    "movement": "dealflow.cli.movement:movement",
    "agenda": "dealflow.cli.agenda:agenda",
    "projections": "dealflow.cli.projections:projections",
    "export": "dealflow.cli.export_group:export",
    "import": "dealflow.cli.import_group:import_group",
    "settings": "dealflow.cli.settings:settings",
    "diagram": "dealflow.cli.diagram:diagram",
    "demo": "dealflow.cli.demo:demo",
    "completion": "dealflow.cli.completion:completion",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented lazy-loading pattern)."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attribute = self.lazy[name].split(":")
            return _offering_deal_ids(getattr(importlib.import_module(module), attribute))
        return super().get_command(ctx, name)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Standalone runs (the console script, CliRunner) convert every error to one line and an exit code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        if os.environ.get(complete_var or "_DEALFLOW_COMPLETE"):  # shell completion: click's own handling
            return super().main(argv, prog_name, complete_var, True, **extra)
        run_converting_errors(
            lambda: super(LazyGroup, self).main(argv, prog_name, complete_var, False, **extra),
            debug="--debug" in argv,
            db=_db_option(argv),
        )


def _offering_deal_ids(command: click.Command) -> click.Command:
    """Every parameter named `deal`, in the command and its subcommands, completes to the store's deal
    ids (cli/completion.py), unless it completes in a way of its own. Click takes `shell_complete` only
    as a constructor argument, so it is set here on the attribute that argument fills."""
    for param in command.params:
        if param.name == "deal" and param._custom_shell_complete is None:
            param._custom_shell_complete = _complete_deal
    for sub in getattr(command, "commands", {}).values():
        _offering_deal_ids(sub)
    return command


def _complete_deal(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from dealflow.cli.completion import deal_ids  # only when the shell asks

    return deal_ids(ctx, incomplete)


def _db_option(argv: list[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg == "--db" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--db="):
            return arg.split("=", 1)[1]
    return os.environ.get("DEALFLOW_DB")


@click.group(
    "dealflow",
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    envvar="DEALFLOW_DB",
    metavar="URL",
    help="The store: a SQLite file, sqlite:///FILE or postgresql://USER@HOST/DB. "
    "Env DEALFLOW_DB; default ./dealflow.db.",
)
@click.option("--actor", envvar="DEALFLOW_ACTOR", metavar="NAME", help="Who is recording; default your login name.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@click.version_option(__version__, "--version", prog_name="dealflow")
@click.pass_context
def cli(ctx: click.Context, db: str | None, actor: str | None, debug: bool) -> None:
    """Run B2B deals by the six-stage sales method, with a history audited to the last keystroke.

    \b
    Example:
      dealflow open "Acme Corp" --title "ERP rollout" --value 120000 --currency EUR
      dealflow act D-0001 qualify --opportunity yes --solution yes --winnable yes --worth yes
      dealflow advance D-0001
      dealflow history D-0001
    """
    session = Session(db=db, actor=(actor or login_name()).strip() or login_name(), debug=debug)
    ctx.obj = session
    ctx.call_on_close(session.close)


def main() -> None:
    cli.main(prog_name="dealflow")
