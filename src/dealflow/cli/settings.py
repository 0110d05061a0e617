"""The team's settings: shown as in force, changed by an audited command."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from dealflow.aggregates.settings import SETTING_NAMES
from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit_json, json_option, print_fields, wide_option
from dealflow.cli.params import DATE
from dealflow.cli.recording import Recorded, recording


def _values(settings: object) -> dict[str, Any]:
    """Each setting by its name, read from the settings in force (playbook.Defaults: a dataclass made
    from the settings' table, which a type checker cannot name as a type)."""
    return {name: getattr(settings, name.replace("-", "_")) for name in SETTING_NAMES}


@click.group()
def settings() -> None:
    """Show or change the team's settings (gift limit, collection thresholds, stalled days).

    \b
    Example:
      dealflow settings show
      dealflow settings set gift-limit 150
    """


@settings.command()
@click.option("--as-of", type=DATE, help="The settings in force at the end of this day (YYYY-MM-DD).")
@json_option
@wide_option
@pass_session
def show(session: Session, as_of, as_json: bool) -> None:
    """Show the settings in force.

    \b
    Example:
      dealflow settings show
      dealflow settings show --as-of 2026-01-31 --json
    """
    values = _values(session.app.settings(as_of))
    if as_json:
        emit_json(values)
    else:
        print_fields(values.items())


@settings.command("set")
@click.argument("name", type=click.Choice(SETTING_NAMES), metavar="NAME")
@click.argument("value")
@recording
def set_(session: Session, name: str, value: str, on: date | None) -> Recorded:
    """Change a setting from a date on; every change is kept for audit.

    NAME is one of the names `dealflow settings show` lists.

    \b
    Example:
      dealflow settings set gift-limit 150
      dealflow settings set collection-overdue-days 45 --on 2026-04-01
    """
    in_force = _values(session.app.change_setting(name, value, actor=session.actor, on=on))
    return Recorded(
        lambda: in_force, (f"{name} set to {value} from {on or date.today()}; in force today: {in_force[name]}",)
    )
