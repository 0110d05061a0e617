"""Any import, in two passes over its file.

The first pass reads every row, checks it (its cells, repeats in the file, what the store already
holds) and writes nothing but its own notes (`Scratch`): a bad row stops the import there, naming
the file, line, column and fix, unless rows may be skipped (then each is written to the rejects
file with its reason). The second pass takes the good rows, as the first read them, from those
notes and saves them, a chunk of many aggregates per `save`, one transaction each. Both passes
hold one chunk at a time in memory.

An import is idempotent: each row is known by its source id and the digest of its content, so a
row already imported is skipped. A crash in the second pass leaves whole chunks saved; running the
import again skips them and saves the rest. Interrupted (Ctrl-C), an import says how many rows it
saved, counting a chunk whose save the interrupt cut short only if the store holds it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError

from dealflow.aggregates.errors import ConcurrentChange, DealflowError, InvalidInput, Refused
from dealflow.imports.csvsource import Record
from dealflow.imports.outcome import REJECTED, Outcome, RowError, Summary
from dealflow.imports.rejects import Rejects
from dealflow.imports.scratch import Scratch
from dealflow.storage import collector, stored

if TYPE_CHECKING:
    from dealflow.application import DealflowApp

CHUNK = 5_000  # rows a chunk and a transaction: measured on 100,000 deals, 2,000 took 5 % longer, 10,000 50 MB more

Bar = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
Saved = Aggregate | DomainEventProtocol[UUID]  # what a chunk saves: its aggregates, or new events in the log's order


@dataclass(slots=True)
class Item:
    """One row on its way through an import."""

    line: int
    cells: list[str]
    parsed: Any = None  # the row as its kind reads it: a DealRow, an InvoiceRow, a Line
    key: str = ""
    digest: str = ""
    outcome: Outcome = Outcome.IMPORTED
    error: RowError | None = None

    def refuse(self, error: RowError) -> None:
        self.outcome, self.error = Outcome.BAD, error


class Interrupted(DealflowError):
    """The import was interrupted (Ctrl-C): what it saved, and that running it again resumes (exit 1)."""


class Source(Protocol):
    name: str
    size: int
    header: list[str]  # the rejects file's first columns

    def records(self, progress: Callable[[int], None] | None = None) -> Iterator[Record]: ...


class Kind(Protocol):
    """What one kind of import (deals, invoices, events) does with its rows."""

    noun: str

    def parse(self, cells: Sequence[str]) -> tuple[Any, str, str]:
        """The row read, its key (the source id) and its content's digest; RowError if it cannot be."""

    def encode(self, row: Any) -> str:
        """A row read, as text for the scratch file; `decode` reads it back."""

    def decode(self, text: str) -> Any: ...

    def screen(self, app: DealflowApp, items: Sequence[Item], scratch: Scratch, empty: bool) -> None:
        """Mark the rows the store (or earlier rows) already have, or that conflict with them; `empty`
        says the store held nothing when the import began."""

    def build(
        self, items: Sequence[Item], actor: str, created: Counter[str], scratch: Scratch
    ) -> tuple[Sequence[Saved], int]:
        """The aggregates that the rows change, with their new events pending, and how many events are new."""


def _no_bar(label: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda _: None)


@dataclass
class Import:
    app: DealflowApp
    source: Source
    kind: Kind
    actor: str
    skip_bad: bool = False
    dry_run: bool = False
    rejects: Path | None = None
    bar: Bar = _no_bar
    saved: int = field(default=0, init=False)  # rows whose chunk the store holds
    unsure: int = field(default=0, init=False)  # rows of a chunk cut short that the store could not be asked about

    def run(self) -> Summary:
        summary = Summary(self.source.name, self.kind.noun, dry_run=self.dry_run)
        try:
            return self._run(summary)
        except KeyboardInterrupt:
            raise Interrupted(self._interrupted(summary)) from None

    def _run(self, summary: Summary) -> Summary:
        with Scratch() as scratch, collector.paused():
            with Rejects(self.rejects, self.source) as rejects:
                self._check(scratch, summary, rejects)
            summary.rejects = str(self.rejects) if rejects.written else None
            if self.dry_run and getattr(self.kind, "one_event_a_row", False):  # a replay needs the lines before saved
                summary.events = summary.outcomes[Outcome.IMPORTED]
            else:
                self._write(scratch, summary)
        return summary

    # --- the first pass: check every row, write nothing -------------------------------------------

    def _check(self, scratch: Scratch, summary: Summary, rejects: Rejects) -> None:
        empty = stored.is_empty(self.app)
        with self.bar("checking", self.source.size) as advance:
            for records in _chunks(self.source.records(advance)):
                items = [self._item(record) for record in records]
                _repeats(items, scratch)
                fresh = [item for item in items if item.outcome is Outcome.IMPORTED]
                if fresh:
                    self.kind.screen(self.app, fresh, scratch, empty)
                bad = next((item for item in items if item.outcome is Outcome.BAD), None)
                if bad is not None and not self.skip_bad:
                    assert bad.error is not None
                    message = bad.error.describe(self.source.name, bad.line)
                    raise (Refused if bad.error.refused else InvalidInput)(
                        f"{message} (nothing was imported; --skip-bad imports the other rows)"
                    )
                for item in items:
                    summary.read += 1
                    summary.count(item.outcome, item.error, file=self.source.name, line=item.line)
                    if item.outcome is Outcome.IMPORTED and getattr(item.parsed, "defaulted", False):
                        summary.defaulted += 1
                    if item.outcome in REJECTED:
                        rejects.write(item)
                good = (item for item in items if item.outcome is Outcome.IMPORTED)
                scratch.keep((item.line, item.digest, self.kind.encode(item.parsed)) for item in good)
                collector.batch_done()

    def _item(self, record: Record) -> Item:
        item = Item(record.line, record.cells)
        try:
            item.parsed, item.key, item.digest = self.kind.parse(record.cells)
        except RowError as error:
            item.refuse(error)
        return item

    # --- the second pass: save the good rows, a chunk a transaction -------------------------------

    def _write(self, scratch: Scratch, summary: Summary) -> None:
        label = "would import" if self.dry_run else "importing"
        with self.bar(label, summary.outcomes[Outcome.IMPORTED]) as advance:
            for rows in scratch.kept(CHUNK):
                items = [Item(line, [], self.kind.decode(row), digest=digest) for line, digest, row in rows]
                try:
                    aggregates, events = self.kind.build(items, self.actor, summary.created, scratch)
                except RowError as error:
                    self._keep_before(error, items, scratch)
                    raise _stopped(error, self.source.name, items) from None
                summary.events += events
                if aggregates and not self.dry_run:
                    self._save(aggregates, len(items))
                del aggregates
                collector.batch_done()
                advance(len(items))

    def _keep_before(self, error: RowError, items: Sequence[Item], scratch: Scratch) -> None:
        """A row refused while its chunk was built: save the rows before it, so that the import stops exactly there."""
        before = [item for item in items if error.line is not None and item.line < error.line]
        if before and not self.dry_run:
            aggregates, _ = self.kind.build(before, self.actor, Counter(), scratch)
            self._save(aggregates, len(before))

    def _save(self, aggregates: Sequence[Saved], rows: int) -> None:
        try:
            self.app.save(*aggregates)
        except IntegrityError:
            raise ConcurrentChange(
                "the store changed while importing (another import or command wrote the same deal): run the "
                "import again; the rows already imported are skipped"
            ) from None
        except KeyboardInterrupt:
            try:  # interrupted before its commit, or after it (notifying the projections, say)
                held = _holds(self.app, aggregates[-1])
            except Exception:  # the interrupt left no connection that can tell
                self.unsure = rows
            else:
                self.saved += rows if held else 0
            raise
        self.saved += rows

    def _interrupted(self, summary: Summary) -> str:
        noun = f"{self.kind.noun}s"
        if self.dry_run or not (self.saved or self.unsure):
            return f"import of {self.source.name} interrupted: nothing was imported; run the same command again"
        total = summary.outcomes[Outcome.IMPORTED]
        if self.saved == total:
            return f"import of {self.source.name} interrupted after all {total:,} {noun} were saved: nothing is left"
        saved = f"{self.saved:,}" + (f" (or {self.saved + self.unsure:,})" if self.unsure else "")
        return (
            f"import of {self.source.name} interrupted after {saved} of {total:,} {noun} were saved; run the same "
            f"command again to import the rest ({noun} already imported are skipped)"
        )


def _holds(app: DealflowApp, saved: Saved) -> bool:
    """Whether the store holds the last thing saved (an aggregate's last event, or an event): a chunk is
    saved in one transaction, so its last says whether the whole chunk was."""
    if isinstance(saved, Aggregate):
        key, version = saved.id, saved.version
    else:
        key, version = saved.originator_id, saved.originator_version
    return bool(app.recorder.select_events(key, gt=version - 1, limit=1))


def _stopped(error: RowError, file: str, items: Sequence[Item]) -> Refused:
    line = error.line or (items[0].line if items else 0)
    return Refused(
        f"{error.describe(file, line)} (the import stopped there, the rows before it imported: fix the row and run "
        "the import again, which skips them)"
    )


def _repeats(items: Sequence[Item], scratch: Scratch) -> None:
    """A source id seen on an earlier line: the same content is a repeat, other content a bad row."""
    first: dict[str, Item] = {}
    for item in items:
        if item.outcome is Outcome.IMPORTED:
            first.setdefault(item.key, item)
    earlier = scratch.first_seen([(item.key, item.line, item.digest) for item in first.values()])
    for item in items:
        if item.outcome is not Outcome.IMPORTED:
            continue
        seen = earlier.get(item.key)
        if seen is None:
            head = first[item.key]
            if head is item:
                continue
            seen = (head.line, head.digest)
        if seen[1] == item.digest:
            item.outcome = Outcome.DUPLICATE
        else:
            item.refuse(
                RowError(
                    None,
                    "id repeated with other values",
                    f"its id is also on line {seen[0]}, with other values: each row of a file needs "
                    "its own id; remove or fix one of the two rows",
                )
            )


def _chunks(records: Iterable[Record], size: int = CHUNK) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
