"""`dealflow verify` and `dealflow checkpoint` through the installed command, on SQLite and
PostgreSQL: a log as dealflow wrote it is proven; one changed through SQL fails naming the deal,
the version and how; a checkpoint kept aside tells a log cut short."""

from __future__ import annotations

import json

from conftest import Dealflow
from dealflow.application import DealflowApp
from dealflow.storage import sealing, sql


def recorded(dealflow) -> None:
    for deal_id, account in (("V-1", "Acme Corp"), ("V-2", "Globex")):
        dealflow.run("open", account, "--title", "ERP rollout", "--id", deal_id, check=True)
        dealflow.run("note", deal_id, "first call", check=True)
        dealflow.run("note", deal_id, "second call", check=True)


def tamper(db: str, template: str, *params: object) -> None:
    """SQL run on the store directly, by someone who has its password."""
    app = DealflowApp(db)
    try:
        parts = {"position": sql.position(app), "seals": sql.qualified(app, sealing.TABLE), "mark": sql.param(app)}
        with app.recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(sql.statement(app, template, **parts), params)
    finally:
        app.close()


def last_position(db: str) -> int:
    app = DealflowApp(db)
    try:
        return app.recorder.max_notification_id()
    finally:
        app.close()


def test_a_log_as_recorded_verifies_and_says_how_many_events_it_proved(dealflow):
    recorded(dealflow)
    result = dealflow.run("verify")
    assert result.returncode == 0, result.stderr
    assert "verify: every seal holds: 6 events in " in result.stdout
    as_json = json.loads(dealflow.run("verify", "--json").stdout)
    assert (as_json["verdict"], as_json["events"], as_json["breaks"]) == ("pass", 6, [])
    one = json.loads(dealflow.run("verify", "V-2", "--json").stdout)
    assert (one["verdict"], one["events"]) == ("pass", 3)


def test_an_event_deleted_through_sql_fails_verify_naming_the_deal_and_version(dealflow):
    recorded(dealflow)
    events = dealflow.events()
    tamper(
        dealflow.db,
        "DELETE FROM {table} WHERE originator_version = 2 AND originator_id = "
        "(SELECT originator_id FROM {table} WHERE {position} = (SELECT MAX({position}) FROM {table}))",
    )
    result = dealflow.run("verify")
    assert result.returncode == 1
    assert "V-2" in result.stdout and "event missing" in result.stdout
    found = json.loads(dealflow.run("verify", "--json").stdout)
    assert [(b["deal"], b["version"], b["problem"]) for b in found["breaks"]] == [("V-2", 2, "event missing")]
    assert dealflow.run("verify", "V-1").returncode == 0  # the other deal's trail holds
    assert dealflow.events() == events - 1  # verify wrote nothing


def test_a_checkpoint_proves_the_log_later_and_tells_when_it_was_cut_short(dealflow, tmp_path):
    recorded(dealflow)
    kept = tmp_path / "checkpoint.json"
    made = dealflow.run("checkpoint", "-o", kept)
    assert made.returncode == 0, made.stderr
    statement = json.loads(kept.read_text())
    assert statement["events"] == 6 and len(statement["root"]) == 64 and "RFC 9162" in statement["hashing"]

    dealflow.run("note", "V-1", "third call", check=True)
    later = dealflow.run("verify", "--checkpoint", kept)
    assert later.returncode == 0, later.stdout
    assert "the log still holds its 6 events unchanged" in later.stdout

    cut = last_position(dealflow.db)
    tamper(dealflow.db, "DELETE FROM {table} WHERE {position} >= {mark}", cut - 1)  # two events, seals and all
    tamper(dealflow.db, "DELETE FROM {seals} WHERE position >= {mark}", cut - 1)
    assert dealflow.run("verify").returncode == 0  # no chain shows the newest events gone ...
    short = dealflow.run("verify", "--checkpoint", kept)
    assert short.returncode == 1  # ... the checkpoint does
    assert "the log is cut short: it holds 5 events" in short.stdout


def test_a_checkpoint_of_a_log_that_does_not_verify_is_refused_and_nothing_is_written(dealflow, tmp_path):
    recorded(dealflow)
    tamper(
        dealflow.db,
        "DELETE FROM {table} WHERE originator_version = 3 AND {position} = (SELECT MAX({position}) FROM {table})",
    )
    kept = tmp_path / "checkpoint.json"
    refused = dealflow.run("checkpoint", "-o", kept)
    assert refused.returncode == 1
    assert "the log does not verify" in refused.stderr and "V-2 version 3" in refused.stderr
    assert not kept.exists()


def test_verify_refuses_what_it_cannot_check(dealflow, tmp_path):
    recorded(dealflow)
    not_a_checkpoint = tmp_path / "notes.json"
    not_a_checkpoint.write_text('{"hello": 1}')
    bad = dealflow.run("verify", "--checkpoint", not_a_checkpoint)
    assert (bad.returncode, bad.stderr.count("\n")) == (2, 1)
    assert "not a dealflow checkpoint" in bad.stderr
    both = dealflow.run("verify", "V-1", "--all")
    assert both.returncode == 2
    unknown = dealflow.run("verify", "V-9")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "dealflow: no deal 'V-9' in this store: `dealflow deals` lists the deals",
    )


def test_an_exported_log_carries_seals_that_survive_a_round_trip_and_refuse_an_edited_line(dealflow, tmp_path):
    recorded(dealflow)
    exported = tmp_path / "log.jsonl"
    dealflow.run("export", "events", "--format", "jsonl", "-o", exported, check=True)
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    assert len(lines) == 6 and all(len(line["seal"]) == 64 for line in lines)

    other = Dealflow(str(tmp_path / "other.db"))
    other.run("import", "events", exported, check=True)
    again = tmp_path / "again.jsonl"
    other.run("export", "events", "--format", "jsonl", "-o", again, check=True)
    assert [json.loads(line)["seal"] for line in again.read_text().splitlines()] == [line["seal"] for line in lines]

    for name, text in (
        ("edited", exported.read_text().replace("second call", "third call")),
        ("cut", "\n".join(line for line in exported.read_text().splitlines() if "first call" not in line)),
    ):
        changed = tmp_path / f"{name}.jsonl"
        changed.write_text(text + "\n")
        third = Dealflow(str(tmp_path / f"{name}.db"))
        refused = third.run("import", "events", changed)
        assert refused.returncode == 1, refused.stderr
        assert "its seal does not match its content and the lines of its deal before it" in refused.stderr
        assert third.events() == 0


def test_a_scripts_lines_without_seals_still_import(dealflow, tmp_path):
    script = tmp_path / "script.jsonl"
    script.write_text(
        json.dumps(
            {"deal": "D-7", "version": 1, "event": "Opened", "effective_on": "2025-02-03", "actor": "crm-bot",
             "account": "Initech", "title": "Printers"}
        )
        + "\n"
    )  # fmt: skip
    done = dealflow.run("import", "events", script)
    assert done.returncode == 0, done.stderr
    assert dealflow.run("verify").returncode == 0
