"""What every command shares: the store and the actor. The application is built on first use,
so `--help` and bad usage never open a store."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dealflow.application import DealflowApp
    from dealflow.store import Store

# The commands that only read: on a store that is not there they say so and make nothing, where a
# command that writes makes it. A group's name stands for all its commands.
READS = frozenset(
    {"info", "show", "deals", "history", "audit", "pipeline", "concessions", "ageing", "export", "projections"}
    | {"settings show"}
)


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
    def store(self) -> Store:
        from dealflow.store import parse_store

        return self._app.store if self._app is not None else parse_store(self.db)

    @property
    def app(self) -> DealflowApp:
        if self._app is None:
            from dealflow.application import DealflowApp

            self._app = DealflowApp(self.db, create=not _reads())
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


pass_session = click.make_pass_decorator(Session)


def _reads() -> bool:
    """Whether the command running only reads, by its name and its group's (`settings show`)."""
    names: list[str] = []
    context = click.get_current_context(silent=True)
    while context is not None and context.parent is not None:
        names.insert(0, context.info_name or "")
        context = context.parent
    return bool(names) and (names[0] in READS or " ".join(names[:2]) in READS)
