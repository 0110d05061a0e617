"""Generate docs/cli.md, the CLI reference, from the commands' own --help: `make docs`."""

from __future__ import annotations

from collections.abc import Iterator

import click

from dealflow.cli.main import cli


def walk(command: click.Command, path: tuple[str, ...] = ("dealflow",)) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand, depth first, in the order `--help` lists them."""
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from walk(sub, (*path, name))


def help_text(path: tuple[str, ...], command: click.Command) -> str:
    parent = None
    for depth, name in enumerate(path):
        parent = click.Context(command if depth == len(path) - 1 else cli, info_name=name, parent=parent)
    return command.get_help(parent).rstrip()


def reference() -> str:
    lines = [
        "# dealflow command reference",
        "",
        "Generated from the commands' own `--help` by `make docs`; a test keeps it current.",
        "",
    ]
    for path, command in walk(cli):
        lines += [f"## {' '.join(path)}", "", "```text", help_text(path, command), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    click.echo(reference(), nl=False)
