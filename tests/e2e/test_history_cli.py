"""`dealflow history` replays a deal's events with both times and `dealflow audit` judges them by the
method, on each store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from dealbook import SAMPLE_FIELDS, advance_in_app, days_ago
from dealflow.aggregates import events
from dealflow.aggregates.lifecycle import entered
from dealflow.application import DealflowApp
from dealflow.playbook import STAGE_NAMES, Effect, action_with

QUALIFY = action_with(Effect.QUALIFIES).name
TRUST = STAGE_NAMES[1]


@contextmanager
def application(db: str) -> Iterator[DealflowApp]:
    app = DealflowApp(db)
    try:
        yield app
    finally:
        app.close()


def back_dated_deal(db: str) -> str:
    """Hand-laid dates: the third event is back-dated before the second, within the same stage.

    v1 open 40 days ago, v2 collect-info 30 days ago, v3 develop-guide 35 days ago,
    v4 map-stakeholder and v5 qualify 20 days ago, v6 advance 10 days ago, v7 acquaint 5 days ago.
    """
    with application(db) as app:
        deal = app.open_deal(
            account="Acme Corp", title="MES rollout", actor="ana", value="90000", currency="EUR", on=days_ago(40)
        )
        for action, ago in (("collect-info", 30), ("develop-guide", 35), ("map-stakeholder", 20), (QUALIFY, 20)):
            app.record(deal, action, SAMPLE_FIELDS[action], actor="ana", on=days_ago(ago))
        app.advance(deal, actor="ben", on=days_ago(10))
        app.record(deal, "acquaint", SAMPLE_FIELDS["acquaint"], actor="ana", on=days_ago(5))
    return deal


def tamper(db: str, deal_id: str) -> None:
    """Advance a deal whose qualify was never answered, by writing the event past the command methods."""
    with application(db) as app:
        deal = app.deal(deal_id)
        deal.trigger_event(events.Advanced, effective_on=date.today(), actor="eve", state=entered(TRUST), evidence=None)
        app.save(deal)


def test_history_lists_every_event_in_order_with_both_times_on_each_store(dealflow_on):
    deal = back_dated_deal(dealflow_on.db)

    result = dealflow_on("history", deal, "--json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["version"] for row in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [row["effective_on"] for row in rows] == [str(days_ago(n)) for n in (40, 30, 35, 20, 20, 10, 5)]
    recorded = [datetime.fromisoformat(row["recorded_at"]) for row in rows]
    assert recorded == sorted(recorded)
    assert all(moment.utcoffset().total_seconds() == 0 for moment in recorded)
    assert [row["actor"] for row in rows] == ["ana"] * 5 + ["ben", "ana"]
    assert [(row["stage"], row["action"]) for row in rows][-2:] == [(TRUST, "entered"), (TRUST, "acquaint")]


def test_history_prints_a_readable_line_per_event(dealflow):
    deal = back_dated_deal(dealflow.db)

    result = dealflow("history", deal)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["VERSION", "RECORDED", "EFFECTIVE", "ACTOR", "WHAT", "AFTER"]
    assert 'open: account="Acme Corp" title="MES rollout" owner=ana value=90000 currency=EUR' in lines[1]
    assert f"{QUALIFY}: opportunity=yes solution=yes winnable=yes worth=yes" in lines[5]
    version, recorded, effective, actor = lines[6].split()[:4]
    assert (version, effective, actor) == ("6", str(days_ago(10)), "ben")
    assert datetime.fromisoformat(recorded).utcoffset().total_seconds() == 0
    assert lines[6].endswith(entered(TRUST))
    assert "the deal as it stood" not in result.output


def test_history_as_of_lists_only_the_events_effective_by_then_and_the_deal_as_it_stood(dealflow):
    deal = back_dated_deal(dealflow.db)

    listed = json.loads(dealflow("history", deal, "--as-of", days_ago(33), "--json").output)
    text = dealflow("history", deal, "--as-of", days_ago(33)).output

    assert [row["version"] for row in listed] == [1, 3]  # v2 happened 30 days ago, after the date asked
    assert (listed[-1]["stage"], listed[-1]["action"]) == ("analysis", "develop-guide")
    assert f"the deal as it stood on {days_ago(33)}:" in text
    assert "stage   analysis (develop-guide)" in text
    assert "status  open" in text
    assert "value   90,000.00 EUR" in text


def test_history_as_of_a_day_after_a_stage_change_shows_the_new_stage(dealflow):
    deal = back_dated_deal(dealflow.db)

    result = dealflow("history", deal, "--as-of", days_ago(10))

    assert [line.split()[0] for line in result.output.splitlines()[1:7]] == ["1", "2", "3", "4", "5", "6"]
    assert f"stage   {TRUST} (entered)" in result.output


def test_history_as_of_a_day_before_the_deal_was_opened_is_refused(dealflow):
    deal = back_dated_deal(dealflow.db)

    result = dealflow("history", deal, "--as-of", days_ago(41))

    assert result.exit_code == 1
    assert f"was not yet open on {days_ago(41)}" in result.output


def test_history_version_lists_the_events_up_to_it_and_the_deal_then(dealflow):
    deal = back_dated_deal(dealflow.db)

    listed = json.loads(dealflow("history", deal, "--version", 5, "--json").output)
    text = dealflow("history", deal, "--version", 5).output

    assert [row["version"] for row in listed] == [1, 2, 3, 4, 5]
    assert "the deal as it stood at version 5:" in text
    assert f"stage   analysis ({QUALIFY})" in text


def test_history_version_past_the_last_is_refused_naming_the_range(dealflow):
    deal = back_dated_deal(dealflow.db)

    result = dealflow("history", deal, "--version", 8)

    assert result.exit_code == 1
    assert "has versions 1 to 7" in result.output


def test_history_as_of_and_version_together_is_a_usage_error(dealflow):
    deal = back_dated_deal(dealflow.db)
    before = dealflow.events()

    result = dealflow("history", deal, "--as-of", days_ago(1), "--version", 2)

    assert result.exit_code == 2
    assert "give --as-of DATE or --version N, not both" in result.output
    assert dealflow.events() == before


def test_history_json_rows_carry_the_events_own_fields(dealflow):
    deal = back_dated_deal(dealflow.db)

    rows = json.loads(dealflow("history", deal, "--json").output)

    assert set(rows[0]) >= {"version", "event", "recorded_at", "effective_on", "actor", "stage", "action", "account"}
    qualify = rows[4]
    assert (qualify["event"], qualify["action"], qualify["stage"]) == ("ActionRecorded", QUALIFY, "analysis")
    assert qualify["fields"] == {"opportunity": True, "solution": True, "winnable": True, "worth": True}
    assert rows[5]["event"] == "Advanced"


def test_history_of_an_unknown_deal_is_refused(dealflow):
    dealflow("open", "Acme", "--title", "ERP")
    result = dealflow("history", "D-9999")

    assert result.exit_code == 1
    assert "no deal 'D-9999'" in result.output


def test_history_runs_as_the_installed_command(dealflow):
    deal = back_dated_deal(dealflow.db)

    done = dealflow.run("history", deal, "--as-of", days_ago(20))

    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()[1:6]] == ["1", "2", "3", "4", "5"]
    assert f"stage   analysis ({QUALIFY})" in done.stdout


def test_audit_passes_a_deal_recorded_through_the_commands(dealflow):
    deal = dealflow("open", "Acme Corp", "--title", "MES rollout").output.strip()
    with application(dealflow.db) as app:
        advance_in_app(app, deal, STAGE_NAMES[-2])
        app.note(deal, "negotiation starts Monday", actor="ana")

    result = dealflow("audit", deal)

    assert result.exit_code == 0, result.output
    assert f"{deal}: follows the method" in result.output
    assert "VIOLATION" not in result.output
    assert result.output.splitlines()[-1].startswith("verdict: PASS: the method allowed all")


def test_audit_catches_a_tampered_deal_naming_the_event_and_the_reason(dealflow):
    deal = dealflow("open", "Acme Corp", "--title", "MES rollout").output.strip()
    tamper(dealflow.db, deal)

    done = dealflow.run("audit", deal)

    assert done.returncode == 1
    assert f"{deal}: BREAKS THE METHOD" in done.stdout
    violation = next(line for line in done.stdout.splitlines() if "VIOLATION" in line)
    assert violation.strip().startswith("v2")
    assert f"advance  -> VIOLATION: cannot leave analysis: {QUALIFY} has not been recorded" in violation
    assert done.stdout.splitlines()[-1] == f"verdict: FAIL: 1 event(s) in 1 of 1 deal(s) break the method: {deal} v2"


def test_audit_all_judges_every_deal_and_fails_when_one_breaks_the_method(dealflow_on):
    good = dealflow_on("open", "Acme Corp", "--title", "MES rollout").output.strip()
    bad = dealflow_on("open", "Globex", "--title", "CRM").output.strip()
    with application(dealflow_on.db) as app:
        advance_in_app(app, good, STAGE_NAMES[-1], signed="50000")
        app.invoice(good, "INV-1", amount="50000", due=date.today(), actor="ana")
        app.pay("INV-1", amount="50000", actor="ana")
    tamper(dealflow_on.db, bad)

    result = dealflow_on("audit", "--all", "--json")

    assert result.exit_code == 1
    report = json.loads(result.output)
    assert (report["verdict"], report["deals"], report["violations"], report["imported"]) == ("fail", 2, 1, 0)
    assert [(audit["id"], audit["passed"]) for audit in report["audits"]] == [(good, True), (bad, False)]
    finding = report["audits"][1]["findings"][1]
    assert [finding[k] for k in ("version", "event", "trigger", "verdict")] == [2, "Advanced", "advance", "violation"]
    assert finding["reasons"][0].startswith("cannot leave analysis")
    assert report["events"] == sum(len(audit["findings"]) for audit in report["audits"])


def test_audit_all_of_an_empty_store_passes_with_nothing_to_judge(dealflow):
    assert dealflow.events() == 0  # the store made, and nothing in it
    result = dealflow("audit", "--all")

    assert result.exit_code == 0
    assert result.output == "verdict: no deals to audit\n"


def test_audit_needs_a_deal_or_all_but_not_both(sqlite_dealflow):  # a usage error opens no store: one will do
    assert sqlite_dealflow("audit").exit_code == 2
    both = sqlite_dealflow("audit", "D-0001", "--all")
    assert both.exit_code == 2
    assert "give a DEAL or --all" in both.output
