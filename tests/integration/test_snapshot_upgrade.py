"""A snapshot written before a concession on price set the deal's value (Opportunity class version 1)
is not trusted for a deal that conceded on price: the deal is folded from its events again, so that
`show` and `deals` agree with the pipeline. A current snapshot is used as it is."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from dealflow.application import SNAPSHOT_EVERY, DealflowApp
from projection_steps import ACTOR, open_deal, take_to

DAY = date.today() - timedelta(days=30)


def _book(path: Path) -> int:
    """D-1 quoted 1,000, then conceded on price to 900, then noted until a snapshot follows the concession."""
    app = DealflowApp(str(path))
    try:
        open_deal(app, "D-1", DAY, value="1000", currency="EUR")
        take_to(app, "D-1", "commitment", DAY, quotation="1000")
        app.concede("D-1", term="price", by="us", before="1000", after="900", actor=ACTOR, on=DAY)
        while app.deal("D-1").version % SNAPSHOT_EVERY:
            app.note("D-1", "called", actor=ACTOR, on=DAY)
        assert app.deal("D-1").value == Decimal(900)
        return app.deal("D-1").version
    finally:
        app.close()


def _rewrite_snapshot(path: Path, version: int, *, old_class: bool) -> None:
    """The snapshot at `version` as an older dealflow wrote it: the value before the concession."""
    with sqlite3.connect(path) as connection:
        (raw,) = connection.execute(
            "SELECT state FROM stored_snapshots WHERE originator_version = ?", (version,)
        ).fetchone()
        snapshot = json.loads(raw)
        snapshot["state"]["value"] = {"_type_": "decimal_str", "_data_": "1000"}
        if old_class:
            snapshot["state"].pop("class_version")
        connection.execute(
            "UPDATE stored_snapshots SET state = ? WHERE originator_version = ?",
            (json.dumps(snapshot).encode(), version),
        )


@pytest.mark.parametrize(
    ("old_class", "value"),
    [
        (True, Decimal(900)),  # a version-1 snapshot of a deal that conceded on price: folded again
        (False, Decimal(1000)),  # the control: the same rewrite kept as version 2 is believed (so this can fail)
    ],
)
def test_a_version_1_snapshot_of_a_deal_that_conceded_on_price_is_folded_again(tmp_path, old_class, value):
    path = tmp_path / "book.db"
    version = _book(path)
    _rewrite_snapshot(path, version, old_class=old_class)
    app = DealflowApp(str(path))
    try:
        assert app.deal("D-1").value == value
    finally:
        app.close()
