"""One line of an event file (`export events --format jsonl`): read and checked (`read_line`), known
by the digest of its content, and compared with the event a replay records for it.

A line is the `history --json` row of one event with its deal's id and its position in the log.
The replay must give the line back, field for field, but for what a new store gives each event
afresh (`NOT_COMPARED`): its position, its deal's aggregate id and the time it is recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.ids import check_deal_id, deal_uuid
from dealflow.exports.json_writer import plain
from dealflow.imports.outcome import RowError
from dealflow.imports.replay import COMMANDS, IMPORTS
from dealflow.views import SETTING_CHANGE_NAME as SETTING
from dealflow.views import event_row, setting_row

NOT_COMPARED = ("position", "deal", "recorded_at", "seal")  # what a new store gives each event afresh


@dataclass
class Line:
    event: str
    deal_id: str | None  # None for a settings change
    version: int
    on: date
    actor: str
    fields: dict[str, Any]  # the event's own, as written
    row: dict[str, Any]  # the line but for what a new store gives afresh: what the replay must give
    deal: Any = None  # its deal as the line names it, and its seal (`exports/line_seals.py`)
    seal: Any = None

    @property
    def sealed_content(self) -> dict[str, Any]:
        """What its seal covers, as the export sealed it."""
        return {"deal": self.deal, "seal": self.seal, **self.row}

    @property
    def imported(self) -> dict[str, Any] | None:
        return self.fields.get("imported")

    @property
    def owner(self) -> UUID:
        """The aggregate the line's event belongs to: its deal, or the settings."""
        return settings_id() if self.deal_id is None else deal_uuid(self.deal_id)

    @property
    def whose(self) -> str:
        """The line's deal, or the settings, as a message names them."""
        return self.deal_id or "the settings"


def read_line(text: str) -> Line:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RowError(
            None,
            "not JSON",
            f"not a line of JSON ({error.msg.removesuffix(' at')} at column {error.colno}): each line is one JSON "
            "object, as `dealflow export events --format jsonl` writes it",
        ) from None
    if not isinstance(data, dict):
        raise RowError(None, "not an event", "not an event: each line is one JSON object")
    event = _event(data)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RowError("version", "no version", f"{version!r} is not a version: a whole number from 1")
    deal_id = None if event == SETTING else _deal_id(data.get("deal"))
    try:
        on = date.fromisoformat(str(data.get("effective_on")))
    except ValueError:
        raise RowError(
            "effective_on", "not a date", f"{data.get('effective_on')!r} is not a date (YYYY-MM-DD)"
        ) from None
    actor = data.get("actor")
    if not isinstance(actor, str) or not actor.strip():
        raise RowError("actor", "no actor", "give the actor who recorded the event")
    row = {key: value for key, value in data.items() if key not in NOT_COMPARED}
    fields = {key: value for key, value in row.items() if key not in ("version", "event", "effective_on", "actor")}
    if event == SETTING and (not isinstance(data.get("name"), str) or data.get("value") is None):
        raise RowError(None, "no setting", "a settings change names the setting (name) and its value")
    return Line(event, deal_id, version, on, actor, fields, row, data.get("deal"), data.get("seal"))


def _event(data: dict[str, Any]) -> str:
    event = data.get("event")
    if event in COMMANDS or event in IMPORTS:
        assert isinstance(event, str)
        return event
    if "topic" in data:  # see storeformat.py
        raise RowError(
            "event",
            "newer event",
            f"{event!r} is an event written by a newer dealflow ({data['topic']}): upgrade dealflow to import "
            "this file",
            refused=True,
        )
    known = ", ".join(sorted({*COMMANDS, *IMPORTS}))
    raise RowError("event", "unknown event", f"{event!r} is not an event of dealflow's log; the events are {known}")


def _deal_id(deal_id: object) -> str:
    if not isinstance(deal_id, str):
        raise RowError(
            "deal",
            "no deal",
            "the line names no deal: export the whole log (or a deal's whole history), whose lines name their deals",
        )
    try:
        return check_deal_id(deal_id)
    except InvalidInput as error:
        raise RowError("deal", "not a deal id", str(error)) from None


def digest(line: Line) -> str:
    text = json.dumps(line.row, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def as_line(event: Any) -> dict[str, Any]:
    """A stored or new event as the line that exported it would be, less what is not compared."""
    settings_changed = type(event).__name__ == "Changed"  # the settings aggregate's one event
    row = setting_row(event) if settings_changed else event_row(event)
    return {key: value for key, value in plain(row).items() if key not in NOT_COMPARED}


def disagreement(ours: dict[str, Any], theirs: dict[str, Any]) -> str | None:
    """The first field the line gives that the event does not have as given. A line written by a script
    may leave out what the command works out (stage, action, state, a concession's flags); an exported
    line gives every field, so its event must be the line."""
    if not ours:
        return "event"
    for key, value in theirs.items():
        if ours.get(key) != value or (key not in ours and value is not None):
            return key
    return None


def settings_id() -> UUID:
    from dealflow.aggregates.settings import Settings

    return Settings.ID
