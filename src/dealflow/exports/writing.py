"""One export in any format, to a file (whole or not at all) or a stream.

A report of several tables is written as one sheet per table in XLSX, one object in JSON (its
facts, then each table's rows under the table's name, as `--json` prints it), one line per row
with its table's name in `part` in JSON Lines, and in CSV one file per table beside the name given
(`pipeline.csv` -> `pipeline-stages.csv`, `pipeline-flow.csv`, ...) or, on standard output, one
stream whose rows begin with their table's name in a `part` column (as `--csv` prints it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from dealflow.aggregates.errors import InvalidInput
from dealflow.exports.csv_writer import write_csv
from dealflow.exports.files import atomic_path, refuse_store
from dealflow.exports.json_writer import write_json, write_json_object, write_jsonl
from dealflow.reports.table import Table

if TYPE_CHECKING:
    from dealflow.exports.trail import Trail
    from dealflow.reports.report import Report
    from dealflow.storage.store import Store

FORMATS = ("xlsx", "csv", "json", "jsonl")
Advance = Callable[[int], None] | None


@dataclass
class Export:
    """What to write: `tables` for XLSX and CSV, `rows` for JSON Lines and a JSON array (or, for a
    report, `document`, its one JSON object). Each is called once, so that rows can stream."""

    tables: Callable[[], Sequence[Table]]
    rows: Callable[[], Iterable[Mapping[str, Any]]]
    document: Callable[[], Mapping[str, Any]] | None = None
    total: int | None = None  # rows, at most: for a progress bar

    @classmethod
    def of_report(cls, report: Report) -> Export:
        tables = report.tables
        return cls(
            lambda: tables,
            lambda: ({"part": table.name, **row} for table in tables for row in table.rows),
            lambda: {**report.facts, **{table.name: list(table.rows) for table in tables}},
            sum(_count(table) for table in tables),
        )

    @classmethod
    def of_table(cls, table: Table) -> Export:
        return cls(lambda: [table], lambda: table.rows, total=table.total_rows)

    @classmethod
    def of_sheets(cls, tables: Sequence[Table]) -> Export:
        """Tables for XLSX alone (the workbook)."""
        return cls(lambda: tables, lambda: (), total=sum(table.total_rows or 0 for table in tables))

    @classmethod
    def of_trail(cls, trail: Trail, describe: Callable[[Any], str]) -> Export:
        return cls(lambda: [trail.table(describe)], trail.json_rows, total=trail.total)


def format_for(target: Path | None, given: str | None) -> str:
    """The format given, else the file's extension; CSV on standard output; XLSX needs a file."""
    chosen = given or ("csv" if target is None else target.suffix.lower().lstrip("."))
    if chosen not in FORMATS:
        raise InvalidInput(f"cannot tell the format of {target}: name it .xlsx, .csv, .json or .jsonl or give --format")
    if chosen == "xlsx" and target is None:
        raise InvalidInput("XLSX is a binary file: give -o FILE.xlsx (CSV, JSON and JSON Lines can go to stdout)")
    return chosen


def write(
    export: Export, fmt: str, target: Path, *, store: Store, excel: bool = False, advance: Advance = None
) -> list[Path]:
    """Write `export` in `fmt` to `target` (a multi-table CSV: to one file per table beside it); none
    is written if any of them would be one of the `store`'s files."""
    tables = export.tables() if fmt == "csv" else []
    files = {_beside(target, t.name): [t] for t in tables} if len(tables) > 1 else {target: tables}
    for path in files:
        refuse_store(path, store, given=target)
    if fmt == "xlsx":
        from dealflow.exports.xlsx_writer import write_xlsx

        with atomic_path(target) as temporary:
            write_xlsx(export.tables(), temporary, advance=advance)
    elif fmt == "csv":
        with ExitStack() as stack:  # every file, or none of them
            for path, parts in files.items():
                with stack.enter_context(atomic_path(path)).open("w", encoding="utf-8", newline="") as out:
                    write_csv(parts, out, excel=excel, advance=advance)
    else:
        with atomic_path(target) as temporary, temporary.open("w", encoding="utf-8", newline="") as out:
            write_to(export, fmt, out, advance=advance)
    return list(files)


def write_to(export: Export, fmt: str, out: TextIO, *, excel: bool = False, advance: Advance = None) -> None:
    """Write `export` as CSV, JSON or JSON Lines to an open text stream (standard output)."""
    if fmt == "csv":
        write_csv(export.tables(), out, excel=excel, advance=advance)
    elif fmt == "jsonl":
        write_jsonl(export.rows(), out, advance=advance)
    elif export.document is not None:
        write_json_object(export.document(), out)
    else:
        write_json(export.rows(), out, advance=advance)


def _count(table: Table) -> int:
    if table.total_rows is not None:
        return table.total_rows
    return len(table.rows) if isinstance(table.rows, Sized) else 0


def _beside(target: Path, part: str) -> Path:
    return target.with_name(f"{target.stem}-{part}{target.suffix}")
