"""Recording a deal through the CLI, as a sales team would, on each store: every action, every refusal,
the JSON contract.

Each refusal is checked for its exit code, its one line on stderr and an unchanged event count,
in-process (CliRunner) and through the installed `dealflow` console script.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import date, timedelta

import pytest

from dealflow.aggregates.events import ActionRecorded
from dealflow.application import DealflowApp
from dealflow.playbook import ACTIONS, STAGE_NAMES, STAGES

DUE = (date.today() + timedelta(days=30)).isoformat()
CLOSE_BY = (date.today() + timedelta(days=90)).isoformat()


def ok(result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result.stdout


def as_json(result) -> dict:
    return json.loads(ok(result))


# The shortest honest path into each stage, from the one before it.
WALK = {
    "trust": [
        ("act", "{d}", "map-stakeholder", "--contact", "Eva Ruiz", "--level", "decision", "--roles", "decision-maker"),
        ("act", "{d}", "qualify", "--opportunity", "yes", "--solution", "yes", "--winnable", "yes", "--worth", "yes"),
        ("advance", "{d}"),
    ],
    "needs": [("act", "{d}", "ally", "--contact", "Eva Ruiz", "--activity", "firm-support"), ("advance", "{d}")],
    "value": [
        ("act", "{d}", "explore-goals", "--goals", "growth"),
        ("act", "{d}", "diagnose-problem", "--obstacle", "a 20-year-old ERP"),
        ("act", "{d}", "shape-solution", "--outline", "cloud ERP"),
        ("act", "{d}", "set-criteria", "--criteria", "users=400"),
        ("advance", "{d}", "--evidence", "RFP 2026-114"),
    ],
    "commitment": [
        ("act", "{d}", "submit-proposal", "--quotation", "120000"),
        ("advance", "{d}", "--evidence", "negotiation kick-off"),
    ],
    "follow_up": [("sign", "{d}", "--amount", "100000")],
}


def deal_in(dealflow, stage: str) -> str:
    """A new EUR deal walked through the CLI into `stage` ("lost": lost from analysis)."""
    deal = ok(dealflow("open", "Acme Corp", "--title", "ERP rollout", "--value", "120000", "--currency", "EUR")).strip()
    target = STAGE_NAMES[0] if stage == "lost" else stage
    for name in STAGE_NAMES[1 : STAGE_NAMES.index(target) + 1]:
        for command in WALK[name]:
            ok(dealflow(*(word.format(d=deal) for word in command)))
    if stage == "lost":
        ok(dealflow("lose", deal, "--reason", "budget"))
    return deal


def actions_recorded(db: str, deal: str) -> set[str]:
    app = DealflowApp(db)
    try:
        return {event.action for event in app.history(deal) if isinstance(event, ActionRecorded)}
    finally:
        app.close()


# --- a whole deal -------------------------------------------------------------------------


def test_a_deal_goes_from_open_to_closed_through_all_24_actions(dealflow_on):
    d = dealflow_on
    deal = ok(d("open", "Acme Corp", "--title", "ERP rollout", "--value", "120000", "--currency", "EUR",
                "--close-by", CLOSE_BY)).strip()  # fmt: skip
    assert deal == "D-0001"

    ok(d("act", deal, "develop-guide", "--contact", "Luis Gómez", "--position", "IT manager"))
    ok(d("act", deal, "collect-info", "--category", "business", "--summary", "three plants, growing 15% a year"))
    ok(d("act", deal, "map-stakeholder", "--contact", "Eva Ruiz", "--level", "decision", "--function", "user",
         "--roles", "decision-maker,evaluator"))  # fmt: skip
    assert ok(d("act", deal, "qualify", "--opportunity", "yes", "--solution", "yes", "--winnable", "yes",
                "--worth", "yes")) == "D-0001: qualify recorded (analysis.qualify, version 5)\n"  # fmt: skip
    assert ok(d("advance", deal)) == "D-0001 advanced from analysis to trust\n"

    ok(d("act", deal, "acquaint", "--contact", "Eva Ruiz", "--activity", "phone", "--style", "analytical"))
    ok(d("act", deal, "engage", "--contact", "Eva Ruiz", "--activity", "site-visit"))
    ok(d("act", deal, "build-trust", "--contact", "Eva Ruiz", "--activity", "valuable-gift", "--gift-value", "250",
         "--approver", "Marta, compliance"))  # fmt: skip
    ok(d("act", deal, "ally", "--contact", "Luis Gómez", "--activity", "become-guide"))
    assert ok(d("advance", deal)) == "D-0001 advanced from trust to needs\n"

    ok(d("act", deal, "explore-goals", "--goals", "growth", "--goals", "asset-efficiency", "--summary", "grow 15%"))
    ok(d("act", deal, "diagnose-problem", "--obstacle", "a 20-year-old ERP", "--impact", "month-end takes 12 days"))
    ok(d("act", deal, "shape-solution", "--outline", "cloud ERP", "--products", "licences", "--products", "training"))
    ok(d("act", deal, "set-criteria", "--criteria", "users=400", "--criteria", "uptime=99.9%",
         "--buying-stage", "procurement-design"))  # fmt: skip
    ok(d("buying-stage", deal, "evaluation"))
    assert ok(d("advance", deal, "--evidence", "RFP 2026-114")) == "D-0001 advanced from needs to value\n"

    ok(d("act", deal, "analyze-competition", "--competitor", "Globex", "--strengths", "local support"))
    ok(d("act", deal, "plan-strategy", "--stakeholder", "Eva Ruiz", "--plan", "a reference visit"))
    ok(d("act", deal, "submit-proposal", "--quotation", "118000", "--currency", "EUR", "--solution", "cloud ERP"))
    ok(d("act", deal, "demonstrate", "--audience", "IT and finance", "--key-points", "speed", "--key-points", "cost",
         "--key-points", "support", "--outcome", "convinced"))  # fmt: skip
    assert ok(d("back", deal, "needs", "--reason", "a new plant joined the scope")) == (
        "D-0001 stepped back from value to needs\n"
    )
    ok(d("advance", deal, "--evidence", "RFP 2026-114, amended"))
    assert ok(d("advance", deal, "--evidence", "negotiation kick-off")) == "D-0001 advanced from value to commitment\n"

    ok(d("act", deal, "spot-buying-signal", "--kind", "price-enquiry"))
    ok(d("act", deal, "promote-close", "--method", "benefit-summary"))
    ok(d("act", deal, "upsell", "--product", "support plan", "--amount", "6000"))
    ok(d("act", deal, "negotiate", "--step", "prepare"))
    ok(d("bottom-line", deal, "--term", "price", "--value", "110000"))
    ok(d("concede", deal, "--term", "price", "--by", "us", "--from", "124000", "--to", "120000"))
    ok(d("concede", deal, "--term", "price", "--by", "customer", "--from", "100000", "--to", "105000"))
    ok(d("concede", deal, "--term", "price", "--by", "us", "--from", "120000", "--to", "117000"))
    ok(d("act", deal, "negotiate", "--step", "agree"))
    assert ok(d("lose", deal, "--reason", "timing")) == "D-0001 lost in commitment (timing)\n"
    assert ok(d("reopen", deal, "--reason", "the budget was approved after all")) == "D-0001 reopened in commitment\n"
    ok(d("assign", deal, "bruno"))
    ok(d("forecast", deal, "--value", "117000", "--close-by", CLOSE_BY))
    ok(d("note", deal, "signed at the customer's head office"))
    assert ok(d("sign", deal, "--amount", "117000", "--terms", "50% on signing, 50% in 60 days")) == (
        "D-0001 signed for 117000 EUR: won, now in follow_up\n"
    )

    ok(d("act", deal, "confirm-satisfaction", "--checkpoint", "delivery", "--outcome", "on time"))
    ok(d("act", deal, "request-referral", "--contact", "Eva Ruiz", "--outcome", "introduced us to Beta"))
    assert ok(d("act", deal, "referral-sale", "--account", "Beta Ltd", "--title", "ERP for Beta")) == "D-0002\n"
    ok(d("invoice", deal, "INV-1", "--amount", "58500", "--due", DUE))
    ok(d("invoice", deal, "INV-2", "--amount", "58500", "--due", DUE))
    assert "balance 0 EUR" in ok(d("pay", "INV-1", "--amount", "58500"))
    ok(d("chase", "INV-2", "--cause", "unwilling", "--method", "sales visit"))
    ok(d("act", deal, "collect", "--invoice", "INV-2", "--cause", "our-fault", "--method", "credit note offered"))
    paid = ok(d("pay", "inv-2", "--amount", "50000"))
    assert "balance 8500 EUR" in paid and "closed" not in paid
    assert as_json(d("show", deal, "--json"))["status"] == "won"
    closed = ok(d("write-off", "INV-2", "--reason", "agreed discount for the late delivery"))
    assert "D-0001 INV-2: wrote off 8500 EUR; balance 0 EUR" in closed
    assert "D-0001 is closed" in closed

    shown = as_json(d("show", deal, "--json"))
    assert (shown["status"], shown["owner"], shown["value"]) == ("closed", "bruno", "117000")
    assert as_json(d("show", "D-0002", "--json"))["referred_by"] == "D-0001"
    assert actions_recorded(d.db, deal) == set(ACTIONS) and len(ACTIONS) == 24


# --- refusals: exit code, one line on stderr, nothing written ----------------------------

INVOICED = [("invoice", "{d}", "INV-1", "--amount", "60000", "--due", DUE)]
NEEDS_DONE = WALK["value"][:-1]

REFUSALS = [
    # (what is refused, the deal's stage, set-up commands, the refused command, exit code, message)
    ("an unknown deal", "analysis", [], ("act", "D-9999", "develop-guide", "--contact", "Eva"), 1,
     "no deal 'D-9999' in this store"),
    ("an action of another stage", "analysis", [],
     ("act", "{d}", "acquaint", "--contact", "Eva", "--activity", "phone"), 1,
     ("acquaint", "trust", "this deal is in analysis", "develop-guide")),
    ("an unknown action", "analysis", [], ("act", "{d}", "charm", "--contact", "Eva"), 2, "unknown action 'charm'"),
    ("leaving analysis without a clear opportunity", "analysis",
     [("act", "{d}", "qualify", "--opportunity", "yes", "--solution", "yes", "--winnable", "no", "--worth", "yes")],
     ("advance", "{d}"), 1, "cannot leave analysis: qualify has not answered yes to 'can we win?'"),
    ("leaving trust without a trusted decision maker", "trust",
     [("act", "{d}", "acquaint", "--contact", "Eva Ruiz", "--activity", "phone")], ("advance", "{d}"), 1,
     "cannot leave trust: no decision-level stakeholder (Eva Ruiz) has reached build-trust or ally"),
    ("leaving needs without the customer's request", "needs", NEEDS_DONE, ("advance", "{d}"), 1,
     "cannot leave needs: advance needs --evidence of the customer's explicit request"),
    ("leaving needs with its actions not done", "needs", [], ("advance", "{d}", "--evidence", "RFP 7"), 1,
     "cannot leave needs: explore-goals has not been recorded"),
    ("leaving value without a proposal", "value", [], ("advance", "{d}", "--evidence", "kick-off"), 1,
     "cannot leave value: submit-proposal has not been recorded"),
    ("leaving commitment other than by signing", "commitment", [], ("advance", "{d}"), 1, ("commitment", "sign")),
    ("leaving follow-up before every account is paid", "follow_up", [], ("advance", "{d}"), 1,
     ("follow_up", "100000", "not yet invoiced")),
    ("a missing required field", "analysis", [], ("act", "{d}", "collect-info", "--category", "business"), 2,
     "collect-info needs --summary: what was learned"),
    ("a choice not on the list", "analysis", [], ("act", "{d}", "collect-info", "--category", "gossip"), 2,
     "Invalid value for '--category': 'gossip' is not one of"),
    ("a choice not on the list, among several", "analysis", [],
     ("act", "{d}", "map-stakeholder", "--contact", "Eva", "--roles", "user,boss"), 2,
     "map-stakeholder --roles must be one of source, decision-maker, user, designer, evaluator; got 'boss'"),
    ("too few key points", "value", [], ("act", "{d}", "demonstrate", "--audience", "IT", "--key-points", "speed"), 2,
     "demonstrate --key-points needs at least 3 and at most 5 items; got 1"),
    ("a bad amount", "value", [], ("act", "{d}", "submit-proposal", "--quotation", "12k"), 2,
     "submit-proposal --quotation '12k' is not a number: write it like 1250.50"),
    ("a bad currency", "value", [], ("act", "{d}", "submit-proposal", "--quotation", "1000", "--currency", "EURO"), 2,
     "currency 'EURO' is not an ISO 4217 code"),
    ("a second currency on one deal", "commitment", [], ("sign", "{d}", "--amount", "100000", "--currency", "USD"), 1,
     "this deal is in EUR: a deal has one currency"),
    ("a date in the future", "analysis", [], ("note", "{d}", "call back", "--on", "2999-01-01"), 2,
     "--on 2999-01-01 is in the future"),
    ("a badly written date", "analysis", [], ("act", "{d}", "develop-guide", "--contact", "Eva", "--on", "31/12/2026"),
     2, "'31/12/2026' is not a date: write it as YYYY-MM-DD"),
    ("a date before the last stage change", "trust", [],
     ("act", "{d}", "acquaint", "--contact", "Eva Ruiz", "--activity", "phone", "--on", "2000-01-01"), 1,
     "--on 2000-01-01 is before this deal's last stage change"),
    ("stepping back to a later stage", "trust", [], ("back", "{d}", "value", "--reason", "why not"), 1,
     "cannot go back from trust to 'value': choose an earlier stage, one of analysis"),
    ("stepping back once signed", "follow_up", [], ("back", "{d}", "commitment", "--reason", "regret"), 1,
     "this deal is in follow_up"),
    ("losing for a reason not on the list", "analysis", [], ("lose", "{d}", "--reason", "bad-luck"), 2,
     "Invalid value for '--reason'"),
    ("reopening a deal that is not lost", "analysis", [], ("reopen", "{d}", "--reason", "hope"), 1, "cannot reopen"),
    ("an over-payment", "follow_up", INVOICED, ("pay", "INV-1", "--amount", "60000.01"), 1,
     "payment of 60000.01 is more than the 60000 still owed on invoice INV-1"),
    ("a payment on an unknown invoice", "follow_up", [], ("pay", "INV-404", "--amount", "1"), 1,
     "no invoice 'INV-404'"),
    ("a duplicate invoice id", "follow_up", INVOICED, ("invoice", "{d}", "inv-1", "--amount", "100", "--due", DUE), 1,
     "invoice inv-1 already exists"),
    ("invoicing more than was signed", "follow_up", INVOICED,
     ("invoice", "{d}", "INV-2", "--amount", "40000.01", "--due", DUE), 1,
     "invoice of 40000.01 exceeds the 40000 of the signed amount not yet invoiced"),
    ("invoicing before signing", "commitment", [], ("invoice", "{d}", "INV-1", "--amount", "100", "--due", DUE), 1,
     "invoices are recorded in follow_up, once the deal is signed, and this deal is in commitment"),
    ("a concession past our bottom line without an override", "commitment",
     [("bottom-line", "{d}", "--term", "price", "--value", "100000")],
     ("concede", "{d}", "--term", "price", "--by", "us", "--from", "120000", "--to", "95000"), 1,
     "conceding price to 95000 passes our bottom line of 100000: give --override REASON to record it anyway"),
    ("a concession recorded as a plain negotiation step", "commitment", [],
     ("act", "{d}", "negotiate", "--step", "concede"), 2, "record a concession with `dealflow concede"),
    ("a gift above the limit without an approver", "trust", [],
     ("act", "{d}", "build-trust", "--contact", "Eva Ruiz", "--activity", "valuable-gift", "--gift-value", "250"), 1,
     "a gift of 250 is above the limit of 100: name the --approver who allowed it"),
    ("a gift without its value", "trust", [],
     ("act", "{d}", "acquaint", "--contact", "Eva", "--activity", "small-gift"), 2, "a gift needs --gift-value"),
    ("an action on a lost deal", "lost", [], ("act", "{d}", "develop-guide", "--contact", "Eva"), 1,
     ("develop-guide", "analysis", "this deal is lost; the method allows reopen")),
    ("a note on a lost deal", "lost", [], ("note", "{d}", "still alive?"), 1, "cannot note: this deal is lost"),
]  # fmt: skip


def fill(command: tuple[str, ...], deal: str) -> list[str]:
    return [word.format(d=deal) for word in command]


def invoke(dealflow, via: str, args: list[str]) -> tuple[int, str, str]:
    if via == "console script":
        done = dealflow.run(*args)
        return done.returncode, done.stdout, done.stderr
    result = dealflow(*args)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("via", ["in-process", "console script"])
@pytest.mark.parametrize(
    ("stage", "setup", "command", "code", "message"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_a_refused_command_exits_with_its_code_says_why_in_one_line_and_records_nothing(
    dealflow, via, stage, setup, command, code, message
):
    deal = deal_in(dealflow, stage)
    for step in setup:
        ok(dealflow(*fill(step, deal)))
    before = dealflow.events()

    exit_code, stdout, stderr = invoke(dealflow, via, fill(command, deal))

    assert (exit_code, stdout) == (code, "")
    assert stderr.startswith("dealflow: ") and stderr.count("\n") == 1, stderr
    for fragment in [message] if isinstance(message, str) else message:
        assert fragment in stderr
    assert dealflow.events() == before


def test_a_refused_advance_says_everything_that_is_missing(dealflow):
    deal = deal_in(dealflow, "needs")
    result = dealflow("advance", deal)
    assert result.exit_code == 1
    for action in STAGES[2].actions:
        assert f"{action.name} has not been recorded" in result.stderr
    assert "advance needs --evidence" in result.stderr


# --- what the commands print --------------------------------------------------------------


def test_act_json_is_the_deal_its_version_stage_and_action(dealflow):
    deal = deal_in(dealflow, "analysis")
    printed = as_json(dealflow("act", deal, "develop-guide", "--contact", "Luis Gómez", "--json"))
    assert printed == {"id": deal, "version": 2, "stage": "analysis", "action": "develop-guide"}


def test_a_referral_sale_prints_the_new_deal_and_its_json_names_it(dealflow):
    deal = deal_in(dealflow, "follow_up")
    assert ok(dealflow("act", deal, "referral-sale", "--account", "Beta Ltd")) == "D-0002\n"
    printed = as_json(dealflow("act", deal, "referral-sale", "--account", "Gamma SA", "--id", "GAMMA-1", "--json"))
    assert printed["referral"] == "GAMMA-1" and printed["id"] == deal and printed["action"] == "referral-sale"
    assert as_json(dealflow("show", "GAMMA-1", "--json"))["referred_by"] == deal


def test_a_referral_sale_skips_a_number_already_taken_by_an_explicit_id(dealflow):
    deal = deal_in(dealflow, "follow_up")
    ok(dealflow("open", "Beta Ltd", "--title", "CRM", "--id", "D-0002"))
    assert ok(dealflow("act", deal, "referral-sale", "--account", "Gamma SA")) == "D-0003\n"


@pytest.mark.parametrize(
    "case",
    [
        ("trust", WALK["needs"][0], ("advance", "{d}")),
        ("trust", ("back", "{d}", "analysis", "--reason", "the sponsor left")),
        ("analysis", ("lose", "{d}", "--reason", "competitor", "--competitor", "Globex")),
        ("lost", ("reopen", "{d}", "--reason", "Globex could not deliver")),
        ("commitment", ("sign", "{d}", "--amount", "100000")),
        ("commitment", ("bottom-line", "{d}", "--term", "price", "--value", "100000")),
        ("analysis", ("note", "{d}", "CFO on holiday")),
        ("analysis", ("assign", "{d}", "bruno")),
        ("analysis", ("forecast", "{d}", "--value", "95000", "--close-by", CLOSE_BY)),
        ("analysis", ("buying-stage", "{d}", "evaluation")),
    ],
    ids=lambda case: case[-1][0],
)
def test_moves_and_records_print_the_deal_as_deals_json_lists_it(dealflow, case):
    stage, *setup, command = case
    deal = deal_in(dealflow, stage)
    for step in setup:
        ok(dealflow(*fill(step, deal)))
    printed = as_json(dealflow(*fill(command, deal), "--json"))
    listed = next(row for row in as_json(dealflow("deals", "--json")) if row["id"] == deal)
    assert printed == listed
    assert {"id", "status", "stage", "action", "value", "currency", "version"} <= printed.keys()


def test_moves_say_where_the_deal_is_now(dealflow):
    deal = deal_in(dealflow, "trust")
    assert ok(dealflow("back", deal, "analysis", "--reason", "the sponsor left")) == (
        f"{deal} stepped back from trust to analysis\n"
    )
    assert ok(dealflow("lose", deal, "--reason", "competitor", "--competitor", "Globex")) == (
        f"{deal} lost in analysis (competitor, to Globex)\n"
    )
    assert ok(dealflow("reopen", deal, "--reason", "Globex could not deliver")) == f"{deal} reopened in analysis\n"


def test_a_concession_larger_than_our_last_one_is_recorded_with_a_warning(dealflow):
    deal = deal_in(dealflow, "commitment")
    ok(dealflow("concede", deal, "--term", "price", "--by", "us", "--from", "120000", "--to", "119900"))
    before = dealflow.events()
    result = dealflow("concede", deal, "--term", "price", "--by", "us", "--from", "119900", "--to", "119750")
    assert ok(result) == f"{deal}: round 2 on price: us conceded 119900 -> 119750 (by 150)\n"
    assert result.stderr == (
        "warning: this concession (150) is larger than our previous one on price (100): "
        "the method says concessions should shrink\n"
    )
    assert dealflow.events() == before + 1


def test_a_concession_past_our_bottom_line_is_recorded_with_an_override_and_says_so(dealflow):
    deal = deal_in(dealflow, "commitment")
    version = as_json(dealflow("bottom-line", deal, "--term", "price", "--value", "100000", "--json"))["version"]
    result = dealflow("concede", deal, "--term", "price", "--by", "us", "--from", "120000", "--to", "95000",
                      "--override", "strategic reference customer", "--json")  # fmt: skip
    assert as_json(result) == {
        "id": deal, "version": version + 1, "term": "price", "by": "us",
        "from": "120000", "to": "95000", "round": 1, "size": "25000", "widened": False, "past_bottom_line": True,
        "override": "strategic reference customer", "reason": None,
    }  # fmt: skip
    assert "past our bottom line of 100000 on price, by override: strategic reference customer" in result.stderr


def test_a_customer_concession_is_never_flagged(dealflow):
    deal = deal_in(dealflow, "commitment")
    ok(dealflow("concede", deal, "--term", "payment", "--by", "customer", "--from", "30", "--to", "35"))
    result = dealflow("concede", deal, "--term", "payment", "--by", "customer", "--from", "35", "--to", "60", "--json")
    assert as_json(result)["widened"] is False and result.stderr == ""


def test_receivables_show_the_balance_and_say_when_the_deal_closes(dealflow):
    deal = deal_in(dealflow, "follow_up")
    invoiced = as_json(dealflow("invoice", deal, "INV-1", "--amount", "100000", "--due", DUE, "--json"))
    assert invoiced["status"] == "won"
    assert invoiced["invoice"] == {
        "invoice": "INV-1", "amount": "100000", "paid": "0", "written_off": "0", "balance": "100000",
        "issued": date.today().isoformat(), "due": DUE, "chases": 0,
    }  # fmt: skip
    chased = as_json(dealflow("chase", "INV-1", "--cause", "unwilling", "--method", "phone", "--json"))
    assert chased["invoice"]["chases"] == 1
    assert ok(dealflow("pay", "INV-1", "--amount", "40000")) == f"{deal} INV-1: received 40000 EUR; balance 60000 EUR\n"
    closing = as_json(dealflow("pay", "INV-1", "--amount", "60000", "--json"))
    assert (closing["status"], closing["invoice"]["balance"], closing["invoice"]["paid"]) == ("closed", "0", "100000")


# --- help ---------------------------------------------------------------------------------
# Help and usage errors never open the store, so these run on one (`sqlite_dealflow`), not on each.


def test_act_help_lists_the_24_actions_stage_by_stage_one_line_each(sqlite_dealflow):
    lines = ok(sqlite_dealflow("act", "--help")).splitlines()
    for number, stage in enumerate(STAGES, 1):
        heading = lines.index(f"{number}. {stage.name} ({stage.title}):")
        listed = lines[heading + 1 : heading + 1 + len(stage.actions)]
        assert [line.split()[0] for line in listed] == [action.name for action in stage.actions]
        assert all(line.endswith(action.summary) for line, action in zip(listed, stage.actions, strict=True))
    assert [line for line in lines if re.match(r"\d\. ", line)] == [
        f"{n}. {stage.name} ({stage.title}):" for n, stage in enumerate(STAGES, 1)
    ]


@pytest.mark.parametrize("action", list(ACTIONS.values()), ids=list(ACTIONS))
def test_each_action_has_help_with_its_stage_its_options_and_an_example(sqlite_dealflow, action):
    shown = ok(sqlite_dealflow("act", "D-0001", action.name, "--help"))
    assert f"act DEAL {action.name} [OPTIONS]" in shown.splitlines()[0]
    assert action.summary[1:] in shown.splitlines()[2] and "Example:" in shown
    assert f"dealflow act D-0001 {action.name}" in shown
    for field in action.fields:
        assert "--" + field.name.replace("_", "-") in shown
    assert shown.count("[required]") == sum(field.required for field in action.fields)
    assert {"--on", "--note", "--json"} <= set(re.findall(r"--[a-z-]+", shown))


def test_an_actions_help_shows_even_when_the_deal_is_left_out(sqlite_dealflow):
    assert "act DEAL qualify [OPTIONS]" in ok(sqlite_dealflow("act", "qualify", "--help")).splitlines()[0]


def test_an_action_given_before_the_deal_is_explained(sqlite_dealflow):
    result = sqlite_dealflow("act", "qualify", "D-0001")
    assert result.exit_code == 2 and "give the deal first: dealflow act DEAL qualify" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        *("act", "advance", "back", "lose", "reopen", "sign", "bottom-line", "concede", "invoice", "pay", "chase"),
        *("write-off", "note", "assign", "forecast", "buying-stage", "settings", "settings show", "settings set"),
    ],
)
def test_every_recording_command_has_help_with_an_example(sqlite_dealflow, command):
    assert "Example:" in ok(sqlite_dealflow(*command.split(), "--help"))


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.name)
def test_the_examples_in_the_help_are_accepted_as_written(dealflow, stage):
    deal = deal_in(dealflow, stage.name)
    for action in stage.actions:
        if action.name == "collect":
            continue  # its example names an invoice that this deal does not have
        example = next(line for line in ok(dealflow("act", deal, action.name, "--help")).splitlines()
                       if line.strip().startswith("dealflow act"))  # fmt: skip
        words = shlex.split(example)[1:]  # without the program's name
        words[1] = deal
        ok(dealflow(*words))


# --- the installed console script ----------------------------------------------------------


def test_the_console_script_records_an_action_and_prints_its_json(dealflow):
    deal = deal_in(dealflow, "analysis")
    done = dealflow.run("act", deal, "qualify", "--opportunity", "yes", "--solution", "yes", "--winnable", "yes",
                        "--worth", "yes", "--json")  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == {"id": deal, "version": 2, "stage": "analysis", "action": "qualify"}
    moved = dealflow.run("advance", deal)
    assert (moved.returncode, moved.stdout) == (0, f"{deal} advanced from analysis to trust\n")


def test_the_console_script_lists_the_actions_by_stage(sqlite_dealflow):  # help: no store opened, one is enough
    done = sqlite_dealflow.run("act", "--help")
    assert done.returncode == 0
    assert "1. analysis (customer analysis):" in done.stdout and "6. follow_up (follow-up service):" in done.stdout
