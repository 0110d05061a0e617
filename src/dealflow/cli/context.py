"""What every command shares: the store and the actor. The application is built on first use,
so `--help` and bad usage never open a store."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dealflow.application import DealflowApp
    from dealflow.storage.store import Store

# The commands that make the store where there is none: the first deal, an import, a setting, the demo.
# Every other command, on a store that is not there, says so and makes nothing: a mistyped --db must
# leave no empty book behind, whether the command reads or would record on a deal that cannot be there.
# A group's name stands for all its commands.
CREATES = frozenset({"open", "import", "demo", "settings set"})


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
        from dealflow.storage.store import parse_store

        return self._app.store if self._app is not None else parse_store(self.db)

    @property
    def app(self) -> DealflowApp:
        if self._app is None:
            from dealflow.application import DealflowApp

            self._app = DealflowApp(self.db, create=_creates())
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


pass_session = click.make_pass_decorator(Session)


def _creates() -> bool:
    """Whether the command running may make the store, by its name and its group's (`settings set`)."""
    names: list[str] = []
    context = click.get_current_context(silent=True)
    while context is not None and context.parent is not None:
        names.insert(0, context.info_name or "")
        context = context.parent
    return bool(names) and (names[0] in CREATES or " ".join(names[:2]) in CREATES)
