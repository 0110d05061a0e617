"""Generate docs/cli.md, the CLI reference, from the commands' own --help: `make docs`."""

from __future__ import annotations

from collections.abc import Iterator

import click

from dealflow.cli.main import cli


def walk(
    command: click.Command = cli, name: str = "dealflow", parent: click.Context | None = None
) -> Iterator[tuple[str, click.Context]]:
    """(command path, context) for every command and subcommand, depth first, in `--help` order."""
    # the command's own context settings (-h): click caches the help option from the first context it sees
    ctx = click.Context(command, info_name=name, parent=parent, **command.context_settings)
    yield ctx.command_path, ctx
    if isinstance(command, click.Group):  # click puts a group's own arguments (`act DEAL`) in the path
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None:
                yield from walk(sub, sub_name, ctx)


def reference() -> str:
    lines = [
        "# dealflow command reference",
        "",
        "Generated from the commands' own `--help` by `make docs`; a test keeps it current.",
        "",
    ]
    for title, ctx in walk():
        lines += [f"## {title}", "", "```text", ctx.command.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    click.echo(reference(), nl=False)
