"""The agenda's order and the facts its exit-signal items come from, without a store: money owed comes
first, then passed close dates, stalled deals and exit signals; the longest waiting first within each;
the exit-signal items of the deals nearest signing first; and the facts folded from stored events say
what `show` says of the deal."""

from __future__ import annotations

import random
from typing import Any

from dealflow.coaching import LEVELS, PROPOSAL_PARTS
from dealflow.projections.decode import Event
from dealflow.projections.signals import SignalFacts, fold
from dealflow.reports.agenda import CLOSE_PASSED, EXIT_SIGNAL, KINDS, OVERDUE, STALLED, advice, urgency


def item(kind: str, deal: str, days: int, stage: str | None = "needs", invoice: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "deal": deal, "days": days, "stage": stage, "invoice": invoice}


def ranked(items: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    shuffled = list(items)
    random.Random(7).shuffle(shuffled)
    return [(found["kind"], found["deal"], found["days"]) for found in sorted(shuffled, key=urgency)]


def test_an_invoice_a_day_overdue_comes_before_a_deal_stalled_for_a_year() -> None:
    items = [
        item(EXIT_SIGNAL, "D-1", 400, "commitment"),
        item(STALLED, "D-2", 365),
        item(CLOSE_PASSED, "D-3", 90),
        item(OVERDUE, "D-4", 1, "follow_up", "INV-1"),
    ]
    assert [kind for kind, _, _ in ranked(items)] == list(KINDS)


def test_within_a_kind_the_longest_waiting_comes_first_then_the_deal_id() -> None:
    items = [item(STALLED, "D-2", 40), item(STALLED, "D-1", 40), item(STALLED, "D-3", 90), item(STALLED, "D-4", 31)]
    assert ranked(items) == [(STALLED, "D-3", 90), (STALLED, "D-1", 40), (STALLED, "D-2", 40), (STALLED, "D-4", 31)]


def test_two_overdue_invoices_of_one_deal_and_one_day_go_by_invoice() -> None:
    items = [item(OVERDUE, "D-1", 10, "follow_up", "INV-2"), item(OVERDUE, "D-1", 10, "follow_up", "INV-1")]
    assert [found["invoice"] for found in sorted(items, key=urgency)] == ["INV-1", "INV-2"]


def test_exit_signal_items_of_the_deal_nearest_signing_come_first_however_long_the_others_waited() -> None:
    items = [
        item(EXIT_SIGNAL, "D-1", 200, "analysis"),
        item(EXIT_SIGNAL, "D-2", 3, "commitment"),
        item(EXIT_SIGNAL, "D-3", 30, "needs"),
        item(EXIT_SIGNAL, "D-4", 60, "needs"),
    ]
    assert [deal for _, deal, _ in ranked(items)] == ["D-2", "D-4", "D-3", "D-1"]


def test_a_deals_items_keep_the_checklists_order() -> None:
    items = [{**item(EXIT_SIGNAL, "D-1", 5), "step": step} for step in ("explore-goals", "set-criteria", "evidence")]
    assert [found["step"] for found in sorted(items, key=urgency)] == ["explore-goals", "set-criteria", "evidence"]


# --- the facts the items come from ---------------------------------------------------------------------

DAY = "2026-03-02"


def event(version: int, kind: str, state: str, **data: Any) -> Event:
    opening = {"deal_id": "D-1"} if kind == "Opened" else {}
    return Event(version, "d" * 32, version, kind, None, {"effective_on": DAY, "state": state, **opening, **data})


def acted(version: int, action: str, state: str, **fields: Any) -> Event:
    return event(version, "ActionRecorded", state, action=action, fields=fields)


YES = {"opportunity": True, "solution": True, "winnable": True, "worth": True}


def test_a_new_deal_misses_its_qualification_then_in_trust_a_decision_level_stakeholder() -> None:
    facts = fold([event(1, "Opened", "analysis.entered")])
    assert facts is not None
    assert facts.missing() == ["qualify has not been recorded: answer its four questions"]
    facts.state = "trust.entered"
    assert facts.missing() == [
        "no stakeholder is mapped at the decision level: go back to analysis and map one with map-stakeholder "
        "--level decision"
    ]


def test_the_latest_qualification_counts_and_a_stakeholders_level_is_kept_when_remapped_without_one() -> None:
    facts = fold(
        [
            event(1, "Opened", "analysis.entered"),
            acted(2, "qualify", "analysis.qualify", **YES),
            acted(3, "qualify", "analysis.qualify", **{**YES, "winnable": False}),
            acted(4, "map-stakeholder", "analysis.map-stakeholder", contact="Eva Ruiz", level="decision"),
            acted(5, "map-stakeholder", "analysis.map-stakeholder", contact="eva ruiz", roles="evaluator"),
        ]
    )
    assert facts is not None
    assert facts.missing() == ["qualify has not answered yes to 'can we win?'"]
    assert facts.stakeholders == {"eva ruiz": {"contact": "eva ruiz", "level": "decision"}}


def test_a_relationship_keeps_the_highest_level_reached_and_names_the_key_people() -> None:
    history = [
        event(1, "Opened", "analysis.entered"),
        acted(2, "map-stakeholder", "analysis.map-stakeholder", contact="Eva", level="decision"),
        acted(3, "qualify", "analysis.qualify", **YES),
        event(4, "Advanced", "trust.entered", evidence=None),
        acted(5, "build-trust", "trust.build-trust", contact="Eva", activity="social"),
        acted(6, "acquaint", "trust.acquaint", contact="eva", activity="phone"),
    ]
    facts = fold(history)
    assert facts is not None and facts.relationships == {"eva": "build-trust"}
    assert facts.missing() == []
    facts = fold(history[:4])
    assert facts is not None
    assert facts.missing() == ["no decision-level stakeholder (Eva) has reached build-trust or ally"]


def test_a_deal_won_lost_or_closed_misses_nothing() -> None:
    for state in ("follow_up.entered", "lost", "closed"):
        assert SignalFacts("D-1", state, 1).missing() == []
        assert SignalFacts("D-1", state, 1).stage is None


def test_the_facts_kept_are_read_back_as_they_were() -> None:
    import json

    facts = fold(
        [
            event(1, "Opened", "analysis.entered"),
            acted(2, "map-stakeholder", "analysis.map-stakeholder", contact="Eva", level="decision"),
            event(3, "BottomLineSet", "analysis.map-stakeholder", term="price", value="10"),
        ]
    )
    assert facts is not None and "negotiate" in facts.actions_done
    again = SignalFacts(facts.deal_id, facts.state, facts.since, json.loads(facts.kept()))
    assert (again.answers, again.stakeholders, again.relationships, again.actions_done) == (
        facts.answers,
        facts.stakeholders,
        facts.relationships,
        facts.actions_done,
    )


def test_an_item_that_names_a_level_to_reach_or_the_proposal_carries_the_seeds_advice_for_it() -> None:
    trust = advice("trust", "no decision-level stakeholder (Eva) has reached build-trust or ally")
    assert trust is not None and all(f"{level.name} [{level.seed}]: {level.text}" in trust for level in LEVELS[2:])
    assert LEVELS[0].text not in trust  # acquaint is not named
    proposal = advice("value", "submit-proposal has not been recorded")
    assert proposal is not None and all(part.text in proposal for part in PROPOSAL_PARTS)
    assert advice("needs", "set-criteria has not been recorded") is None
    assert advice("trust", "no stakeholder is mapped at the decision level: go back to analysis") is None
