"""Holes in the method's rules, closed (issue 12), through the console script on each store: a gift value
is held to the gift limit whatever the activity; a concession starts where its side last stood on the
term (or says why not) and gives something up; a signed deal takes no forecast; and a refusal names
the command the user typed, not the action the method records it under.

Each refusal is checked for its exit code, its one line on stderr and an unchanged event count; each
accepted path for what it recorded. The deals are walked into place in-process, which is quicker.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_recording_cli import DUE, deal_in, ok

from conftest import Dealflow, unsealed


def refused(dealflow: Dealflow, *args: str) -> str:
    """The console script refuses the command (exit 1: the method's refusal), in one line on stderr,
    and records nothing."""
    before = dealflow.events()
    done = dealflow.run(*args)
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr.startswith("dealflow: ") and done.stderr.count("\n") == 1, done.stderr
    assert dealflow.events() == before
    return done.stderr


def accepted(dealflow: Dealflow, *args: str) -> str:
    before = dealflow.events()
    done = dealflow.run(*args)
    assert done.returncode == 0, done.stderr
    assert dealflow.events() == before + 1
    return done.stdout


def concede(deal: str, by: str, before: str, after: str, *more: str) -> tuple[str, ...]:
    return ("concede", deal, "--term", "price", "--by", by, "--from", before, "--to", after, *more)


# --- gifts ------------------------------------------------------------------------------------------


def test_a_gift_value_above_the_limit_on_an_activity_that_is_no_gift_needs_an_approver(dealflow):
    deal = deal_in(dealflow, "trust")
    says = refused(dealflow, "act", deal, "build-trust", "--contact", "Eva Ruiz", "--activity", "social",
                   "--gift-value", "5000000")  # fmt: skip
    assert "a gift of 5000000 is above the limit of 100: name the --approver who allowed it" in says


def test_a_gift_value_on_any_activity_is_accepted_within_the_limit_or_with_an_approver(dealflow):
    deal = deal_in(dealflow, "trust")
    accepted(
        dealflow, "act", deal, "build-trust", "--contact", "Eva Ruiz", "--activity", "social", "--gift-value", "80"
    )
    accepted(dealflow, "act", deal, "engage", "--contact", "Eva Ruiz", "--activity", "site-visit",
             "--gift-value", "900", "--approver", "Marta, compliance")  # fmt: skip
    history = ok(dealflow("history", deal))
    assert "activity=social gift_value=80" in history
    assert 'gift_value=900 approver="Marta, compliance"' in history


def test_a_gift_value_on_any_activity_is_held_to_the_limit_the_team_set(dealflow):
    deal = deal_in(dealflow, "trust")
    ok(dealflow("settings", "set", "gift-limit", "250"))
    accepted(dealflow, "act", deal, "acquaint", "--contact", "Eva Ruiz", "--activity", "phone", "--gift-value", "250")
    says = refused(dealflow, "act", deal, "acquaint", "--contact", "Eva Ruiz", "--activity", "visit",
                   "--gift-value", "250.01")  # fmt: skip
    assert "above the limit of 250" in says


# --- where a concession starts, and which way it goes ---------------------------------------------


@pytest.fixture
def negotiating(dealflow) -> str:
    """A deal in commitment with our bottom line on price at 110000: we stand at 118000, the customer at 101000."""
    deal = deal_in(dealflow, "commitment")
    ok(dealflow("bottom-line", deal, "--term", "price", "--value", "110000"))
    ok(dealflow(*concede(deal, "us", "120000", "118000")))
    ok(dealflow(*concede(deal, "customer", "100000", "101000")))
    return deal


def test_a_concession_from_where_its_side_last_stood_is_accepted(dealflow, negotiating):
    deal = negotiating
    assert accepted(dealflow, *concede(deal, "us", "118000", "117000")) == (
        f"{deal}: round 3 on price: us conceded 118000 -> 117000 (by 1000)\n"
    )
    accepted(dealflow, *concede(deal, "customer", "101000", "102000"))


@pytest.mark.parametrize(
    ("by", "before", "after", "says"),
    [
        ("us", "120000", "117000", "--from 120000 is not where we last stood on price (118000): give --from 118000"),
        ("customer", "100000", "105000", "--from 100000 is not where the customer last stood on price (101000)"),
    ],
    ids=["ours", "the customer's"],
)
def test_a_concession_from_elsewhere_is_refused_saying_where_the_side_stood(dealflow, negotiating, by, before, after,
                                                                            says):  # fmt: skip
    message = refused(dealflow, *concede(negotiating, by, before, after))
    assert says in message and "or --reason TEXT saying why the concession starts elsewhere" in message


def test_a_concession_from_elsewhere_with_a_reason_is_recorded_and_history_shows_the_reason(dealflow, negotiating):
    deal = negotiating
    facts = json.loads(accepted(dealflow, *concede(deal, "us", "125000", "121000", "--reason", "scope grew", "--json")))
    assert (facts["from"], facts["to"], facts["size"], facts["reason"]) == ("125000", "121000", "4000", "scope grew")
    assert 'before=125000 after=121000 round=3 widened=yes past_bottom_line=no reason="scope grew"' in ok(
        dealflow("history", deal)
    )
    accepted(dealflow, *concede(deal, "us", "121000", "120000"))  # the side now stands where it went


@pytest.mark.parametrize(
    ("by", "before", "after", "says"),
    [
        ("us", "118000", "119000", "moving price from 118000 to 119000 is in our favour"),
        ("customer", "101000", "99000", "moving price from 101000 to 99000 is in the customer's favour"),
    ],
    ids=["ours", "the customer's"],
)
def test_a_move_back_is_no_concession_and_is_refused_pointing_to_a_counter_offer(dealflow, negotiating, by, before,
                                                                                 after, says):  # fmt: skip
    message = refused(dealflow, *concede(negotiating, by, before, after, "--reason", "a reason changes nothing"))
    assert says in message
    assert "a concession gives something up; record a counter-offer with `dealflow act DEAL negotiate --step" in message
    assert "bottom line" not in message


def test_our_first_concession_away_from_our_bottom_line_is_not_called_past_it(dealflow):
    deal = deal_in(dealflow, "commitment")
    ok(dealflow("bottom-line", deal, "--term", "price", "--value", "110000"))
    message = refused(dealflow, *concede(deal, "us", "120000", "125000"))
    assert "is in our favour" in message and "bottom line" not in message
    assert (
        json.loads(accepted(dealflow, *concede(deal, "us", "120000", "115000", "--json")))["past_bottom_line"] is False
    )


# --- forecast once signed ---------------------------------------------------------------------------


def test_a_won_deal_takes_no_forecast_its_value_is_the_signed_amount(dealflow):
    deal = deal_in(dealflow, "follow_up")
    for option in (("--value", "150000"), ("--close-by", DUE)):
        says = refused(dealflow, "forecast", deal, *option)
        assert "this deal is signed for 100000 EUR on " in says
        assert "its value is the signed amount; a forecast is for a deal not yet signed" in says
    assert json.loads(ok(dealflow("show", deal, "--json")))["value"] == "100000"


def test_a_closed_or_lost_deal_takes_no_forecast(dealflow):
    closed = deal_in(dealflow, "follow_up")
    ok(dealflow("invoice", closed, "INV-1", "--amount", "100000", "--due", DUE))
    ok(dealflow("pay", "INV-1", "--amount", "100000"))
    assert "cannot forecast: this deal is closed" in refused(dealflow, "forecast", closed, "--value", "1")
    lost = deal_in(dealflow, "lost")
    assert "cannot forecast: this deal is lost; the method allows reopen" in refused(
        dealflow, "forecast", lost, "--value", "1"
    )


# --- refusals name the command typed ----------------------------------------------------------------


def test_invoicing_before_signing_is_refused_naming_invoices(dealflow):
    deal = deal_in(dealflow, "commitment")
    says = refused(dealflow, "invoice", deal, "INV-1", "--amount", "100", "--due", DUE)
    assert "invoices are recorded in follow_up, once the deal is signed, and this deal is in commitment" in says
    assert "collect is" not in says


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (("pay", "INV-1", "--amount", "1"), "payments are recorded in follow_up"),
        (("chase", "INV-1", "--cause", "unwilling", "--method", "phone"), "an invoice is chased in follow_up"),
        (("write-off", "INV-1", "--reason", "insolvent"), "write-offs are recorded in follow_up"),
    ],
    ids=["pay", "chase", "write-off"],
)
def test_receivables_on_a_closed_deal_are_refused_naming_the_command(dealflow, command, says):
    deal = deal_in(dealflow, "follow_up")
    ok(dealflow("invoice", deal, "INV-1", "--amount", "100000", "--due", DUE))
    ok(dealflow("pay", "INV-1", "--amount", "100000"))
    message = refused(dealflow, *command)
    assert f"{says}, on the invoices of a signed deal, and this deal is closed; the method allows nothing more" in (
        message
    )
    assert "collect is" not in message


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (concede("{d}", "us", "120000", "115000"), "concessions are recorded in commitment, while negotiating"),
        (
            ("bottom-line", "{d}", "--term", "price", "--value", "1"),
            "a bottom line is set in commitment, while preparing the negotiation",
        ),
        (("sign", "{d}", "--amount", "100"), "the agreement is signed in commitment"),
    ],
    ids=["concede", "bottom-line", "sign"],
)
def test_negotiating_and_signing_out_of_commitment_are_refused_naming_the_command(dealflow, command, says):
    deal = deal_in(dealflow, "value")
    message = refused(dealflow, *(word.format(d=deal) for word in command))
    assert f"{says}, and this deal is in value; the method allows " in message
    assert "negotiate is" not in message and "cannot sign" not in message


# --- the event log: new concessions round-trip, older ones import as they were ---------------------


def _log(dealflow: Dealflow, folder: Path, name: str) -> list[dict]:
    """The exported log's lines without their seals: these tests edit lines, as a person would
    (an import refuses a sealed line edited)."""
    path = folder / name
    ok(dealflow("export", "events", "-o", str(path)))
    return [unsealed(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]


def _without_positions(lines: list[dict]) -> list[dict]:
    return [{k: v for k, v in line.items() if k not in ("position", "recorded_at", "seal")} for line in lines]


def test_an_exported_log_with_a_reasoned_concession_imports_and_exports_again_the_same(dealflow, negotiating, stores,
                                                                                        tmp_path):  # fmt: skip
    ok(dealflow(*concede(negotiating, "us", "125000", "121000", "--reason", "scope grew")))
    lines = _log(dealflow, tmp_path, "log.jsonl")
    again = Dealflow(stores.new())
    ok(again("import", "events", str(tmp_path / "log.jsonl")))
    assert _without_positions(_log(again, tmp_path, "again.jsonl")) == _without_positions(lines)


def test_a_concession_of_a_log_written_before_reasons_were_kept_imports_as_it_was(dealflow, negotiating, stores,
                                                                                   tmp_path):  # fmt: skip
    ok(dealflow(*concede(negotiating, "us", "125000", "121000", "--reason", "scope grew")))
    older = [{k: v for k, v in line.items() if k != "reason"} for line in _log(dealflow, tmp_path, "log.jsonl")]
    (tmp_path / "older.jsonl").write_text("".join(json.dumps(line) + "\n" for line in older), encoding="utf-8")
    again = Dealflow(stores.new())
    ok(again("import", "events", str(tmp_path / "older.jsonl")))
    assert _without_positions(_log(again, tmp_path, "again.jsonl")) == _without_positions(older)


WORKED_OUT = ("size", "widened", "past_bottom_line", "stage", "action", "state")  # what a script may leave out


@pytest.mark.parametrize(
    "without_reason",
    [
        lambda line: {**line, "reason": None},
        lambda line: {key: value for key, value in line.items() if key not in ("reason", *WORKED_OUT)},
    ],
    ids=["an exported line with a null reason", "a script's line"],
)
def test_a_line_that_starts_a_concession_elsewhere_without_a_reason_is_refused(
    dealflow, negotiating, stores, tmp_path, without_reason
):
    ok(dealflow(*concede(negotiating, "us", "125000", "121000", "--reason", "scope grew")))
    lines = [without_reason(line) if line.get("reason") else line for line in _log(dealflow, tmp_path, "l.jsonl")]
    (tmp_path / "edited.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    again = Dealflow(stores.new())
    done = again.run("import", "events", str(tmp_path / "edited.jsonl"))
    assert (
        done.returncode == 1
        and "before 125000 is not where we last stood on price (118000): give before 118000" in done.stderr
    )
    assert again.events() == 0
