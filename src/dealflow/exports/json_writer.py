"""JSON (one array, or a report's one object) and JSON Lines (one object a line): the same rows as
the `--json` outputs, written as they stream."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from dealflow.aggregates.money import canonical


def plain(value: Any) -> Any:
    """JSON-safe: amounts as exact decimal strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return str(canonical(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


def _line(row: Mapping[str, Any]) -> str:
    return json.dumps(plain(row), ensure_ascii=False)


def write_json(rows: Iterable[Mapping[str, Any]], out: TextIO, *, advance: Callable[[int], None] | None = None) -> int:
    """A JSON array, one row a line; returns the number of rows."""
    count = 0
    out.write("[")
    for row in rows:
        out.write(("," if count else "") + "\n  " + _line(row))
        count += 1
        if advance is not None:
            advance(1)
    out.write("\n]\n" if count else "]\n")
    return count


def write_jsonl(rows: Iterable[Mapping[str, Any]], out: TextIO, *, advance: Callable[[int], None] | None = None) -> int:
    count = 0
    for row in rows:
        out.write(_line(row) + "\n")
        count += 1
        if advance is not None:
            advance(1)
    return count


def write_json_object(data: Mapping[str, Any], out: TextIO) -> None:
    """One object (a report: its facts, then each table's rows under the table's name)."""
    out.write(json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n")
