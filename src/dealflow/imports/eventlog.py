"""`import events`: dealflow's own event log, as `export events --format jsonl` writes it, in the
runner's two passes (see `imports.replay` for what a replay of each line checks).

The first pass checks each line's form and that each deal's versions follow on from the store's,
one after the other, and replays every line on the deals as they stand in the store (each loaded
once, then held in memory or set aside in the import's scratch file), writing nothing. So a line
the method refuses (a file edited by hand can hold one) stops the import before anything is
written, naming the line, the reason and the fix; with --skip-bad that line, and the later lines
of its deal (which follow on from it), go to the rejects file and the other lines are imported.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from dealflow.aggregates.errors import DealflowError, Field, InvalidInput, Vocabulary
from dealflow.aggregates.ids import check_deal_id, deal_uuid, invoice_uuid
from dealflow.aggregates.registry import REVISIONS
from dealflow.exports.line_seals import LineSeals
from dealflow.imports.eventline import Line, as_line, digest, disagreement, read_line, settings_id
from dealflow.imports.outcome import Outcome, RowError
from dealflow.imports.replayer import Replay, Trial
from dealflow.imports.scratch import Scratch
from dealflow.storage import stored
from dealflow.views import SETTING_CHANGE_NAME as SETTING

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate, DomainEventProtocol

    from dealflow.aggregates.settings import Settings
    from dealflow.application import DealflowApp
    from dealflow.imports.csvsource import Record
    from dealflow.imports.runner import Item


class EventImport:
    noun = "event"
    one_event_a_row = True  # a dry run counts the events without replaying them

    def __init__(self, app: DealflowApp, file: str, revised: frozenset[UUID] = frozenset()) -> None:
        self.app = app
        self.file = file
        self.revised = revised  # the deals the file corrects or voids (`revised_deals`)
        self.settings: Settings | None = None  # the settings aggregate, once a line needs it
        self.trial: Trial | None = None  # the first pass's replay, from chunk to chunk
        self.broken: dict[UUID, int] = {}  # a deal (or the settings) whose line was refused: that line
        self.seals = LineSeals()  # each deal's chain of line seals, as the file is read

    def parse(self, cells: Sequence[str]) -> tuple[Line, str, str]:
        line = read_line(cells[0])
        broken = self.seals.check(line.sealed_content)  # read in the file's order, in the first pass only
        if broken is not None:
            raise RowError(
                "seal",
                "seal broken",
                f"{broken}: the file was changed after it was exported; export the log again (to import a file "
                "edited on purpose, leave out the seals of its deal's lines)",
                refused=True,
            )
        return line, f"{(line.deal_id or SETTING).casefold()}@{line.version}", digest(line)

    def encode(self, line: Line) -> str:
        return json.dumps({"deal": line.deal_id, **line.row}, ensure_ascii=False)

    def decode(self, text: str) -> Line:
        return read_line(text)

    # --- the first pass ----------------------------------------------------------------------------

    def screen(self, app: DealflowApp, items: Sequence[Item], scratch: Scratch, empty: bool) -> None:
        """Each deal's versions follow on from the store's (those it has must be the same events)."""
        keys = {_line(item).owner for item in items}
        versions = scratch.tallies(f"v:{key.hex}" for key in keys)
        unknown = [key for key in keys if f"v:{key.hex}" not in versions]
        known = {} if empty else stored.last_versions(app, unknown)
        for key in unknown:
            # the settings' first event (their creation) is not in the log: their first change is version 2
            versions[f"v:{key.hex}"] = known.get(key, 1 if key == settings_id() else 0)
        invoices = [_line(item) for item in items if _line(item).event == "Invoiced"]
        taken = {} if empty else stored.first_events(app, (invoice_uuid(line.fields["invoice"]) for line in invoices))
        for item in items:
            line = _line(item)
            last = versions[f"v:{line.owner.hex}"]
            if line.version <= last and item.outcome is Outcome.IMPORTED:
                self._already(item)
            elif line.version != last + 1:
                item.refuse(
                    RowError(
                        "version",
                        "versions out of order",
                        f"version {line.version} of {line.whose} does not follow "
                        f"version {last}: export the whole log, or the deal's whole history",
                    )
                )
            else:
                versions[f"v:{line.owner.hex}"] = line.version
                if line.event == "Invoiced" and invoice_uuid(line.fields["invoice"]) in taken:
                    item.refuse(
                        RowError(
                            "invoice",
                            "invoice id taken",
                            f"invoice {line.fields['invoice']} exists in the store: invoice ids are unique",
                            refused=True,
                        )
                    )
        scratch.set_tallies(versions)
        self._claim_invoices_once(items, scratch)
        absent = {key for key in unknown if key not in known}  # first seen here, and not in the store
        self._try(items, scratch, absent)

    def _claim_invoices_once(self, items: Sequence[Item], scratch: Scratch) -> None:
        """An invoice id is claimed once in a file, as in the store: a second claim, in this chunk or
        an earlier one (the scratch store remembers), is a bad line before anything is written."""
        claims: dict[str, Item] = {}
        for item in items:
            if item.outcome is Outcome.IMPORTED and _line(item).event == "Invoiced":
                key = f"invoice:{_line(item).fields['invoice'].strip().casefold()}"
                if key in claims:
                    _refuse_second_claim(item, claims[key].line)
                else:
                    claims[key] = item
        earlier = scratch.first_seen([(key, item.line, "") for key, item in claims.items()]) if claims else {}
        for key, (line, _) in earlier.items():
            _refuse_second_claim(claims[key], line)

    def _try(self, items: Sequence[Item], scratch: Scratch, absent: set[UUID]) -> None:
        """Replay the lines found good so far, writing nothing, so that the method judges each before
        the second pass writes any; a line refused, and the later lines of its deal, are bad rows."""
        if self.trial is None:
            self.trial = Trial(self.app, scratch, self.revised)
        self.trial.absent = absent
        for item in items:
            if item.outcome is not Outcome.IMPORTED:
                continue
            line = _line(item)
            first = self.broken.get(line.owner)
            if first is not None:
                item.refuse(
                    RowError(
                        None,
                        "follows a refused line",
                        f"it follows line {first}, refused, of {line.whose}: fix that line and import the file again",
                        refused=True,
                    )
                )
                continue
            try:
                self.trial.apply(line)
            except (DealflowError, KeyError, TypeError, ValueError) as error:
                self.broken[line.owner] = item.line
                self.trial.forget(line.owner)
                item.refuse(
                    RowError(
                        None,
                        "refused",
                        f"{_reason(error)}: fix the line (or leave it out, with its deal's later lines) "
                        "and import the file again",
                        refused=not isinstance(error, InvalidInput),  # a value out of range is bad input: exit 2
                    )
                )
        self.trial.drain()

    def _already(self, item: Item) -> None:
        line = _line(item)
        found = self.app.events.get(line.owner, gt=line.version - 1, lte=line.version)
        event = next(iter(found), None)
        if event is not None and disagreement(as_line(event), line.row) is None:
            item.outcome = Outcome.ALREADY
        else:
            item.outcome = Outcome.CHANGED
            item.error = RowError(
                None, "changed", f"the store's version {line.version} of {line.whose} is another event: not replayed"
            )

    # --- the second pass ---------------------------------------------------------------------------

    def build(
        self, items: Sequence[Item], actor: str, created: Counter[str], scratch: Scratch
    ) -> tuple[list[DomainEventProtocol[UUID] | Aggregate], int]:
        replay = Replay(self.app, self.settings, self.revised)
        for item in items:
            line = _line(item)
            try:
                replay.apply(line)
            except (DealflowError, KeyError, TypeError, ValueError) as error:
                raise RowError(None, "refused", _reason(error), line=item.line) from None
            created[line.event] += 1
        self.settings = replay.settings_aggregate
        return replay.saved(), len(items)  # a line is one event of the log (claims and the like are not in it)


def revised_deals(records: Iterable[Record]) -> frozenset[UUID]:
    """The deals whose lines include a correction or void: their histories are kept while importing, for
    a revision is judged on its deal's whole history. A line that cannot be read here is judged later."""
    found = set()
    for record in records:
        text = record.cells[0]
        if not any(f'"{kind}"' in text for kind in REVISIONS):
            continue
        try:
            data = json.loads(text)
            if data.get("event") in REVISIONS:
                found.add(deal_uuid(check_deal_id(data["deal"])))
        except (ValueError, KeyError, TypeError, AttributeError, DealflowError):
            continue
    return frozenset(found)


def _line(item: Item) -> Line:
    line: Line = item.parsed
    return line


def _refuse_second_claim(item: Item, first_line: int) -> None:
    item.refuse(
        RowError(
            "invoice",
            "invoice id repeated",
            f"invoice {_line(item).fields['invoice']} is already invoiced on line {first_line}: invoice ids are "
            "unique across the store; give this invoice its own id",
            refused=True,
        )
    )


LINE_FIELDS = {"on": "effective_on", "from": "before", "to": "after"}


def _line_field(field: Field) -> str:
    """A value as a line names it, by its own field ("before", "effective_on")."""
    name = LINE_FIELDS.get(field.name, field.name)
    return f"{field.article} {name}" if field.article else name


LINE = Vocabulary(field=_line_field)


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"the line lacks the field {error.args[0]!r} that its event needs"
    if isinstance(error, DealflowError):
        return error.render(LINE)
    return str(error)
