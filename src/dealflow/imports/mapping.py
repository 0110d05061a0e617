"""Which column holds which field: the defaults for common CRM and accounting exports, `--map
FIELD=COLUMN` to name others, `--default FIELD=VALUE` for blank cells, and reading a row's cells
by field. Column names are matched without regard to case, spaces or punctuation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dealflow.aggregates.errors import InvalidInput
from dealflow.imports.cells import normal


@dataclass(frozen=True)
class Field:
    name: str
    help: str
    columns: tuple[str, ...] = ()  # the column names looked for when --map does not name one


def missing_columns(columns: Columns, required: Sequence[str], *, either: Sequence[str] = ()) -> None:
    """Refuse a file that has no column (nor --default) for a field every row needs."""
    missing = [name for name in required if not columns.has(name)]
    if either and not any(columns.has(name) for name in either):
        missing.append(either[0])
    if missing:
        raise InvalidInput(
            f'no column for {", ".join(missing)}: name it with --map, e.g. --map {missing[0]}="Column Name" '
            f"(the columns are {', '.join(repr(c) for c in columns.header)})"
        )


def pairs(given: Iterable[str], option: str, example: str) -> dict[str, str]:
    """NAME=VALUE options as a dict (the value may be blank: `--default owner=`)."""
    found: dict[str, str] = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"{option} takes NAME=VALUE, e.g. {option} {example}; got {item!r}")
        found[name.strip()] = value.strip()
    return found


class Columns:
    """The columns of one file, resolved to the fields one kind of import reads."""

    def __init__(
        self,
        fields: Sequence[Field],
        header: Sequence[str],
        *,
        mapped: Mapping[str, str],
        defaults: Mapping[str, str],
        file: str,
    ) -> None:
        self.header = list(header)
        known = {field.name: field for field in fields}
        for name in (*mapped, *defaults):
            if name not in known:
                raise InvalidInput(f"no field {name!r}: the fields are {', '.join(known)}")
        where = {normal(column): index for index, column in reversed(list(enumerate(header)))}
        self.index: dict[str, int] = {}
        for field in fields:
            if field.name in mapped:
                column = mapped[field.name]
                if normal(column) not in where:
                    raise InvalidInput(
                        f"--map {field.name}={column}: {file} has no column {column!r}; its columns are "
                        + ", ".join(repr(name) for name in header)
                    )
                self.index[field.name] = where[normal(column)]
            else:
                found = next((where[normal(c)] for c in (field.name, *field.columns) if normal(c) in where), None)
                if found is not None:
                    self.index[field.name] = found
        self.defaults = {name: value for name, value in defaults.items() if value}
        self.also: list[int] = []  # columns read besides the fields', such as stage dates

    def has(self, field: str) -> bool:
        return field in self.index or field in self.defaults

    def column(self, field: str) -> str:
        """How to name the field's source in a message: its column, or the --default that fills it."""
        if field in self.index:
            return f"column {self.header[self.index[field]]!r}"
        return f"--default {field}"

    def cell(self, cells: Sequence[str], field: str) -> str | None:
        """The field's text in a row, stripped; the --default when blank; None when neither."""
        index = self.index.get(field)
        text = cells[index].strip() if index is not None else ""
        return text or self.defaults.get(field)

    def find(self, column: str, option: str) -> int:
        """The index of a column named by an option such as --stage-date won=COLUMN."""
        for index, name in enumerate(self.header):
            if normal(name) == normal(column):
                self.also.append(index)
                return index
        raise InvalidInput(
            f"{option}: there is no column {column!r}; the columns are " + ", ".join(repr(n) for n in self.header)
        )

    def raw(self, cells: Sequence[str]) -> list[str]:
        """The cells this import reads, in field order: what a row's content hash covers."""
        return [cells[index].strip() for index in (*self.index.values(), *self.also)]
