"""The rejects file: each row an import did not take, as it was in the file, with its line and
reason in two columns at the end, so that it can be fixed and imported again. Written only when a
row is rejected; cells are written back as they were (nothing neutralised: it is the user's data)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from dealflow.imports.runner import Item, Source

LINE, REASON = "rejected_line", "rejected_because"


def default_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}-rejects.csv")


class Rejects:
    def __init__(self, path: Path | None, source: Source) -> None:
        self.path = path
        self.source = source
        self.written = 0
        self._out: TextIO | None = None
        self._writer: Any = None

    def write(self, item: Item) -> None:
        if self.path is None:
            return
        if self._writer is None:
            self._out = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._out)
            self._writer.writerow([*self.source.header, LINE, REASON])
        error = item.error
        reason = f"{error.where}: {error}" if error is not None and error.where else str(error)
        self._writer.writerow([*item.cells, item.line, f"{item.outcome}: {reason}"])
        self.written += 1

    def __enter__(self) -> Rejects:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._out is not None:
            self._out.close()
            if kind is not None and self.path is not None:  # nothing was imported: no file half-telling it
                self.path.unlink(missing_ok=True)
                self.written = 0
