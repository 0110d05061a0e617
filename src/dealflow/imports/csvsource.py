"""A CSV export read a record at a time, as often as needed (the import reads it twice), in
constant memory: UTF-8 with or without a byte-order mark, quoted commas and line breaks, blank
lines skipped, and each record numbered by the line it starts on, as an editor shows it. A quote
that is never closed is refused with the line it opened on (the csv module, lenient, would read the
rest of the file into that one cell)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from dealflow.aggregates.errors import InvalidInput

CELL_LIMIT_MB = 16
csv.field_size_limit(CELL_LIMIT_MB * 1024 * 1024)  # a long note in one cell is still one cell

# A line the reader is given after the file's last: read as a record of its own, it is the end of the
# file; read into a cell, a quote left open took it in. (U+FFFE is no character, so no text holds it.)
_END = "\ufffe"
_LINE_BREAK = re.compile(r"\r\n?|\n")


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
            header = self._next(self._reader(text), 1)
        if header is None:
            raise InvalidInput(
                f"{self.name} is empty: there is nothing to import (its first line must name the columns)"
            )
        if not any(cell.strip() for cell in header):
            raise InvalidInput(f"{self.name} has no header line: its first line must name the columns")
        self.header = [cell.strip() for cell in header]

    def records(self, progress: Callable[[int], None] | None = None) -> Iterator[Record]:
        """The records after the header; `progress` is told the bytes read as the file is read."""
        width = len(self.header)
        with self._open(progress) as text:
            reader = self._reader(text)
            self._next(reader, 1)
            line = reader.line_num + 1
            while (cells := self._next(reader, line)) is not None:
                if any(cells):
                    if len(cells) < width:  # spreadsheets drop trailing empty cells
                        cells += [""] * (width - len(cells))
                    yield Record(line, cells)
                line = reader.line_num + 1

    def _reader(self, text: io.TextIOWrapper) -> Any:
        return csv.reader(chain(text, (_END,)), delimiter=self.delimiter)

    def _next(self, reader: Iterator[list[str]], line: int) -> list[str] | None:
        """The next record, starting on `line`; None at the end of the file."""
        try:
            cells = next(reader, None)
        except UnicodeError:  # a byte that does not decode, or a UTF-16 file without its byte-order mark
            number, what = self._undecodable()
            raise InvalidInput(
                f"{self.name}:{number}: {what} not {self.given_encoding} text: save the file as UTF-8 (in Excel: "
                "CSV UTF-8), or give its --encoding, e.g. --encoding cp1252"
            ) from None
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise InvalidInput(
                    f"{self.name}:{line}: a cell of the row on this line runs past {CELL_LIMIT_MB} MB: a quoted "
                    'cell is probably never closed (an unmatched "): close the quote or remove it'
                ) from None
            raise InvalidInput(f"{self.name}:{line}: not readable as CSV ({error}): check its quotes") from None
        if cells and cells[-1].endswith(_END):
            if cells == [_END]:
                return None
            opened = line + sum(len(_LINE_BREAK.findall(cell)) for cell in cells[:-1])
            raise InvalidInput(
                f'{self.name}:{opened}: a quoted cell opened on this line is never closed (an unmatched "): close '
                "the quote or remove it (nothing was imported)"
            )
        return cells

    def _undecodable(self) -> tuple[int, str]:
        """The first line that does not decode, and what on it does not (text is decoded a buffer
        ahead of the records, so the reader's line is not the one)."""
        decoder = codecs.getincrementaldecoder(self.encoding)()
        number = 1
        try:
            with self.path.open("rb") as lines:
                for raw in lines:
                    number += decoder.decode(raw).count("\n")
            decoder.decode(b"", final=True)  # a character cut short at the end
        except UnicodeDecodeError as error:
            number += error.object[: error.start].count(b"\n")
            bad = " ".join(f"0x{byte:02x}" for byte in error.object[error.start : error.end])
            return number, f"byte {bad} is" if error.end - error.start == 1 else f"bytes {bad} are"
        except UnicodeError:  # the file as a whole, e.g. UTF-16 without its byte-order mark
            pass
        return number, "the file is"

    def _open(self, progress: Callable[[int], None] | None) -> io.TextIOWrapper:
        raw: io.RawIOBase = self.path.open("rb", buffering=0)
        source = _Counting(raw, progress) if progress is not None else raw
        try:
            return io.TextIOWrapper(io.BufferedReader(source, 1 << 16), encoding=self.encoding, newline="")
        except LookupError:  # a codec of bytes, such as base64
            source.close()
            raise InvalidInput(
                f"--encoding {self.given_encoding}: not a text encoding; try utf-8, cp1252 or latin-1"
            ) from None


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
