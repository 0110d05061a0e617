"""Every record has the date it happened (default today, never in the future, never before the
deal's last stage change) besides the time it was recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dealbook import ACTOR, INVOICE, NEGOTIATION, QUALIFY, act, days_ago, deal_in, opened, refused
from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.settings import Settings

TOMORROW = date.today() + timedelta(days=1)
LATER = date.today() + timedelta(days=60)


def _commitment(on: date | None = None):
    return deal_in("commitment", on=on)


def _signed(on: date | None = None):
    return deal_in("follow_up", signed="1000", on=on)


def _invoiced(on: date | None = None):
    deal = _signed(on)
    deal.invoice(INVOICE, amount="1000", issued=on, due=date.today(), actor=ACTOR)
    deal.collect_events()
    return deal


# Dated commands, each on a deal where it is otherwise allowed.
DATED = {
    "action": (_commitment, lambda deal, on: act(deal, "promote-close", on=on)),
    "note": (_commitment, lambda deal, on: deal.note("called", actor=ACTOR, on=on)),
    "assign": (_commitment, lambda deal, on: deal.assign("bruno", actor=ACTOR, on=on)),
    "forecast": (_commitment, lambda deal, on: deal.forecast(value="1", actor=ACTOR, on=on)),
    "buying-stage": (_commitment, lambda deal, on: deal.update_buying_stage("commitment", actor=ACTOR, on=on)),
    "bottom-line": (_commitment, lambda deal, on: deal.set_bottom_line("price", "1", actor=ACTOR, on=on)),
    "concede": (
        _commitment,
        lambda deal, on: deal.concede(term="price", by="us", before="2", after="1", actor=ACTOR, on=on),
    ),
    "back": (_commitment, lambda deal, on: deal.step_back("value", reason="x", actor=ACTOR, on=on)),
    "lose": (_commitment, lambda deal, on: deal.lose(reason="price", actor=ACTOR, on=on)),
    "sign": (_commitment, lambda deal, on: deal.sign(amount="1000", actor=ACTOR, on=on)),
    "invoice": (_signed, lambda deal, on: deal.invoice("INV-2", amount="10", due=LATER, actor=ACTOR, on=on)),
    "pay": (_invoiced, lambda deal, on: deal.pay(INVOICE, amount="1", actor=ACTOR, on=on)),
    "write-off": (_invoiced, lambda deal, on: deal.write_off(INVOICE, reason="x", actor=ACTOR, on=on)),
}


def test_a_record_is_dated_today_by_default_and_stamped_when_recorded():
    before = datetime.now(UTC)
    deal = opened()
    deal.note("first call", actor="bruno")
    opened_event, note = deal.collect_events()
    assert opened_event.effective_on == note.effective_on == deal.opened_on == date.today()
    assert note.actor == "bruno" and opened_event.actor == "ana"
    assert note.timestamp.tzinfo is not None and before <= note.timestamp <= datetime.now(UTC)


def test_a_deal_may_be_opened_back_dated_to_any_past_day():
    deal = opened(on=date(2019, 3, 1))
    assert deal.opened_on == deal.stage_changed_on == date(2019, 3, 1)
    deal.note("the first meeting", actor=ACTOR, on=date(2019, 3, 1))
    assert deal.collect_events()[-1].effective_on == date(2019, 3, 1)


def test_a_deal_is_not_opened_in_the_future():
    with pytest.raises(InvalidInput, match="is in the future: records are dated today"):
        opened(on=TOMORROW)


@pytest.mark.parametrize("command", DATED)
def test_no_record_is_dated_in_the_future(command: str):
    make, run = DATED[command]
    deal = make()
    with refused(deal, InvalidInput, says=f"--on {TOMORROW} is in the future: records are dated today"):
        run(deal, TOMORROW)


@pytest.mark.parametrize("command", DATED)
def test_no_record_is_dated_before_the_deals_last_stage_change(command: str):
    make, run = DATED[command]
    deal = make(on=days_ago(10))
    change = days_ago(10)
    with refused(deal, says=f"--on {days_ago(11)} is before this deal's last stage change on {change}: date it"):
        run(deal, days_ago(11))


@pytest.mark.parametrize("command", DATED)
def test_a_record_may_be_dated_on_the_day_of_the_last_stage_change(command: str):
    make, run = DATED[command]
    deal = make(on=days_ago(10))
    run(deal, days_ago(10))
    assert all(event.effective_on == days_ago(10) for event in deal.collect_events())


def test_within_a_stage_records_may_be_back_dated_in_any_order():
    deal = opened(on=days_ago(30))
    act(deal, "collect-info", on=days_ago(5))
    act(deal, "develop-guide", on=days_ago(20))
    assert [event.effective_on for event in deal.collect_events()[1:]] == [days_ago(5), days_ago(20)]
    assert deal.action == "develop-guide", "the sub-state is the action recorded last"


def test_a_stage_change_moves_the_earliest_date_a_record_may_take():
    deal = opened(on=days_ago(30))
    act(deal, "map-stakeholder", on=days_ago(25))
    act(deal, QUALIFY, on=days_ago(25))
    deal.advance(actor=ACTOR, on=days_ago(20))
    assert deal.stage_changed_on == days_ago(20)
    with refused(deal, says=f"last stage change on {days_ago(20)}"):
        act(deal, "ally", on=days_ago(21))


def test_reopening_is_not_dated_before_the_loss():
    deal = deal_in("value", on=days_ago(30))
    deal.lose(reason="timing", actor=ACTOR, on=days_ago(10))
    with refused(deal, says=f"last stage change on {days_ago(10)}"):
        deal.reopen(reason="budget back", actor=ACTOR, on=days_ago(11))
    deal.reopen(reason="budget back", actor=ACTOR, on=days_ago(2))
    assert deal.stage_changed_on == days_ago(2)


def test_an_invoice_is_dated_by_its_issue_date_unless_told_otherwise():
    deal = deal_in("follow_up", signed="1000", on=days_ago(30))
    deal.invoice("INV-1", amount="10", issued=days_ago(7), due=date.today(), actor=ACTOR)
    deal.invoice("INV-2", amount="10", issued=days_ago(7), due=date.today(), actor=ACTOR, on=days_ago(6))
    assert [event.effective_on for event in deal.collect_events()] == [days_ago(7), days_ago(6)]


def test_advancing_a_stage_is_dated_like_any_record():
    deal = deal_in("value", on=days_ago(9))
    act(deal, "submit-proposal", on=days_ago(8))
    deal.advance(actor=ACTOR, evidence=NEGOTIATION, on=days_ago(3))
    assert deal.collect_events()[-1].effective_on == deal.stage_changed_on == days_ago(3)


def test_a_settings_change_is_not_dated_in_the_future():
    settings = Settings()
    with pytest.raises(InvalidInput, match="is in the future"):
        settings.change("gift-limit", "250", actor=ACTOR, on=TOMORROW)
    settings.change("gift-limit", "250", actor=ACTOR, on=date.today())
    assert settings.in_force().gift_limit == 250


def test_a_stage_change_is_not_dated_before_the_records_that_justify_it():
    deal = opened(on=days_ago(10))
    act(deal, QUALIFY, on=days_ago(3))
    deal.collect_events()
    with refused(deal, says=f"--on {days_ago(5)} is before this deal's last record on {days_ago(3)}"):
        deal.advance(actor=ACTOR, on=days_ago(5))
    deal.advance(actor=ACTOR, on=days_ago(3))
    assert deal.stage_changed_on == days_ago(3)


def test_an_invoice_issued_before_the_signing_names_the_issue_date():
    deal = _signed(on=days_ago(4))
    with refused(deal, says=f"--issued {days_ago(6)} is before this deal's last stage change on {days_ago(4)}"):
        deal.invoice("INV-9", amount="10", issued=days_ago(6), due=LATER, actor=ACTOR)
