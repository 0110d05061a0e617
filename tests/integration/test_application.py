"""The application on real stores: the same tests on a SQLite file and on PostgreSQL.

One abstract test case, one subclass per store (as in eventsourcing's examples/searchabletimestamps).
The PostgreSQL subclass runs when DEALFLOW_TEST_POSTGRES_URL is set and fails if that server is unreachable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from dealbook import ACTOR, INVOICE, SAMPLE_FIELDS, advance_in_app, days_ago, replayed, state_of
from dealflow.aggregates.errors import ConcurrentChange, NotFound, Refused
from dealflow.aggregates.events import NoteAdded
from dealflow.aggregates.opportunity import Opportunity
from dealflow.aggregates.settings import Settings
from dealflow.application import RACE_ATTEMPTS, SNAPSHOT_EVERY, DealflowApp
from dealflow.playbook import DEFAULTS, Status


class Racing(DealflowApp):
    """A second writer each of whose next `rounds` saves comes only after `rival` has run (and written):
    a race, lost `rounds` times, made deterministic."""

    name = DealflowApp.name  # eventsourcing names a subclass after itself, and PostgreSQL tables after the name

    def __init__(self, url: str, rival: Callable[[], Any], rounds: int = 1) -> None:
        super().__init__(url)
        self.rival = rival
        self.rounds = rounds

    def save(self, *aggregates: Any, **kwargs: Any) -> Any:
        if self.rounds:
            self.rounds -= 1
            self.rival()
        return super().save(*aggregates, **kwargs)


class ApplicationTests:
    """Run by each store's subclass below; `store` names the fixture that gives the store's URL."""

    store: str

    @pytest.fixture
    def url(self, request: pytest.FixtureRequest) -> str:
        return request.getfixturevalue(self.store)

    @pytest.fixture
    def app(self, url: str) -> Iterator[DealflowApp]:
        application = DealflowApp(url)
        yield application
        application.close()

    @pytest.fixture
    def racing(self, url: str) -> Iterator[Callable[..., Racing]]:
        writers: list[Racing] = []

        def writer(rival: Callable[[], Any], rounds: int = 1) -> Racing:
            writers.append(Racing(url, rival, rounds))
            return writers[-1]

        yield writer
        for application in writers:
            application.close()

    def _open(self, app: DealflowApp, deal_id: str | None = None, **details: Any) -> str:
        return app.open_deal(account="Acme Corp", title="MES rollout", actor=ACTOR, deal_id=deal_id, **details)

    def _signed(self, app: DealflowApp, deal_id: str | None = None, amount: str = "1000") -> str:
        deal_id = self._open(app, deal_id)
        advance_in_app(app, deal_id, "follow_up", signed=amount)
        return deal_id

    # --- opening and numbering ------------------------------------------------------------

    def test_deals_opened_without_an_id_are_numbered_from_d_0001(self, app: DealflowApp):
        assert [self._open(app) for _ in range(3)] == ["D-0001", "D-0002", "D-0003"]
        assert list(app.deal_ids()) == ["D-0001", "D-0002", "D-0003"]

    def test_a_deal_opened_with_an_id_keeps_it_and_numbering_steps_over_it(self, app: DealflowApp):
        assert self._open(app, "ACME-2026") == "ACME-2026"
        assert self._open(app, "D-0002") == "D-0002"
        assert [self._open(app), self._open(app)] == ["D-0001", "D-0003"]
        assert app.deal("acme-2026").deal_id == "ACME-2026"

    @pytest.mark.parametrize("again", ["ACME-2026", "acme-2026", " Acme-2026 "])
    def test_a_second_open_of_the_same_id_is_refused_in_any_case(self, app: DealflowApp, again: str):
        self._open(app, "ACME-2026")
        events = app.event_count()
        with pytest.raises(Refused, match=f"deal {again.strip()} already exists: choose another id"):
            self._open(app, again)
        assert app.event_count() == events
        assert app.deal("ACME-2026").title == "MES rollout"

    def test_two_writers_opening_numbered_deals_at_once_get_different_numbers(self, app, racing):
        late = racing(lambda: self._open(app))
        assert self._open(late) == "D-0002"
        assert list(app.deal_ids()) == ["D-0001", "D-0002"]

    def test_two_writers_opening_the_same_id_at_once_leave_one_deal(self, app, racing):
        late = racing(lambda: self._open(app, "ACME-2026", value="10", currency="EUR"))
        with pytest.raises(Refused, match="deal acme-2026 already exists: choose another id"):
            self._open(late, "acme-2026")
        assert app.deal("ACME-2026").value == 10
        assert list(app.deal_ids()) == ["ACME-2026"]

    # --- reading ------------------------------------------------------------------------------

    def test_a_recorded_deal_reloads_the_same_in_another_application(self, app: DealflowApp, url: str):
        deal_id = self._open(app, value="1000.50", currency="EUR", close_by=date(2031, 6, 30))
        advance_in_app(app, deal_id, "value")
        app.record(deal_id, "demonstrate", SAMPLE_FIELDS["demonstrate"], actor="bruno", note="went well")
        live = app.deal(deal_id)
        other = DealflowApp(url)
        try:
            assert state_of(other.deal(deal_id)) == state_of(live)
        finally:
            other.close()
        assert live.state == "value.demonstrate" and live.criteria == {"uptime": "99.9%", "response": "4h"}
        last = app.history(deal_id)[-1]
        assert (last.actor, last.note) == ("bruno", "went well")
        assert last.fields["key_points"] == ["uptime", "scheduling", "reports"]

    def test_a_long_deal_is_loaded_from_a_snapshot_and_equals_its_replay(self, app: DealflowApp):
        deal_id = self._signed(app)
        app.invoice(deal_id, INVOICE, amount="400", due=date.today(), actor=ACTOR)
        app.pay(INVOICE, amount="100.10", actor=ACTOR)
        while app.deal(deal_id).version <= max(50, 2 * SNAPSHOT_EVERY) + 3:
            app.note(deal_id, "called about the second invoice", actor=ACTOR)
        deal = app.deal(deal_id)
        assert state_of(deal) == state_of(replayed(app, deal_id))
        snapshots = list(app.snapshots.get(deal.id))
        assert snapshots, "no snapshot was taken"
        assert snapshots[-1].originator_version == deal.version // SNAPSHOT_EVERY * SNAPSHOT_EVERY
        at_snapshot = app.deal(deal_id, version=snapshots[-1].originator_version)
        assert at_snapshot.invoices == deal.invoices and at_snapshot.invoices[INVOICE]["paid"] == Decimal("100.10")

    def test_a_deal_is_read_at_any_past_version(self, app: DealflowApp):
        deal_id = self._open(app)
        advance_in_app(app, deal_id, "needs")
        history = app.history(deal_id)
        for event in history:
            past = app.deal(deal_id, version=event.originator_version)
            assert (past.version, past.state) == (event.originator_version, event.state)
        assert app.deal(deal_id, version=1).state == "analysis.entered"

    def test_a_deal_is_read_as_of_a_past_date_from_back_dated_records(self, app: DealflowApp):
        deal_id = self._open(app, on=days_ago(30))
        app.record(deal_id, "map-stakeholder", SAMPLE_FIELDS["map-stakeholder"], actor=ACTOR, on=days_ago(25))
        app.record(deal_id, "qualify", SAMPLE_FIELDS["qualify"], actor=ACTOR, on=days_ago(20))
        app.advance(deal_id, actor=ACTOR, on=days_ago(10))
        app.note(deal_id, "recorded today", actor=ACTOR)

        with pytest.raises(NotFound, match=f"was not yet open on {days_ago(31)}"):
            app.deal_as_of(deal_id, days_ago(31))
        assert app.deal_as_of(deal_id, days_ago(30)).state == "analysis.entered"
        assert app.deal_as_of(deal_id, days_ago(25)).state == "analysis.map-stakeholder"
        assert app.deal_as_of(deal_id, days_ago(11)).answers == {name: True for name in SAMPLE_FIELDS["qualify"]}
        assert app.deal_as_of(deal_id, days_ago(10)).stage == "trust"
        assert state_of(app.deal_as_of(deal_id, date.today())) == state_of(app.deal(deal_id))

    def test_an_unknown_deal_or_invoice_is_not_found(self, app: DealflowApp):
        with pytest.raises(NotFound, match="no deal 'D-0404' in this store: the deals command lists the deals"):
            app.deal("D-0404")
        with pytest.raises(NotFound, match="no deal 'D-0404'"):
            app.note("D-0404", "hello", actor=ACTOR)
        with pytest.raises(NotFound, match="no deal 'D-0404'"):
            app.deal_as_of("D-0404", date.today())
        with pytest.raises(NotFound, match="no invoice 'INV-404'"):
            app.pay("INV-404", amount="1", actor=ACTOR)
        assert app.event_count() == 0

    # --- concurrency ------------------------------------------------------------------------

    def test_a_change_that_loses_a_race_is_judged_again_on_the_fresh_deal_and_saved_once(self, app, racing):
        deal_id = self._open(app)
        late = racing(lambda: app.note(deal_id, "from the first writer", actor="ana"))
        events = app.event_count()
        noted = late.note(deal_id, "from the second writer", actor="bruno")
        assert late.rounds == 0  # the race was run, and lost once
        assert app.event_count() == events + 2
        notes = [event.text for event in app.history(deal_id) if isinstance(event, NoteAdded)]
        assert notes == ["from the first writer", "from the second writer"]
        assert noted.version == app.deal(deal_id).version == 3

    def test_a_change_that_the_fresh_deal_refuses_is_refused_for_that_reason_and_writes_nothing(self, app, racing):
        deal_id = self._open(app)
        late = racing(lambda: app.assign(deal_id, "bruno", actor="ana"))
        events = app.event_count()
        with pytest.raises(Refused, match="bruno already owns this deal") as refused:
            late.assign(deal_id, "bruno", actor="carla")
        assert not isinstance(refused.value, ConcurrentChange)
        assert app.event_count() == events + 1  # the rival's assignment alone
        assert [type(event).__name__ for event in app.history(deal_id)][-1] == "Reassigned"

    def test_a_payment_that_the_fresh_invoice_refuses_is_refused_for_that_reason_and_writes_nothing(self, app, racing):
        deal_id = self._signed(app)
        app.invoice(deal_id, "INV-1", amount="1000", due=date.today(), actor=ACTOR)
        late = racing(lambda: app.pay("INV-1", amount="600", actor="ana"))
        events = app.event_count()
        with pytest.raises(Refused, match="is more than the"):
            late.pay("INV-1", amount="600", actor="bruno")  # fine when loaded; 400 is left when saved
        assert app.event_count() == events + 1
        assert app.deal(deal_id).invoices["INV-1"]["paid"] == Decimal("600")

    def test_a_change_that_loses_a_race_on_each_attempt_but_the_last_is_saved(self, app, racing):
        deal_id = self._open(app)
        late = racing(lambda: app.note(deal_id, "meanwhile", actor="ana"), rounds=RACE_ATTEMPTS - 1)
        events = app.event_count()
        late.note(deal_id, "at last", actor="bruno")
        assert app.event_count() == events + RACE_ATTEMPTS
        assert app.history(deal_id)[-1].text == "at last"

    def test_a_change_that_loses_every_attempt_says_to_run_it_again_and_writes_nothing(self, app, racing):
        deal_id = self._open(app)
        late = racing(lambda: app.note(deal_id, "meanwhile", actor="ana"), rounds=RACE_ATTEMPTS + 1)
        events = app.event_count()
        with pytest.raises(ConcurrentChange, match="changed by someone else while you were recording: run the command"):
            late.note(deal_id, "never", actor="bruno")
        assert late.rounds == 1  # tried RACE_ATTEMPTS times, no more
        assert app.event_count() == events + RACE_ATTEMPTS  # the rival's notes alone
        assert "never" not in [event.text for event in app.history(deal_id) if isinstance(event, NoteAdded)]
        late.note(deal_id, "run again", actor="bruno")  # as the message says: it now applies
        assert app.history(deal_id)[-1].text == "run again"

    def test_numbered_deals_opened_faster_than_the_retries_say_so_and_write_nothing(self, app, racing):
        late = racing(lambda: self._open(app), rounds=RACE_ATTEMPTS)
        with pytest.raises(ConcurrentChange, match="too many deals are being opened at once: run the command again"):
            self._open(late)
        assert len(list(app.deal_ids())) == RACE_ATTEMPTS  # the rival's alone
        assert self._open(late) == f"D-{RACE_ATTEMPTS + 1:04d}"

    def test_a_settings_change_that_loses_a_race_is_judged_again_and_saved(self, app, racing):
        late = racing(lambda: app.change_setting("stalled-days", "45", actor="ana"))
        late.change_setting("gift-limit", "250", actor="bruno")
        assert (app.settings().stalled_days, app.settings().gift_limit) == (45, 250)

    def test_two_loaded_copies_of_a_deal_cannot_both_be_saved(self, app: DealflowApp, url: str):
        deal_id = self._open(app)
        other = DealflowApp(url)
        try:
            first, second = app.deal(deal_id), other.deal(deal_id)
            first.note("first", actor="ana")
            second.note("second", actor="bruno")
            app.save(first)
            events = app.event_count()
            with pytest.raises(ConcurrentChange):
                other._save(second)
            assert app.event_count() == events
        finally:
            other.close()

    # --- invoices across the store --------------------------------------------------------------

    def test_an_invoice_id_is_unique_across_deals_in_any_case(self, app: DealflowApp):
        first, second = self._signed(app), self._signed(app)
        app.invoice(first, "INV-7", amount="100", due=date.today(), actor=ACTOR)
        events = app.event_count()
        with pytest.raises(Refused, match="invoice inv-7 already exists: invoice ids are unique across the store"):
            app.invoice(second, "inv-7", amount="100", due=date.today(), actor=ACTOR)
        assert app.event_count() == events
        assert app.deal(second).invoices == {}
        assert app.deal_for_invoice("inv-7").deal_id == first

    def test_an_invoice_id_taken_in_a_race_is_refused_for_the_second_deal(self, app, racing):
        first, second = self._signed(app), self._signed(app)
        late = racing(lambda: app.invoice(first, "INV-7", amount="100", due=date.today(), actor=ACTOR))
        events = app.event_count()
        with pytest.raises(Refused, match="INV-7 already exists"):
            late.invoice(second, "INV-7", amount="100", due=date.today(), actor=ACTOR)
        assert app.event_count() == events + 2  # the rival's invoice and claim alone
        assert app.deal(second).invoices == {}
        assert app.deal_for_invoice("INV-7").deal_id == first

    def test_an_invoice_that_loses_a_race_on_its_deal_is_judged_again_and_claims_its_id_once(self, app, racing):
        deal_id = self._signed(app)
        late = racing(lambda: app.note(deal_id, "sent the contract", actor="ana"))
        events = app.event_count()
        late.invoice(deal_id, "INV-7", amount="100", due=date.today(), actor=ACTOR)
        assert late.rounds == 0
        assert app.event_count() == events + 1 + 2  # the rival's note; the invoice and its claim
        assert app.deal_for_invoice("inv-7").deal_id == deal_id
        assert list(app.deal(deal_id).invoices) == ["INV-7"]

    def test_payments_find_their_deal_by_invoice_and_the_last_one_closes_it(self, app: DealflowApp):
        deal_id = self._signed(app, amount="0.30")
        app.invoice(deal_id, "INV-1", amount="0.30", due=date.today(), actor=ACTOR)
        app.pay("inv-1", amount="0.10", actor=ACTOR)
        app.chase("INV-1", cause="unwilling", method="phone", actor=ACTOR)
        deal = app.pay("INV-1", amount="0.20", actor=ACTOR)
        assert deal.status is Status.CLOSED
        assert app.deal(deal_id).status is Status.CLOSED
        assert type(app.history(deal_id)[-1]).__name__ == "Closed"

    # --- referral sale --------------------------------------------------------------------------

    def test_a_referral_sale_saves_both_deals_together_and_numbering_continues(self, app: DealflowApp):
        referring = self._signed(app)
        events = app.event_count()
        _, new_id = app.record(referring, "referral-sale", {"account": "Initech", "value": "5000"}, actor=ACTOR)
        assert new_id == "D-0002"
        referred = app.deal(new_id)
        assert (referred.account, referred.referred_by, referred.value, referred.currency) == (
            "Initech",
            referring,
            5000,
            "EUR",
        )
        assert app.deal(referring).referrals == [new_id]
        assert app.event_count() == events + 3  # the referral, the new deal, its number: one transaction
        assert self._open(app) == "D-0003"

    def test_a_referral_sale_with_an_id_takes_it(self, app: DealflowApp):
        referring = self._signed(app)
        assert (
            app.record(referring, "referral-sale", {"account": "Initech", "id": "INI-1"}, actor=ACTOR).new_deal_id
            == "INI-1"
        )
        assert app.deal("INI-1").referred_by == referring
        assert self._open(app) == "D-0002"
        with pytest.raises(Refused, match="deal ini-1 already exists"):
            app.record(referring, "referral-sale", {"account": "Initech", "id": "ini-1"}, actor=ACTOR)

    def test_a_referral_sale_steps_over_numbers_taken_by_explicit_ids(self, app: DealflowApp):
        referring = self._signed(app)
        self._open(app, "D-0002")
        assert app.record(referring, "referral-sale", {"account": "Initech"}, actor=ACTOR).new_deal_id == "D-0003"
        assert app.deal("D-0002").referred_by is None

    def test_a_referral_sale_whose_number_is_taken_meanwhile_takes_the_next(self, app, racing):
        referring = self._signed(app)
        late = racing(lambda: self._open(app))  # another writer opens D-0002 while the referral is saved
        events = app.event_count()
        assert late.record(referring, "referral-sale", {"account": "Initech"}, actor=ACTOR).new_deal_id == "D-0003"
        assert app.deal(referring).referrals == ["D-0003"]
        assert (app.deal("D-0002").account, app.deal("D-0003").referred_by) == ("Acme Corp", referring)
        assert app.event_count() == events + 2 + 3  # the rival's deal and number; the referral, new deal, number

    def test_a_referral_sale_that_loses_a_race_on_its_deal_is_judged_again_and_saves_both_deals(self, app, racing):
        referring = self._signed(app)
        late = racing(lambda: app.note(referring, "called the buyer", actor="bruno"))
        events = app.event_count()
        assert late.record(referring, "referral-sale", {"account": "Initech"}, actor=ACTOR).new_deal_id == "D-0002"
        assert late.rounds == 0
        assert app.deal(referring).referrals == ["D-0002"]
        assert list(app.deal_ids()) == [referring, "D-0002"]
        assert app.event_count() == events + 1 + 3  # the rival's note; the referral, the new deal, its number

    def test_a_referral_sale_whose_id_is_opened_meanwhile_is_refused_and_writes_neither_deal(self, app, racing):
        referring = self._signed(app)
        late = racing(lambda: self._open(app, "INI-1"))
        events = app.event_count()
        with pytest.raises(Refused, match="deal INI-1 already exists"):
            late.record(referring, "referral-sale", {"account": "Initech", "id": "INI-1"}, actor=ACTOR)
        assert app.deal(referring).referrals == []
        assert app.deal("INI-1").referred_by is None
        assert app.event_count() == events + 1  # the rival's deal alone

    # --- large saves ----------------------------------------------------------------------

    def test_a_save_of_twelve_thousand_events_is_stored_whole_with_its_positions_in_order(self, app: DealflowApp):
        """The size of an import's chunk (about 6 MB here). On PostgreSQL the library's one statement of
        this size never returned (dealflow.storage.postgres_recorder); a thread keeps a hang from hanging the suite."""
        deals = _bulk_deals()
        before = app.event_count()
        saved: list[Any] = []
        saving = threading.Thread(target=lambda: saved.append(app.save(*deals)), daemon=True)
        saving.start()
        saving.join(timeout=120)

        assert saved, "a save of 12,000 events did not return within two minutes"
        positions = [recording.notification.id for recording in saved[0]]
        assert len(positions) == 12_000 == app.event_count() - before
        assert positions == list(range(positions[0], positions[0] + 12_000))  # in the order given, no gaps
        assert app.deal("BULK-02999").version == 4

    def test_a_large_save_that_meets_a_stored_event_writes_nothing(self, app: DealflowApp):
        """All or nothing, even when the clash is in the last of the statements a large save is written in."""
        taken = self._open(app, "BULK-02999")
        deals = _bulk_deals()
        before = app.event_count()

        with pytest.raises(IntegrityError):
            app.save(*deals)

        assert app.event_count() == before
        assert app.deal(taken).version == 1

    # --- settings -------------------------------------------------------------------------------

    def test_settings_start_at_the_defaults(self, app: DealflowApp):
        assert app.settings() == app.settings(on=days_ago(400)) == DEFAULTS

    def test_a_settings_change_is_event_sourced_and_applies_from_its_date(self, app: DealflowApp, url: str):
        app.change_setting("gift-limit", "250", actor="ana", on=days_ago(10))
        app.change_setting("gift-limit", "500", actor="bruno", on=days_ago(3))
        app.change_setting("stalled-days", "45", actor="ana")
        assert app.settings(on=days_ago(11)).gift_limit == DEFAULTS.gift_limit
        assert app.settings(on=days_ago(10)).gift_limit == 250
        assert app.settings(on=days_ago(4)).gift_limit == 250
        assert app.settings(on=days_ago(3)).gift_limit == 500
        assert (app.settings().gift_limit, app.settings().stalled_days) == (500, 45)
        changes = list(app.events.get(Settings.ID))[1:]
        assert [(change.name, change.actor, change.effective_on) for change in changes] == [
            ("gift_limit", "ana", days_ago(10)),
            ("gift_limit", "bruno", days_ago(3)),
            ("stalled_days", "ana", date.today()),
        ]
        other = DealflowApp(url)
        try:
            assert other.settings(on=days_ago(4)).gift_limit == 250
        finally:
            other.close()

    def test_a_gift_above_the_configured_limit_needs_an_approver(self, app: DealflowApp):
        app.change_setting("gift-limit", "50", actor=ACTOR)
        deal_id = self._open(app)
        advance_in_app(app, deal_id, "trust")
        gift = {"contact": "Luis Vega", "activity": "small-gift", "gift_value": "60"}
        events = app.event_count()
        with pytest.raises(Refused, match="a gift of 60 is above the limit of 50: name the approver who allowed it"):
            app.record(deal_id, "acquaint", gift, actor=ACTOR)
        assert app.event_count() == events
        app.record(deal_id, "acquaint", {**gift, "approver": "Carmen (sales director)"}, actor=ACTOR)
        app.record(deal_id, "acquaint", {**gift, "gift_value": "50"}, actor=ACTOR)
        assert app.event_count() == events + 2

    def test_a_back_dated_gift_is_held_to_the_limit_in_force_on_its_date(self, app: DealflowApp):
        deal_id = self._open(app, on=days_ago(30))
        app.record(deal_id, "map-stakeholder", SAMPLE_FIELDS["map-stakeholder"], actor=ACTOR, on=days_ago(30))
        app.record(deal_id, "qualify", SAMPLE_FIELDS["qualify"], actor=ACTOR, on=days_ago(30))
        app.advance(deal_id, actor=ACTOR, on=days_ago(20))
        app.change_setting("gift-limit", "50", actor=ACTOR, on=days_ago(5))
        gift = {"contact": "Luis Vega", "activity": "small-gift", "gift_value": "60"}
        app.record(deal_id, "acquaint", gift, actor=ACTOR, on=days_ago(10))  # the limit was 100 then
        with pytest.raises(Refused, match="above the limit of 50"):
            app.record(deal_id, "acquaint", gift, actor=ACTOR, on=days_ago(4))


def _bulk_deals() -> list[Opportunity]:
    """3,000 new deals of four events each, BULK-00000 to BULK-02999: 12,000 events, about 6 MB, unsaved."""
    deals = []
    for n in range(3_000):
        deal = Opportunity.open(deal_id=f"BULK-{n:05d}", account="Acme Corp", title="MES rollout", actor=ACTOR)
        for _ in range(3):
            deal.note("x" * 400, actor=ACTOR)
        deals.append(deal)
    return deals


class TestOnSQLite(ApplicationTests):
    store = "sqlite_url"


@pytest.mark.postgres
class TestOnPostgreSQL(ApplicationTests):
    store = "postgres_url"


del ApplicationTests
