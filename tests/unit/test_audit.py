"""The auditor's replay judges each stored event by the method, from the deal as it stood before it."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from dealbook import ACTOR, act, advance_to, days_ago, opened
from dealflow.aggregates import events
from dealflow.aggregates.lifecycle import entered, lifecycle
from dealflow.audit import Verdict, audit_deal, audit_store
from dealflow.playbook import STAGE_NAMES, Effect, action_with

TRUST = entered(STAGE_NAMES[1])
QUALIFY = action_with(Effect.QUALIFIES).name


def closed_deal_events() -> list:
    deal = advance_to(opened(), STAGE_NAMES[-1])
    deal.invoice("INV-1", amount="120000", due=date.today(), actor=ACTOR)
    deal.pay("INV-1", amount="120000", actor=ACTOR)
    return deal.collect_events()


def tampered(event_class=events.Advanced, state: str = TRUST, **facts) -> list:
    """A deal whose second event skipped the method: written past the command methods, as tampering would."""
    deal = opened()
    facts = {"effective_on": date.today(), "actor": "mallory", "state": state, "evidence": None, **facts}
    deal.trigger_event(event_class, **facts)
    return deal.collect_events()


def note_written_directly(deal, effective_on: date, **extra) -> None:
    """A note stored past the command methods, so that no date check ran."""
    deal.trigger_event(events.NoteAdded, effective_on=effective_on, actor="eve", state=deal.state, text="n", **extra)


def test_a_deal_recorded_through_its_commands_is_allowed_event_by_event():
    audit = audit_deal(closed_deal_events())

    assert audit.passed
    assert audit.deal_id == "D-0001"
    assert {finding.verdict for finding in audit.findings} == {Verdict.ALLOWED}
    assert [finding.version for finding in audit.findings] == list(range(1, len(audit.findings) + 1))


def test_advancing_without_a_clear_opportunity_is_a_violation_with_the_machines_reason():
    audit = audit_deal(tampered())

    assert not audit.passed
    (violation,) = audit.violations
    assert (violation.version, violation.event, violation.trigger) == (2, "Advanced", "advance")
    assert violation.reasons == (f"cannot leave analysis: {QUALIFY} has not been recorded: answer its four questions",)


def test_an_event_that_records_another_state_than_the_method_gives_is_a_violation():
    deal = opened()
    deal.trigger_event(
        events.ActionRecorded,
        effective_on=date.today(),
        actor="mallory",
        state=TRUST,
        action=QUALIFY,
        fields={"opportunity": True, "solution": True, "winnable": True, "worth": True},
        note=None,
    )

    (violation,) = audit_deal(deal.collect_events()).violations

    assert violation.reasons == (
        f"{QUALIFY} takes a deal in analysis.entered to analysis.{QUALIFY}, but the event records {TRUST}",
    )


def test_an_event_dated_before_the_last_stage_change_is_a_violation():
    deal = advance_to(opened(on=days_ago(20)), STAGE_NAMES[1])  # advanced today
    note_written_directly(deal, days_ago(3))

    (violation,) = audit_deal(deal.collect_events()).violations

    assert violation.event == "NoteAdded"
    assert violation.reasons == (f"effective on {days_ago(3)}, before the deal's last stage change on {date.today()}",)


def test_an_event_dated_after_the_day_it_was_recorded_is_a_violation():
    recorded = datetime.now(UTC) - timedelta(days=10)
    deal = opened(on=days_ago(20))
    note_written_directly(deal, days_ago(2), timestamp=recorded)

    (violation,) = audit_deal(deal.collect_events()).violations

    assert violation.reasons == (f"effective on {days_ago(2)}, after it was recorded on {recorded.date()}",)


def test_an_effective_date_a_time_zone_ahead_of_utc_is_not_in_the_future():
    late_evening_utc = datetime.combine(days_ago(1), datetime.min.time(), UTC) + timedelta(hours=22)
    deal = opened(on=days_ago(5))
    note_written_directly(deal, date.today(), timestamp=late_evening_utc)  # in Auckland it is already today

    assert audit_deal(deal.collect_events()).passed


def test_imported_events_are_reported_as_imported_and_replay_goes_on_from_them():
    deal = opened()
    deal.trigger_event(events.Advanced, effective_on=date.today(), actor="crm-import", state=TRUST, evidence=None)
    events.mark_imported(deal.pending_events[-1], {"file": "crm.csv", "line": 2})  # as an import stores it
    act(deal, "acquaint")  # judged from the state the import left: trust

    audit = audit_deal(deal.collect_events())

    assert [finding.verdict for finding in audit.findings] == [Verdict.ALLOWED, Verdict.IMPORTED, Verdict.ALLOWED]
    assert audit.passed


def test_a_deleted_event_is_caught_and_the_events_after_it_are_not_judged():
    stored = closed_deal_events()
    del stored[3]  # the advance out of analysis

    audit = audit_deal(stored)

    gap = audit.findings[3]
    assert gap.verdict is Verdict.VIOLATION
    assert "cannot be applied to the deal as it stood: OriginatorVersionError" in gap.reasons[-1]
    assert all(f.reasons == ("not judged: version 5 before it could not be applied",) for f in audit.findings[4:])


def test_the_audit_leaves_the_stored_events_as_they_were():
    stored = closed_deal_events()
    before = [copy.deepcopy(vars(event)) for event in stored]

    audit_deal(stored)

    assert [vars(event) for event in stored] == before


def test_the_audit_does_not_bind_deals_to_the_shared_machine():
    audit_deal(closed_deal_events())

    assert lifecycle().machine.models == []


def test_the_store_verdict_fails_when_any_deal_breaks_the_method():
    store = audit_store([closed_deal_events(), tampered()])

    assert not store.passed
    assert [audit.passed for audit in store.deals] == [True, False]
    assert store.count(Verdict.VIOLATION) == 1
    assert store.count() == sum(len(audit.findings) for audit in store.deals)


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_a_deal_brought_to_any_stage_by_its_commands_passes(stage):
    deal = advance_to(opened(), stage)

    assert audit_deal(deal.collect_events()).passed
