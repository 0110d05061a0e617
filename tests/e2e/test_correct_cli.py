"""`dealflow correct` and `dealflow void` as a user runs them, through the installed console script,
on a SQLite file and on PostgreSQL: what the deal, `show`, `history`, the reports, `audit` and
`verify` say after a correction, every refusal with its exit code and nothing written, and the
store as it was known before a correction (`--known-at`).

The deals are set up through the application (fast, dated as the story needs); every command a
test is about runs as a subprocess."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from conftest import Dealflow
from dealflow.application import DealflowApp
from projection_steps import ACTOR, YES, open_deal, take_to

TODAY = date.today()
TYPO, RIGHT = "Luis Vgea", "Luis Vega"
TRUST_SIGNAL = "exit signal: good relationships with the key account's contacts"


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@contextmanager
def application(db: str) -> Iterator[DealflowApp]:
    app = DealflowApp(db)
    try:
        yield app
    finally:
        app.close()


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}: {done.stdout}{done.stderr}"
    return done.stdout


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(done))


def refused(cli: Dealflow, *args: Any, code: int = 1) -> str:
    """Run a command that must be refused with `code`, one line on stderr, and nothing written."""
    events = cli.events()
    done = cli.run(*args)
    assert done.returncode == code, f"exit {done.returncode}, not {code}: {done.stdout}{done.stderr}"
    assert done.stdout == ""
    assert done.stderr.startswith("dealflow: ") and done.stderr.count("\n") == 1, done.stderr
    assert cli.events() == events, "a refused command wrote events"
    return done.stderr


# --- deals set up for the stories --------------------------------------------------------------


def trusted(db: str, deal_id: str, *, advanced: bool = False) -> None:
    """v1 opened; v2 the decision maker mapped with his name misspelt; v3 qualified; v4 advanced to
    trust; v5 acquainted and v6 made an ally under the same misspelt name; v7 (if `advanced`) advanced
    to needs, which the ally made possible."""
    with application(db) as app:
        open_deal(app, deal_id, ago(60), value="120000", currency="EUR")
        stakeholder = {"contact": TYPO, "level": "decision", "roles": "decision-maker"}
        app.record(deal_id, "map-stakeholder", stakeholder, actor=ACTOR, on=ago(59))
        app.record(deal_id, "qualify", YES, actor=ACTOR, on=ago(59))
        app.advance(deal_id, actor=ACTOR, on=ago(58))
        app.record(deal_id, "acquaint", {"contact": TYPO, "activity": "phone"}, actor=ACTOR, on=ago(57))
        app.record(deal_id, "ally", {"contact": TYPO, "activity": "firm-support"}, actor=ACTOR, on=ago(56))
        if advanced:
            app.advance(deal_id, actor=ACTOR, on=ago(55))
        assert app.deal(deal_id).version == (7 if advanced else 6)


BOTTOM_LINE, OUR_FIRST, OUR_SECOND = 14, 15, 16


def negotiating(db: str, deal_id: str) -> None:
    """In commitment: v14 our bottom line on price, 100000; v15 our concession from 120000 to 110000;
    v16 ours from 110000 to 105000, with an override though it did not pass the bottom line."""
    with application(db) as app:
        open_deal(app, deal_id, ago(90), value="120000", currency="EUR")
        take_to(app, deal_id, "commitment", ago(89), quotation="120000")
        app.set_bottom_line(deal_id, "price", "100000", actor=ACTOR, on=ago(80))
        app.concede(deal_id, actor=ACTOR, term="price", by="us", before="120000", after="110000", on=ago(79))
        app.concede(
            deal_id, actor=ACTOR, term="price", by="us", before="110000", after="105000", override="key account",
            on=ago(78),
        )  # fmt: skip
        assert app.deal(deal_id).version == OUR_SECOND


PAYMENT_1, PAYMENT_2 = 17, 18  # INV-1 is version 15, INV-2 16


def receivable(db: str, deal_id: str) -> None:
    """Won for 100000 (v14); v15 INV-1 of 60000 due 40 days ago; v16 INV-2 of 40000 due 10 days ago;
    v17 20000 paid on INV-1 30 days ago; v18 5000 paid on INV-2 5 days ago."""
    with application(db) as app:
        open_deal(app, deal_id, ago(120), value="100000", currency="EUR")
        take_to(app, deal_id, "commitment", ago(119), quotation="100000")
        app.sign(deal_id, amount="100000", actor=ACTOR, on=ago(100))
        app.invoice(deal_id, "INV-1", amount="60000", due=ago(40), issued=ago(70), actor=ACTOR, on=ago(70))
        app.invoice(deal_id, "INV-2", amount="40000", due=ago(10), issued=ago(40), actor=ACTOR, on=ago(40))
        app.pay("INV-1", amount="20000", actor=ACTOR, on=ago(30))
        app.pay("INV-2", amount="5000", actor=ACTOR, on=ago(5))
        assert app.deal(deal_id).version == PAYMENT_2


def balances(shown: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each invoice's (paid, balance), as `show --json` gives them."""
    return {row["invoice"]: (row["paid"], row["balance"]) for row in shown["invoices"]}


def aged(report: dict[str, Any]) -> dict[str, str]:
    return {row["invoice"]: row["balance"] for row in report["invoices"]}


# --- the stakeholder misspelt --------------------------------------------------------------------


def test_correcting_a_stakeholder_and_the_actions_on_him_at_once_meets_the_trust_signal_for_him(dealflow):
    trusted(dealflow.db, "D-1")

    done = ok(dealflow.run("correct", "D-1", "2", "5", "6", "--contact", RIGHT, "--reason", "misspelt the name"))

    lines = done.splitlines()
    assert lines[0] == "D-1: corrected versions 2, 5, 6 (version 7; the originals stay in the history)"
    assert lines[1:] == [
        f"  version 2 map-stakeholder: fields.contact {TYPO} -> {RIGHT}",
        f"  version 5 acquaint: fields.contact {TYPO} -> {RIGHT}",
        f"  version 6 ally: fields.contact {TYPO} -> {RIGHT}",
    ]
    assert f"{TRUST_SIGNAL}: met" in ok(dealflow.run("show", "D-1"))
    with application(dealflow.db) as app:
        deal = app.deal("D-1")
    assert [stakeholder["contact"] for stakeholder in deal.stakeholders.values()] == [RIGHT]
    assert set(deal.relationships) == {RIGHT.casefold()}
    assert deal.state == "trust.ally"


def test_correcting_the_stakeholder_alone_leaves_the_trust_signal_unmet_and_says_for_whom(dealflow):
    trusted(dealflow.db, "D-1")

    ok(dealflow.run("correct", "D-1", "2", "--contact", RIGHT, "--reason", "misspelt the name"))

    shown = ok(dealflow.run("show", "D-1"))
    assert f"{TRUST_SIGNAL}: not met" in shown
    assert f"no decision-level stakeholder ({RIGHT}) has reached build-trust or ally" in shown


def test_a_correction_a_later_event_depends_on_is_refused_naming_it_and_writes_nothing(dealflow):
    trusted(dealflow.db, "D-1", advanced=True)

    said = refused(dealflow, "correct", "D-1", "2", "--contact", RIGHT, "--reason", "misspelt the name")

    assert f"version 7 (advance on {ago(55)}) would be refused" in said
    assert f"no decision-level stakeholder ({RIGHT}) has reached build-trust or ally" in said
    assert [row["event"] for row in as_json(dealflow.run("history", "D-1", "--json"))][-1] == "Advanced"
    ok(dealflow.run("correct", "D-1", "2", "5", "6", "--contact", RIGHT, "--reason", "misspelt the name"))
    assert as_json(dealflow.run("show", "D-1", "--json"))["stage"] == "needs"


# --- a bottom line corrected --------------------------------------------------------------------


def test_correcting_a_bottom_line_flags_the_later_concession_that_now_passes_it(dealflow):
    negotiating(dealflow.db, "D-1")
    before = as_json(dealflow.run("concessions", "D-1", "--json"))["concessions"]
    assert [row["past_bottom_line"] for row in before] == [False, False]

    done = ok(dealflow.run("correct", "D-1", BOTTOM_LINE, "--value", "108000", "--reason", "it was 108000"))

    assert done.splitlines()[1:] == [
        f"  version {BOTTOM_LINE} bottom-line: value 100000 -> 108000",
        f"  version {OUR_SECOND} concede: past_bottom_line no -> yes",
    ]
    after = as_json(dealflow.run("concessions", "D-1", "--json"))
    assert [(row["past_bottom_line"], row["bottom_line"]) for row in after["concessions"]] == [
        (False, "108000"),
        (True, "108000"),
    ]
    assert after["summary"][0]["past_bottom_line"] == 1


def test_a_bottom_line_a_concession_without_override_would_pass_is_refused_naming_it(dealflow):
    negotiating(dealflow.db, "D-1")

    said = refused(dealflow, "correct", "D-1", BOTTOM_LINE, "--value", "112000", "--reason", "it was 112000")

    assert f"version {OUR_FIRST} (concede on {ago(79)}) would be refused" in said
    assert "passes our bottom line of 112000" in said


# --- payments corrected and voided ----------------------------------------------------------------


def test_a_corrected_and_a_voided_payment_change_the_ageing_and_the_balances_as_a_rebuild_does(dealflow):
    receivable(dealflow.db, "D-1")
    assert aged(as_json(dealflow.run("ageing", "--json"))) == {"INV-1": "40000", "INV-2": "35000"}  # caught up

    ok(dealflow.run("correct", "D-1", PAYMENT_1, "--amount", "30000", "--reason", "typed 20000"))
    ok(dealflow.run("void", "D-1", PAYMENT_2, "--reason", "that payment was another customer's"))

    assert aged(as_json(dealflow.run("ageing", "--json"))) == {"INV-1": "30000", "INV-2": "40000"}
    shown = as_json(dealflow.run("show", "D-1", "--json"))
    assert balances(shown) == {"INV-1": ("30000", "30000"), "INV-2": ("0", "40000")}
    assert shown["open_balance"] == "70000"
    reports = [
        ("pipeline", "--by", "account", "--json"),
        ("ageing", "--by", "customer", "--json"),
        ("ageing", "--as-of", ago(20), "--json"),
        ("concessions", "--json"),
    ]
    caught_up = [as_json(dealflow.run(*report)) for report in reports]
    ok(dealflow.run("projections", "rebuild"))
    assert [as_json(dealflow.run(*report)) for report in reports] == caught_up


def test_the_ageing_as_of_a_past_day_counts_the_payment_as_corrected(dealflow):
    receivable(dealflow.db, "D-1")
    ok(dealflow.run("correct", "D-1", PAYMENT_1, "--amount", "30000", "--on", ago(35), "--reason", "typo"))

    assert aged(as_json(dealflow.run("ageing", "--as-of", ago(33), "--json")))["INV-1"] == "30000"
    assert aged(as_json(dealflow.run("ageing", "--as-of", ago(36), "--json")))["INV-1"] == "60000"


def test_paying_more_than_owed_by_a_correction_is_refused(dealflow):
    receivable(dealflow.db, "D-1")

    said = refused(dealflow, "correct", "D-1", PAYMENT_1, "--amount", "60001", "--reason", "typo")

    assert f"corrected, version {PAYMENT_1} would be refused" in said
    assert "payment of 60001 is more than the 60000 still owed on invoice INV-1" in said


def test_a_correction_that_would_settle_the_deal_says_to_record_the_settling_payment(dealflow):
    receivable(dealflow.db, "D-1")
    ok(dealflow.run("correct", "D-1", PAYMENT_1, "--amount", "60000", "--reason", "INV-1 was paid in full"))

    said = refused(dealflow, "correct", "D-1", PAYMENT_2, "--amount", "40000", "--reason", "paid in full")

    assert "would be settled, which closes the deal" in said
    assert "`dealflow pay INVOICE --amount AMOUNT`" in said


# --- what is not corrected this way, and bad usage -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("correct", "D-1", "13", "--note", "x", "--reason", "r"), "a stage move is undone with `back`"),
        (("void", "D-1", "13", "--reason", "r"), "a stage move is undone with `back`"),
        (
            ("correct", "D-1", "14", "--amount", "1", "--reason", "r"),
            f"version 15 (invoice on {ago(70)}) would be refused",
        ),
        (
            ("correct", "D-1", "1", "--on", ago(110), "--reason", "r"),
            f"version 2 (map-stakeholder on {ago(119)}) would be",
        ),
        (
            ("correct", "D-1", "99", "--amount", "1", "--reason", "r"),
            "this deal has no version 99: its versions are 1 to 18",
        ),
        (("void", "D-1", "99", "--reason", "r"), "this deal has no version 99"),
        (("correct", "D-404", "2", "--amount", "1", "--reason", "r"), "no deal 'D-404' in this store"),
    ],
    ids=[
        "advance",
        "void-advance",
        "sign-below-invoiced",
        "opened-after-later-events",
        "unknown-version",
        "void-unknown-version",
        "unknown-deal",
    ],
)
def test_what_correct_and_void_refuse_exits_1_and_writes_nothing(dealflow, args, says):
    receivable(dealflow.db, "D-1")
    assert says in refused(dealflow, *args, code=1)


NO_REASON = "give a --reason for the revision"
BAD_USAGE = [
    pytest.param(("correct", "D-1", "17", "--amount", "30000"), NO_REASON, id="no-reason"),
    pytest.param(("correct", "D-1", "17", "--amount", "30000", "--reason", "   "), NO_REASON, id="blank-reason"),
    pytest.param(("void", "D-1", "18"), NO_REASON, id="void-no-reason"),
    pytest.param(
        ("correct", "D-1", "17", "--contact", "Eva", "--reason", "r"),
        "version 17 (pay) has no contact to correct; it takes amount, on",
        id="not-a-field",
    ),
    pytest.param(
        ("correct", "D-1", "15", "--text", "x", "--reason", "r"),
        "has no text to correct; it takes amount, issued, due, on",
        id="not-a-field-of-an-invoice",
    ),
    pytest.param(("correct", "D-1", "17", "--reason", "r"), "give what to correct", id="nothing-given"),
    pytest.param(
        ("correct", "D-1", "17", "--amount", "20000", "--reason", "r"),
        "version 17 already says so: nothing to correct",
        id="no-change",
    ),
    pytest.param(("correct", "D-1", "17", "--amount", "lots", "--reason", "r"), "lots", id="not-an-amount"),
    pytest.param(("void", "D-1", "18", "--reason", "r", "--on", ago(1)), "No such option '--on'", id="void-on"),
    pytest.param(
        ("correct", "D-1", "--amount", "1", "--reason", "r"), "Missing argument 'VERSION...'", id="no-version"
    ),
    pytest.param(("correct", "D-1", "0", "--amount", "1", "--reason", "r"), "0 is not in the range", id="version-0"),
    pytest.param(
        ("correct", "D-1", "17", "--evidence", "x", "--reason", "r"), "No such option '--evidence'", id="not-an-option"
    ),
]


@pytest.mark.parametrize(("args", "says"), BAD_USAGE)
def test_bad_usage_of_correct_and_void_exits_2_and_writes_nothing(dealflow, args, says):
    receivable(dealflow.db, "D-1")
    assert says in refused(dealflow, *args, code=2)


def test_a_voided_event_cannot_be_voided_or_corrected_again(dealflow):
    receivable(dealflow.db, "D-1")
    done = ok(dealflow.run("void", "D-1", PAYMENT_2, "--reason", "another customer's"))
    assert done.splitlines() == [f"D-1: voided version {PAYMENT_2} (version 19; the original stays in the history)"]

    for args in (("void", "D-1", PAYMENT_2), ("correct", "D-1", PAYMENT_2, "--amount", "1")):
        said = refused(dealflow, *args, "--reason", "again")
        assert f"version {PAYMENT_2} was voided by version 19: it no longer counts" in said
    assert "version 19 is not voided this way" in refused(dealflow, "void", "D-1", "19", "--reason", "undo the void")


# --- history, --known-at and --as-of --------------------------------------------------------------


def revised_receivable(cli: Dealflow) -> str:
    """`receivable`, then: v19 corrects the first payment to 30000; v20 voids the second; v21 corrects
    the first again, to 25000. Returns the recorded time of v18, before any revision."""
    receivable(cli.db, "D-1")
    before = as_json(cli.run("history", "D-1", "--json"))[-1]["recorded_at"]
    ok(cli.run("correct", "D-1", PAYMENT_1, "--amount", "30000", "--reason", "typed 20000"))
    ok(cli.run("void", "D-1", PAYMENT_2, "--reason", "another customer's"))
    ok(cli.run("correct", "D-1", PAYMENT_1, "--amount", "25000", "--reason", "the bank says 25000"))
    return before


def test_history_marks_the_revised_events_and_lists_the_revisions(dealflow):
    revised_receivable(dealflow)

    lines = {int(line.split()[0]): line for line in ok(dealflow.run("history", "D-1")).splitlines()[1:]}

    assert "[corrected by 19, 21] pay: invoice=INV-1 amount=20000" in lines[PAYMENT_1]
    assert "[voided by 20] pay: invoice=INV-2 amount=5000" in lines[PAYMENT_2]
    assert 'correct: versions=17 reason="typed 20000"' in lines[19]
    assert 'void: versions=18 reason="another customer\'s"' in lines[20]
    assert 'correct: versions=17 reason="the bank says 25000"' in lines[21]
    assert not any("[" in lines[version] for version in lines if version not in (PAYMENT_1, PAYMENT_2))


def test_history_json_says_which_versions_corrected_and_voided_each_event(dealflow):
    revised_receivable(dealflow)

    rows = as_json(dealflow.run("history", "D-1", "--json"))

    assert rows[PAYMENT_1 - 1]["corrected_by"] == [19, 21] and "voided_by" not in rows[PAYMENT_1 - 1]
    assert rows[PAYMENT_2 - 1]["voided_by"] == 20 and "corrected_by" not in rows[PAYMENT_2 - 1]
    marked = [row["version"] for row in rows if "corrected_by" in row or "voided_by" in row]
    assert marked == [PAYMENT_1, PAYMENT_2]
    assert rows[PAYMENT_1 - 1]["amount"] == "20000"  # the event as recorded: the history is never edited
    assert [(row["event"], row["versions"], row["changes"], row["reason"]) for row in rows[18:]] == [
        ("Corrected", [17], {"17": {"amount": "30000"}}, "typed 20000"),
        ("Voided", [18], {}, "another customer's"),
        ("Corrected", [17], {"17": {"amount": "25000"}}, "the bank says 25000"),
    ]


def test_history_and_show_known_at_a_time_before_the_corrections_give_the_facts_known_then(dealflow):
    before = revised_receivable(dealflow)

    known = as_json(dealflow.run("history", "D-1", "--known-at", before, "--json"))
    assert [row["version"] for row in known] == list(range(1, PAYMENT_2 + 1))
    assert not any("corrected_by" in row or "voided_by" in row for row in known)
    text = ok(dealflow.run("history", "D-1", "--known-at", before))
    assert "[corrected" not in text and "[voided" not in text
    assert "the deal as it stood as known at" in text

    then = as_json(dealflow.run("show", "D-1", "--known-at", before, "--json"))
    assert balances(then) == {"INV-1": ("20000", "40000"), "INV-2": ("5000", "35000")}
    assert (then["open_balance"], then["version"]) == ("75000", PAYMENT_2)
    now = as_json(dealflow.run("show", "D-1", "--json"))
    assert balances(now) == {"INV-1": ("25000", "35000"), "INV-2": ("0", "40000")}
    assert (now["open_balance"], now["version"]) == ("75000", 21)


def test_show_known_at_a_time_between_two_corrections_has_the_first_alone(dealflow):
    revised_receivable(dealflow)
    rows = as_json(dealflow.run("history", "D-1", "--json"))

    between = as_json(dealflow.run("show", "D-1", "--known-at", rows[19]["recorded_at"], "--json"))

    assert balances(between) == {"INV-1": ("30000", "30000"), "INV-2": ("0", "40000")}
    assert between["version"] == 20


def test_known_at_as_history_shows_recorded_times_to_the_second_gives_the_facts_before_a_later_correction(dealflow):
    receivable(dealflow.db, "D-1")
    shown = ok(dealflow.run("history", "D-1")).splitlines()[-1].split()[1]  # v18's RECORDED, to the second
    recorded = datetime.fromisoformat(shown)
    while datetime.now(UTC) < recorded + timedelta(seconds=1):  # the correction is recorded a second later
        time.sleep(0.05)
    ok(dealflow.run("correct", "D-1", PAYMENT_1, "--amount", "30000", "--reason", "typed 20000"))

    then = as_json(dealflow.run("show", "D-1", "--known-at", shown, "--json"))
    assert balances(then)["INV-1"] == ("20000", "40000") and then["version"] == PAYMENT_2
    minute = shown[:16]  # to the minute: the end of that minute, which may hold the correction too
    assert as_json(dealflow.run("show", "D-1", "--known-at", minute, "--json"))["version"] in (PAYMENT_2, 19)


def test_known_at_before_the_deal_was_recorded_is_refused(dealflow):
    receivable(dealflow.db, "D-1")
    said = refused(dealflow, "show", "D-1", "--known-at", "2000-01-01T00:00:00")
    assert "was not yet recorded at 2000-01-01 00:00:00 UTC" in said


def test_as_of_answers_use_the_corrected_facts_and_known_at_the_old_ones(dealflow):
    with application(dealflow.db) as app:
        open_deal(app, "D-F", ago(60), value="90000", currency="EUR", account="Forecast Ltd")
        app.forecast("D-F", value="95000", actor=ACTOR, on=ago(30))  # v2; it was 92000
    before = as_json(dealflow.run("history", "D-F", "--json"))[-1]["recorded_at"]
    assert "value   95,000.00 EUR" in ok(dealflow.run("history", "D-F", "--as-of", ago(20)))

    ok(dealflow.run("correct", "D-F", "2", "--value", "92000", "--reason", "typed 95000"))

    assert "value   92,000.00 EUR" in ok(dealflow.run("history", "D-F", "--as-of", ago(20)))
    assert "value   90,000.00 EUR" in ok(dealflow.run("history", "D-F", "--as-of", ago(40)))
    old = ok(dealflow.run("history", "D-F", "--as-of", ago(20), "--known-at", before))
    assert "value   95,000.00 EUR" in old
    accounts = as_json(dealflow.run("pipeline", "--as-of", ago(20), "--by", "account", "--json"))["accounts"]
    assert [(row["account"], row["value"]) for row in accounts] == [("Forecast Ltd", "92000")]
    assert as_json(dealflow.run("show", "D-F", "--json"))["value"] == "92000"


# --- audit, verify and the JSON contract ---------------------------------------------------------


def test_audit_and_verify_pass_after_corrections_and_voids(dealflow):
    revised_receivable(dealflow)
    negotiating(dealflow.db, "D-2")
    ok(dealflow.run("correct", "D-2", BOTTOM_LINE, "--value", "108000", "--reason", "it was 108000"))
    trusted(dealflow.db, "D-3", advanced=True)
    ok(dealflow.run("correct", "D-3", "2", "5", "6", "--contact", RIGHT, "--reason", "misspelt the name"))

    audited = ok(dealflow.run("audit", "--all"))
    assert "verdict: PASS: the method allowed all" in audited
    assert "v19   " in audited and "correct: versions=17" in audited
    report = as_json(dealflow.run("audit", "--all", "--json"))
    assert (report["verdict"], report["violations"], report["deals"]) == ("pass", 0, 3)
    assert "every seal holds" in ok(dealflow.run("verify", "--all"))


def test_correct_and_void_json_give_the_revision_its_changes_and_the_deal(dealflow):
    receivable(dealflow.db, "D-1")

    corrected = as_json(dealflow.run("correct", "D-1", PAYMENT_1, "--amount", "30000", "--reason", "typo", "--json"))
    voided = as_json(dealflow.run("void", "D-1", PAYMENT_2, "--reason", "another customer's", "--json"))

    keys = {"id", "version", "revision", "versions", "reason", "changes", "deal"}
    assert set(corrected) == keys and set(voided) == keys
    assert {key: corrected[key] for key in keys - {"deal"}} == {
        "id": "D-1",
        "version": 19,
        "revision": "Corrected",
        "versions": [PAYMENT_1],
        "reason": "typo",
        "changes": [
            {"version": PAYMENT_1, "event": "PaymentReceived", "field": "amount", "before": "20000", "after": "30000"}
        ],
    }
    assert {key: voided[key] for key in keys - {"deal"}} == {
        "id": "D-1",
        "version": 20,
        "revision": "Voided",
        "versions": [PAYMENT_2],
        "reason": "another customer's",
        "changes": [],
    }
    assert (corrected["deal"]["id"], corrected["deal"]["version"], corrected["deal"]["status"]) == ("D-1", 19, "won")
    assert voided["deal"]["version"] == 20


def test_correct_json_lists_each_action_field_changed_and_the_flags_worked_out_again(dealflow):
    negotiating(dealflow.db, "D-1")

    done = as_json(dealflow.run("correct", "D-1", BOTTOM_LINE, "--value", "108000", "--reason", "r", "--json"))

    assert done["changes"] == [
        {"version": BOTTOM_LINE, "event": "BottomLineSet", "field": "value", "before": "100000", "after": "108000"},
        {"version": OUR_SECOND, "event": "Conceded", "field": "past_bottom_line", "before": False, "after": True},
    ]
    assert done["versions"] == [BOTTOM_LINE]


# --- revisions that other commands must follow --------------------------------------------------


def test_an_invoice_is_not_voided_its_id_being_the_customers_document(dealflow):
    """An invoice id is claimed store-wide: voiding the invoice would leave the id claimed by a deal that no
    longer holds it. The refusal says what to do instead, and nothing is written."""
    with application(dealflow.db) as app:
        open_deal(app, "D-1", ago(120), value="1000", currency="EUR")
        take_to(app, "D-1", "commitment", ago(119), quotation="1000")
        app.sign("D-1", amount="1000", actor=ACTOR, on=ago(100))
        app.invoice("D-1", "INV-7", amount="500", due=ago(10), issued=ago(40), actor=ACTOR, on=ago(40))  # v15

    said = refused(dealflow, "void", "D-1", "15", "--reason", "INV-7 is D-2's")

    assert "an invoice is not voided" in said and "write its balance off" in said, said
    ok(dealflow.run("correct", "D-1", "15", "--amount", "400", "--reason", "the amount was 400"))
    assert balances(as_json(dealflow.run("show", "D-1", "--json"))) == {"INV-7": ("0", "400")}


def test_voiding_the_payment_that_closed_a_deal_takes_the_close_with_it(dealflow):
    with application(dealflow.db) as app:
        open_deal(app, "D-1", ago(120), value="1000", currency="EUR")
        take_to(app, "D-1", "commitment", ago(119), quotation="1000")
        app.sign("D-1", amount="1000", actor=ACTOR, on=ago(100))  # v14
        app.invoice("D-1", "INV-1", amount="1000", due=ago(40), issued=ago(70), actor=ACTOR, on=ago(70))  # v15
        app.pay("INV-1", amount="400", actor=ACTOR, on=ago(30))  # v16
        app.pay("INV-1", amount="600", actor=ACTOR, on=ago(20))  # v17, and v18 the deal closed
        assert app.deal("D-1").state == "closed"
    assert as_json(dealflow.run("ageing", "--json"))["invoices"] == []  # the projections caught up

    done = ok(dealflow.run("void", "D-1", "17", "--reason", "the customer's bank reversed it"))

    assert done.splitlines()[1:] == ["  version 18 close: no longer counts"]
    shown = as_json(dealflow.run("show", "D-1", "--json"))
    assert (shown["status"], shown["stage"], shown["open_balance"]) == ("won", "follow_up", "600")
    rows = as_json(dealflow.run("history", "D-1", "--json"))
    assert (rows[16]["voided_by"], rows[17]["voided_by"]) == (19, 19)
    assert aged(as_json(dealflow.run("ageing", "--json"))) == {"INV-1": "600"}
    assert "verdict: PASS" in ok(dealflow.run("audit", "D-1"))
    ok(dealflow.run("pay", "INV-1", "--amount", "600", "--on", ago(2)))  # paid again: closed again
    assert as_json(dealflow.run("show", "D-1", "--json"))["status"] == "closed"
    assert aged(as_json(dealflow.run("ageing", "--json"))) == {}
    assert "verdict: PASS" in ok(dealflow.run("audit", "D-1"))


def test_correcting_a_deals_opening_renames_its_account_in_the_reports_as_a_rebuild_does(dealflow):
    receivable(dealflow.db, "D-1")
    assert {row["customer"] for row in as_json(dealflow.run("ageing", "--json"))["invoices"]} == {"Acme Corp"}

    done = ok(dealflow.run("correct", "D-1", "1", "--account", "Acme Industrial GmbH", "--reason", "legal name"))

    assert done.splitlines()[1:] == ["  version 1 open: account Acme Corp -> Acme Industrial GmbH"]
    assert as_json(dealflow.run("show", "D-1", "--json"))["account"] == "Acme Industrial GmbH"
    reports = [("ageing", "--json"), ("pipeline", "--by", "account", "--json"), ("deals", "--json")]
    caught_up = [as_json(dealflow.run(*report)) for report in reports]
    assert {row["customer"] for row in caught_up[0]["invoices"]} == {"Acme Industrial GmbH"}
    assert [row["account"] for row in caught_up[1]["accounts"]] == ["Acme Industrial GmbH"]
    ok(dealflow.run("projections", "rebuild"))
    assert [as_json(dealflow.run(*report)) for report in reports] == caught_up


def test_voiding_a_deals_opening_is_refused_in_words_and_writes_nothing(dealflow):
    """An opening may be corrected, but a deal's history without its opening is no deal: the void is
    refused like any revision the method cannot replay (exit 1, saying why), never an AttributeError."""
    receivable(dealflow.db, "D-1")
    with application(dealflow.db) as app:
        open_deal(app, "D-2", ago(10), account="Solo GmbH")

    for deal in ("D-1", "D-2"):
        said = refused(dealflow, "void", deal, "1", "--reason", "opened by mistake")
        assert "version 1" in said, said
        assert "Error" not in said and "--debug" not in said, said


def referred(db: str) -> str:
    """D-1 won; v15 a referral sale that opened a deal for "Initec" (misspelt), whose id it returns."""
    with application(db) as app:
        open_deal(app, "D-1", ago(100), value="1000", currency="EUR")
        take_to(app, "D-1", "commitment", ago(99), quotation="1000")
        app.sign("D-1", amount="1000", actor=ACTOR, on=ago(90))
        fields = {"account": "Initec", "title": "MES for Initech", "value": "5000"}
        new_deal = app.record("D-1", "referral-sale", fields, actor=ACTOR, on=ago(80)).new_deal_id
        assert new_deal is not None and app.deal("D-1").version == 15
        return new_deal


def test_a_referral_sales_new_deal_is_corrected_there_and_the_sale_is_not_voided(dealflow):
    """The deal a referral sale opened is a deal of its own: what it was opened with is corrected there
    (the refusal names it), and the sale that opened it is not voided."""
    new_deal = referred(dealflow.db)

    said = refused(dealflow, "correct", "D-1", "15", "--account", "Initech", "--reason", "misspelt")
    assert new_deal in said, said
    said = refused(dealflow, "void", "D-1", "15", "--reason", "the referral was another salesperson's")
    assert new_deal in said, said

    ok(dealflow.run("correct", new_deal, "1", "--account", "Initech", "--reason", "misspelt"))
    assert as_json(dealflow.run("show", new_deal, "--json"))["account"] == "Initech"
    assert as_json(dealflow.run("show", new_deal, "--json"))["referred_by"] == "D-1"
