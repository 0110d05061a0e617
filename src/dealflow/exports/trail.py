"""The audit trail as rows: for JSON exactly what `history --json` prints (with the position in the
log and the deal's id for the whole log), for sheets and CSV the same columns plus a readable
summary and the event's own fields flattened into one text cell."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dealflow.reports.table import Cell, Column, Table, as_text
from dealflow.views import mark_text

COMMON = ("version", "event", "recorded_at", "effective_on", "actor", "stage", "action", "state")
REVISED = ("corrected_by", "voided_by")  # the marks of a revised event (`revised.marks`): said in its summary
LOG = ("position", "deal", "seal")  # what the whole log's rows add (a sheet shows the first two, in front)
Entry = tuple[dict[str, Any], Any]  # (the JSON row, the event it came from)

_COLUMNS = (
    Column("version", Cell.INTEGER),
    Column("recorded_at", Cell.DATETIME),
    Column("effective_on", Cell.DATE),
    Column("actor"),
    Column("event"),
    Column("stage"),
    Column("action"),
    Column("state"),
    Column("summary", width=50),
    Column("details", width=50),
)
_LOG_COLUMNS = (Column("position", Cell.INTEGER), Column("deal"))


@dataclass
class Trail:
    """Events as rows, read as they are written: `entries` makes a fresh stream on each call."""

    name: str
    entries: Callable[[], Iterator[Entry]]
    total: int | None = None  # an upper bound, for a progress bar
    whole_log: bool = False

    def json_rows(self) -> Iterator[dict[str, Any]]:
        return (row for row, _ in self.entries())

    def table(self, describe: Callable[[Any], str]) -> Table:
        """The rows for a sheet or CSV; `describe` says what an event did in one line."""
        columns = (*_LOG_COLUMNS, *_COLUMNS) if self.whole_log else _COLUMNS
        rows = (tabular(row, event, describe) for row, event in self.entries())
        return Table(self.name, columns, rows, total_rows=self.total)


def tabular(row: dict[str, Any], event: Any, describe: Callable[[Any], str]) -> dict[str, Any]:
    own = {key: value for key, value in row.items() if key not in COMMON and key not in LOG and key not in REVISED}
    summary = describe(event) if row.get("state") else _line(row["event"], own)
    summary = mark_text(row) + summary  # a corrected or voided event says so first, as `history` does
    return {**row, "summary": summary, "details": "; ".join(flatten(own))}


def flatten(fields: Mapping[str, Any], prefix: str = "") -> Iterable[str]:
    """`key=value` for every field that has a value; nested fields as `fields.contact=...`."""
    for key, value in fields.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        if isinstance(value, Mapping):
            yield from flatten(value, f"{prefix}{key}.")
        elif isinstance(value, (list, tuple)):
            yield f"{prefix}{key}={','.join(as_text(item) for item in value)}"
        else:
            yield f"{prefix}{key}={as_text(value)}"


def _line(event: str, fields: Mapping[str, Any]) -> str:
    return f"{event}: {' '.join(flatten(fields))}"
