"""Proving the log: every event's seal recomputed from what the store holds, and the log's Merkle root.

One pass in log order, a page at a time, reads each event with its seal row (`sealing.py`) and
checks, per aggregate: its versions follow one another (a gap is an event missing; an earlier
version after a later one, an order changed), its digest is the one sealed (else its content
changed), its seal chains from the previous one (else an event before it was changed or removed),
and it stands where it was sealed in the log (else the order changed). After a break the chain
goes on from the seal stored for that event, so each break is reported once. Seal rows whose
event is gone are events missing. The recomputed seals, in log order, are the leaves of the tree
whose root a checkpoint keeps (`seals.MerkleTree`).

What it cannot see: the newest events of a deal removed together with their seals, or events and
seals rewritten together, unless a checkpoint kept elsewhere covered them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dealflow.storage import sealing, seals, sql

if TYPE_CHECKING:
    from dealflow.storage.sql import HasStore

PAGE = 5_000
CHANGED, MISSING, REORDERED, UNSEALED = "content changed", "event missing", "order changed", "not sealed"

WALK = (
    "SELECT e.{position} AS position, e.originator_id, e.originator_version, e.topic, e.state, "
    "s.position AS sealed_at, s.digest, s.seal, s.on_upgrade FROM {table} e LEFT JOIN {seals} s "
    "ON s.originator_id = e.originator_id AND s.originator_version = e.originator_version "
    "WHERE e.{position} > {mark}{one} ORDER BY e.{position} LIMIT {limit}"
)
ORPHANS = (
    "SELECT s.originator_id, s.originator_version, s.position FROM {seals} s WHERE NOT EXISTS "
    "(SELECT 1 FROM {table} e WHERE e.originator_id = s.originator_id "
    "AND e.originator_version = s.originator_version){one} ORDER BY s.position"
)


@dataclass(frozen=True)
class Break:
    """Where the trail breaks: the aggregate (hex id), its version, its position in the log (None
    for an event no longer there), what kind of break and how it shows."""

    key: str
    version: int
    position: int | None
    problem: str
    detail: str


@dataclass
class Verification:
    events: int = 0
    aggregates: int = 0
    breaks: list[Break] = field(default_factory=list)
    root: bytes = seals.EMPTY_ROOT
    last_position: int = 0
    recorded_from: int | None = None  # the first position sealed when it was recorded
    on_upgrade: int = 0  # events sealed once, on upgrade
    prefix_root: bytes | None = None  # the root over the first `prefix` events, when asked
    prefix_position: int | None = None

    @property
    def holds(self) -> bool:
        return not self.breaks


def verify(app: HasStore, *, originator: UUID | None = None, prefix: int | None = None) -> Verification:
    """Walk the log (or one aggregate's events) and recompute every seal; `prefix`: also the root
    over the log's first `prefix` events, for a checkpoint of that size."""
    found = Verification()
    chains: dict[str, tuple[int, bytes]] = {}
    breaks: dict[tuple[str, int], Break] = {}
    tree = seals.MerkleTree()
    gaps: list[tuple[str, int, int]] = []  # (aggregate, version, first version missing before it)
    late: dict[str, set[int]] = {}  # versions found after a later one
    for row in _walk(app, originator):
        position, version = row["position"], row["originator_version"]
        key = seals.key(row["originator_id"])
        event_digest = seals.digest(key, version, row["topic"], row["state"])
        held = chains.get(key)
        last = held[0] if held else 0
        before = held[1] if held else seals.ZERO
        stored = row["seal"]
        problem = None
        if version <= last:
            problem = (REORDERED, f"version {version} stands after version {last} in the log")
            late.setdefault(key, set()).add(version)
        elif version > last + 1:
            gone = f"version {last + 1}" if version == last + 2 else f"versions {last + 1} to {version - 1}"
            problem = (MISSING, f"{gone} missing before it")
            gaps.append((key, version, last + 1))
        recomputed = seals.chained(before, event_digest)
        if stored is None:
            problem = problem or (UNSEALED, "the store holds it without a seal: it was written outside dealflow")
        elif bytes(row["digest"]) != event_digest:
            problem = problem or (CHANGED, "its content is not what was sealed")
        elif problem is None and bytes(stored) != recomputed:
            problem = (CHANGED, "the seal chain breaks here: the event before it was changed or removed")
        elif problem is None and row["sealed_at"] is not None and row["sealed_at"] != position:
            problem = (REORDERED, f"sealed at position {row['sealed_at']}, found at {position}")
        if problem is not None:
            breaks.setdefault((key, version), Break(key, version, position, *problem))
        # the chain goes on from what was sealed, so that each break is reported once; the tree takes
        # what the store holds now, so that a checkpoint made before the break no longer matches
        if version > last:  # an earlier version found late leaves the chain where the latest one left it
            chains[key] = (version, recomputed if stored is None else bytes(stored))
        tree.add(recomputed)
        found.events += 1
        found.last_position = position
        if stored is not None and not row["on_upgrade"] and found.recorded_from is None:
            found.recorded_from = position
        if stored is not None and row["on_upgrade"]:
            found.on_upgrade += 1
        if prefix is not None and tree.size == prefix:
            found.prefix_root, found.prefix_position = tree.root(), position
    for key, version, sealed_at in _orphans(app, originator):
        breaks.setdefault((key, version), Break(key, version, None, MISSING, f"sealed at position {sealed_at}, gone"))
    for key, version, first in gaps:  # the versions "missing" came later: the order changed
        if late.get(key, set()) >= set(range(first, version)):
            was = breaks[(key, version)]
            detail = f"version {version} stands before version {first} in the log"
            breaks[(key, version)] = Break(key, version, was.position, REORDERED, detail)
    for key, version, first in gaps:  # each version missing named by its own seal row: the gap adds nothing
        gap = breaks.get((key, version))
        named = [breaks.get((key, v)) for v in range(first, version)]
        if gap is not None and gap.problem == MISSING and all(b is not None and b.position is None for b in named):
            del breaks[(key, version)]
    found.aggregates = len(chains)
    found.breaks = sorted(breaks.values(), key=lambda b: (b.position is None, b.position or 0, b.key, b.version))
    found.root = tree.root()
    return found


def _walk(app: HasStore, originator: UUID | None) -> Iterator[Any]:
    mark = sql.param(app)
    one = f" AND e.originator_id = {mark}" if originator is not None else ""
    wanted = [] if originator is None else [originator.hex if app.store.is_sqlite else originator]
    parts = {"position": sql.position(app), "seals": sql.qualified(app, sealing.TABLE), "mark": mark}
    after = 0
    while True:
        page = list(sql.select(app, WALK, after, *wanted, one=one, limit=str(PAGE), **parts))
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1]["position"]


def _orphans(app: HasStore, originator: UUID | None) -> Iterator[tuple[str, int, int | None]]:
    one = f" AND s.originator_id = {sql.param(app)}" if originator is not None else ""
    wanted = [] if originator is None else [originator.hex if app.store.is_sqlite else originator]
    for row in sql.select(app, ORPHANS, *wanted, one=one, seals=sql.qualified(app, sealing.TABLE)):
        yield seals.key(row["originator_id"]), row["originator_version"], row["position"]
