"""What every command shares: the store and the actor. The application is built on first use,
so `--help` and bad usage never open a store."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dealflow.application import DealflowApp


def login_name() -> str:
    import getpass  # only when no --actor / DEALFLOW_ACTOR is given: scripts and teams set one

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in a container
        return os.environ.get("USER") or "unknown"


@dataclass
class Session:
    db: str | None
    actor: str
    debug: bool = False
    _app: DealflowApp | None = field(default=None, repr=False)

    @property
    def app(self) -> DealflowApp:
        if self._app is None:
            from dealflow.application import DealflowApp

            self._app = DealflowApp(self.db)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


pass_session = click.make_pass_decorator(Session)
