"""The seed's advice as data: every style, relationship level, negotiation step and cause of
non-payment the playbook names has its advice, and the remedy decides the collection step."""

from __future__ import annotations

import pytest

from dealflow.coaching import (
    COACHING,
    COLLECTION_MATRIX,
    LEVELS,
    NEGOTIATION,
    PRESENTATION_STEPS,
    PROPOSAL_PARTS,
    REMEDIES,
    REMEDY_BY_CAUSE,
    STYLES,
    coaching,
    remedy_step,
)
from dealflow.playbook import (
    ACTIONS,
    COLLECTION_STEPS,
    COMMUNICATION_STYLES,
    NEGOTIATION_STEPS,
    STAGE_OF_ACTION,
    Effect,
    action_with,
)

CORNERS = [(long, large) for long in (False, True) for large in (False, True)]


def _choices(effect: Effect, field: str) -> tuple[str, ...]:
    return action_with(effect).field(field).choices


def test_every_communication_style_has_advice_in_the_playbooks_order():
    assert tuple(style.name for style in STYLES) == COMMUNICATION_STYLES
    assert [style.seed for style in STYLES] == ["analítico", "amable", "expresivo", "agresivo"]


def test_every_relationship_level_has_its_marker_under_the_seeds_own_word():
    trust = STAGE_OF_ACTION[action_with(Effect.RELATIONSHIP).name]
    assert [(level.name, level.seed) for level in LEVELS] == [(action.name, action.seed) for action in trust.actions]
    assert "by name" in LEVELS[0].text


def test_every_negotiation_step_has_advice_and_preparation_names_roles_outcomes_interests_and_exchange():
    assert tuple(step.name for step in NEGOTIATION) == _choices(Effect.NEGOTIATES, "step") == NEGOTIATION_STEPS
    advice = " ".join(step.text for step in NEGOTIATION)
    for words in ("roles", "aim", "least we accept", "order of importance", "matter little to us"):
        assert words in advice


def test_every_cause_of_non_payment_has_a_remedy():
    assert tuple(remedy.name for remedy in REMEDIES) == _choices(Effect.COLLECTS, "cause")


def test_fraud_calls_for_a_credit_review_and_a_financial_risk_firm():
    fraud = REMEDY_BY_CAUSE["fraud"]
    assert fraud.seed == "fraude malicioso"
    assert "credit" in fraud.text and "financial-risk firm" in fraud.text
    assert fraud.step == "review the credit; bring in a financial-risk firm"


def test_our_fault_calls_for_solving_the_problem_with_the_customer_before_asking_for_the_money():
    ours = REMEDY_BY_CAUSE["our-fault"]
    assert ours.seed == "motivos nuestros"
    assert "solve the problem" in ours.text and "before asking for the money" in ours.text
    assert ours.step == "resolve the problem with the customer first"


@pytest.mark.parametrize(("long", "large"), CORNERS)
def test_only_an_unwilling_customer_or_an_unknown_cause_is_collected_by_the_matrix(long, large):
    assert REMEDY_BY_CAUSE["unwilling"].step is None
    assert remedy_step("unwilling", long, large) == remedy_step(None, long, large) == COLLECTION_STEPS[long, large]
    assert remedy_step("fraud", long, large) == REMEDY_BY_CAUSE["fraud"].step
    assert remedy_step("our-fault", long, large) == REMEDY_BY_CAUSE["our-fault"].step


def test_the_collection_matrix_is_shown_in_the_seeds_order_with_every_step():
    assert [corner.name for corner in COLLECTION_MATRIX] == [
        "short overdue, small amount",
        "long overdue, small amount",
        "short overdue, large amount",
        "long overdue, large amount",
    ]
    assert {corner.text.rstrip(".") for corner in COLLECTION_MATRIX} == set(COLLECTION_STEPS.values())


def test_the_presentation_has_eight_steps_from_opening_to_the_incentive_to_buy():
    assert len(PRESENTATION_STEPS) == 8
    assert (PRESENTATION_STEPS[0].seed, PRESENTATION_STEPS[-1].seed) == ("inicio", "incentivo para comprar")


def test_the_proposals_five_parts_are_the_fields_submit_proposal_records():
    fields = {field.name for field in action_with(Effect.SETS_VALUE).fields}
    assert [part.name for part in PROPOSAL_PARTS] == [
        "background",
        "challenges",
        "solution",
        "quotation",
        "credentials",
    ]
    assert {part.name for part in PROPOSAL_PARTS} <= fields


def test_coaching_is_given_for_the_playbooks_actions_only_and_every_piece_has_words():
    assert set(COACHING) <= set(ACTIONS)
    assert coaching(action_with(Effect.QUALIFIES).name) == ()
    for name in COACHING:
        for advice in coaching(name):
            assert advice.title and advice.items
            assert all(item.name and item.seed and item.text for item in advice.items)
