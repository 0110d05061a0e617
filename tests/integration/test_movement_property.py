"""The pipeline's movement between two days, for any dated history (back-dated records included), on
each store: its balance holds exactly, its start and end are the pipeline as of those days, and
each bucket equals the same changes worked out again from each deal's replays."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import projection_model as model
from conftest import Stores, examples_on
from dealflow.playbook import SIGNING_STAGE, WON_STAGE
from dealflow.reports.movement import BUCKETS, INFLOWS, OUTFLOWS, contract, movement_report
from dealflow.reports.pipeline import pipeline_report
from projection_histories import OWNERS, batches, days_to_check, played, splits, steps, tables

CHANGES = ("increased", "decreased")  # a value change moves no deal in or out


def test_the_movement_balances_and_equals_the_changes_replayed_from_the_events(stores: Stores) -> None:
    @examples_on(stores)
    @given(steps, splits, batches, st.randoms(use_true_random=False))
    def check(drawn: list, split: int, batch: int, rng: random.Random) -> None:
        with played(stores, drawn, split, batch) as (app, projections), projections.reading() as connection:
            days = days_to_check(app, rng)
            for _ in range(3):
                start, end = sorted(rng.choices(days, k=2))
                window = None if rng.random() < 0.5 else _window(rng, start)
                owners = None if rng.random() < 0.6 else rng.sample(OWNERS, rng.randrange(1, 3))
                by = rng.choice((None, "owner", "stage", "account"))
                report = movement_report(connection, start=start, end=end, by=by, window=window, owners=owners)
                rows = contract(report)["rows"]
                _balances(rows)
                expected = _replayed(app, start, end, window, owners, by)
                found = {_key(row, by): {b: (row[b]["deals"], row[b]["value"]) for b in BUCKETS} for row in rows}
                assert found == expected, (start, end, window, owners, by)
                if window is None and owners is None and by is None:
                    for day, bucket in ((start, "start"), (end, "end")):
                        assert _open_pipeline(connection, app, day) == {
                            row["currency"]: (row[bucket]["deals"], row[bucket]["value"])
                            for row in rows
                            if row[bucket]["deals"]
                        }

    check()


def _window(rng: random.Random, start: date) -> tuple[date, date]:
    first = start + timedelta(days=rng.randrange(-30, 60))
    return first, first + timedelta(days=rng.randrange(0, 90))


def _balances(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        for part in ("deals", "value"):
            moved = sum(row[b][part] for b in INFLOWS if part == "value" or b not in CHANGES) - sum(
                row[b][part] for b in OUTFLOWS if part == "value" or b not in CHANGES
            )
            assert row["start"][part] + moved == row["end"][part], (part, row)


def _key(row: dict[str, Any], by: str | None) -> tuple[Any, Any]:
    return row["currency"], row.get(by) if by else None


def _open_pipeline(connection: Any, app: Any, day: date) -> dict[Any, tuple[int, Decimal]]:
    """The open deals of `pipeline --as-of day`: its stages but the won stage, summed per currency."""
    report = pipeline_report(connection, as_of=day, settings=app.settings(day), latest=day == date.today())
    totals: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for row in tables(report)["stages"]:
        if row["stage"] != WON_STAGE.name:
            totals[row["currency"]][0] += row["deals"]
            totals[row["currency"]][1] += row["value"]
    return {currency: (deals, value) for currency, (deals, value) in totals.items() if deals}


# --- the same changes, worked out from each deal's replay at the end of each day it has events -----


class _Side:
    def __init__(self, standing: model.Standing, window: Any, owners: Any, by: str | None) -> None:
        self.status, self.stage, self.currency = standing.status, standing.stage, standing.currency
        self.value = standing.value or Decimal(0)
        self.lost_from = standing.lost_from
        self.in_window = window is None or (
            standing.close_by is not None and window[0] <= standing.close_by <= window[1]
        )
        self.owned = owners is None or standing.owner in owners
        self.group = {"owner": standing.owner, "account": standing.account}.get(by or "")
        self.by = by

    def counts(self) -> bool:
        return self.status == "open" and self.in_window and self.owned

    def where(self) -> tuple[Any, Any]:
        return self.currency, self.stage if self.by == "stage" else self.group


def _replayed(app: Any, start: date, end: date, window: Any, owners: Any, by: str | None) -> dict:
    totals: dict[tuple[Any, Any], dict[str, list[Any]]] = defaultdict(
        lambda: {bucket: [0, Decimal(0)] for bucket in BUCKETS}
    )

    def add(bucket: str, where: tuple[Any, Any], value: Decimal) -> None:
        totals[where][bucket][0] += 1
        totals[where][bucket][1] += value

    for deal_id in app.deal_ids():
        days = sorted({event.effective_on for event in app.history(deal_id)})
        sides: list[_Side | None] = []
        for day in (start, *(d for d in days if start < d <= end)):
            sides.append(_Side(model.Standing(app, deal_id, day), window, owners, by) if days[0] <= day else None)
        first, last = sides[0], sides[-1]
        if first is not None and first.counts():
            add("start", first.where(), first.value)
        if last is not None and last.counts():
            add("end", last.where(), last.value)
        for before, after in itertools.pairwise(sides):
            assert after is not None
            for bucket, where, value in _changes(before, after):
                add(bucket, where, value)
    return {
        where: {bucket: (deals, value) for bucket, (deals, value) in buckets.items()}
        for where, buckets in totals.items()
    }


def _changes(before: _Side | None, after: _Side) -> list[tuple[str, tuple[Any, Any], Decimal]]:
    outcome = {"won": "won", "closed": "won", "lost": "lost"}.get(after.status)
    if outcome is None:
        return _moved(before, after)
    if before is not None and {"won": "won", "closed": "won", "lost": "lost"}.get(before.status) == outcome:
        return []
    leaving = _Side.__new__(_Side)
    leaving.__dict__.update(after.__dict__)
    leaving.status = "open"
    if before is not None and before.status == "open":
        leaving.stage = before.stage
    else:
        leaving.stage = after.lost_from if outcome == "lost" else SIGNING_STAGE.name
    found = _moved(before, leaving)
    if leaving.counts():
        found.append((outcome, leaving.where(), leaving.value))
    return found


def _moved(before: _Side | None, after: _Side) -> list[tuple[str, tuple[Any, Any], Decimal]]:
    was, now = before is not None and before.counts(), after.counts()
    if was and now:
        assert before is not None
        if before.where() != after.where():
            return [("moved_out", before.where(), before.value), ("moved_in", after.where(), after.value)]
        if after.value > before.value:
            return [("increased", after.where(), after.value - before.value)]
        if after.value < before.value:
            return [("decreased", after.where(), before.value - after.value)]
        return []
    if now:
        if before is None:
            return [("created", after.where(), after.value)]
        if before.status != "open":
            return [("reopened", after.where(), after.value)]
        return [("pulled_in" if not before.in_window else "moved_in", after.where(), after.value)]
    if was:
        assert before is not None
        return [("pushed_out" if not after.in_window else "moved_out", before.where(), before.value)]
    return []
