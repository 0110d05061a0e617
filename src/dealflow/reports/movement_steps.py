"""Which buckets a change of a deal falls in (docs/method.md defines each): pure, from the facts of
the version before and after the change as `movement_sql` reads them.

A version counts in the pipeline when it is open, expected to close within the close window (when
one is given) and owned by one of the owners (when they are named). A change is then:
* into the pipeline: `created` (the deal was opened), `reopened` (it was lost, won or closed),
  `pulled_in` (its close date moved into the window), `moved_in` (from another group: another
  currency, owner or stage of `--by`, or an owner not named before);
* out of it: `won`, `lost`, `pushed_out` (its close date left the window), `moved_out`;
* within it: `increased` or `decreased`, by how much its value changed.
A deal won or lost on a day first takes the value and currency it was won or lost at (a signing
sets the amount signed), as `increased`/`decreased` or `moved_*`, then leaves at that value: so
`won` is what was signed. So start + inflows − outflows = end, exactly, in count and value; a
value change moves no deal in or out, and a deal lost and reopened twice counts twice each way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dealflow.playbook import SIGNING_STAGE, Status
from dealflow.reports.movement_sql import Pairs

INFLOWS = ("created", "reopened", "increased", "pulled_in", "moved_in")
OUTFLOWS = ("decreased", "won", "lost", "pushed_out", "moved_out")
TOTALS = ("start", "end")
BUCKETS = ("start", *INFLOWS, *OUTFLOWS, "end")
BY = ("owner", "stage", "account")
OPEN, LOST = Status.OPEN.value, Status.LOST.value
OUTCOMES = {Status.WON.value: "won", Status.CLOSED.value: "won", LOST: "lost"}

Side = dict[str, Any]
Step = tuple[str, Any, Any, int, int]  # bucket, currency, group, deals, value (ten-thousandths)


def counted(side: Side | None) -> bool:
    return side is not None and side["status"] == OPEN and side["in_window"] and side["owned"]


def group_of(side: Side, by: str | None) -> Any:
    return side["stage"] if by == "stage" else side["key"]


def steps(pair: Pairs, by: str | None) -> Iterator[Step]:
    """What one group of changes does to the pipeline, bucket by bucket."""
    before, after = pair.before, pair.after
    outcome = OUTCOMES.get(after["status"])
    if outcome is None:
        yield from _step(before, after, pair, by)
        return
    if before is not None and OUTCOMES.get(before["status"]) == outcome:
        return  # won, then closed: it left the pipeline before
    stage = before["stage"] if before is not None and before["status"] == OPEN else None
    if stage is None:
        stage = after["lost_from"] if outcome == "lost" else SIGNING_STAGE.name
    leaving = {**after, "status": OPEN, "stage": stage}  # the deal the moment before it was won or lost
    yield from _step(before, leaving, pair, by)
    if counted(leaving):
        yield outcome, leaving["currency"], group_of(leaving, by), pair.count, pair.after_value


def _step(before: Side | None, after: Side, pair: Pairs, by: str | None) -> Iterator[Step]:
    was, now = counted(before), counted(after)
    if was and now:
        assert before is not None
        old, new = (before["currency"], group_of(before, by)), (after["currency"], group_of(after, by))
        if old != new:
            yield "moved_out", *old, pair.count, pair.before_value
            yield "moved_in", *new, pair.count, pair.after_value
        elif pair.after_value != pair.before_value:
            rose = pair.after_value > pair.before_value
            yield "increased" if rose else "decreased", *new, pair.count, abs(pair.after_value - pair.before_value)
    elif now:
        if before is None:
            bucket = "created"
        elif before["status"] != OPEN:
            bucket = "reopened"
        elif not before["in_window"]:
            bucket = "pulled_in"
        else:
            bucket = "moved_in"
        yield bucket, after["currency"], group_of(after, by), pair.count, pair.after_value
    elif was:
        assert before is not None
        bucket = "pushed_out" if not after["in_window"] else "moved_out"
        yield bucket, before["currency"], group_of(before, by), pair.count, pair.before_value


def stage_label(side: Side) -> str:
    return side["stage"] or side["status"]
