"""Corrections and voids through the application, on a SQLite file and on PostgreSQL: a deal loaded
past its snapshots equals the fold of its history as revised; a correction that races another writer
is judged again on the fresh history, never saved over it; and the projections, caught up batch by
batch while corrections come in, equal both a rebuild and a store where the right facts were
recorded from the start."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from conftest import Stores
from dealbook import state_of
from dealflow.aggregates.errors import ConcurrentChange, Refused
from dealflow.aggregates.events import Corrected, NoteAdded, PaymentReceived
from dealflow.aggregates.ids import deal_uuid
from dealflow.aggregates.revised import effective, fold
from dealflow.application import RACE_ATTEMPTS, SNAPSHOT_EVERY, DealflowApp
from dealflow.application import retry as retry_module
from dealflow.audit import audit_deal
from dealflow.projections.runner import Projections
from dealflow.reports.ageing import ageing_report
from dealflow.reports.concessions import concessions_report
from dealflow.reports.pipeline import BY, pipeline_report
from dealflow.storage.verify import verify
from projection_steps import ACTOR, CONTACT, open_deal, take_to

D0 = date.today() - timedelta(days=150)


def on(offset: int) -> date:
    return D0 + timedelta(days=offset)


@contextmanager
def application(url: str) -> Iterator[DealflowApp]:
    app = DealflowApp(url)
    try:
        yield app
    finally:
        app.close()


def version_of(app: DealflowApp, deal_id: str) -> int:
    return app.deal(deal_id).version


def proven(app: DealflowApp) -> None:
    """The log proves itself (`verify`) and every deal follows the method, corrections judged (`audit`)."""
    sealed = verify(app)
    assert sealed.holds and sealed.events == app.event_count(), sealed.breaks
    for deal_id in app.deal_ids():
        audited = audit_deal(app.history(deal_id), app.settings)
        assert audited.passed, [(f.version, f.reasons) for f in audited.violations]


# --- snapshots ---------------------------------------------------------------------------------


def signed_deal(app: DealflowApp, deal_id: str) -> None:
    """v1-v13: opened and taken to commitment (a snapshot at v10); v14-v16 a bottom line and two of our
    concessions, the second with an override; v17 signed; v18-v19 two invoices; v20 a payment (a
    snapshot at v20)."""
    open_deal(app, deal_id, on(0), value="100000", currency="EUR")
    take_to(app, deal_id, "commitment", on(1), quotation="120000")
    app.set_bottom_line(deal_id, "price", "100000", actor=ACTOR, on=on(20))
    app.concede(deal_id, actor=ACTOR, term="price", by="us", before="120000", after="110000", on=on(21))
    app.concede(
        deal_id, actor=ACTOR, term="price", by="us", before="110000", after="105000", override="strategic", on=on(22)
    )
    app.sign(deal_id, amount="100000", actor=ACTOR, on=on(30))
    app.invoice(deal_id, "INV-S1", amount="60000", due=on(60), issued=on(30), actor=ACTOR, on=on(30))
    app.invoice(deal_id, "INV-S2", amount="40000", due=on(90), issued=on(30), actor=ACTOR, on=on(30))
    app.pay("INV-S1", amount="20000", actor=ACTOR, on=on(70))
    assert version_of(app, deal_id) == 20


def loads_as_folded(url: str, app: DealflowApp, deal_id: str) -> None:
    """Loaded (snapshot and events), at every version and by a fresh application, the deal equals the fold
    of its history up to that version, as revised."""
    history = app.history(deal_id)
    folded = fold(history)
    assert state_of(app.deal(deal_id)) == state_of(folded)
    with application(url) as fresh:
        assert state_of(fresh.deal(deal_id)) == state_of(folded)
    for version in range(1, len(history) + 1):
        assert state_of(app.deal(deal_id, version=version)) == state_of(fold(history[:version])), version


def snapshot_versions(app: DealflowApp, deal_id: str) -> list[int]:
    assert app.snapshots is not None
    return [snapshot.originator_version for snapshot in app.snapshots.get(deal_uuid(deal_id))]


def test_a_deal_loaded_past_its_snapshots_equals_the_fold_of_its_revised_history(store_url: str) -> None:
    assert SNAPSHOT_EVERY == 10  # the versions below are chosen around the snapshots at 10, 20 and 30
    deal_id = "D-S"
    with application(store_url) as app:
        signed_deal(app, deal_id)
        app.note(deal_id, "called the CFO", actor=ACTOR, on=on(71))  # v21
        assert snapshot_versions(app, deal_id) == [10, 20]

        # v22: corrects the payment the snapshot at 20 holds, after it
        app.correct(deal_id, [20], {"amount": "25000"}, reason="typed 20000", actor=ACTOR)
        assert app.deal(deal_id).invoices["INV-S1"]["paid"] == Decimal("25000")
        loads_as_folded(store_url, app, deal_id)

        # v23: corrects an event before the first snapshot (the stakeholder's roles)
        app.correct(deal_id, [2], {"roles": "decision-maker,evaluator"}, reason="forgot a role", actor=ACTOR)
        assert app.deal(deal_id).stakeholders[CONTACT.casefold()]["roles"] == ["decision-maker", "evaluator"]
        loads_as_folded(store_url, app, deal_id)

        for n in range(24, 30):  # v24-v29
            app.note(deal_id, f"follow-up {n}", actor=ACTOR, on=on(72))
        # v30, a snapshot version: corrects the bottom line, which makes v16 pass it
        revision = app.correct(deal_id, [14], {"value": "108000"}, reason="it was 108000", actor=ACTOR)
        assert revision.event.originator_version == 30
        assert revision.event.changes["16"] == {"past_bottom_line": True}
        assert snapshot_versions(app, deal_id) == [10, 20, 30]
        assert app.snapshots is not None
        held = next(iter(app.snapshots.get(deal_uuid(deal_id), desc=True, limit=1))).mutate(None)
        assert state_of(held) == state_of(fold(app.history(deal_id))), "the snapshot at 30 holds the unrevised deal"
        assert held.bottom_lines["price"] == Decimal("108000")
        loads_as_folded(store_url, app, deal_id)

        # v31: a void after the snapshot at 30 of an event before it; then the deal goes on
        app.void(deal_id, [21], reason="that call was on another deal", actor=ACTOR)
        app.pay("INV-S2", amount="10000", actor=ACTOR, on=on(75))  # v32
        loads_as_folded(store_url, app, deal_id)
        deal = app.deal(deal_id)
        assert next(event for event in app.history(deal_id) if isinstance(event, NoteAdded)).text == "called the CFO"
        assert deal.last_record_on == on(75)
        assert (deal.invoices["INV-S1"]["paid"], deal.invoices["INV-S2"]["paid"]) == (Decimal(25000), Decimal(10000))
        assert deal.open_balance == Decimal("65000")
        proven(app)


def test_a_correction_between_a_snapshot_and_the_next_one_is_kept_by_the_next_one(store_url: str) -> None:
    deal_id = "D-S"
    with application(store_url) as app:
        signed_deal(app, deal_id)
        app.correct(deal_id, [18], {"due": on(65)}, reason="30 days net, not 60", actor=ACTOR)  # v21
        for _ in range(9):  # v22-v30: the snapshot at 30 is taken of the revised deal
            app.note(deal_id, "chased by mail", actor=ACTOR, on=on(71))
        assert snapshot_versions(app, deal_id) == [10, 20, 30]
        with application(store_url) as fresh:
            deal = fresh.deal(deal_id)
        assert deal.invoices["INV-S1"]["due"] == on(65)
        assert state_of(deal) == state_of(fold(app.history(deal_id)))
        loads_as_folded(store_url, app, deal_id)


# --- racing writers ----------------------------------------------------------------------------


class Interrupted(DealflowApp):
    """A writer whose next `rounds` reads of a deal's history are each followed by `rival` writing on
    the store: the correction judged on that read is then saved after the rival's write, and loses."""

    name = DealflowApp.name  # eventsourcing names tables after the class: the same store's

    def __init__(self, url: str, rival: Callable[[], Any], rounds: int = 1) -> None:
        super().__init__(url)
        self.rival = rival
        self.rounds = rounds
        self.reads = 0

    def known_history(self, deal_id: str, **kwargs: Any) -> list[Any]:
        history = super().known_history(deal_id, **kwargs)
        self.reads += 1
        if self.rounds:
            self.rounds -= 1
            self.rival()
        return history


@pytest.fixture
def interrupted(store_url: str) -> Iterator[Callable[..., Interrupted]]:
    made: list[Interrupted] = []

    def writer(rival: Callable[[], Any], rounds: int = 1) -> Interrupted:
        made.append(Interrupted(store_url, rival, rounds))
        return made[-1]

    yield writer
    for app in made:
        app.close()


def test_a_correction_that_loses_a_race_is_judged_again_and_saved_after_the_other_write(app, interrupted) -> None:
    signed_deal(app, "D-R")
    late = interrupted(lambda: app.note("D-R", "meanwhile", actor="bruno", on=on(71)))
    events = app.event_count()

    revision = late.correct("D-R", [20], {"amount": "25000"}, reason="typed 20000", actor=ACTOR)

    assert late.reads == 2  # judged on the history it read, lost, judged again on the fresh one
    assert app.event_count() == events + 2
    history = app.history("D-R")
    assert [type(event).__name__ for event in history[-2:]] == ["NoteAdded", "Corrected"]
    assert revision.event.originator_version == 22
    assert history[20].text == "meanwhile"  # never overwritten
    assert app.deal("D-R").invoices["INV-S1"]["paid"] == Decimal("25000")
    proven(app)


def test_a_correction_the_other_write_makes_wrong_is_refused_and_writes_nothing(app, interrupted) -> None:
    signed_deal(app, "D-R")
    # paid in full, INV-S1 leaves nothing to the rival's payment, saved meanwhile as version 21
    late = interrupted(lambda: app.pay("INV-S1", amount="10000", actor="bruno", on=on(71)))
    events = app.event_count()

    with pytest.raises(Refused, match=r"version 21 \(pay on .*\) would be refused: invoice INV-S1 is already settled"):
        late.correct("D-R", [20], {"amount": "60000"}, reason="it was paid in full", actor=ACTOR)

    assert app.event_count() == events + 1  # the rival's payment alone
    history = app.history("D-R")
    assert not any(isinstance(event, Corrected) for event in history)
    assert [event.amount for event in history if isinstance(event, PaymentReceived)] == [20000, 10000]
    proven(app)


def test_two_voids_of_the_same_payment_at_once_leave_one(app, interrupted) -> None:
    signed_deal(app, "D-R")
    late = interrupted(lambda: app.void("D-R", [20], reason="on the wrong invoice", actor="bruno"))
    events = app.event_count()

    with pytest.raises(Refused, match="version 20 was voided by version 21"):
        late.void("D-R", [20], reason="belongs to INV-S2", actor=ACTOR)

    assert app.event_count() == events + 1
    assert [type(event).__name__ for event in app.history("D-R")][-1] == "Voided"
    assert app.history("D-R")[-1].actor == "bruno"
    assert app.deal("D-R").invoices["INV-S1"]["paid"] == 0
    proven(app)


def test_a_correction_that_loses_every_attempt_says_so_and_writes_nothing(app, interrupted, monkeypatch) -> None:
    monkeypatch.setattr(retry_module, "RACE_BACKOFF", 0.0)  # no pauses: the race is lost on purpose
    signed_deal(app, "D-R")
    late = interrupted(lambda: app.note("D-R", "meanwhile", actor="bruno", on=on(71)), rounds=RACE_ATTEMPTS)
    events = app.event_count()

    with pytest.raises(ConcurrentChange, match="run the command again"):
        late.correct("D-R", [20], {"amount": "25000"}, reason="typed 20000", actor=ACTOR)

    assert late.reads == RACE_ATTEMPTS
    assert app.event_count() == events + RACE_ATTEMPTS  # the rival's notes alone
    assert not any(isinstance(event, Corrected) for event in app.history("D-R"))
    late.correct("D-R", [20], {"amount": "25000"}, reason="typed 20000", actor=ACTOR)  # run again: it applies
    assert app.deal("D-R").invoices["INV-S1"]["paid"] == Decimal("25000")


# --- the projections ---------------------------------------------------------------------------


def negotiated(app: DealflowApp, bottom_line: str) -> None:
    """D-A in commitment: a bottom line, two of our concessions (the second with an override), one of theirs."""
    open_deal(app, "D-A", on(0), value="120000", currency="EUR")
    take_to(app, "D-A", "commitment", on(1), quotation="120000")
    app.set_bottom_line("D-A", "price", bottom_line, actor=ACTOR, on=on(5))
    app.concede("D-A", actor=ACTOR, term="price", by="us", before="120000", after="110000", on=on(6))
    app.concede(
        "D-A", actor=ACTOR, term="price", by="us", before="110000", after="105000", override="strategic", on=on(7)
    )
    app.concede("D-A", actor=ACTOR, term="price", by="customer", before="90000", after="95000", on=on(8))


def invoiced(app: DealflowApp) -> None:
    """D-B won for 80000 and invoiced in two parts."""
    open_deal(app, "D-B", on(0), value="80000", currency="EUR", account="Globex")
    take_to(app, "D-B", "commitment", on(2), quotation="80000")
    app.sign("D-B", amount="80000", actor=ACTOR, on=on(10))
    app.invoice("D-B", "INV-B1", amount="50000", due=on(40), issued=on(10), actor=ACTOR, on=on(10))
    app.invoice("D-B", "INV-B2", amount="30000", due=on(70), issued=on(10), actor=ACTOR, on=on(10))


def opened_c(app: DealflowApp) -> None:
    open_deal(app, "D-C", on(3), value="50000", currency="USD", account="Initech", owner="bo")


Step = Callable[[DealflowApp], Any]


def corrected_book() -> list[Step]:
    """Three deals recorded with mistakes, corrected and voided as the book goes on."""

    def correct_bottom_line(app: DealflowApp) -> None:
        version = next(e.originator_version for e in app.history("D-A") if type(e).__name__ == "BottomLineSet")
        app.correct("D-A", [version], {"value": "108000"}, reason="typed 100000", actor=ACTOR)

    def payment(app: DealflowApp, invoice: str) -> int:
        return next(
            e.originator_version
            for e in app.history("D-B")
            if isinstance(e, PaymentReceived) and e.invoice == invoice and e.effective_on >= on(45)
        )

    def last(app: DealflowApp, deal_id: str, kind: str) -> int:
        return [e.originator_version for e in app.history(deal_id) if type(e).__name__ == kind][-1]

    return [
        lambda app: negotiated(app, "100000"),
        invoiced,
        opened_c,
        lambda app: app.pay("INV-B1", amount="5000", actor=ACTOR, on=on(45)),  # right: 15000
        lambda app: app.pay("INV-B2", amount="10000", actor=ACTOR, on=on(50)),  # paid another customer's invoice
        lambda app: app.forecast("D-C", value="70000", actor=ACTOR, on=on(20)),  # right: 60000
        lambda app: app.note("D-C", "belongs to D-B", actor=ACTOR, on=on(25)),  # on the wrong deal
        correct_bottom_line,
        lambda app: app.correct("D-B", [payment(app, "INV-B1")], {"amount": "15000"}, reason="typo", actor=ACTOR),
        lambda app: app.record(
            "D-C", "map-stakeholder", {"contact": "Eva Rúiz", "level": "decision"}, actor=ACTOR, on=on(26)
        ),
        lambda app: app.void("D-B", [payment(app, "INV-B2")], reason="another customer's", actor=ACTOR),
        lambda app: app.correct(
            "D-C", [last(app, "D-C", "ForecastChanged")], {"value": "60000"}, reason="r", actor=ACTOR
        ),
        lambda app: app.chase("INV-B2", cause="unwilling", method="phone", actor=ACTOR, on=on(80)),
        lambda app: app.void("D-C", [last(app, "D-C", "NoteAdded")], reason="wrong deal", actor=ACTOR),
        lambda app: app.correct(
            "D-C", [last(app, "D-C", "ActionRecorded")], {"contact": "Eva Ruiz", "on": on(27)}, reason="r", actor=ACTOR
        ),
        lambda app: app.pay("INV-B1", amount="5000", actor=ACTOR, on=on(90)),
        lambda app: app.note("D-A", "agreed to meet again", actor=ACTOR, on=on(30)),
    ]


def right_book() -> list[Step]:
    """The same deals recorded right from the start."""
    return [
        lambda app: negotiated(app, "108000"),
        invoiced,
        opened_c,
        lambda app: app.pay("INV-B1", amount="15000", actor=ACTOR, on=on(45)),
        lambda app: app.forecast("D-C", value="60000", actor=ACTOR, on=on(20)),
        lambda app: app.record(
            "D-C", "map-stakeholder", {"contact": "Eva Ruiz", "level": "decision"}, actor=ACTOR, on=on(27)
        ),
        lambda app: app.chase("INV-B2", cause="unwilling", method="phone", actor=ACTOR, on=on(80)),
        lambda app: app.pay("INV-B1", amount="5000", actor=ACTOR, on=on(90)),
        lambda app: app.note("D-A", "agreed to meet again", actor=ACTOR, on=on(30)),
    ]


DAYS = (5, 7, 9, 21, 26, 46, 55, 85, 95)


def reports(projections: Projections) -> dict[str, Any]:
    """Every report the projections answer, on days around the book's events and today."""
    app = projections.app
    found: dict[str, Any] = {}
    with projections.reading() as connection:
        for day in (*map(on, DAYS), date.today()):
            settings, latest = app.settings(day), day == date.today()
            for by in BY:
                report = pipeline_report(connection, as_of=day, settings=settings, by=by, latest=latest)
                found[f"pipeline {by} {day}"] = tables(report)
            for by in ("invoice", "customer"):
                report = ageing_report(connection, as_of=day, settings=settings, by=by, latest=latest)
                found[f"ageing {by} {day}"] = tables(report)
        found["concessions"] = tables(concessions_report(connection))
        for deal_id in ("D-A", "D-B", "D-C"):
            found[f"concessions {deal_id}"] = tables(concessions_report(connection, deal_id))
    return found


def tables(report: Any) -> dict[str, list[dict[str, Any]]]:
    return {table.name: list(table.rows) for table in report.tables}


def rows(projections: Projections) -> dict[str, list[tuple]]:
    """Every projection table's rows (the tracking table aside), in key order."""
    held: dict[str, list[tuple]] = {}
    with projections.reading() as connection:
        for projection in projections.projections:
            for table in projection.tables:
                order = list(table.primary_key.columns) or list(table.columns)
                held[table.name] = [tuple(row) for row in connection.execute(select(table).order_by(*order))]
    return held


def played(app: DealflowApp, book: list[Step], projections: Projections, every: int) -> None:
    """The book's steps, the projections caught up after every `every` steps (and at the end)."""
    for n, step in enumerate(book, start=1):
        step(app)
        if n % every == 0:
            projections.catch_up()
    projections.catch_up()


@pytest.mark.parametrize(("batch", "every"), [(1, 1), (3, 2), (7, 5), (10_000, 100)])
def test_projections_caught_up_across_corrections_equal_a_rebuild_and_the_book_recorded_right(
    stores: Stores, batch: int, every: int
) -> None:
    with application(stores.new()) as app, Projections(app, batch_size=batch) as projections:
        played(app, corrected_book(), projections, every)
        caught_up, caught_up_rows = reports(projections), rows(projections)
        projections.start_rebuild()
        projections.catch_up()
        assert rows(projections) == caught_up_rows
        assert reports(projections) == caught_up
        proven(app)
        corrected = {deal_id: state_of(app.deal(deal_id)) for deal_id in app.deal_ids()}
    with application(stores.new()) as app, Projections(app) as projections:
        played(app, right_book(), projections, 100)
        assert reports(projections) == caught_up
        right = {deal_id: state_of(app.deal(deal_id)) for deal_id in app.deal_ids()}
    assert {deal: _unversioned(state) for deal, state in corrected.items()} == {
        deal: _unversioned(state) for deal, state in right.items()
    }


def _unversioned(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in state.items() if key != "version"}


def test_the_reports_show_the_corrected_facts(stores: Stores) -> None:
    with application(stores.new()) as app, Projections(app, batch_size=4) as projections:
        played(app, corrected_book(), projections, 3)
        with projections.reading() as connection:
            ageing = tables(ageing_report(connection, as_of=date.today(), settings=app.settings(), latest=True))
            concessions = tables(concessions_report(connection, "D-A"))["concessions"]
            pipeline = tables(pipeline_report(connection, as_of=on(21), settings=app.settings(), by="account"))
    balances = {row["invoice"]: row["balance"] for row in ageing["invoices"]}
    assert balances == {"INV-B1": Decimal("30000"), "INV-B2": Decimal("30000")}  # 50000 - 15000 - 5000; unpaid
    ours = [row for row in concessions if row["by"] == "us"]
    assert [(row["past_bottom_line"], row["bottom_line"]) for row in ours] == [
        (False, Decimal("108000")),
        (True, Decimal("108000")),
    ]
    initech = next(row for row in pipeline["accounts"] if row["account"] == "Initech")
    assert initech["value"] == Decimal("60000"), initech


# --- what a command worked out from a default --------------------------------------------------


def test_a_concessions_round_is_a_fact_as_recorded_so_a_void_renumbers_no_later_round(stores: Stores) -> None:
    """A round is what the table said (given, or the next one when recorded): voiding the customer's round 2
    leaves our next concession as round 3, as recorded. docs/method.md says so."""
    with application(stores.new()) as app:
        open_deal(app, "D-1", on(0), value="1000", currency="EUR")
        take_to(app, "D-1", "commitment", on(1), quotation="1000")
        app.concede("D-1", actor=ACTOR, term="price", by="us", before="1000", after="990", on=on(10))
        app.concede("D-1", actor=ACTOR, term="price", by="customer", before="800", after="850", on=on(11))
        app.concede("D-1", actor=ACTOR, term="price", by="us", before="990", after="985", on=on(12))
        app.void("D-1", [15], reason="that offer was made on another deal", actor=ACTOR)
        rounds = [e.round for e in effective(app.history("D-1")) if type(e).__name__ == "Conceded"]
        assert rounds == [1, 3]
        assert app.deal("D-1").concession_rounds == {"price": 3}


def test_an_invoices_record_date_and_its_issue_date_are_corrected_apart(stores: Stores) -> None:
    """An invoice's issue date is a fact of its own, set from its --on day when not given: correcting the
    record's date leaves it, correcting --issued moves it (docs/method.md)."""
    with application(stores.new()) as app:
        open_deal(app, "D-1", on(0), value="1000", currency="EUR")
        take_to(app, "D-1", "commitment", on(1), quotation="1000")
        app.sign("D-1", amount="1000", actor=ACTOR, on=on(10))
        app.invoice("D-1", "INV-1", amount="500", due=on(90), actor=ACTOR, on=on(40))  # v15, no --issued
        app.correct("D-1", [15], {"on": on(50)}, reason="recorded ten days later", actor=ACTOR)
        assert app.deal("D-1").invoices["INV-1"]["issued"] == on(40)
        app.correct("D-1", [15], {"issued": on(50)}, reason="issued ten days later", actor=ACTOR)
        assert app.deal("D-1").invoices["INV-1"]["issued"] == on(50)
