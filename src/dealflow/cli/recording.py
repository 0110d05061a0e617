"""What every recording command shares: the options it takes and the one shape of what it prints.

Each command that records an event takes `--on` (when it happened) and `--json`, and returns a
`Recorded`: the JSON object of its documented contract for scripts, or lines for people, then any
notes (a warning, an override used) on stderr either way. `recording` prints it, so no command
formats its own answer. The JSON is built only when asked for: the line for people costs no more
than printing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit_json, json_option, say
from dealflow.cli.params import on_option

if TYPE_CHECKING:
    from dealflow.aggregates.opportunity import Opportunity


def recording(command: Callable[..., Recorded]) -> Callable[..., None]:
    """`--on`, `--json` and the session: the command is given the session first and `on` among its
    options, and returns what it recorded, printed here as text or JSON."""

    @wraps(command)
    def record(session: Session, *args: Any, as_json: bool, **options: Any) -> None:
        command(session, *args, **options).show(as_json)

    return on_option(json_option(pass_session(record)))


@dataclass(frozen=True)
class Recorded:
    """What a command prints once its event is stored."""

    json: Callable[[], Mapping[str, Any]]
    lines: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def show(self, as_json: bool) -> None:
        if as_json:
            emit_json(self.json())
        else:
            for line in self.lines:
                say(line)
        for note in self.notes:
            say(note, err=True)


def deal_recorded(deal: Opportunity, line: str) -> Recorded:
    """The deal as it now stands (the `deals --json` object), or one line for people."""

    def summary() -> Mapping[str, Any]:
        from dealflow.views import deal_summary

        return deal_summary(deal)

    return Recorded(summary, (line,))
