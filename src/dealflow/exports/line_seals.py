"""The seals of an exported event log: each line of `export events` carries `seal`, SHA-256 over its
deal's previous line's seal and the line's content, so that `import events` refuses a file whose
lines were changed, removed or reordered after it was exported.

A line's content, for its seal, is what `import events` compares (the line without its position,
its recorded time and its seal) with its deal's id, as canonical JSON (keys sorted, no spaces,
text as is). A log exported, imported into another store and exported again so carries the same
seals. These are the file's own seals: the store's (`storage/seals.py`) cover the bytes it holds,
which a line does not carry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from hashlib import sha256
from typing import Any

from dealflow.exports.json_writer import plain
from dealflow.storage import seals

UNSEALED = ("position", "recorded_at", "seal")  # what a new store gives afresh, and the seal itself


def line_seal(previous: bytes, line: Mapping[str, Any]) -> bytes:
    content = {key: value for key, value in line.items() if key not in UNSEALED}
    text = json.dumps(plain(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return seals.chained(previous, sha256(text.encode()).digest())


class LineSeals:
    """Each deal's last line seal (the settings' under None), as a file is written or read in order."""

    def __init__(self) -> None:
        self.last: dict[str | None, bytes] = {}

    def seal(self, line: Mapping[str, Any]) -> str:
        """The seal of the next line written."""
        owner = line.get("deal")
        sealed = line_seal(self.last.get(owner, seals.ZERO), line)
        self.last[owner] = sealed
        return sealed.hex()

    def check(self, line: Mapping[str, Any]) -> str | None:
        """Why the next line read breaks its deal's chain of seals; None when it holds (or when neither
        it nor its deal's lines before it are sealed: a script's lines need none)."""
        owner = line.get("deal")
        given = line.get("seal")
        if given is None:
            return "it has no seal, but the lines of its deal before it have" if owner in self.last else None
        expected = line_seal(self.last.get(owner, seals.ZERO), line)
        try:
            held = bytes.fromhex(given) if isinstance(given, str) else b""
        except ValueError:
            held = b""
        self.last[owner] = held if len(held) == len(expected) else expected  # the chain goes on from the file's
        if held != expected:
            return "its seal does not match its content and the lines of its deal before it"
        return None
