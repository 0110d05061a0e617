"""What the ageing and concessions projections share: rows kept per deal and key (an invoice, a
term), read in bulk for the deals a batch touches and changed in memory as its events apply, and
rows the batch only appends (payments and chases, concessions, deadlocks). The processor changes
them; a `KeyedView` stores them, the changed rows and the new ones in the batch's transaction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from dealflow.projections.decode import Event
from dealflow.projections.projection import Processor

Row = dict[str, Any]
Key = tuple[str, str]  # (deal, invoice) or (deal, term)


@dataclass
class KeyedChanges:
    """What one batch changed, for the view to write."""

    new: list[Row]  # keyed rows the batch began
    changed: list[Row]  # the stored keyed rows the batch read, written back whole
    appended: dict[str, list[Row]]  # rows to insert, by the name of their table


class KeyedView(ABC):
    """What a keyed processor reads and writes."""

    @abstractmethod
    def stored(self, deals: Collection[str]) -> dict[Key, Row]:
        """The stored keyed rows of `deals`, by (deal, key)."""

    @abstractmethod
    def write(self, changes: KeyedChanges) -> None:
        """Store a batch's changes."""


class KeyedProcessor(Processor):
    """A processor of keyed rows: `reads` says which events change a stored row (their deals' rows
    are loaded first, in bulk), `appends` names the tables its other rows go to."""

    appends: tuple[str, ...]

    def __init__(self, view: KeyedView) -> None:
        self.view = view
        self.stored: dict[Key, Row] = {}
        self.added: dict[Key, Row] = {}
        self.appended: dict[str, list[Row]] = {table: [] for table in self.appends}

    @abstractmethod
    def reads(self, event: Event) -> bool:
        """Whether `event` changes a keyed row the store may already hold."""

    def load(self, events: Sequence[Event]) -> None:
        deals = {event.deal for event in events if self.reads(event)}
        self.stored = self.view.stored(deals) if deals else {}

    def found(self, key: Key) -> Row | None:
        """The row under `key`: begun by this batch, else stored; None when neither holds it."""
        row = self.added.get(key)
        return self.stored.get(key) if row is None else row

    def write(self) -> None:
        self.view.write(KeyedChanges(list(self.added.values()), list(self.stored.values()), self.appended))
