"""Where each projection stands in the notification log, kept in the projections' own database.

A batch moves a projection's position with a compare-and-set in the same transaction as the
batch's rows: a second process catching up the same projection finds the position moved and
backs off, so no event is ever applied twice, and a killed process leaves the last whole batch."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from dealflow.projections.tables import tracking as table


@dataclass(frozen=True)
class Position:
    name: str
    version: int
    position: int
    events: int
    rebuilding: bool


@dataclass(frozen=True)
class Claim:
    """Move from `expected` to `position`, having processed `events` more notifications."""

    expected: int
    position: int
    events: int


def positions(connection: Connection) -> dict[str, Position]:
    return {row.name: Position(*row) for row in connection.execute(select(*table.c))}


def advance(connection: Connection, name: str, claim: Claim) -> bool:
    moved = connection.execute(
        update(table)
        .where(table.c.name == name, table.c.position == claim.expected)
        .values(position=claim.position, events=table.c.events + claim.events)
    )
    return moved.rowcount == 1


def start_over(connection: Connection, name: str, version: int) -> None:
    connection.execute(delete(table).where(table.c.name == name))
    connection.execute(insert(table).values(name=name, version=version, position=0, events=0, rebuilding=True))


def finish_rebuilding(connection: Connection, head: int) -> None:
    connection.execute(update(table).where(table.c.rebuilding, table.c.position >= head).values(rebuilding=False))
