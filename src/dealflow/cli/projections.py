"""The projections behind the reports: where they stand against the log, rebuilding them, and
following the log to keep them current."""

from __future__ import annotations

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit_json, json_option, print_table, say, wide_option
from dealflow.cli.progress import progress


@click.group()
def projections() -> None:
    """The read models behind the reports: status, rebuild and follow.

    \b
    Example:
      dealflow projections status
      dealflow projections rebuild
      dealflow projections follow
    """


@projections.command()
@json_option
@wide_option
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
        with progress("rebuilding", head - start) as advance:
            read = found.catch_up(progress=advance)
        *others, last = [projection.name for projection in found.projections]
        names = f"{', '.join(others)} and {last}" if others else last
        newer = found.log.newer
    if newer is not None:
        from dealflow.storage.storeformat import NewerDealflow

        raise NewerDealflow(
            f"rebuilt {names} up to event {newer - 1} of {head}: event {newer} was written by a newer dealflow; "
            "upgrade dealflow to rebuild them whole"
        )
    click.echo(f"rebuilt {names} from {read} events; all at event {head}")


@projections.command()
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    metavar="SECONDS",
    help="How often to look for new events: a SQLite file every 0.5 s by default; on PostgreSQL, which "
    "notifies the follower of every new event, this is only a safety net (default 5 s).",
)
@click.option("--quiet", "-q", is_flag=True, help="No line per catch-up: only trouble with the store and the stop.")
@pass_session
def follow(session: Session, interval: float | None, quiet: bool) -> None:
    """Keep the projections current as events are recorded, until stopped.

    Catches up first, then waits for new events and catches up again, forever, so that a report
    finds nothing left to catch up and answers at once. One line on stderr per catch-up that read
    events. If the store cannot be reached while following, it says so once and tries again until
    it answers. SIGTERM or Ctrl-C stops it after the batch in progress, with exit code 0; a follower
    that was killed is resumed by the next one from the stored positions, missing and repeating nothing.

    \b
    Example:
      dealflow projections follow
      dealflow --db postgresql://sales@db/sales projections follow --quiet &
    """
    from dealflow.projections.follow import Follower, default_interval, stop_on_signals
    from dealflow.projections.runner import Projections

    app = session.app
    with Projections(app) as found, stop_on_signals() as stop:
        follower = Follower(
            found,
            interval=interval or default_interval(app.store),
            stop=stop,
            say=lambda line: say(line, err=True),
            quiet=quiet,
        )
        stopped_at = follower.run()
    click.echo(f"dealflow: follower stopped at event {stopped_at}", err=True)
