"""The exit-signal items each open deal still misses, for `agenda`: what `show` lists, kept per deal.

The checklist (`aggregates.signals`) reads a few facts of a deal: the stage it is in, the latest
qualify answers, the stakeholders mapped and the relationship each has reached, and the actions done.
`SignalFacts` keeps those facts alone, folded from the stored events as `DealState` folds them, so that
no aggregate is loaded: a deal's facts are read back in bulk, its events applied, its items written.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from dealflow.aggregates import events
from dealflow.aggregates.lifecycle import stage_of
from dealflow.aggregates.signals import missing
from dealflow.playbook import ACTIONS, OPEN_STAGE_NAMES, STAGE_BY_NAME, STAGE_OF_ACTION, Effect, action_with
from dealflow.projections.decode import Event
from dealflow.projections.projection import Handler, Processor

NEGOTIATE = action_with(Effect.NEGOTIATES).name
_READS_FIELDS = frozenset((Effect.QUALIFIES, Effect.STAKEHOLDER, Effect.RELATIONSHIP))  # what `SignalFacts.act` reads


class SignalFacts:
    """What the exit-signal checklist reads of a deal, under the names `DealState` gives them."""

    __slots__ = ("actions_done", "answers", "deal_id", "relationships", "since", "stakeholders", "state")

    def __init__(self, deal_id: str, state: str, since: int, kept: dict[str, Any] | None = None) -> None:
        kept = kept or {}
        self.deal_id = deal_id
        self.state = state
        self.since = since  # the day of the latest move: the present stage's first (`pipeline.moved`)
        self.answers: dict[str, Any] = kept.get("answers", {})
        self.stakeholders: dict[str, dict[str, Any]] = kept.get("stakeholders", {})
        self.relationships: dict[str, str] = kept.get("relationships", {})
        self.actions_done: list[str] = kept.get("done", [])

    @property
    def stage(self) -> str | None:
        """The open stage the deal is in; None once won, lost or closed (no exit signal is asked of it)."""
        stage = stage_of(self.state)
        return stage if stage in OPEN_STAGE_NAMES else None

    def act(self, action: str, fields: dict[str, Any]) -> None:
        """An action recorded, as `DealState.act` applies it, for the facts kept here."""
        self.done(action)
        effect = ACTIONS[action].effect
        if effect is Effect.QUALIFIES:
            self.answers = dict(fields)
        elif effect is Effect.STAKEHOLDER:
            key = fields["contact"].casefold()
            known = self.stakeholders.get(key, {})
            level = fields.get("level", known.get("level"))
            self.stakeholders = {**self.stakeholders, key: {"contact": fields["contact"], "level": level}}
        elif effect is Effect.RELATIONSHIP:
            key = fields["contact"].casefold()
            ladder = [done.name for done in STAGE_OF_ACTION[action].actions]
            reached = self.relationships.get(key)
            if reached is None or ladder.index(action) > ladder.index(reached):
                self.relationships = {**self.relationships, key: action}

    def done(self, action: str) -> None:
        if action not in self.actions_done:
            self.actions_done = sorted({*self.actions_done, action})

    def missing(self) -> list[str]:
        """The items the deal's exit signal misses; none unless the deal is open."""
        stage = self.stage
        return missing(STAGE_BY_NAME[stage], self) if stage else []

    def kept(self) -> str:
        facts = {"answers": self.answers, "stakeholders": self.stakeholders, "relationships": self.relationships}
        return json.dumps({**facts, "done": self.actions_done}, separators=(",", ":"))


def fold(history: Iterable[Event]) -> SignalFacts | None:
    """A deal's facts from its events (revised already: `projection.revised_events`), oldest first."""
    facts: SignalFacts | None = None
    for event in history:
        if event.kind == "Opened":
            facts = SignalFacts(event.data["deal_id"], event.state, event.on)
        elif facts is not None:
            apply(facts, event)
    return facts


def apply(facts: SignalFacts, event: Event) -> None:
    """One later event: the state it leaves, and the action it records."""
    facts.state = event.state
    if event.kind in _MOVES:
        facts.since = event.on
    elif event.kind == "ActionRecorded":
        assert event.action is not None  # every ActionRecorded names its action
        if ACTIONS[event.action].effect in _READS_FIELDS:
            facts.act(event.action, event.data["fields"])
        else:  # its fields need not be parsed: most actions are only done
            facts.done(event.action)
    elif event.kind in _NEGOTIATING:
        facts.done(NEGOTIATE)


def loads(missing: str) -> list[str]:
    """The missing items as the projection stores them."""
    items: list[str] = json.loads(missing)
    return items


_NEGOTIATING = frozenset(cls.__name__ for cls in (events.BottomLineSet, events.Conceded))
MOVES = (events.Advanced, events.SteppedBack, events.Lost, events.Reopened, events.Signed, events.Closed)
_MOVES = frozenset(cls.__name__ for cls in MOVES)
Row = dict[str, Any]


class SignalsView(ABC):
    """What the processor reads and writes: one row per deal (`tables.deal_signals`)."""

    @abstractmethod
    def stored(self, deals: Collection[str]) -> dict[str, Row]:
        """The stored rows of `deals`."""

    @abstractmethod
    def write(self, new: Sequence[Row], changed: Sequence[Row]) -> None:
        """Insert the new rows, update the changed ones."""


class SignalsProcessor(Processor):
    def __init__(self, view: SignalsView, revised: Collection[str] = ()) -> None:
        self.view = view
        self.revised = revised  # deals the batch replays from their opening, as revised: read first, updated
        self.facts: dict[str, SignalFacts] = {}
        self.stored: set[str] = set()

    def handlers(self) -> dict[type, Handler]:
        handle: dict[type, Handler] = {events.Opened: self.opened}
        for cls in (events.ActionRecorded, events.BottomLineSet, events.Conceded, *MOVES):
            handle[cls] = self.changed
        return handle

    def load(self, events: Sequence[Event]) -> None:
        wanted = {event.deal for event in events if event.kind != "Opened"} | set(self.revised)
        for deal, row in self.view.stored(wanted).items():
            self.facts[deal] = SignalFacts(row["deal_id"], row["state"], row["since"], json.loads(row["facts"]))
        self.stored = set(self.facts)

    def opened(self, event: Event) -> None:
        self.facts[event.deal] = SignalFacts(event.data["deal_id"], event.state, event.on)

    def changed(self, event: Event) -> None:
        try:
            facts = self.facts[event.deal]
        except KeyError:
            raise LookupError(
                f"the signals projection has no deal for event {event.id} ({event.kind}): "
                "rebuild the projections with `dealflow projections rebuild`"
            ) from None
        apply(facts, event)

    def write(self) -> None:
        new: list[Row] = []
        changed: list[Row] = []
        for deal in sorted(self.facts):
            facts = self.facts[deal]
            items = facts.missing()
            row = {
                "deal": deal,
                "deal_id": facts.deal_id,
                "state": facts.state,
                "stage": facts.stage,
                "since": facts.since,
                "facts": facts.kept(),
                "missing": json.dumps(items, separators=(",", ":")),
                "missing_items": len(items),
            }
            (changed if deal in self.stored else new).append(row)
        self.view.write(new, changed)
