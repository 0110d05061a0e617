"""What became of each row of an import, and the summary the command prints."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dealflow.aggregates.errors import DealflowError, InvalidInput, Refused

if TYPE_CHECKING:
    from dealflow.imports.runner import Item

EXAMPLES = 5  # bad rows quoted in the summary; the rejects file has them all


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    ALREADY = "already imported"
    DUPLICATE = "repeated in the file"
    CHANGED = "changed since imported"
    BAD = "bad"


REJECTED = (Outcome.CHANGED, Outcome.BAD)  # the rows written to the rejects file


def judge_against_store(item: Item, found: object, *, taken: RowError, what: str, fix: str) -> None:
    """A row whose deal or invoice the store already has: skipped when imported from the same content,
    reported when imported from other content, refused when it never came from an import."""
    source = getattr(found, "imported", None)
    if source is None:
        item.refuse(taken)
    elif source.get("hash") == item.digest:
        item.outcome = Outcome.ALREADY
    else:
        item.outcome = Outcome.CHANGED
        item.error = RowError(
            None, "changed", f"{what} was imported from {source.get('file')}:{source.get('line')} with other "
            f"values; an import does not change it: {fix}",
        )  # fmt: skip


class RowError(Exception):
    """Why one row cannot be imported: where (a column, or None for the whole row), what kind of
    problem (for the summary's counts), and the message that says how to fix it."""

    def __init__(
        self, where: str | None, problem: str, message: str, *, refused: bool = False, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.where = where
        self.problem = problem
        self.refused = refused  # the store refuses it (exit 1), rather than the file being malformed (exit 2)
        self.line = line  # when raised away from its row

    @classmethod
    def of(cls, error: DealflowError, line: int) -> RowError:
        """A domain refusal of a row's values, found while building its events, in the domain's words
        (a file has no options: "the date", not "--on")."""
        return cls(None, "refused", error.render(), refused=not isinstance(error, InvalidInput), line=line)

    def describe(self, file: str, line: int) -> str:
        return f"{file}:{line}: {self.where}: {self}" if self.where else f"{file}:{line}: {self}"


@dataclass
class Summary:
    """The counts an import reports: rows read and what became of them, and why."""

    file: str
    noun: str  # what a row holds: deal, invoice, event
    dry_run: bool = False
    read: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)  # bad rows by where and what
    refused: int = 0  # bad rows that the store refuses, rather than malformed ones
    examples: list[str] = field(default_factory=list)
    events: int = 0  # events written (or that would be)
    defaulted: int = 0  # rows that took --default-date
    created: Counter[str] = field(default_factory=Counter)  # e.g. deals opened, ledger deals
    rejects: str | None = None

    def count(self, outcome: Outcome, error: RowError | None = None, *, file: str = "", line: int = 0) -> None:
        self.outcomes[outcome] += 1
        if error is not None and outcome is Outcome.BAD:
            self.problems[f"{error.where}: {error.problem}" if error.where else error.problem] += 1
            self.refused += error.refused
            if len(self.examples) < EXAMPLES:
                self.examples.append(error.describe(file, line))

    def nothing_good(self) -> DealflowError | None:
        """When every row read was bad: the error that ends an import with --skip-bad, so that a script
        notices that nothing was imported (exit 1 if the store refuses one of the rows, else 2)."""
        bad = self.outcomes[Outcome.BAD]
        if not bad or bad < self.read:
            return None
        listed = f" ({self.rejects} lists each, with why)" if self.rejects else ""
        message = f"no row of {self.file} could be imported, all {bad:,} are bad: fix them{listed} and import again"
        return Refused(message) if self.refused else InvalidInput(message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "rows": self.read,
            **{outcome.name.lower(): self.outcomes[outcome] for outcome in Outcome},
            "events": self.events,
            "default_date": self.defaulted,
            "created": dict(self.created),
            "problems": dict(self.problems),
            "rejects": self.rejects,
        }
