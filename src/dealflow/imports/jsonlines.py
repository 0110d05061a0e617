"""A JSON Lines file read a line at a time, as often as needed, in constant memory: each
non-blank line a record, numbered as an editor numbers it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from dealflow.aggregates.errors import InvalidInput
from dealflow.imports.csvsource import Record


class JsonLinesFile:
    def __init__(self, path: Path) -> None:
        self.header = ["json"]  # the rejects file's first column: the line as it was
        self.path = path
        self.name = path.name
        self.size = path.stat().st_size

    def records(self, progress: Callable[[int], None] | None = None) -> Iterator[Record]:
        with self.path.open("rb") as lines:
            for number, raw in enumerate(lines, start=1):
                if progress is not None:
                    progress(len(raw))
                try:
                    text = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
                except UnicodeDecodeError as error:
                    raise InvalidInput(
                        f"{self.name}:{number}: byte 0x{raw[error.start]:02x} (column {error.start + 1}) is not UTF-8 "
                        "text: save the file as UTF-8, as JSON Lines files are"
                    ) from None
                if text:
                    yield Record(number, [text])
