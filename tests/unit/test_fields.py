"""Each of the 24 actions checks its fields against the playbook's table before anything is recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealbook import ACTOR, SAMPLE_FIELDS, act, deal_ready_for, refused
from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.events import ActionRecorded
from dealflow.playbook import ACTIONS, Action, Field, Kind


def _fields_of(*kinds: Kind, required: bool | None = None) -> list[tuple[Action, Field]]:
    return [
        pytest.param(action, field, id=f"{action.name}--{field.name}")
        for action in ACTIONS.values()
        for field in action.fields
        if (not kinds or field.kind in kinds) and (required is None or field.required is required)
    ]


EVERY_ACTION = pytest.mark.parametrize("action", ACTIONS.values(), ids=lambda action: action.name)


def test_the_samples_cover_every_action_and_only_its_own_fields():
    assert set(SAMPLE_FIELDS) == set(ACTIONS)
    for name, fields in SAMPLE_FIELDS.items():
        assert set(fields) <= {field.name for field in ACTIONS[name].fields}


@EVERY_ACTION
def test_every_action_records_valid_fields_typed(action: Action):
    deal = deal_ready_for(action.name)
    act(deal, action.name)
    [recorded] = [event for event in deal.collect_events() if isinstance(event, ActionRecorded)]
    assert recorded.action == action.name
    for field in action.fields:
        if field.name in recorded.fields:
            value = recorded.fields[field.name]
            expected = {
                Kind.YES_NO: bool,
                Kind.MONEY: Decimal,
                Kind.CHOICES: list,
                Kind.LIST: list,
                Kind.PAIRS: dict,
            }.get(field.kind, str)
            assert isinstance(value, expected), f"{field.name} was recorded as {value!r}"


@EVERY_ACTION
def test_every_action_has_a_required_field(action: Action):
    assert any(field.required for field in action.fields)


@pytest.mark.parametrize(("action", "field"), _fields_of(required=True))
@pytest.mark.parametrize("blank", [None, "", "   "], ids=["left-out", "empty", "spaces"])
def test_an_action_without_a_required_field_is_refused_naming_the_option(action: Action, field: Field, blank):
    deal = deal_ready_for(action.name)
    fields = {**SAMPLE_FIELDS[action.name], field.name: blank}
    with refused(deal, InvalidInput, says=f"{action.name} needs --{field.name.replace('_', '-')}"):
        act(deal, action.name, fields)


@EVERY_ACTION
def test_an_unknown_field_is_refused_listing_the_actions_fields(action: Action):
    deal = deal_ready_for(action.name)
    with refused(deal, InvalidInput, says=f"{action.name} has no field 'colour'") as caught:
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], "colour": "red"})
    for field in action.fields:
        assert field.name in str(caught.value)


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.CHOICE, Kind.CHOICES))
def test_a_value_outside_the_choices_is_refused_listing_them(action: Action, field: Field):
    deal = deal_ready_for(action.name)
    with refused(deal, InvalidInput, says=f"must be one of {', '.join(field.choices)}; got 'whatever'"):
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: "whatever"})


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.CHOICES))
def test_several_choices_are_given_comma_separated_and_each_is_checked(action: Action, field: Field):
    good, other = field.choices[:2]
    deal = deal_ready_for(action.name)
    act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: f"{good}, {other}"})
    [recorded] = [event for event in deal.collect_events() if isinstance(event, ActionRecorded)]
    assert recorded.fields[field.name] == [good, other]
    with refused(deal, InvalidInput, says="got 'nonsense'"):
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: f"{good},nonsense"})


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.YES_NO))
@pytest.mark.parametrize("answer", ["maybe", "si", "2"])
def test_a_yes_no_question_takes_only_yes_or_no(action: Action, field: Field, answer: str):
    deal = deal_ready_for(action.name)
    with refused(deal, InvalidInput, says=f"--{field.name} must be yes or no, not '{answer}'"):
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: answer})


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.YES_NO))
@pytest.mark.parametrize(
    ("answer", "meaning"), [("yes", True), ("Y", True), ("no", False), ("N", False), (True, True), (False, False)]
)
def test_yes_and_no_may_be_spelled_the_usual_ways(action: Action, field: Field, answer, meaning: bool):
    deal = deal_ready_for(action.name)
    act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: answer})
    assert deal.answers[field.name] is meaning


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.MONEY))
@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("twelve", "is not a number: write it like 1250.50"),
        ("1,000", "is not a number"),
        ("-5", "must be "),
        ("NaN", "is not a number"),
        ("١٢٣", "is not a number"),
        ("１２３", "is not a number"),
        ("100000000000000", "99,999,999,999,999.9999; got 100,000,000,000,000"),
        (1.5, "must be given as exact decimal text, not a float"),
        ("10.00001", "has more than 4 decimal places"),
        ("1e3", "is not a number: write it like 1250.50"),
    ],
    ids=[
        "words",
        "thousands-separator",
        "negative",
        "nan",
        "arabic-indic-digits",
        "full-width-digits",
        "too-large",
        "float",
        "too-precise",
        "exponent",
    ],
)
def test_a_bad_amount_is_refused_saying_how_to_write_one(action: Action, field: Field, amount, says: str):
    deal = deal_ready_for(action.name)
    with refused(deal, InvalidInput, says=says):
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: amount})


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.MONEY, required=True))
def test_an_amount_is_kept_as_an_exact_decimal(action: Action, field: Field):
    deal = deal_ready_for(action.name)
    act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: " 1250.10 "})
    [recorded] = [event for event in deal.collect_events() if isinstance(event, ActionRecorded)]
    assert recorded.fields[field.name] == Decimal("1250.10")


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.CURRENCY))
def test_a_currency_must_be_an_iso_4217_code(action: Action, field: Field):
    deal = deal_ready_for(action.name)
    with refused(deal, InvalidInput, says="is not an ISO 4217 code"):
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: "EURO"})


@pytest.mark.parametrize("count", [0, 1, 2, 6])
def test_a_demonstration_needs_three_to_five_key_points(count: int):
    deal = deal_ready_for("demonstrate")
    points = [f"point {n}" for n in range(count)]
    error = "needs --key-points" if count == 0 else f"needs at least 3 and at most 5 items; got {count}"
    with refused(deal, InvalidInput, says=error):
        act(deal, "demonstrate", {**SAMPLE_FIELDS["demonstrate"], "key_points": points})


@pytest.mark.parametrize("count", [3, 4, 5])
def test_a_demonstration_with_three_to_five_key_points_is_recorded(count: int):
    deal = deal_ready_for("demonstrate")
    points = [f"point {n}" for n in range(count)]
    act(deal, "demonstrate", {**SAMPLE_FIELDS["demonstrate"], "key_points": points})
    [recorded] = deal.collect_events()
    assert recorded.fields["key_points"] == points


def test_blank_key_points_do_not_count():
    deal = deal_ready_for("demonstrate")
    with refused(deal, InvalidInput, says="got 2"):
        act(deal, "demonstrate", {**SAMPLE_FIELDS["demonstrate"], "key_points": ["uptime", " ", "reports"]})


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.PAIRS))
@pytest.mark.parametrize("item", ["uptime", "=99.9%", "uptime=", "="])
def test_a_criterion_must_be_written_name_equals_requirement(action: Action, field: Field, item: str):
    deal = deal_ready_for(action.name)
    with refused(deal, InvalidInput, says=f"takes NAME=REQUIREMENT, e.g. 'uptime=99.9%'; got '{item}'"):
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: ["price=fixed for 3 years", item]})


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.PAIRS))
@pytest.mark.parametrize("pairs", [{"uptime": ""}, {"": "99.9%"}, {" ": " "}])
def test_criteria_given_as_a_mapping_are_checked_the_same_way(action: Action, field: Field, pairs: dict[str, str]):
    deal = deal_ready_for(action.name)
    with refused(deal, InvalidInput, says="takes NAME=REQUIREMENT"):
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: pairs})


def test_criteria_are_recorded_by_name_and_accumulate():
    deal = deal_ready_for("set-criteria")
    act(deal, "set-criteria", {"criteria": [" uptime = 99.9% ", "response=4h"]})
    act(deal, "set-criteria", {"criteria": {"uptime": "99.95%", "training": "two days"}})
    assert deal.criteria == {"uptime": "99.95%", "response": "4h", "training": "two days"}


@pytest.mark.parametrize(("action", "field"), _fields_of(Kind.CHOICES, Kind.PAIRS))
def test_a_choice_or_criterion_given_a_number_is_refused_not_crashed(action: Action, field: Field):
    deal = deal_ready_for(action.name)
    with refused(deal, InvalidInput, says="got '7'"):
        act(deal, action.name, {**SAMPLE_FIELDS[action.name], field.name: 7})


def test_a_list_given_one_value_records_it_as_one_item():
    deal = deal_ready_for("shape-solution")
    act(deal, "shape-solution", {"outline": "MES rollout", "products": "MES licence"})
    act(deal, "shape-solution", {"outline": "MES rollout", "products": 7})
    assert [event.fields["products"] for event in deal.collect_events()] == [["MES licence"], ["7"]]


def test_text_is_stored_without_surrounding_spaces():
    deal = deal_ready_for("develop-guide")
    deal.record_action("develop-guide", {"contact": "  Marta Ruiz ", "position": " CIO"}, actor=ACTOR)
    [recorded] = deal.collect_events()
    assert recorded.fields == {"contact": "Marta Ruiz", "position": "CIO"}


def test_blank_optional_fields_are_left_out():
    deal = deal_ready_for("develop-guide")
    deal.record_action("develop-guide", {"contact": "Marta Ruiz", "position": "  "}, actor=ACTOR)
    [recorded] = deal.collect_events()
    assert recorded.fields == {"contact": "Marta Ruiz"}


def test_an_unknown_action_is_refused_pointing_to_the_list():
    deal = deal_ready_for("develop-guide")
    with refused(deal, InvalidInput, says="unknown action 'cold-call'"):
        deal.record_action("cold-call", {}, actor=ACTOR)
