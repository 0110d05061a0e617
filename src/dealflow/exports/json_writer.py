"""JSON (one array, or a report's one object) and JSON Lines (one object a line): the same rows as
the `--json` outputs, written as they stream."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from dealflow.aggregates.money import amount_text


def json_value(value: Any) -> Any:
    """A value JSON cannot hold as it is, as every JSON output writes it: amounts as exact decimal
    strings, dates as ISO text, sets as lists (the `default` of `json.dumps`, see `encode`)."""
    if isinstance(value, Decimal):
        return amount_text(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def plain(value: Any) -> Any:
    """JSON-safe, all through (keys as text, tuples and sets as lists): for what compares or indents the values."""
    if isinstance(value, (Decimal, date)):
        return json_value(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


# JSON may hold these raw, but Python's str.splitlines() and other line readers break a line at them:
# written escaped, each line of JSON is one line to every reader (the text read back is the same)
_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def one_line(encoded: str) -> str:
    """Encoded JSON with the line breaks JSON leaves raw escaped (\\u2028, ...)."""
    if _LINE_BREAKS.search(encoded) is None:  # nearly always: one scan, no copy
        return encoded
    return _LINE_BREAKS.sub(lambda found: f"\\u{ord(found.group()):04x}", encoded)


def encode(data: Any, *, compact: bool = False) -> str:
    """`data` as JSON for people to read, indented; `compact` (one line) for reports of thousands of
    rows: measured on a 6,000-invoice ageing, indenting takes 40 ms in Python's pure encoder, one line
    13 ms in its C encoder, which writes every value but those `json_value` gives it."""
    if compact:
        return one_line(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=json_value))
    return one_line(json.dumps(plain(data), ensure_ascii=False, indent=2))


def _line(row: Mapping[str, Any]) -> str:
    return one_line(json.dumps(plain(row), ensure_ascii=False))


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
    out.write(encode(data) + "\n")
