"""The method as a coach through the installed `dealflow` command, on each store: `ageing` recommends
for each overdue invoice the remedy for the cause of its latest chase, and `act ACTION --help` shows
the seed's advice for the action."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from dealflow.coaching import COACHING, LEVELS, PRESENTATION_STEPS, PROPOSAL_PARTS, REMEDY_BY_CAUSE, STYLES
from dealflow.playbook import COLLECTION_STEPS, FRAUD, OUR_FAULT, UNWILLING

D0 = date.today() - timedelta(days=120)
LONG_AND_LARGE = COLLECTION_STEPS[True, True]  # every invoice below is 80 days past due, for 20,000


def on(offset: int) -> str:
    return (D0 + timedelta(days=offset)).isoformat()


def ok(result) -> str:
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    return result.stdout


def steps(dealflow, *options: str) -> dict[str, str | None]:
    return {
        row["invoice"]: row["step"] for row in json.loads(ok(dealflow.run("ageing", "--json", *options)))["invoices"]
    }


@pytest.fixture
def overdue(dealflow_on):
    """A signed deal with four invoices of 20,000, each due on day 40: long past due and large."""
    run = dealflow_on
    for command in (
        ("open", "Acme", "--title", "ERP", "--value", "80000", "--currency", "EUR", "--id", "D-1"),
        ("act", "D-1", "map-stakeholder", "--contact", "Eva", "--level", "decision", "--roles", "decision-maker"),
        ("act", "D-1", "qualify", "--opportunity", "yes", "--solution", "yes", "--winnable", "yes", "--worth", "yes"),
        ("advance", "D-1"),
        ("act", "D-1", "ally", "--contact", "Eva", "--activity", "firm-support"),
        ("advance", "D-1"),
        ("act", "D-1", "explore-goals", "--goals", "growth"),
        ("act", "D-1", "diagnose-problem", "--obstacle", "old ERP"),
        ("act", "D-1", "shape-solution", "--outline", "cloud ERP"),
        ("act", "D-1", "set-criteria", "--criteria", "users=400"),
        ("advance", "D-1", "--evidence", "RFP 114"),
        ("act", "D-1", "submit-proposal", "--quotation", "80000"),
        ("advance", "D-1", "--evidence", "kick-off"),
        ("sign", "D-1", "--amount", "80000"),
        *(
            ("invoice", "D-1", invoice, "--amount", "20000", "--issued", on(10), "--due", on(40))
            for invoice in ("INV-F", "INV-O", "INV-U", "INV-N")
        ),
    ):
        result = run(*command, "--on", on(10))
        assert result.exit_code == 0, result.output
    return run


def test_ageing_recommends_the_remedy_for_the_cause_of_each_invoices_latest_chase_and_keeps_its_keys(overdue):
    for invoice, cause in (("INV-F", FRAUD), ("INV-O", OUR_FAULT), ("INV-U", UNWILLING)):
        ok(overdue.run("chase", invoice, "--cause", cause, "--method", "call", "--on", on(70)))
    expected = {
        "INV-F": REMEDY_BY_CAUSE[FRAUD].step,
        "INV-O": REMEDY_BY_CAUSE[OUR_FAULT].step,
        "INV-U": LONG_AND_LARGE,
        "INV-N": LONG_AND_LARGE,  # never chased: the matrix
    }
    assert expected["INV-F"] == "review the credit; bring in a financial-risk firm"
    assert expected["INV-O"] == "resolve the problem with the customer first"
    assert steps(overdue) == expected
    assert steps(overdue, "--as-of", on(100)) == expected
    assert set(steps(overdue, "--as-of", on(69)).values()) == {COLLECTION_STEPS[False, True]}  # before any chase
    ok(overdue.run("projections", "rebuild"))
    assert steps(overdue) == expected
    report = json.loads(ok(overdue.run("ageing", "--json")))
    assert list(report["invoices"][0]) == [
        "customer",
        "deal",
        "invoice",
        "currency",
        "amount",
        "issued",
        "due",
        "balance",
        "days_past_due",
        "bucket",
        "step",
        "chases",
    ]
    assert REMEDY_BY_CAUSE[OUR_FAULT].step in ok(overdue.run("ageing", "--csv"))


def test_the_latest_chase_is_the_latest_by_date_not_the_last_typed(overdue):
    ok(overdue.run("chase", "INV-F", "--cause", FRAUD, "--method", "credit check", "--on", on(70)))
    ok(overdue.run("chase", "INV-F", "--cause", UNWILLING, "--method", "first reminder", "--on", on(60)))
    assert steps(overdue)["INV-F"] == REMEDY_BY_CAUSE[FRAUD].step
    assert steps(overdue, "--as-of", on(65))["INV-F"] == COLLECTION_STEPS[False, True]
    ok(
        overdue.run(
            "act", "D-1", "collect", "--invoice", "INV-F", "--cause", OUR_FAULT, "--method", "fix", "--on", on(70)
        )
    )
    assert steps(overdue)["INV-F"] == steps(overdue, "--as-of", on(90))["INV-F"] == REMEDY_BY_CAUSE[OUR_FAULT].step


def test_collect_help_gives_the_remedy_for_each_cause_and_the_matrix(sqlite_dealflow):
    text = " ".join(ok(sqlite_dealflow.run("act", "collect", "--help")).split())
    assert "credit" in text and "financial-risk firm" in text and "[fraude malicioso]" in text
    assert "solve the problem" in text and "[motivos nuestros]" in text
    assert "[no están dispuestos a pagar]" in text
    assert all(step in text for step in COLLECTION_STEPS.values())


def test_submit_proposal_help_lists_the_proposals_five_parts_in_order(sqlite_dealflow):
    text = ok(sqlite_dealflow.run("act", "submit-proposal", "--help"))
    found = [text.index(f"{n}. {part.name} [{part.seed}]") for n, part in enumerate(PROPOSAL_PARTS, 1)]
    assert len(found) == 5 and found == sorted(found)


def test_demonstrate_help_lists_the_presentations_eight_steps(sqlite_dealflow):
    text = ok(sqlite_dealflow.run("act", "demonstrate", "--help"))
    assert all(f"{n}. {step.name} [{step.seed}]" in text for n, step in enumerate(PRESENTATION_STEPS, 1))


def test_each_relationship_action_shows_its_levels_marker_and_how_to_treat_each_style(sqlite_dealflow):
    for level in LEVELS:
        text = ok(sqlite_dealflow.run("act", level.name, "--help"))
        assert f"- {level.name} [{level.seed}]:" in text
        assert [other.name for other in LEVELS if f"- {other.name} [" in text] == [level.name]
        assert all(f"- {style.name} [{style.seed}]:" in text for style in STYLES)


def test_coached_help_fits_eighty_columns(sqlite_dealflow):
    for action in COACHING:
        text = ok(sqlite_dealflow.run("act", action, "--help"))
        advice = text[text.index("\n\n") : text.index("Example:")]
        assert max(len(line) for line in advice.splitlines()) <= 80, action
