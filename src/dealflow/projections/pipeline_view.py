"""A deal's dated versions, as the pipeline keeps them.

As of a date, a deal is its events with `effective_on` on or before that date, applied in the
order they were recorded (as `DealflowApp.deal_as_of` replays them). Every day with an event
starts a version, so the version in force on a date is that replay and its `valid_from` is the
deal's last event by then (for stalled deals). An event dated before the latest version changes
every version from its day on: it is the last recorded, so it comes last in each of those replays.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


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


class DealVersions:
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
            self.versions[:0] = earlier
            # The first version loaded may have begun before `day`: the next load stops where it began.
            self.loaded_from = earlier[0]["valid_from"] if earlier else day
            if earlier:
                self.rewrite_from = self.loaded_from
        chain = [*self.versions, row]
        first = next(i for i, version in enumerate(chain) if version.get("valid_to", day + 1) > day)
        if chain[first]["valid_from"] < day:
            split = {**chain[first], "valid_from": day}
            chain[first]["valid_to"] = day
            chain.insert(first + 1, split)
            self.versions.insert(first + 1, split)
            first += 1
        return chain[first:]
