"""A store a newer dealflow wrote: the store records the format that wrote it; this dealflow writes
nothing into a newer one, and reads what it can, saying plainly what it cannot: a deal holding an
event type it does not know, reports that stop before such an event, an export that carries it
through as stored, an import that refuses it. A newer dealflow is simulated by writing into the
store, through eventsourcing's recorder, what it would write: its format, and an event of a type
(a topic) that names no class here."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from eventsourcing.persistence import StoredEvent

from conftest import Dealflow
from dealflow.aggregates.ids import deal_uuid
from dealflow.application import DealflowApp
from dealflow.storage import sql, storeformat

FUTURE = "dealflow.aggregates.events:Opportunity.FromTheFuture"
STATE = {
    "timestamp": {"_type_": "datetime_iso", "_data_": "2026-03-02T09:30:00+00:00"},
    "effective_on": {"_type_": "date_iso", "_data_": "2026-03-02"},
    "actor": "bo",
    "state": "analysis.entered",
    "correction": {"_type_": "fraction", "_data_": "1/3"},  # a kind of value this dealflow cannot decode either
}
NEWER = storeformat.FORMAT + 1  # the format of a dealflow after this one
REFUSED_WRITE = f"this store was written by a newer dealflow (format {NEWER}); upgrade to record into it"
NEWER_DEAL = "deal D-0001 holds an event written by a newer dealflow"


def ok(result: Any) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result: Any, message: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr, result.stderr
    return result.stdout


def book(cli: Dealflow) -> None:
    """D-0001 (a note after its opening) and D-0002, both in customer analysis."""
    ok(cli.run("open", "Acme", "--title", "ERP", "--value", "1000", "--currency", "EUR", "--on", "2026-03-01"))
    ok(cli.run("open", "Beta", "--title", "CRM", "--value", "500", "--currency", "EUR", "--on", "2026-03-01"))
    ok(cli.run("note", "D-0001", "called the CFO", "--on", "2026-03-01"))


def from_the_future(db: str, deal: str = "D-0001", version: int = 3) -> None:
    """What a newer dealflow would store: an event of a type this one does not know, next on `deal`."""
    app = DealflowApp(db)
    try:
        state = json.dumps(STATE, separators=(",", ":")).encode()
        app.recorder.insert_events(
            [StoredEvent(originator_id=deal_uuid(deal), originator_version=version, topic=FUTURE, state=state)]
        )
    finally:
        app.close()


def newer_format(db: str, format: int = NEWER) -> None:
    """A newer dealflow's format, recorded as that dealflow records it."""
    app = DealflowApp(db)
    try:
        with patch.object(storeformat, "FORMAT", format):
            storeformat.record(app)
    finally:
        app.close()


def recorded_format(db: str) -> int | None:
    app = DealflowApp(db)
    try:
        return storeformat.recorded(app)
    finally:
        app.close()


def forget_the_format(db: str) -> None:
    """The store as a dealflow before formats were recorded left it: no format table."""
    app = DealflowApp(db)
    recorder: Any = app.recorder
    try:
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(sql.statement(app, "DROP TABLE {table}", storeformat.TABLE))
    finally:
        app.close()


# --- the format recorded ---------------------------------------------------------------------------


def test_a_new_store_records_the_format_that_wrote_it_on_its_first_write(dealflow: Dealflow):
    ok(dealflow.run("open", "Acme", "--title", "ERP"))
    assert recorded_format(dealflow.db) == storeformat.FORMAT == 3  # 2: every event sealed; 3: corrections and voids
    assert json.loads(ok(dealflow.run("info", "--json")))["format"] == storeformat.FORMAT


def test_a_store_written_before_formats_were_recorded_is_read_and_written_and_then_records_its_format(
    dealflow: Dealflow,
):
    book(dealflow)
    forget_the_format(dealflow.db)

    assert [row["id"] for row in json.loads(ok(dealflow.run("deals", "--json")))] == ["D-0001", "D-0002"]
    assert recorded_format(dealflow.db) is None  # a read writes nothing, not even the format
    ok(dealflow.run("note", "D-0002", "sent the offer"))
    assert recorded_format(dealflow.db) == storeformat.FORMAT
    assert json.loads(ok(dealflow.run("show", "D-0002", "--json")))["version"] == 2


def test_every_write_into_a_store_of_a_newer_format_is_refused_and_writes_nothing(dealflow: Dealflow, tmp_path: Path):
    other = Dealflow(str(tmp_path / "other.db"))
    ok(other.run("open", "Gamma", "--title", "BI", "--id", "G-1"))
    ok(other.run("export", "events", "-o", str(tmp_path / "gamma.jsonl")))
    book(dealflow)
    newer_format(dealflow.db)
    before = dealflow.events()

    for command in (
        ("note", "D-0002", "sent the offer"),
        ("act", "D-0002", "collect-info", "--category", "background", "--summary", "a family firm"),
        ("open", "Delta", "--title", "HR"),
        ("settings", "set", "gift-limit", "150"),
        ("import", "events", str(tmp_path / "gamma.jsonl")),
    ):
        refused(dealflow.run(*command), REFUSED_WRITE)
    assert dealflow.events() == before
    assert recorded_format(dealflow.db) == NEWER


def test_a_store_of_a_newer_format_is_still_read(dealflow: Dealflow):
    book(dealflow)
    newer_format(dealflow.db)

    assert json.loads(ok(dealflow.run("info", "--json")))["format"] == NEWER
    assert [row["id"] for row in json.loads(ok(dealflow.run("deals", "--json")))] == ["D-0001", "D-0002"]
    assert json.loads(ok(dealflow.run("show", "D-0001", "--json")))["version"] == 2
    report = json.loads(ok(dealflow.run("pipeline", "--json")))
    analysis = next(row for row in report["stages"] if row["stage"] == "analysis" and row["currency"] == "EUR")
    assert analysis["deals"] == 2


# --- a deal holding an event of a type this dealflow does not know ----------------------------------


def test_a_deal_holding_a_newer_dealflows_event_is_neither_shown_nor_written_and_says_why(dealflow: Dealflow):
    book(dealflow)
    from_the_future(dealflow.db)
    before = dealflow.events()

    refused(dealflow.run("show", "D-0001"), NEWER_DEAL)
    refused(dealflow.run("note", "D-0001", "again"), NEWER_DEAL)
    refused(dealflow.run("history", "D-0001", "--as-of", "2026-03-05"), NEWER_DEAL)
    assert dealflow.events() == before
    assert json.loads(ok(dealflow.run("show", "D-0002", "--json")))["account"] == "Beta"


def test_history_lists_a_newer_dealflows_event_with_when_and_who_and_what_it_left(dealflow: Dealflow):
    book(dealflow)
    from_the_future(dealflow.db)

    last = ok(dealflow.run("history", "D-0001")).splitlines()[-1]
    assert last.split()[:4] == ["3", "2026-03-02T09:30:00+00:00", "2026-03-02", "bo"]
    assert "unknown event Opportunity.FromTheFuture (written by a newer dealflow)" in last
    rows = json.loads(ok(dealflow.run("history", "D-0001", "--json")))
    assert [row["event"] for row in rows] == ["Opened", "NoteAdded", "Opportunity.FromTheFuture"]
    assert (rows[2]["topic"], rows[2]["stored"], rows[2]["state"]) == (FUTURE, STATE, "analysis.entered")
    assert "the deal as it stood at version 2" in ok(dealflow.run("history", "D-0001", "--version", "2"))


def test_deals_lists_every_other_deal_and_names_the_one_it_cannot_read(dealflow: Dealflow):
    book(dealflow)
    from_the_future(dealflow.db)

    newer = next(row["position"] for row in _log(dealflow) if row["event"] == "Opportunity.FromTheFuture")

    result = dealflow.run("deals", "--json")
    listed = refused(result, f"deal D-0001 is not listed: its event {newer} (of {newer} in the log) was written by a")
    assert "the other deals are listed as they stood before that event" in result.stderr
    assert [row["id"] for row in json.loads(listed)] == ["D-0002"]


def test_audit_judges_the_other_events_and_is_incomplete_without_the_newer_one(dealflow: Dealflow):
    book(dealflow)
    from_the_future(dealflow.db)
    ok(dealflow.run("note", "D-0002", "sent the offer"))

    shown = refused(dealflow.run("audit", "--all"), "")
    assert "NOT JUDGED: written by a newer dealflow (Opportunity.FromTheFuture)" in shown
    assert shown.splitlines()[-1] == (
        "verdict: INCOMPLETE: the method allowed the 4 events it judged (1 event(s) of D-0001 not judged, "
        "written by or after an event of a newer dealflow: upgrade dealflow to audit them)"
    )
    verdict = json.loads(dealflow.run("audit", "--all", "--json").stdout)
    assert (verdict["verdict"], verdict["violations"], verdict["not_judged"]) == ("incomplete", 0, 1)
    assert "verdict: PASS" in ok(dealflow.run("audit", "D-0002"))


def test_reports_count_the_events_before_a_newer_dealflows_event_and_say_so(dealflow: Dealflow, tmp_path: Path):
    book(dealflow)
    from_the_future(dealflow.db)
    ok(dealflow.run("open", "Gamma", "--title", "BI", "--value", "700", "--currency", "EUR"))  # after it: not counted
    newer = next(row["position"] for row in _log(dealflow) if row["event"] == "Opportunity.FromTheFuture")

    report = json.loads(refused(dealflow.run("pipeline", "--json"), f"counts the events before event {newer} of"))
    analysis = next(row for row in report["stages"] if row["stage"] == "analysis" and row["currency"] == "EUR")
    assert analysis["deals"] == 2  # Acme and Beta; Gamma, opened after the newer event, is not counted
    status = json.loads(ok(dealflow.run("projections", "status", "--json")))
    assert {row["state"] for row in status} == {"stopped: newer event"}
    assert {row["position"] for row in status} == {newer - 1}
    refused(dealflow.run("export", "pipeline", "-o", str(tmp_path / "p.csv")), "written by a newer dealflow")
    assert not (tmp_path / "p.csv").exists()
    refused(dealflow.run("projections", "rebuild"), f"event {newer} was written by a newer dealflow")


# --- export and import of the log -------------------------------------------------------------------


def _log(cli: Dealflow) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ok(cli.run("export", "events", "--format", "jsonl")).splitlines()]


def test_export_events_carries_a_newer_dealflows_event_through_as_stored(dealflow: Dealflow, tmp_path: Path):
    book(dealflow)
    from_the_future(dealflow.db)

    rows = _log(dealflow)
    assert [(row["deal"], row["version"]) for row in rows] == [
        ("D-0001", 1),
        ("D-0002", 1),
        ("D-0001", 2),
        ("D-0001", 3),
    ]
    assert (rows[-1]["event"], rows[-1]["topic"], rows[-1]["stored"]) == ("Opportunity.FromTheFuture", FUTURE, STATE)
    ok(dealflow.run("export", "events", "-o", str(tmp_path / "log.csv")))
    with (tmp_path / "log.csv").open(encoding="utf-8-sig", newline="") as file:
        last = list(csv.DictReader(file))[-1]
    assert (last["event"], last["summary"]) == (
        "Opportunity.FromTheFuture",
        "unknown event Opportunity.FromTheFuture (written by a newer dealflow)",
    )
    assert f"topic={FUTURE}" in last["details"]


def test_import_events_refuses_a_file_holding_a_newer_dealflows_event(dealflow: Dealflow, tmp_path: Path):
    source = Dealflow(str(tmp_path / "source.db"))
    book(source)
    from_the_future(source.db)
    exported = tmp_path / "log.jsonl"
    ok(source.run("export", "events", "-o", str(exported)))

    result = dealflow.run("import", "events", str(exported))
    refused(result, "log.jsonl:4: event: 'Opportunity.FromTheFuture' is an event written by a newer dealflow")
    assert "upgrade dealflow to import this file" in result.stderr
    assert dealflow.events() == 0


@pytest.mark.parametrize(
    ("command", "code"), [(("audit", "D-0001"), 1), (("export", "history", "D-0001", "--format", "json"), 0)]
)
def test_one_deals_trail_shows_a_newer_dealflows_event_for_what_it_is(
    dealflow: Dealflow, command: tuple[str, ...], code: int
):
    book(dealflow)
    from_the_future(dealflow.db)

    result = dealflow.run(*command)
    assert result.returncode == code, result.stderr
    assert "Opportunity.FromTheFuture" in result.stdout and "Traceback" not in result.stderr
