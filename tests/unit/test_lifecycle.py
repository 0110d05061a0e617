"""The lifecycle machine is generated from the playbook and guards every command of a deal."""

from __future__ import annotations

from datetime import date

import pytest

from dealbook import (
    ACTOR,
    INVOICE,
    NEGOTIATION,
    REQUEST,
    act,
    advance_to,
    deal_in,
    opened,
    refused,
)
from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.events import ActionRecorded, Closed, Lost, Reopened, SteppedBack
from dealflow.aggregates.lifecycle import lifecycle
from dealflow.playbook import (
    ACTIONS,
    CLOSED,
    ENTERED,
    LOST,
    OPEN_STAGE_NAMES,
    STAGE_NAMES,
    STAGE_OF_ACTION,
    STAGES,
    WON_STAGE,
    Move,
    Record,
    Status,
)

# Every command a deal takes, each with arguments that would be valid in the right state.
EVERY_COMMAND = {
    **{name: (lambda deal, name=name: act(deal, name)) for name in ACTIONS},
    Move.ADVANCE: lambda deal: deal.advance(actor=ACTOR, evidence=REQUEST),
    Move.BACK: lambda deal: deal.step_back(STAGE_NAMES[0], reason="the budget moved", actor=ACTOR),
    Move.LOSE: lambda deal: deal.lose(reason="budget", actor=ACTOR),
    Move.REOPEN: lambda deal: deal.reopen(reason="budget approved after all", actor=ACTOR),
    Move.SIGN: lambda deal: deal.sign(amount="1000", actor=ACTOR),
    Record.NOTE: lambda deal: deal.note("called the customer", actor=ACTOR),
    Record.ASSIGN: lambda deal: deal.assign("bruno", actor=ACTOR),
    Record.FORECAST: lambda deal: deal.forecast(close_by=date(2031, 1, 31), actor=ACTOR),
    Record.BUYING_STAGE: lambda deal: deal.update_buying_stage("evaluation", actor=ACTOR),
    "bottom-line": lambda deal: deal.set_bottom_line("price", "900", actor=ACTOR),
    "concede": lambda deal: deal.concede(term="price", by="us", before="1000", after="990", actor=ACTOR),
    "invoice": lambda deal: deal.invoice("INV-9", amount="10", due=date.today(), actor=ACTOR),
    "pay": lambda deal: deal.pay(INVOICE, amount="1", actor=ACTOR),
    "write-off": lambda deal: deal.write_off(INVOICE, reason="disputed", actor=ACTOR),
}


def _closed_deal():
    deal = deal_in("follow_up", signed="1000")
    deal.invoice(INVOICE, amount="1000", due=date.today(), actor=ACTOR)
    deal.pay(INVOICE, amount="1000", actor=ACTOR)
    deal.collect_events()
    assert deal.state == CLOSED
    return deal


def _lost_deal(stage: str = "value"):
    deal = deal_in(stage)
    deal.lose(reason="competitor", competitor="Globex", actor=ACTOR)
    deal.collect_events()
    return deal


# --- the machine is the playbook's -----------------------------------------------------------


def test_every_stage_is_a_compound_state_of_entered_and_its_four_actions():
    machine = lifecycle().machine
    for stage in STAGES:
        state = machine.get_state(stage.name)
        assert list(state.states) == [ENTERED, *(action.name for action in stage.actions)]
        assert state.initial == ENTERED
    assert list(machine.states) == [*STAGE_NAMES, LOST, CLOSED]
    assert not machine.get_state(LOST).states and not machine.get_state(CLOSED).states


def test_the_machine_knows_exactly_the_playbooks_actions_moves_and_records():
    assert set(lifecycle().machine.events) == set(ACTIONS) | set(Move) | set(Record)


def test_the_machine_is_built_once_and_never_bound_to_a_deal():
    assert lifecycle() is lifecycle()
    advance_to(opened(), "follow_up")
    assert lifecycle().machine.models == []


def test_a_new_deal_stands_at_the_entry_of_the_first_stage():
    deal = opened()
    assert (deal.state, deal.stage, deal.action, deal.status) == ("analysis.entered", "analysis", ENTERED, Status.OPEN)


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_moves_the_deal_to_its_sub_state_of_the_stage(action: str):
    stage = STAGE_OF_ACTION[action].name
    deal = deal_in(stage)
    if action == "collect":
        deal.invoice(INVOICE, amount="1000", due=date.today(), actor=ACTOR)
    act(deal, action)
    assert (deal.state, deal.stage, deal.action) == (f"{stage}.{action}", stage, action)


def test_a_stages_actions_may_be_done_in_any_order_and_any_number_of_times():
    deal = opened()
    for action in ["qualify", "develop-guide", "qualify", "collect-info", "collect-info", "map-stakeholder"]:
        act(deal, action)
        assert deal.state == f"analysis.{action}"
    assert [event.action for event in deal.collect_events()[1:]][-2:] == ["collect-info", "map-stakeholder"]


@pytest.mark.parametrize(
    ("stage", "action"),
    [(stage, action) for stage in STAGE_NAMES for action in ACTIONS if STAGE_OF_ACTION[action].name != stage],
)
def test_an_action_of_another_stage_is_refused_naming_its_stage(stage: str, action: str):
    deal = deal_in(stage)
    home = STAGE_OF_ACTION[action].name
    article = "an" if home == "analysis" else "a"
    with refused(deal, says=f"{action} is {article} {home} action and this deal is in {stage}") as caught:
        act(deal, action)
    assert "the method allows " + ", ".join(lifecycle().allowed(deal.state)) in str(caught.value)


@pytest.mark.parametrize(
    ("stage", "record"),
    [
        (stage, record)
        for stage in STAGE_NAMES
        for record in Record
        if not (record is Record.FORECAST and stage == WON_STAGE.name)  # a signed deal's value is what was signed
    ],
)
def test_cross_cutting_records_are_allowed_in_every_open_stage_and_do_not_move_the_deal(stage: str, record: str):
    deal = deal_in(stage)
    state = deal.state
    EVERY_COMMAND[record](deal)
    [event] = deal.collect_events()
    assert deal.state == event.state == state


def test_a_signed_deal_takes_no_forecast_its_value_is_the_signed_amount():
    deal = deal_in(WON_STAGE.name, signed="90000")
    says = f"this deal is signed for 90000 EUR on {deal.signed_on}: its value is the signed amount"
    with refused(deal, says=says):
        deal.forecast(value="120000", actor=ACTOR)
    with refused(deal, says="a forecast is for a deal not yet signed"):
        deal.forecast(close_by=date(2031, 1, 31), actor=ACTOR)


# --- back -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "earlier"),
    [(stage, earlier) for index, stage in enumerate(OPEN_STAGE_NAMES) for earlier in OPEN_STAGE_NAMES[:index]],
)
def test_back_steps_an_open_deal_to_an_earlier_stage_as_a_recorded_regression(stage: str, earlier: str):
    deal = deal_in(stage)
    deal.step_back(earlier, reason="the sponsor left", actor=ACTOR)
    [event] = deal.collect_events()
    assert isinstance(event, SteppedBack)
    assert event.reason == "the sponsor left"
    assert deal.state == f"{earlier}.{ENTERED}"
    assert deal.regressions == 1


@pytest.mark.parametrize(
    ("stage", "later"),
    [(stage, later) for index, stage in enumerate(OPEN_STAGE_NAMES) for later in OPEN_STAGE_NAMES[index:] if index],
)
def test_back_to_the_same_or_a_later_stage_is_refused_naming_the_earlier_ones(stage: str, later: str):
    deal = deal_in(stage)
    earlier = ", ".join(OPEN_STAGE_NAMES[: OPEN_STAGE_NAMES.index(stage)])
    with refused(deal, says=f"cannot go back from {stage} to '{later}': choose an earlier stage, one of {earlier}"):
        deal.step_back(later, reason="wrong stage", actor=ACTOR)


def test_the_first_stage_has_nothing_to_go_back_to():
    deal = opened()
    with refused(deal, says="cannot back: this deal is in analysis"):
        deal.step_back("analysis", reason="again", actor=ACTOR)


@pytest.mark.parametrize("to", OPEN_STAGE_NAMES)
def test_a_signed_deal_never_goes_back(to: str):
    deal = deal_in("follow_up")
    with refused(deal, says="cannot back: this deal is in follow_up"):
        deal.step_back(to, reason="the customer wants to renegotiate", actor=ACTOR)


def test_back_needs_a_known_stage_and_a_reason():
    deal = deal_in("value")
    with refused(deal, InvalidInput, says="stage must be one of analysis, trust"):
        deal.step_back("discovery", reason="x", actor=ACTOR)
    with refused(deal, InvalidInput, says="give a --reason for stepping back"):
        deal.step_back("trust", reason="  ", actor=ACTOR)


# --- lose and reopen ----------------------------------------------------------------------------


@pytest.mark.parametrize("stage", OPEN_STAGE_NAMES)
def test_a_deal_lost_in_a_stage_is_reopened_in_that_stage(stage: str):
    deal = deal_in(stage)
    deal.lose(reason="competitor", competitor="Globex", actor=ACTOR)
    [lost] = deal.collect_events()
    assert isinstance(lost, Lost)
    assert (deal.state, deal.status, deal.stage) == (LOST, Status.LOST, None)
    assert (deal.lost_from, deal.lost_reason, deal.competitor) == (stage, "competitor", "Globex")

    deal.reopen(reason="Globex could not deliver", actor=ACTOR)
    [reopened] = deal.collect_events()
    assert isinstance(reopened, Reopened)
    assert (deal.state, deal.status) == (f"{stage}.{ENTERED}", Status.OPEN)
    assert (deal.lost_from, deal.lost_reason, deal.competitor) == (None, None, None)


def test_a_reopened_deal_keeps_what_it_had_recorded_in_its_stage():
    deal = deal_in("needs")
    act(deal, "explore-goals")
    act(deal, "diagnose-problem")
    deal.lose(reason="timing", actor=ACTOR)
    deal.reopen(reason="new budget year", actor=ACTOR)
    assert {"explore-goals", "diagnose-problem"} <= set(deal.actions_done)
    with refused(deal, says="cannot leave needs: shape-solution has not been recorded; set-criteria has not"):
        deal.advance(actor=ACTOR, evidence=REQUEST)


def test_a_signed_deal_cannot_be_lost():
    deal = deal_in("follow_up")
    with refused(deal, says="cannot lose: this deal is in follow_up"):
        deal.lose(reason="price", actor=ACTOR)


def test_a_deal_is_lost_for_one_of_the_methods_reasons():
    deal = deal_in("trust")
    with refused(deal, InvalidInput, says="--reason must be one of price, product-fit, competitor"):
        deal.lose(reason="bad luck", actor=ACTOR)


def test_only_a_lost_deal_can_be_reopened():
    deal = deal_in("trust")
    with refused(deal, says="cannot reopen: this deal is in trust"):
        deal.reopen(reason="why not", actor=ACTOR)


def test_a_lost_deal_allows_only_reopen():
    assert lifecycle().allowed(LOST) == [Move.REOPEN]
    assert _lost_deal().allowed() == [Move.REOPEN]


@pytest.mark.parametrize("command", [name for name in EVERY_COMMAND if name != Move.REOPEN])
def test_every_command_but_reopen_is_refused_on_a_lost_deal(command: str):
    deal = _lost_deal()
    with refused(deal, says="this deal is lost; the method allows reopen"):
        EVERY_COMMAND[command](deal)


def test_what_a_deal_allows_are_commands_a_user_can_give_closing_is_not_one():
    deal = deal_in("follow_up")
    assert deal.allowed() == [*(action.name for action in STAGES[-1].actions), *Record]
    with refused(deal, says="the method allows confirm-satisfaction, request-referral, referral-sale, collect, note"):
        deal.lose(reason="price", actor=ACTOR)


def test_a_closed_deal_allows_nothing():
    assert lifecycle().allowed(CLOSED) == []
    assert _closed_deal().allowed() == []


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_every_command_is_refused_on_a_closed_deal(command: str):
    deal = _closed_deal()
    with refused(deal, says="this deal is closed; the method allows nothing more"):
        EVERY_COMMAND[command](deal)


# --- the whole method -----------------------------------------------------------------------


def test_the_full_path_from_opened_to_closed_through_all_24_actions():
    deal = opened(value="100000", currency="EUR")
    states = [deal.state]

    def record(command, *args, **kwargs):
        command(*args, **kwargs)
        states.append(deal.state)

    for stage in STAGES:
        for action in stage.actions:
            if action.name == "collect":
                record(deal.invoice, "INV-1", amount="60000", due=date.today(), actor=ACTOR)
                record(deal.invoice, "INV-2", amount="60000", due=date.today(), actor=ACTOR)
            record(act, deal, action.name)
        if stage.name == "commitment":
            record(deal.sign, amount="120000", terms="30 days net", actor=ACTOR)
        elif stage.name != "follow_up":
            evidence = {"needs": REQUEST, "value": NEGOTIATION}.get(stage.name)
            record(deal.advance, evidence=evidence, actor=ACTOR)
    record(deal.pay, "INV-1", amount="60000", actor=ACTOR)
    assert deal.status is Status.WON, "half paid: still in follow-up"
    record(deal.pay, "INV-2", amount="59000", actor=ACTOR)
    record(deal.write_off, "INV-2", reason="goodwill for a late delivery", actor=ACTOR)

    assert deal.status is Status.CLOSED
    assert deal.actions_done == sorted(ACTIONS)
    assert {f"{STAGE_OF_ACTION[action].name}.{action}" for action in ACTIONS} <= set(states), "every sub-state visited"
    assert [state for state in states if state.endswith(ENTERED)] == [f"{stage}.{ENTERED}" for stage in STAGE_NAMES]
    assert states[-1] == CLOSED
    assert deal.referrals == ["D-0900"]
    assert (deal.signed_amount, deal.value, deal.open_balance) == (120000, 120000, 0)
    events = deal.collect_events()
    assert sum(isinstance(event, ActionRecorded) for event in events) == len(ACTIONS)
    order = [*STAGE_NAMES, CLOSED]
    stages = [order.index(event.state.split(".")[0]) for event in events]
    assert stages == sorted(stages), "the happy path never steps back"
    assert isinstance(events[-1], Closed)


# --- referral sale ------------------------------------------------------------------------------


def test_a_referral_sale_opens_a_new_deal_linked_to_this_one():
    deal = deal_in("follow_up")
    referred = deal.refer({"account": "Initech", "value": "5000"}, new_deal_id="D-0002", actor=ACTOR)
    assert deal.referrals == ["D-0002"] and deal.action == "referral-sale"
    assert (referred.deal_id, referred.account, referred.referred_by) == ("D-0002", "Initech", deal.deal_id)
    assert (referred.state, referred.value, referred.currency) == ("analysis.entered", 5000, "EUR")
    assert referred.owner == deal.owner
    assert referred.title == "referral from Acme Corp"


def test_a_referral_sale_with_a_bad_new_deal_id_changes_nothing():
    deal = deal_in("follow_up")
    with refused(deal, InvalidInput, says="deal id 'not an id!' must be 1-40 letters"):
        deal.refer({"account": "Initech"}, new_deal_id="not an id!", actor=ACTOR)
