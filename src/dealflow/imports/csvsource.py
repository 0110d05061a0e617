"""A CSV export read a record at a time, as often as needed (the import reads it twice), in
constant memory: UTF-8 with or without a byte-order mark, quoted commas and line breaks, blank
lines skipped, and each record numbered by the line it starts on, as an editor shows it."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from dealflow.aggregates.errors import InvalidInput

csv.field_size_limit(16 * 1024 * 1024)  # a long note in one cell is still one cell


class Record(NamedTuple):
    line: int  # the line of the file the record starts on
    cells: list[str]


class CsvFile:
    """One CSV file: its header, then its records, each pass reading the file afresh."""

    def __init__(self, path: Path, *, encoding: str = "utf-8", delimiter: str = ",") -> None:
        self.path = path
        self.name = path.name
        self.given_encoding = encoding
        self.encoding = "utf-8-sig" if _codec(encoding) == "utf-8" else encoding  # a byte-order mark is not a cell
        self.delimiter = delimiter
        self.size = path.stat().st_size
        with self._open(None) as text:
            reader = csv.reader(text, delimiter=delimiter)
            header = self._next(reader, 1)
        if not header or not any(cell.strip() for cell in header):
            raise InvalidInput(f"{self.name} has no header line: its first line must name the columns")
        self.header = [cell.strip() for cell in header]

    def records(self, progress: Callable[[int], None] | None = None) -> Iterator[Record]:
        """The records after the header; `progress` is told the bytes read as the file is read."""
        width = len(self.header)
        with self._open(progress) as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            self._next(reader, 1)
            line = reader.line_num + 1
            while (cells := self._next(reader, line)) is not None:
                if any(cells):
                    if len(cells) < width:  # spreadsheets drop trailing empty cells
                        cells += [""] * (width - len(cells))
                    yield Record(line, cells)
                line = reader.line_num + 1

    def _next(self, reader: Iterator[list[str]], line: int) -> list[str] | None:
        try:
            return next(reader, None)
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{self.name}:{self._undecodable_line()}: the file is not {self.given_encoding} text: save it as "
                "UTF-8 (in Excel: CSV UTF-8), or give its --encoding, e.g. --encoding cp1252"
            ) from None
        except csv.Error as error:
            raise InvalidInput(f"{self.name}:{line}: not readable as CSV ({error}): check its quotes") from None

    def _undecodable_line(self) -> int:
        """The first line that does not decode (text is decoded a buffer ahead of the records)."""
        with self.path.open("rb") as lines:
            for number, raw in enumerate(lines, start=1):
                try:
                    raw.decode(self.encoding)
                except UnicodeDecodeError:
                    return number
        return 1  # pragma: no cover - a decoding error was raised, so some line fails

    def _open(self, progress: Callable[[int], None] | None) -> io.TextIOWrapper:
        raw: io.RawIOBase = self.path.open("rb", buffering=0)  # type: ignore[assignment]
        source = _Counting(raw, progress) if progress is not None else raw
        return io.TextIOWrapper(io.BufferedReader(source, 1 << 16), encoding=self.encoding, newline="")


class _Counting(io.RawIOBase):
    """A raw file that reports how many bytes each read took, for a progress bar."""

    def __init__(self, raw: io.RawIOBase, progress: Callable[[int], None]) -> None:
        self.raw = raw
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer) or 0
        self.progress(count)
        return count

    def close(self) -> None:
        self.raw.close()
        super().close()


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InvalidInput(f"--encoding {encoding}: no such encoding; try utf-8, cp1252 or latin-1") from None
