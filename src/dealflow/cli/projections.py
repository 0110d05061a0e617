"""The projections behind the reports: where they stand against the log, and rebuilding them."""

from __future__ import annotations

import sys

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit_json, json_option, print_table


@click.group()
def projections() -> None:
    """The read models behind the reports: status and rebuild.

    \b
    Example:
      dealflow projections status
      dealflow projections rebuild
    """


@projections.command()
@json_option
@pass_session
def status(session: Session, as_json: bool) -> None:
    """Each projection's position in the event log against the log's head.

    \b
    Example:
      dealflow projections status --json
    """
    from dealflow.projections.runner import Projections

    with Projections(session.app) as found:
        rows = found.status()
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, ("projection", "position", "head", "behind", "events", "state"))


@projections.command()
@pass_session
def rebuild(session: Session) -> None:
    """Drop the projections and replay the whole log into them, with a progress bar.

    A rebuild that was interrupted (the process killed, the machine stopped) is resumed from the
    last batch it wrote; every report also resumes it before it answers.

    \b
    Example:
      dealflow projections rebuild
    """
    from dealflow.projections.runner import Projections

    with Projections(session.app) as found:
        resumed = found.start_rebuild()
        start, head = found.backlog()
        if resumed:
            click.echo(f"resuming the rebuild interrupted at event {start} of {head}", err=True)
        with click.progressbar(length=head - start, label="rebuilding", file=sys.stderr) as bar:
            read = found.catch_up(progress=bar.update)
        *others, last = [projection.name for projection in found.projections]
        names = f"{', '.join(others)} and {last}" if others else last
    click.echo(f"rebuilt {names} from {read} events; all at event {head}")
