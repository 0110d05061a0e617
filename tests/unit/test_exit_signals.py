"""Each stage is left only when its exit signal holds; a refusal says, in plain words, what is missing."""

from __future__ import annotations

from datetime import date

import pytest

from dealbook import (
    ACTOR,
    ALL_YES,
    DECISION_MAKER,
    NEGOTIATION,
    QUALIFY,
    REQUEST,
    SAMPLE_FIELDS,
    act,
    deal_in,
    opened,
    refused,
)
from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.events import Advanced, Closed, Signed
from dealflow.playbook import ACTIONS, STAGE_BY_NAME, Status

QUESTIONS = ACTIONS[QUALIFY].fields
NEEDS_ACTIONS = [action.name for action in STAGE_BY_NAME["needs"].actions]


def _advanced_to(deal, state: str) -> None:
    [event] = deal.collect_events()
    assert isinstance(event, Advanced)
    assert deal.state == event.state == state


# --- 1. analysis: a clear sales opportunity --------------------------------------------------


def test_analysis_is_not_left_before_the_four_questions_are_answered():
    deal = opened()
    with refused(deal, says="cannot leave analysis: qualify has not been recorded: answer its four questions"):
        deal.advance(actor=ACTOR)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.name)
def test_advance_is_refused_until_all_four_questions_are_yes(question):
    deal = opened()
    act(deal, QUALIFY, {**ALL_YES, question.name: "no"})
    with refused(deal, says=f"cannot leave analysis: qualify has not answered yes to {question.help!r}") as caught:
        deal.advance(actor=ACTOR)
    assert str(caught.value).count("has not answered yes") == 1


def test_every_question_not_answered_yes_is_named():
    deal = opened()
    act(deal, QUALIFY, dict.fromkeys(ALL_YES, "no"))
    with refused(deal) as caught:
        deal.advance(actor=ACTOR)
    assert "qualify has not answered yes to 'can we win?'" in str(caught.value)
    assert all(question.help in str(caught.value) for question in QUESTIONS)


def test_the_latest_qualify_is_the_one_that_counts():
    deal = opened()
    act(deal, QUALIFY, ALL_YES)
    act(deal, QUALIFY, {**ALL_YES, "worth": "no"})
    with refused(deal, says="'is it worth winning?'"):
        deal.advance(actor=ACTOR)
    act(deal, QUALIFY, ALL_YES)
    deal.collect_events()
    deal.advance(actor=ACTOR)
    _advanced_to(deal, "trust.entered")


def test_four_yes_answers_make_a_clear_opportunity_and_open_trust():
    deal = opened()
    act(deal, QUALIFY, ALL_YES)
    deal.collect_events()
    deal.advance(actor=ACTOR)
    _advanced_to(deal, "trust.entered")
    assert deal.stage_changed_on == date.today()


# --- 2. trust: good relationships with the key account's contacts -----------------------------


def test_trust_is_not_left_without_a_decision_level_stakeholder():
    deal = opened()
    act(deal, "map-stakeholder", {"contact": "Marta Ruiz", "level": "management"})
    act(deal, QUALIFY)
    deal.advance(actor=ACTOR)
    act(deal, "ally", {"contact": "Marta Ruiz", "activity": "become-guide"})
    with refused(deal, says="cannot leave trust: no stakeholder is mapped at the decision level") as caught:
        deal.advance(actor=ACTOR)
    assert "map-stakeholder --level decision" in str(caught.value)
    assert "analysis" in str(caught.value), "map-stakeholder is an analysis action: the message says where to go"


@pytest.mark.parametrize("level", ["acquaint", "engage"])
def test_trust_is_not_left_while_the_decision_maker_is_only_acquainted_or_engaged(level: str):
    deal = deal_in("trust")
    act(deal, level)
    with refused(deal, says=f"cannot leave trust: no decision-level stakeholder ({DECISION_MAKER}) has reached"):
        deal.advance(actor=ACTOR)


def test_trust_is_not_left_before_any_relationship_is_recorded():
    deal = deal_in("trust")
    with refused(deal, says="has reached build-trust or ally"):
        deal.advance(actor=ACTOR)


@pytest.mark.parametrize("level", ["build-trust", "ally"])
def test_trust_or_alliance_with_a_decision_maker_opens_needs(level: str):
    deal = deal_in("trust")
    act(deal, level, {**SAMPLE_FIELDS[level], "contact": DECISION_MAKER.upper()})  # contacts match in any case
    deal.collect_events()
    deal.advance(actor=ACTOR)
    _advanced_to(deal, "needs.entered")


def test_an_ally_below_the_decision_level_is_not_enough():
    deal = opened()
    act(deal, "map-stakeholder", {"contact": "Marta Ruiz", "level": "management"})
    act(deal, "map-stakeholder", {"contact": DECISION_MAKER, "level": "decision"})
    act(deal, QUALIFY)
    deal.advance(actor=ACTOR)
    act(deal, "ally", {"contact": "Marta Ruiz", "activity": "become-guide"})
    with refused(deal, says=f"({DECISION_MAKER}) has reached build-trust or ally"):
        deal.advance(actor=ACTOR)


def test_a_contacts_level_is_the_highest_reached():
    deal = deal_in("trust")
    act(deal, "ally")
    act(deal, "acquaint")
    assert deal.relationships == {DECISION_MAKER.casefold(): "ally"}
    deal.collect_events()
    deal.advance(actor=ACTOR)
    _advanced_to(deal, "needs.entered")


# --- 3. needs: the customer's explicit request ----------------------------------------------


@pytest.mark.parametrize("left_out", NEEDS_ACTIONS)
def test_needs_is_not_left_until_each_of_its_four_actions_is_recorded(left_out: str):
    deal = deal_in("needs")
    for action in NEEDS_ACTIONS:
        if action != left_out:
            act(deal, action)
    with refused(deal, says=f"cannot leave needs: {left_out} has not been recorded"):
        deal.advance(actor=ACTOR, evidence=REQUEST)


@pytest.mark.parametrize("evidence", [None, "", "   "], ids=["none", "empty", "spaces"])
def test_needs_is_not_left_without_evidence_of_the_explicit_request(evidence):
    deal = deal_in("needs")
    for action in NEEDS_ACTIONS:
        act(deal, action)
    with refused(deal, says="advance needs --evidence of the customer's explicit request, e.g. an RFP reference"):
        deal.advance(actor=ACTOR, evidence=evidence)


def test_all_four_needs_actions_and_the_request_open_value():
    deal = deal_in("needs")
    for action in NEEDS_ACTIONS:
        act(deal, action)
    deal.collect_events()
    deal.advance(actor=ACTOR, evidence=f"  {REQUEST} ")
    [event] = deal.collect_events()
    assert event.evidence == REQUEST
    assert deal.state == "value.entered"


# --- 4. value: commercial negotiations begin -------------------------------------------------


def test_value_is_not_left_before_a_proposal_is_submitted():
    deal = deal_in("value")
    act(deal, "demonstrate")
    with refused(deal, says="cannot leave value: submit-proposal has not been recorded"):
        deal.advance(actor=ACTOR, evidence=NEGOTIATION)


def test_value_is_not_left_without_evidence_that_negotiation_starts():
    deal = deal_in("value")
    act(deal, "submit-proposal")
    with refused(deal, says="advance needs --evidence that commercial negotiations have begun"):
        deal.advance(actor=ACTOR)


def test_a_proposal_and_the_start_of_negotiation_open_commitment():
    deal = deal_in("value")
    act(deal, "submit-proposal")
    deal.collect_events()
    deal.advance(actor=ACTOR, evidence=NEGOTIATION)
    _advanced_to(deal, "commitment.entered")


# --- 5. commitment: the agreement is signed --------------------------------------------------


def test_commitment_is_left_only_by_signing():
    deal = deal_in("commitment")
    with refused(deal, says="cannot leave commitment: the agreement is not signed: record it with sign --amount"):
        deal.advance(actor=ACTOR, evidence=NEGOTIATION)


def test_signing_wins_the_deal_and_opens_follow_up():
    deal = deal_in("commitment")
    deal.sign(amount="118000", actor=ACTOR, terms="30 days net")
    [event] = deal.collect_events()
    assert isinstance(event, Signed)
    assert deal.state == "follow_up.entered"
    assert deal.status is Status.WON
    assert (deal.signed_amount, deal.currency, deal.payment_terms) == (118000, "EUR", "30 days net")


def test_a_simple_sale_may_be_signed_without_a_negotiation():
    deal = deal_in("commitment")
    deal.sign(amount="120000", actor=ACTOR)
    assert "negotiate" not in deal.actions_done
    assert deal.status is Status.WON


@pytest.mark.parametrize(("amount", "says"), [("0", "must be more than 0"), ("lots", "is not a number")])
def test_an_agreement_needs_a_positive_amount(amount: str, says: str):
    deal = deal_in("commitment")
    with refused(deal, InvalidInput, says=says):
        deal.sign(amount=amount, actor=ACTOR)


def test_an_agreement_in_another_currency_is_refused():
    deal = deal_in("commitment")
    with refused(deal, says="this deal is in EUR"):
        deal.sign(amount="1000", currency="USD", actor=ACTOR)


# --- 6. follow_up: the customer has paid all accounts ----------------------------------------


def test_follow_up_is_not_left_by_advance_but_says_what_is_unpaid():
    deal = deal_in("follow_up", signed="1000")
    with refused(deal, says="cannot leave follow_up: 1000 of the signed 1000 is not yet invoiced"):
        deal.advance(actor=ACTOR)


def test_follow_up_closes_when_everything_signed_is_invoiced_and_paid():
    deal = deal_in("follow_up", signed="1000")
    deal.invoice("INV-1", amount="1000", due=date.today(), actor=ACTOR)
    deal.pay("INV-1", amount="1000", actor=ACTOR)
    assert isinstance(deal.collect_events()[-1], Closed)
    assert deal.status is Status.CLOSED
