"""A checkpoint: a small statement of what the log held, to be kept somewhere else.

It names the number of events it covers, the Merkle root over their seals in log order (RFC 9162
tree hashing, `seals.py`), the last position covered, the store's format and when it was made.
`verify --checkpoint` recomputes the root over the log's first that many events: equal, the log
still holds everything the checkpoint covered, unchanged and in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dealflow.aggregates.errors import InvalidInput

KIND = "dealflow checkpoint"
HASHING = "RFC 9162 Merkle tree hash (SHA-256) over each event's seal, in log order"


@dataclass(frozen=True)
class Checkpoint:
    events: int
    root: bytes
    last_position: int
    format: int
    made_at: str

    def statement(self) -> dict[str, Any]:
        return {
            "statement": KIND,
            "hashing": HASHING,
            "events": self.events,
            "root": self.root.hex(),
            "last_position": self.last_position,
            "format": self.format,
            "made_at": self.made_at,
        }

    @classmethod
    def now(cls, events: int, root: bytes, last_position: int, format: int) -> Checkpoint:
        return cls(events, root, last_position, format, datetime.now(UTC).isoformat(timespec="seconds"))


def read(path: Path) -> Checkpoint:
    """The checkpoint a file holds; InvalidInput naming what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(
            f"{path}: not a checkpoint that can be read ({error}): give a file `checkpoint` wrote"
        ) from None
    if not isinstance(data, dict) or data.get("statement") != KIND:
        raise InvalidInput(f"{path}: not a dealflow checkpoint: give a file `checkpoint` wrote")
    try:
        events, last = data["events"], data["last_position"]
        root = bytes.fromhex(data["root"])
        if not (isinstance(events, int) and isinstance(last, int) and events >= 0 and len(root) == 32):
            raise ValueError
        return Checkpoint(events, root, last, int(data.get("format", 0)), str(data.get("made_at", "")))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            f"{path}: a checkpoint needs whole numbers events and last_position and a 64-digit hex root"
        ) from None
