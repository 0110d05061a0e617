"""`dealflow act DEAL ACTION`: the 24 actions, generated from the playbook's table.

Nothing here names an action or a field: each subcommand, its options, help and example
come from `playbook.STAGES`, built on first use so that one action does not pay for 24.
"""

from __future__ import annotations

import inspect
import textwrap
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

import click

from dealflow.cli.context import Session
from dealflow.cli.recording import Recorded, recording
from dealflow.playbook import ACTIONS, STAGE_OF_ACTION, STAGES, Action, Effect, Field, Kind, action_with

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from dealflow.coaching import Coaching

METAVARS = {Kind.MONEY: "AMOUNT", Kind.CURRENCY: "CODE", Kind.PAIRS: "NAME=VALUE"}
REPEAT_HINTS = {
    Kind.CHOICES: "; one or more of {choices} (repeat the option or separate with commas)",
    Kind.LIST: "; repeat the option for each item",
    Kind.PAIRS: "; repeat the option for each item",
}
YES_NO = click.Choice(["yes", "no"], case_sensitive=False)
SAMPLES = {Kind.YES_NO: "yes", Kind.MONEY: "5000", Kind.CURRENCY: "EUR", Kind.PAIRS: "name=value"}


def option_name(field: Field) -> str:
    return "--" + field.name.replace("_", "-")


def _field_option(field: Field) -> click.Option:
    hint = REPEAT_HINTS.get(field.kind, "").format(choices=", ".join(field.choices))
    choice = click.Choice(field.choices) if field.kind is Kind.CHOICE else YES_NO if field.kind is Kind.YES_NO else None
    # Never click-required: the domain names what is missing, and a refused command writes nothing.
    return click.Option(
        [option_name(field), field.name],
        type=choice,
        multiple=field.kind in REPEAT_HINTS,
        metavar=None if choice else METAVARS.get(field.kind, "TEXT"),
        help=field.help + hint + ("  [required]" if field.required else ""),
    )


def _sample(field: Field) -> list[str]:
    """Example words for one field: its first choice, a typical value, or its own description."""
    option = option_name(field)
    if field.kind is Kind.LIST:
        return [word for n in range(1, field.min_items + 1) for word in (option, f'"item {n}"')]
    return [option, field.choices[0] if field.choices else SAMPLES.get(field.kind, f'"{field.help}"')]


def example(action: Action) -> str:
    shown = [f for f in action.fields if f.required or f.kind in (Kind.CHOICE, Kind.CHOICES, Kind.CURRENCY)]
    words = [word for field in shown for word in _sample(field)]
    return " ".join(["dealflow act D-0001", action.name, *words])


def _help(action: Action) -> str:
    from dealflow.coaching import coaching

    stage = STAGE_OF_ACTION[action.name]
    effect = f" Besides recording it, this {action.effect.value}." if action.effect else ""
    return (
        f"{action.summary[0].upper()}{action.summary[1:]}.\n\n"
        f"An action of stage {STAGES.index(stage) + 1}, {stage.name} ({stage.title}); the method calls it "
        f'"{action.seed}". The stage\'s exit signal: {stage.exit_signal.summary}.{effect}\n\n'
        + "".join(f"{_coaching_text(block)}\n\n" for block in coaching(action.name))
        + f"\b\nExample:\n  {example(action)}"
    )


HELP_WIDTH = 76  # click indents help by two columns and wraps at 78; a \b block it leaves as written


def _coaching_text(block: Coaching) -> str:
    """The seed's advice as a list that click keeps as written (a \\b paragraph), each item wrapped
    under its own first word."""
    lines = ["\b", *textwrap.wrap(block.title, HELP_WIDTH, break_on_hyphens=False)]
    for number, item in enumerate(block.items, 1):
        mark = f"{number}." if block.ordered else "-"
        lines += textwrap.wrap(
            f"{mark} {item.name} [{item.seed}]: {item.text}",
            HELP_WIDTH,
            initial_indent="  ",
            subsequent_indent=" " * (len(mark) + 3),
            break_on_hyphens=False,  # keep names whole: collection-overdue-days, our-fault
        )
    return "\n".join(lines)


@cache
def action_command(name: str) -> click.Command:
    action = ACTIONS[name]

    def record(session: Session, on: date | None, note: str | None, new_id: str | None = None, **values: Any):
        parent = click.get_current_context().parent  # `act DEAL`: the deal is the group's argument
        deal_id = parent.params["deal"] if parent else ""
        fields: dict[str, Any] = {key: _as_given(action.field(key), value) for key, value in values.items()}
        if new_id:
            fields["id"] = new_id
        deal, new_deal_id = session.app.record(deal_id, name, fields, actor=session.actor, on=on, note=note)
        summary = {"id": deal.deal_id, "version": deal.version, "stage": deal.stage, "action": deal.action}
        if new_deal_id is not None:  # a referral sale: the new deal's id, for scripts to use
            return Recorded(lambda: summary | {"referral": new_deal_id}, (new_deal_id,))
        return Recorded(lambda: summary, (f"{deal.deal_id}: {name} recorded ({deal.state}, version {deal.version})",))

    command = click.command(name, cls=ActionCommand, short_help=action.summary)(recording(record))
    command.action = action
    own = [_field_option(field) for field in action.fields]
    if action.effect is Effect.REFERRAL:
        own.append(click.Option(["--id", "new_id"], metavar="ID", help="The new deal's id; default the next D-NNNN."))
    own.append(click.Option(["--note"], metavar="TEXT", help="A free-text note kept with the record."))
    command.params[:0] = own
    return command


class ActionCommand(click.Command):
    """An action's command, its help (the seed's coaching among it) written only when it is shown:
    recording an action never imports the coaching."""

    action: Action

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.help = _help(self.action)
        super().format_help_text(ctx, formatter)


def _as_given(field: Field, value: Any) -> Any:
    """Repeated options as a list; a choice list may also be comma-separated."""
    if field.kind is Kind.CHOICES:
        return [part for item in value for part in item.split(",")]
    return list(value) if isinstance(value, tuple) else value


class ActGroup(click.Group):
    """The deal comes before the action, and the help lists the actions stage by stage."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] in ACTIONS and {"-h", "--help"} & set(args[1:]):
            args = ["DEAL", *args]  # `act qualify --help`: show the action's help, though the deal is left out
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(ACTIONS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return action_command(name) if name in ACTIONS else None

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[Any, click.Command | None, list[str]]:
        name = args[0]
        if name not in ACTIONS and not name.startswith("-") and not ctx.resilient_parsing:
            deal = ctx.params.get("deal")
            if deal in ACTIONS:
                raise click.UsageError(f"give the deal first: dealflow act DEAL {deal} ...", ctx)
            raise click.UsageError(f"unknown action {name!r}: choose one of the method's {len(ACTIONS)} actions", ctx)
        return super().resolve_command(ctx, args)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """After `act DEAL`, only the actions that deal's stage allows (cli/completion.py)."""
        deal = ctx.params.get("deal")
        if not deal or incomplete.startswith("-"):
            return super().shell_complete(ctx, incomplete)
        from dealflow.cli.completion import allowed_actions  # only when the shell asks

        return allowed_actions(ctx, deal, incomplete)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """One section per stage, in the method's order; one unwrapped line per action."""
        width = max(len(name) for name in ACTIONS)
        for number, stage in enumerate(STAGES, 1):
            with formatter.section(f"{number}. {stage.name} ({stage.title})"):
                for action in stage.actions:
                    formatter.write(f"{'':{formatter.current_indent}}{action.name.ljust(width)}  {action.summary}\n")


@click.group(cls=ActGroup, subcommand_metavar="ACTION [OPTIONS]", no_args_is_help=False)
@click.argument("deal")
def act(deal: str) -> None:
    """Record one of the method's 24 actions on a deal: the actions of its current stage.

    Each action's options come from the playbook; `dealflow act DEAL ACTION --help`
    shows them. Inside a stage, its actions may be done in any order, any number of times.
    """


# The examples are generated too, so that no action is spelled here.
act.help = "\n".join(
    [inspect.cleandoc(act.help or ""), "", "\b", "Example:"]
    + [f"  {example(action_with(effect))}" for effect in (Effect.QUALIFIES, Effect.STAKEHOLDER, Effect.SETS_VALUE)]
)
