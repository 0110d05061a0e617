"""The replay engine of `import events`: each line replayed through the command that recorded it,
on the deals of one chunk (each loaded from the store once), then compared with the event the
command records. `Replay` builds the second pass's chunks; `Trial`, the first pass's, keeps its
deals from chunk to chunk and saves nothing.
"""

from __future__ import annotations

import pickle
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, DomainEventProtocol

from dealflow.aggregates import correcting, events
from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.ids import deal_uuid
from dealflow.aggregates.opportunity import Opportunity
from dealflow.aggregates.registry import REVISIONS
from dealflow.imports.claims import claim_invoice
from dealflow.imports.eventline import Line, as_line, disagreement
from dealflow.imports.replay import COMMANDS, IMPORTS
from dealflow.imports.scratch import Scratch

if TYPE_CHECKING:
    from dealflow.aggregates.claims import InvoiceNumber
    from dealflow.aggregates.settings import Settings
    from dealflow.application import DealflowApp


class Replay:
    """Replays lines onto the deals of one chunk, loading each deal once; keeps the settings aggregate."""

    def __init__(
        self, app: DealflowApp, settings: Settings | None = None, revised: frozenset[UUID] = frozenset()
    ) -> None:
        self.app = app
        # the deals the file corrects or voids, and each one's history so far: a revision is judged on it
        self.revised = revised
        self.histories: dict[UUID, list[Any]] = {}
        self.deals: dict[UUID, Opportunity] = {}
        self.claims: list[InvoiceNumber] = []
        self.events: list[DomainEventProtocol[UUID]] = []  # every new event, in the order of the lines: the log's order
        self._taken: dict[UUID, int] = {}  # of each aggregate's pending events, how many are in `events`
        self._claimed: Aggregate.Event | None = None  # the claim the line being replayed made on an invoice id
        self.settings_aggregate = settings  # loaded when first needed, then kept from chunk to chunk

    def settings_on(self, on: date) -> Any:  # playbook.Defaults, a dataclass made at run time
        return self.settings().in_force(on)

    def settings(self) -> Settings:
        from dealflow.aggregates.settings import Settings

        if self.settings_aggregate is None:
            try:
                self.settings_aggregate = self.app.repository.get(Settings.ID)
            except AggregateNotFoundError:
                self.settings_aggregate = Settings()
        return self.settings_aggregate

    def claim(self, invoice: str, deal_id: str, source: dict[str, Any] | None) -> None:
        claim, self._claimed = claim_invoice(invoice, deal_id, source)
        self.claims.append(claim)

    def apply(self, line: Line) -> None:
        self._claimed = None
        aggregate = self._apply(line)
        self._compare(aggregate, line)
        taken = self._taken.get(aggregate.id, 0)
        if aggregate.id in self.revised and line.event not in REVISIONS:  # a revision adds itself (`_revise`)
            self.histories[aggregate.id] += aggregate.pending_events[taken:]
        self.events += aggregate.pending_events[taken:]
        self._taken[aggregate.id] = len(aggregate.pending_events)
        if self._claimed is not None:  # an invoice's claim on its id is saved beside the invoice, as it was
            self.events.append(self._claimed)

    def saved(self) -> list[DomainEventProtocol[UUID] | Aggregate]:
        """What to save: the new events in the log's order, then the aggregates they came from (drained, so
        that their events are not saved twice; given, so that the application takes their snapshots)."""
        settings = [self.settings_aggregate] if self.settings_aggregate is not None else []
        aggregates: list[Aggregate] = [*self.deals.values(), *self.claims, *settings]
        for aggregate in aggregates:
            aggregate.collect_events()
        return [*self.events, *aggregates]

    def _apply(self, line: Line) -> Aggregate:
        if line.deal_id is None:  # a settings change
            settings = self.settings()
            settings.change(
                line.fields["name"].replace("_", "-"), str(line.fields["value"]), actor=line.actor, on=line.on
            )
            return settings
        key = deal_uuid(line.deal_id)
        deal = self.deals.get(key) or self._load(key)
        if key in self.revised and key not in self.histories:  # its history as the store holds it
            self.histories[key] = self.app.known_history(line.deal_id) if deal is not None else []
        if line.event in REVISIONS and deal is not None and deal.version < line.version:
            self._revise(deal, line)
            return deal
        if deal is None or deal.version < line.version:
            if line.imported and line.event not in IMPORTS:
                raise InvalidInput(f"no import records a {line.event} event")
            made = (IMPORTS if line.imported else COMMANDS)[line.event](deal, line, self)
            if deal is None:
                if made is None or made.deal_id.casefold() != line.deal_id.casefold():
                    raise InvalidInput(f"the store has no deal {line.deal_id}: its Opened line comes first")
                deal = made
            self.deals[key] = deal
        return deal

    def _load(self, key: UUID) -> Opportunity | None:
        return self.app.held(key)

    def _revise(self, deal: Opportunity, line: Line) -> None:
        """A correction or void: judged on the deal's history as the file and the store hold it, recorded
        on the line's date, and the deal folded again so that its later lines are judged on the revised facts."""
        history = self.histories[deal.id]
        voiding = line.event == "Voided"
        versions, changes = line.fields.get("versions"), line.fields.get("changes")
        if not isinstance(versions, list) or not all(isinstance(v, int) for v in versions):
            raise InvalidInput("a revision's versions are a list of whole numbers")
        if not isinstance(changes, dict) or not all(isinstance(c, dict) for c in changes.values()):
            raise InvalidInput("a revision's changes map each version to the fields it changes")
        revised = correcting.as_recorded(history, voiding, versions, changes, self.settings_on)
        revision = events.Voided if voiding else events.Corrected
        deal.record_revision(
            revision, versions=versions, changes=revised.changes, state=revised.state,
            reason=str(line.fields.get("reason") or ""), actor=line.actor, on=line.on,
        )  # fmt: skip
        history.append(deal.pending_events[-1])
        deal.fold_again(history)

    def _compare(self, aggregate: Aggregate, line: Line) -> None:
        """The event at the line's version must be the line, field for field."""
        event: DomainEventProtocol[UUID] | None = next(
            (e for e in aggregate.pending_events if e.originator_version == line.version), None
        )
        if event is None:
            found = self.app.events.get(aggregate.id, gt=line.version - 1, lte=line.version)
            event = next(iter(found), None)
        ours = as_line(event) if event is not None else {}
        key = disagreement(ours, line.row)
        if key is not None:
            raise InvalidInput(
                f"replayed, the method records {key}={ours.get(key)!r} where the line says {line.row.get(key)!r}"
            )


class Trial(Replay):
    """The first pass's replay: from chunk to chunk it keeps the deals it replayed lines on (a deal is
    loaded from the store once), holding up to HELD of them in memory and setting the rest aside in
    the scratch file; it saves nothing."""

    HELD = 20_000

    def __init__(self, app: DealflowApp, scratch: Scratch, revised: frozenset[UUID] = frozenset()) -> None:
        super().__init__(app, revised=revised)
        self.scratch = scratch
        self.absent: set[UUID] = set()  # deals known not to be in the store (nor set aside)

    def _load(self, key: UUID) -> Opportunity | None:
        if key in self.absent:
            return None
        held = self.scratch.held(key.hex)
        if held is not None:
            deal: Opportunity = pickle.loads(held)  # written by this import, to its own temporary file
            return deal
        return super()._load(key)

    def forget(self, key: UUID) -> None:
        """A deal whose line was refused: its later lines are not replayed."""
        self.deals.pop(key, None)

    def drain(self) -> None:
        """After each chunk: drop the new events (nothing is saved) and set deals aside beyond HELD."""
        for aggregate in self.deals.values():
            aggregate.collect_events()
        if self.settings_aggregate is not None:
            self.settings_aggregate.collect_events()
        self.events.clear()
        self.claims.clear()
        self._taken.clear()
        if len(self.deals) > self.HELD:
            self.scratch.hold((key.hex, pickle.dumps(deal)) for key, deal in self.deals.items())
            self.deals.clear()
