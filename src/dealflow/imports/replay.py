"""How `import events` replays each line of an event file: through the command that recorded it, with
its date and actor, so the method judges it again; the event the command records must then be the
line, field for field (dates, states, amounts and the flags a command works out, such as a
concession's). A payment that settles a deal's last account closes it, as it did when it was
recorded: the `Closed` line after it is checked against that. Lines of events that an import
recorded are replayed through the same import command, with the source they name. So exporting the
store again gives the same lines, but for the time each was recorded and its position in the log.

A line is read in `imports.eventline`, replayed by `imports.replayer` and imported, in the runner's
two passes, by `imports.eventlog`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dealflow.aggregates.opportunity import Opportunity
from dealflow.aggregates.registry import EVENT_TYPES, EventType
from dealflow.aggregates.replaying import Recorded
from dealflow.views import SETTING_CHANGE_NAME as SETTING

if TYPE_CHECKING:
    from dealflow.imports.eventline import Line
    from dealflow.imports.replayer import Replay


# --- the commands that record each event -----------------------------------------------------------


def _recorded(line: Line, context: Replay) -> Recorded:
    """The line as the domain's replay takes it (`aggregates.replaying`)."""
    return Recorded(
        deal_id=line.deal_id or "",
        fields=line.fields,
        on=line.on,
        actor=line.actor,
        state=line.row.get("state"),
        source=line.imported,
        gift_limit=lambda: context.settings_on(line.on).gift_limit,
    )


def _command(event_type: EventType, imported: bool) -> Callable[[Any, Line, Replay], Opportunity | None]:
    """Replays a line of `event_type` on its deal (None for an opening), live or as the import did,
    and claims the invoice id of an event that claims one, as the command did."""
    replay = event_type.replay_imported if imported else event_type.replay
    assert replay is not None

    def command(deal: Any, line: Line, context: Replay) -> Opportunity | None:
        made = replay(deal, _recorded(line, context))
        if event_type.claims_invoice:
            context.claim(line.fields["invoice"], deal.deal_id, line.imported)
        return made

    return command


COMMANDS: dict[str, Callable[..., Any]] = {
    **{event_type.kind: _command(event_type, imported=False) for event_type in EVENT_TYPES},
    SETTING: lambda *_: None,  # the settings aggregate's change: `Replay._apply` makes it
}
IMPORTS: dict[str, Callable[..., Any]] = {
    event_type.kind: _command(event_type, imported=True) for event_type in EVENT_TYPES if event_type.replay_imported
}
