"""The seed's concession rules: ours should shrink step by step on each term (a wider one is flagged,
not refused), and none passes our bottom line unless an override reason is given."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from eventsourcing.domain import Snapshot

from dealbook import ACTOR, act, deal_in, refused
from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.events import BottomLineSet, Conceded
from dealflow.cli.errors import CLI


def _concede(deal, term: str = "price", by: str = "us", **concession) -> Conceded:
    conceded = deal.concede(term=term, by=by, actor=ACTOR, **concession)
    assert deal.collect_events() == [conceded]
    return conceded


def _flags(deal, steps: list[tuple[str, str, str, str]]) -> list[bool]:
    return [_concede(deal, term, by, before=before, after=after).widened for term, by, before, after in steps]


@pytest.fixture
def deal():
    return deal_in("commitment")


def test_a_concession_records_its_term_side_values_size_and_round(deal):
    conceded = _concede(deal, before="120000", after="115000.50")
    assert (conceded.term, conceded.by, conceded.before, conceded.after) == ("price", "us", 120000, Decimal("115000.5"))
    assert (conceded.size, conceded.round) == (Decimal("4999.50"), 1)
    assert not conceded.widened and not conceded.past_bottom_line
    assert deal.state == "commitment.negotiate"


def test_our_shrinking_concessions_are_not_flagged(deal):
    steps = [("price", "us", "1000", "950"), ("price", "us", "950", "920"), ("price", "us", "920", "910")]
    assert _flags(deal, steps) == [False, False, False]


def test_a_concession_of_ours_larger_than_our_previous_one_on_that_term_is_flagged_not_refused(deal):
    assert _flags(deal, [("price", "us", "1000", "950"), ("price", "us", "950", "890")]) == [False, True]
    assert deal.our_last_concession == {"price": Decimal("60")}


def test_a_concession_the_same_size_as_our_previous_one_is_not_flagged(deal):
    assert _flags(deal, [("price", "us", "1000", "950"), ("price", "us", "950", "900")]) == [False, False]


def test_the_customers_concessions_are_never_flagged_and_do_not_count_as_ours(deal):
    steps = [("price", "us", "1000", "990"), ("price", "customer", "800", "900"), ("price", "customer", "900", "985")]
    assert _flags(deal, [*steps, ("price", "us", "990", "985")]) == [False, False, False, False]


def test_each_term_is_judged_against_our_previous_concession_on_that_term_only(deal):
    steps = [("price", "us", "1000", "990"), ("payment", "us", "30", "60"), ("delivery", "us", "8", "6")]
    assert _flags(deal, steps) == [False, False, False]
    assert _flags(deal, [("payment", "us", "60", "75"), ("price", "us", "990", "970")]) == [False, True]


def test_rounds_count_per_term_unless_given(deal):
    assert _concede(deal, before="1000", after="990").round == 1
    assert _concede(deal, by="customer", before="800", after="850").round == 2
    assert _concede(deal, term="payment", before="30", after="45").round == 1
    assert _concede(deal, before="990", after="985", round=7).round == 7
    assert _concede(deal, before="985", after="984").round == 8


# --- our bottom line ----------------------------------------------------------------------------


def test_a_bottom_line_is_set_while_preparing_the_negotiation(deal):
    act(deal, "negotiate", {"step": "prepare"})
    deal.set_bottom_line("price", "95000", actor=ACTOR)
    [_, event] = deal.collect_events()
    assert isinstance(event, BottomLineSet)
    assert deal.bottom_lines == {"price": Decimal("95000")}


def test_conceding_price_below_our_bottom_line_is_refused_saying_how_to_override(deal):
    deal.set_bottom_line("price", "95000", actor=ACTOR)
    deal.collect_events()
    says = "conceding price to 94000 passes our bottom line of 95000: give --override REASON to record it anyway"
    with refused(deal, says=says):
        deal.concede(term="price", by="us", before="100000", after="94000", actor=ACTOR)


def test_conceding_price_down_to_our_bottom_line_exactly_is_allowed(deal):
    deal.set_bottom_line("price", "95000", actor=ACTOR)
    deal.collect_events()
    assert not _concede(deal, before="100000", after="95000").past_bottom_line


def test_a_concession_past_our_bottom_line_is_recorded_with_an_override_reason(deal):
    deal.set_bottom_line("price", "95000", actor=ACTOR)
    deal.collect_events()
    conceded = _concede(deal, before="100000", after="94000", override="  three-year framework agreement ")
    assert conceded.past_bottom_line
    assert conceded.override == "three-year framework agreement"


def test_a_blank_override_reason_does_not_count(deal):
    deal.set_bottom_line("price", "95000", actor=ACTOR)
    deal.collect_events()
    with refused(deal, says="passes our bottom line of 95000"):
        deal.concede(term="price", by="us", before="100000", after="94000", override="   ", actor=ACTOR)


def test_the_bottom_line_works_in_either_direction_payment_days_go_up(deal):
    deal.set_bottom_line("payment", "60", actor=ACTOR)
    deal.collect_events()
    with refused(deal, says="conceding payment to 90 passes our bottom line of 60"):
        deal.concede(term="payment", by="us", before="30", after="90", actor=ACTOR)
    assert not _concede(deal, term="payment", before="30", after="45").past_bottom_line
    assert not _concede(deal, term="payment", before="45", after="60").past_bottom_line


def test_the_customers_concessions_are_not_held_to_our_bottom_line(deal):
    deal.set_bottom_line("price", "95000", actor=ACTOR)
    deal.collect_events()
    assert not _concede(deal, by="customer", before="80000", after="90000").past_bottom_line


def test_a_bottom_line_on_one_term_does_not_bind_another(deal):
    deal.set_bottom_line("price", "95000", actor=ACTOR)
    deal.collect_events()
    assert not _concede(deal, term="delivery", before="100000", after="10").past_bottom_line


# --- the negotiation's steps --------------------------------------------------------------------


def test_a_deadlock_is_recorded_as_its_own_step(deal):
    act(deal, "negotiate", {"step": "deadlock"})
    act(deal, "negotiate", {"step": "deadlock"})
    assert deal.deadlocks == 2


def test_a_concession_is_not_recorded_as_a_bare_negotiation_step(deal):
    with refused(deal, InvalidInput, says="record a concession with `dealflow concede"):
        act(deal, "negotiate", {"step": "concede"})


@pytest.mark.parametrize(
    ("concession", "says"),
    [
        ({"term": "colour", "by": "us", "before": "1", "after": "2"}, "term must be one of price, payment, delivery"),
        ({"term": "price", "by": "both", "before": "1", "after": "2"}, "--by must be one of us, customer"),
        ({"term": "price", "by": "us", "before": "5", "after": "5.00"}, "--from and --to are both 5"),
        (
            {"term": "price", "by": "us", "before": "5", "after": "4", "round": 0},
            "--round must be from 1 to 999; got 0",
        ),
        ({"term": "price", "by": "us", "before": "five", "after": "4"}, "--from 'five' is not a number"),
    ],
    ids=["unknown-term", "unknown-side", "no-move", "round-zero", "bad-amount"],
)
def test_a_malformed_concession_is_refused(deal, concession: dict, says: str):
    with refused(deal, InvalidInput, says=says):
        deal.concede(actor=ACTOR, **concession)


@pytest.mark.parametrize("stage", ["value", "follow_up"])
def test_concessions_and_bottom_lines_belong_to_commitment(stage: str):
    deal = deal_in(stage)
    with refused(deal, says=f"concessions are recorded in commitment, while negotiating, and this deal is in {stage}"):
        deal.concede(term="price", by="us", before="100", after="90", actor=ACTOR)
    with refused(
        deal, says=f"a bottom line is set in commitment, while preparing the negotiation, and this deal is in {stage}"
    ):
        deal.set_bottom_line("price", "90", actor=ACTOR)


# --- where a concession starts, and which way it goes ----------------------------------------------


def test_a_concession_starts_where_that_side_last_stood_on_the_term(deal):
    _concede(deal, before="1000", after="950")
    _concede(deal, by="customer", before="700", after="750")
    says = "--from 1000 is not where we last stood on price (950): give --from 950, or --reason TEXT"
    with refused(deal, says=says):
        deal.concede(term="price", by="us", before="1000", after="900", actor=ACTOR)
    with refused(deal, says="--from 700 is not where the customer last stood on price (750): give --from 750"):
        deal.concede(term="price", by="customer", before="700", after="800", actor=ACTOR)
    assert _concede(deal, before="950", after="930").size == 20
    assert _concede(deal, by="customer", before="750", after="800").size == 50


def test_a_concession_from_elsewhere_is_recorded_with_its_reason_and_the_side_stands_where_it_went(deal):
    _concede(deal, before="1000", after="950")
    conceded = _concede(deal, before="1100", after="1050", reason="  scope grew by a plant ")
    assert (conceded.before, conceded.after, conceded.size, conceded.reason) == (
        1100,
        1050,
        50,
        "scope grew by a plant",
    )
    assert deal.concession_positions == {"price": {"us": Decimal("1050")}}
    with refused(deal, says="give --from 1050"):
        deal.concede(term="price", by="us", before="950", after="940", reason="   ", actor=ACTOR)


def test_a_concession_from_the_last_position_records_no_reason(deal):
    assert _concede(deal, before="1000", after="950").reason is None


@pytest.mark.parametrize(
    ("steps", "move", "says"),
    [
        ([("us", "1000", "950")], ("us", "950", "980"), "moving price from 950 to 980 is in our favour"),
        (
            [("us", "1000", "950")],
            ("customer", "800", "700"),
            "moving price from 800 to 700 is in the customer's favour",
        ),
        ([("customer", "800", "850")], ("us", "1000", "1100"), "moving price from 1000 to 1100 is in our favour"),
        ([("customer", "800", "850")], ("customer", "850", "820"), "is in the customer's favour"),
    ],
    ids=["ours-back", "theirs-toward-them", "ours-after-theirs", "theirs-back"],
)
def test_a_move_back_is_no_concession_and_the_refusal_points_to_a_counter_offer(deal, steps, move, says):
    for by, before, after in steps:
        _concede(deal, by=by, before=before, after=after)
    by, before, after = move
    with refused(deal, says=says) as caught:
        deal.concede(term="price", by=by, before=before, after=after, actor=ACTOR)
    assert (
        "a concession gives something up; record a counter-offer with `dealflow act DEAL negotiate --step exchange"
        in caught.value.render(CLI)
    )


def test_a_reason_does_not_let_a_move_back_pass_as_a_concession(deal):
    _concede(deal, before="1000", after="950")
    with refused(deal, says="is in our favour"):
        deal.concede(term="price", by="us", before="900", after="990", reason="re-quoted", actor=ACTOR)


def test_our_first_concession_goes_toward_our_bottom_line_and_a_move_away_is_not_called_past_it(deal):
    deal.set_bottom_line("price", "900", actor=ACTOR)
    deal.collect_events()
    with refused(deal, says="moving price from 1000 to 1100 is in our favour") as caught:
        deal.concede(term="price", by="us", before="1000", after="1100", actor=ACTOR)
    assert "bottom line" not in str(caught.value)
    assert not _concede(deal, before="1000", after="950").past_bottom_line


def test_each_term_has_its_own_direction(deal):
    _concede(deal, before="1000", after="950")
    assert _concede(deal, term="payment", before="30", after="45").size == 15
    assert deal.our_concession_directions == {"price": -1, "payment": 1}


def test_a_legacy_concession_is_judged_as_before_the_rules_on_where_it_starts_and_its_direction(deal):
    deal.set_bottom_line("price", "900", actor=ACTOR)
    deal.concede(term="price", by="us", before="1000", after="950", actor=ACTOR)
    conceded = deal.concede(
        term="price", by="us", before="1200", after="1250", override="as recorded", actor=ACTOR, legacy=True
    )
    assert conceded.past_bottom_line  # as the rules then flagged it
    assert "reason" not in vars(conceded)  # so that it exports as it was
    assert deal.concession_positions == {"price": {"us": Decimal("1250")}}


def test_a_deal_snapshotted_before_positions_were_kept_takes_its_next_concession_from_where_it_says(deal):
    _concede(deal, before="1000", after="950")
    snapshot = Snapshot.take(deal)
    kept_since = ("concession_positions", "our_concession_directions")
    before_positions = {k: v for k, v in snapshot.state.items() if k not in kept_since}
    loaded = replace(snapshot, state=before_positions).mutate(None)
    assert (loaded.concession_positions, loaded.our_concession_directions) == ({}, {})
    assert loaded.concession_rounds == {"price": 1}
    assert loaded.concede(term="price", by="us", before="1000", after="990", actor=ACTOR).size == 10
