"""The sales pipeline: each deal's dated versions, with its days in each stage, from its events.

As of a date, a deal is its events with `effective_on` on or before that date, applied in the
order they were recorded (as `DealflowApp.deal_as_of` replays them). Every day with an event
starts a version, so the version in force on a date is that replay and its `valid_from` is the
deal's last event by then (for stalled deals). An event dated before the latest version changes
every version from its day on: it is the last recorded, so it comes last in each of those replays.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from dealflow.aggregates import events
from dealflow.aggregates.lifecycle import stage_of
from dealflow.playbook import CLOSED, LOST, STAGE_NAMES, WON_STAGE, Effect, Status, action_with
from dealflow.projections.decode import Event
from dealflow.projections.projection import Handler, Processor
from dealflow.projections.tables import STAGE_BIT, days_in
from dealflow.projections.units import to_day, to_units

PROPOSAL = action_with(Effect.SETS_VALUE).name
UPSELL = action_with(Effect.UPSELLS).name

Row = dict[str, Any]


DAYS_IN = {stage: days_in(stage) for stage in STAGE_NAMES}
DAYS = tuple(DAYS_IN.values())


def standing(state: str) -> tuple[str | None, str]:
    """The stage (None once lost or closed) and the status a deal's state means."""
    if state == LOST:
        return None, Status.LOST.value
    if state == CLOSED:
        return None, Status.CLOSED.value
    stage = stage_of(state)
    return stage, (Status.WON if stage == WON_STAGE.name else Status.OPEN).value


@dataclass
class PipelineChanges:
    """What one batch changed, for the view to write."""

    new_deals: list[Row] = field(default_factory=list)  # current versions to insert
    changed_deals: list[Row] = field(default_factory=list)  # current versions to update
    history: list[Row] = field(default_factory=list)  # versions left behind, to insert
    rewrites: dict[int, int] = field(default_factory=dict)  # deal number -> day its stored versions are replaced from


class PipelineView(ABC):
    """What the pipeline processor reads and writes."""

    @abstractmethod
    def current(self, deals: Collection[str]) -> dict[str, Row]:
        """The current version of each of `deals` that is stored."""

    @abstractmethod
    def last_id(self) -> int:
        """The highest number given to a deal so far (0 for none)."""

    @abstractmethod
    def history(self, deal: int, after: int, before: int) -> list[Row]:
        """A deal's stored versions still in force after day `after` that began before day `before`."""

    @abstractmethod
    def write(self, changes: PipelineChanges) -> None:
        """Store a batch's changes."""


class _Deal:
    """A deal's versions while a batch changes them: the current one, and those the batch left behind."""

    __slots__ = ("loaded_from", "rewrite_from", "row", "stored", "versions")

    def __init__(self, row: Row, stored: bool) -> None:
        self.row = row
        self.stored = stored
        self.versions: list[Row] = []  # oldest first, each with its `valid_to`
        self.loaded_from = row["valid_from"]  # every version in force after this day is in memory
        self.rewrite_from: int | None = None

    def since(self, day: int, view: PipelineView) -> list[Row]:
        """The versions in force from `day` on, the first beginning on `day`."""
        row = self.row
        if day >= row["valid_from"]:
            if day > row["valid_from"]:
                self.versions.append({**row, "valid_to": day})
                row["valid_from"] = day
            return [row]
        if day < self.loaded_from:
            earlier = view.history(row["id"], day, self.loaded_from) if self.stored else []
            if earlier:
                self.rewrite_from = earlier[0]["valid_from"]
            self.versions[:0] = earlier
            self.loaded_from = day
        chain = [*self.versions, row]
        first = next(i for i, version in enumerate(chain) if version.get("valid_to", day + 1) > day)
        if chain[first]["valid_from"] < day:
            split = {**chain[first], "valid_from": day}
            chain[first]["valid_to"] = day
            chain.insert(first + 1, split)
            self.versions.insert(first + 1, split)
            first += 1
        return chain[first:]


class PipelineProcessor(Processor):
    def __init__(self, view: PipelineView) -> None:
        self.view = view
        self.deals: dict[str, _Deal] = {}

    def handlers(self) -> dict[type, Handler]:
        handle: dict[type, Handler] = {
            events.Opened: self.opened,
            events.ActionRecorded: self.action_recorded,
            events.Lost: self.lost,
            events.Reopened: self.moved,
            events.Signed: self.signed,
            events.Reassigned: self.reassigned,
            events.ForecastChanged: self.forecast_changed,
            events.Advanced: self.moved,
            events.SteppedBack: self.moved,
            events.Closed: self.moved,
        }
        for activity in (events.BottomLineSet, events.Conceded, events.Invoiced, events.PaymentReceived):
            handle[activity] = self.activity
        for activity in (events.WrittenOff, events.NoteAdded, events.BuyingStageUpdated):
            handle[activity] = self.activity
        return handle

    def load(self, batch: Collection[Event]) -> None:
        wanted = {event.deal for event in batch if event.kind != "Opened"}
        for key, row in self.view.current(wanted).items():
            self.deals[key] = _Deal(row, stored=True)
        self.last_id = self.view.last_id() if len(wanted) < len(batch) else 0

    # --- the events --------------------------------------------------------------------------

    def opened(self, event: Event) -> None:
        data = event.data
        stage, status = standing(data["state"])
        self.last_id += 1
        row = {
            "id": self.last_id,
            "deal": event.deal,
            "deal_id": data["deal_id"],
            "account": data["account"],
            "owner": data["owner"],
            "status": status,
            "stage": stage,
            "stage_since": event.on,
            "entered": STAGE_BIT[stage] if stage else 0,
            **dict.fromkeys(DAYS, 0),
            "currency": data["currency"],
            "value": to_units(data["value"]),
            "signed": None,
            "close_by": to_day(data["close_by"]),
            "lost_reason": None,
            "lost_from": None,
            "opened_on": event.on,
            "valid_from": event.on,
        }
        self.deals[event.deal] = _Deal(row, stored=False)

    def action_recorded(self, event: Event) -> None:
        action = event.action
        if action == PROPOSAL:
            fields = event.data["fields"]
            value, currency = to_units(fields["quotation"]), fields.get("currency")

            def propose(row: Row) -> None:
                row["value"] = value
                row["currency"] = currency or row["currency"]

            self._change(event, propose)
        elif action == UPSELL:
            added = to_units(event.data["fields"]["amount"])

            def upsell(row: Row) -> None:
                row["value"] = (row["value"] or 0) + added

            self._change(event, upsell)
        else:
            self.activity(event)

    def moved(self, event: Event, **facts: Any) -> None:
        """A stage change: the stay in the stage left ends, its days are counted, the next begins."""
        stage, status = standing(event.state)
        day = event.on

        def move(row: Row) -> None:
            if row["stage"] is not None:
                row[DAYS_IN[row["stage"]]] += day - row["stage_since"]
            if stage is not None:
                row["entered"] |= STAGE_BIT[stage]
            row.update(facts, stage=stage, status=status, stage_since=day)

        self._change(event, move)

    def lost(self, event: Event) -> None:
        self.moved(event, lost_reason=event.data["reason"], lost_from=event.data["lost_from"])

    def signed(self, event: Event) -> None:
        amount = to_units(event.data["amount"])
        self.moved(event, value=amount, signed=amount, currency=event.data["currency"])

    def reassigned(self, event: Event) -> None:
        owner = event.data["owner"]
        self._change(event, lambda row: row.update(owner=owner))

    def forecast_changed(self, event: Event) -> None:
        data = event.data
        facts = {"value": to_units(data["value"]), "currency": data["currency"], "close_by": to_day(data["close_by"])}
        facts = {name: value for name, value in facts.items() if value is not None}
        self._change(event, lambda row: row.update(facts))

    def activity(self, event: Event) -> None:
        """An event that changes nothing the pipeline shows but the day of the deal's last event."""
        deal = self.deals.get(event.deal)
        if deal is None:
            self._change(event)  # says what is missing
        elif event.on > deal.row["valid_from"]:  # the usual case, spelled out: most events are these
            row = deal.row
            deal.versions.append({**row, "valid_to": event.on})
            row["valid_from"] = event.on
        elif event.on < deal.row["valid_from"]:
            deal.since(event.on, self.view)

    # --- versions ------------------------------------------------------------------------------

    def _change(self, event: Event, change: Callable[[Row], None] | None = None) -> None:
        try:
            deal = self.deals[event.deal]
        except KeyError:
            raise LookupError(
                f"the pipeline has no deal for event {event.id} ({event.kind}): "
                "rebuild the projections with `dealflow projections rebuild`"
            ) from None
        versions = deal.since(event.on, self.view)
        if change is not None:
            for version in versions:
                change(version)

    def write(self) -> None:
        changes = PipelineChanges()
        for deal in sorted(self.deals.values(), key=_number):  # in key order: each index page is visited once
            (changes.changed_deals if deal.stored else changes.new_deals).append(deal.row)
            changes.history.extend(deal.versions)
            if deal.rewrite_from is not None:
                changes.rewrites[deal.row["id"]] = deal.rewrite_from
        self.view.write(changes)


def _number(deal: _Deal) -> int:
    return deal.row["id"]
