"""Proving the log: every event's seal recomputed from what the store holds, and the log's Merkle root.

One pass in log order, a page at a time, reads each event with the seal row of its position
(`sealing.py`) and checks, per aggregate: its versions follow one another (a gap is an event
missing; an earlier version after a later one, an order changed), its position was sealed for it
(else the order changed), and its seal, recomputed from what the store holds chained to the one
before, is the one sealed (else its content changed). After a break the chain goes on from the
seal stored for that event, so each break is reported once. Seal rows whose position holds no
event are events missing. The recomputed seals, in log order, are the leaves of the tree whose
root a checkpoint keeps (`seals.MerkleTree`).

What it cannot see: the newest events of a deal removed together with their seals, or events and
seals rewritten together, unless a checkpoint kept elsewhere covered them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dealflow.storage import sealing, seals, sql

if TYPE_CHECKING:
    from dealflow.storage.sql import HasStore

PAGE = 20_000  # events a page: a few MB of rows, one query each
CHANGED, MISSING, REORDERED, UNSEALED = "content changed", "event missing", "order changed", "not sealed"

WALK = (
    "SELECT e.{position} AS position, e.originator_id, e.originator_version, e.topic, e.state, "
    "s.originator_id AS sealed_id, s.originator_version AS sealed_version, s.seal, s.on_upgrade "
    "FROM {table} e LEFT JOIN {seals} s ON s.position = e.{position} "
    "WHERE e.{position} > {mark}{one} ORDER BY e.{position} LIMIT {limit}"
)
ORPHANS = (
    "SELECT s.originator_id, s.originator_version FROM {seals} s WHERE NOT EXISTS "
    "(SELECT 1 FROM {table} e WHERE e.{position} = s.position){one} ORDER BY s.position"
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
    root: bytes | None = None  # the Merkle root of the whole log, when asked for
    last_position: int = 0
    recorded_from: int | None = None  # the first position sealed when it was recorded
    on_upgrade: int = 0  # events sealed once, on upgrade
    prefix_root: bytes | None = None  # the root over the first `prefix` events, when asked

    @property
    def holds(self) -> bool:
        return not self.breaks


def verify(
    app: HasStore, *, originator: UUID | None = None, prefix: int | None = None, root: bool = False
) -> Verification:
    """Walk the log (or one aggregate's events) and recompute every seal; `root`: also the Merkle root
    of all of it (for a checkpoint); `prefix`: the root over its first `prefix` events (to prove one)."""
    found = Verification()
    chains: dict[str, tuple[int, bytes]] = {}
    breaks: dict[tuple[str, int], Break] = {}
    tree = seals.MerkleTree() if root or prefix is not None else None
    as_key = seals.key
    topics: dict[str, bytes] = {}  # each topic length-prefixed once: `seals.hashed`, inline
    gaps: list[tuple[str, int, int]] = []  # (aggregate, version, the first version missing before it)
    late: dict[str, set[int]] = {}  # versions found after a later one
    foreign: dict[tuple[str, int], bytes] = {}  # seals found at another event's position, by their event
    events, upgrades, recorded_from, position = 0, 0, None, 0
    zero, add = seals.ZERO, (tree.add if tree is not None else None)
    for position, originator_id, version, topic, state, sealed_id, sealed_version, stored, upgraded in _walk(
        app, originator
    ):
        events += 1
        if stored is not None:
            if upgraded:
                upgrades += 1
            elif recorded_from is None:
                recorded_from = position
        key = originator_id if originator_id.__class__ is str else as_key(originator_id)  # SQLite's: hex
        if isinstance(state, str):  # text where SQL rewrote the bytes
            state = state.encode()
        named = topics.get(topic) or topics.setdefault(topic, b"%d:%s" % (len(topic.encode()), topic.encode()))
        event_digest = sha256(
            b"32:%s%d:%d%s%d:%s" % (key.encode(), len(b"%d" % version), version, named, len(state), state)
        ).digest()
        held = chains.get(key)
        if stored is not None and sealed_id == originator_id and sealed_version == version:  # the usual event:
            if held is None and version == 1:  # its deal's next, sealed where it stands; checked in full below
                recomputed = sha256(zero + event_digest).digest()  # only if its seal differs
            elif held is not None and held[0] == version - 1:
                recomputed = sha256(held[1] + event_digest).digest()
            else:
                recomputed = b""
            if recomputed == stored:
                chains[key] = (version, recomputed)
                if add is not None:
                    add(recomputed)
                if prefix is not None and tree is not None and tree.size == prefix:
                    found.prefix_root = tree.root()
                continue
        sealed_for = None
        if stored is not None:
            sealed_for = (key, version)
            if sealed_id != originator_id or sealed_version != version:
                sealed_for = (seals.key(sealed_id), sealed_version)
                foreign[sealed_for] = bytes(stored)  # another event's seal, at this event's position
        last = held[0] if held else 0
        before = (
            held[1]
            if held and held[0] == version - 1
            else foreign.get((key, version - 1), held[1] if held else seals.ZERO)
        )
        problem = None
        if version <= last:
            problem = (REORDERED, f"comes after version {last}")
            late.setdefault(key, set()).add(version)
        elif version > last + 1:
            gone = f"version {last + 1}" if version == last + 2 else f"versions {last + 1} to {version - 1}"
            problem = (MISSING, f"{gone} missing")
            gaps.append((key, version, last + 1))
        recomputed = sha256(before + event_digest).digest()  # seals.chained, inline: it runs a million times
        if stored is None:
            problem = problem or (UNSEALED, "written outside dealflow")
        elif sealed_for is not None and sealed_for != (key, version):
            sealed_as = f"version {sealed_version}" if sealed_for[0] == key else "another event"
            problem = problem or (REORDERED, f"its position was sealed for {sealed_as}")
        elif problem is None and bytes(stored) != recomputed:
            problem = (CHANGED, "not the content sealed")
        if problem is not None:
            breaks.setdefault((key, version), Break(key, version, position, *problem))
        # the chain goes on from what was sealed for this event, so that each break is reported once; the
        # tree takes what the store holds now, so that a checkpoint made before the break no longer matches
        carried = recomputed if stored is None else bytes(stored)
        if sealed_for is not None and sealed_for != (key, version):
            carried = foreign.get((key, version), recomputed)  # this one's, if its position came first
        if version > last:  # an earlier version found late leaves the chain where the latest one left it
            chains[key] = (version, carried)
        if add is not None:
            add(recomputed)
        if tree is not None and prefix is not None and tree.size == prefix:
            found.prefix_root = tree.root()
    for key, version in _orphans(app, originator):
        breaks.setdefault((key, version), Break(key, version, None, MISSING, "its event is gone"))
    for key, version, first in gaps:  # the versions "missing" came later: the order changed
        if late.get(key, set()) >= set(range(first, version)):
            was = breaks[(key, version)]
            detail = f"comes before version {first}"
            breaks[(key, version)] = Break(key, version, was.position, REORDERED, detail)
    for key, version, first in gaps:  # each version missing named by its own seal row: the gap adds nothing
        gap = breaks.get((key, version))
        each = [breaks.get((key, v)) for v in range(first, version)]
        if gap is not None and gap.problem == MISSING and all(b is not None and b.position is None for b in each):
            del breaks[(key, version)]
    found.events, found.on_upgrade, found.recorded_from, found.last_position = events, upgrades, recorded_from, position
    found.aggregates = len(chains)
    found.breaks = sorted(breaks.values(), key=lambda b: (b.position is None, b.position or 0, b.key, b.version))
    found.root = tree.root() if tree is not None else None
    return found


def _walk(app: HasStore, originator: UUID | None) -> Iterator[tuple[Any, ...]]:
    """The log's events with the seal rows of their positions, as tuples in WALK's order, a page at a time."""
    mark = sql.param(app)
    one = f" AND e.originator_id = {mark}" if originator is not None else ""
    wanted = [] if originator is None else [originator.hex if app.store.is_sqlite else originator]
    parts = {"position": sql.position(app), "seals": sql.qualified(app, sealing.TABLE), "mark": mark}
    statement = sql.statement(app, WALK, one=one, limit=str(PAGE), **parts)
    sqlite = app.store.is_sqlite
    after = 0
    while True:
        with app.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (after, *wanted))
            page = cursor.fetchall()
        yield from page if sqlite else (tuple(row.values()) for row in page)  # a sqlite3.Row unpacks as is
        if len(page) < PAGE:
            return
        after = page[-1][0] if sqlite else page[-1]["position"]


def _orphans(app: HasStore, originator: UUID | None) -> Iterator[tuple[str, int]]:
    one = f" AND s.originator_id = {sql.param(app)}" if originator is not None else ""
    wanted = [] if originator is None else [originator.hex if app.store.is_sqlite else originator]
    parts = {"seals": sql.qualified(app, sealing.TABLE), "position": sql.position(app)}
    for row in sql.select(app, ORPHANS, *wanted, one=one, **parts):
        yield seals.key(row["originator_id"]), row["originator_version"]
