"""JSON (one array) and JSON Lines (one object a line): the same rows as the `--json` outputs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


def plain(value: Any) -> Any:
    """JSON-safe: amounts as exact decimal strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


def write_json(rows: Iterable[Mapping[str, Any]], path: Path, *, advance: Callable[[int], None] | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for row in rows:
            handle.write(("," if count else "") + "\n  " + json.dumps(plain(row), ensure_ascii=False))
            count += 1
            if advance is not None:
                advance(1)
        handle.write("\n]\n" if count else "]\n")
    return count


def write_jsonl(rows: Iterable[Mapping[str, Any]], path: Path, *, advance: Callable[[int], None] | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(plain(row), ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
            if advance is not None:
                advance(1)
    return count
