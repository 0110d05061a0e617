"""The projections on real stores (a SQLite file and PostgreSQL): as-of reports against figures
worked out by hand, back-dated records included; exactly-once catch-up; resuming a rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bulk_book import fill
from conftest import _postgres_admin, dealflow_executable
from dealflow.application import DealflowApp
from dealflow.projections.runner import Projections
from dealflow.projections.tables import metadata
from dealflow.reports.ageing import ageing_report
from dealflow.reports.pipeline import pipeline_report
from projection_steps import ACTOR, day, open_deal, take_to

D0 = date.today() - timedelta(days=200)


def on(offset: int) -> date:
    return day(D0, offset)


@pytest.fixture
def book(app: DealflowApp) -> DealflowApp:
    """Three deals, worked out by hand below: A advances and gets a back-dated forecast, B is lost,
    C is won, invoiced, paid partly late and partly back-dated, and closes by a write-off."""
    open_deal(app, "D-A", on(0), value="100000", currency="EUR", owner="ana", close_by=on(60))
    app.record(
        "D-A",
        "qualify",
        {"opportunity": "yes", "solution": "yes", "winnable": "yes", "worth": "yes"},
        actor=ACTOR,
        on=on(2),
    )
    app.advance("D-A", actor=ACTOR, on=on(10))
    app.note("D-A", "budget round in March", actor=ACTOR, on=on(30))
    app.forecast("D-A", value="120000", actor=ACTOR, on=on(20))  # back-dated: before the note, after the advance

    open_deal(app, "D-B", on(1), value="50000", currency="USD", owner="bo", account="Globex")
    app.lose("D-B", reason="budget", actor=ACTOR, on=on(8))

    open_deal(app, "D-C", on(0), value="80000", currency="EUR", owner="ana", account="Initech")
    take_to(app, "D-C", "commitment", on(4), quotation="80000")
    app.sign("D-C", amount="75000", actor=ACTOR, on=on(12))
    app.invoice("D-C", "INV-C1", amount="60000", due=on(42), issued=on(12), actor=ACTOR, on=on(12))
    app.invoice("D-C", "INV-C2", amount="15000", due=on(72), issued=on(12), actor=ACTOR, on=on(12))
    app.note("D-C", "customer asked for a statement", actor=ACTOR, on=on(55))
    app.pay("INV-C1", amount="20000", actor=ACTOR, on=on(50))  # back-dated: before the note
    app.pay("INV-C1", amount="40000", actor=ACTOR, on=on(100))
    app.write_off("INV-C2", reason="disputed", actor=ACTOR, on=on(130))

    app.change_setting("probability-trust", "0.25", actor=ACTOR, on=on(20))
    app.change_setting("collection-large-amount", "20000", actor=ACTOR, on=on(105))
    return app


@pytest.fixture
def projections(book: DealflowApp) -> Iterator[Projections]:
    with Projections(book) as found:
        found.catch_up()
        yield found


def pipeline(projections: Projections, offset: int, by: str = "stage") -> dict[str, list[dict]]:
    as_of = on(offset)
    with projections.reading() as connection:
        report = pipeline_report(
            connection, as_of=as_of, settings=projections.app.settings(as_of), by=by, latest=as_of == date.today()
        )
    return {table.name: list(table.rows) for table in report.tables}


def ageing(projections: Projections, offset: int) -> list[dict]:
    as_of = on(offset)
    with projections.reading() as connection:
        report = ageing_report(connection, as_of=as_of, settings=projections.app.settings(as_of), latest=False)
    return list(report.tables[0].rows)


def stage_rows(report: dict[str, list[dict]]) -> dict[tuple, tuple]:
    """(currency, stage) -> (deals, value, weighted), only where there are deals."""
    return {
        (row["currency"], row["stage"]): (row["deals"], row["value"], row["weighted"])
        for row in report["stages"]
        if row["deals"]
    }


def test_the_pipeline_before_anything_moved_has_every_deal_in_analysis(projections):
    assert stage_rows(pipeline(projections, 0)) == {
        ("EUR", "analysis"): (2, Decimal(180000), Decimal(18000)),
    }


def test_the_pipeline_as_of_a_date_counts_only_what_happened_by_the_end_of_it(projections):
    report = pipeline(projections, 5)
    assert stage_rows(report) == {
        ("EUR", "analysis"): (1, Decimal(100000), Decimal(10000)),  # A; C moved on to commitment on day 4
        ("EUR", "commitment"): (1, Decimal(80000), Decimal(60000)),
        ("USD", "analysis"): (1, Decimal(50000), Decimal(5000)),  # B, lost only on day 8
    }
    assert report["outcomes"] == []


def test_a_back_dated_forecast_changes_the_value_from_its_own_date_and_the_probability_in_force_then(projections):
    before, after = stage_rows(pipeline(projections, 15)), stage_rows(pipeline(projections, 25))
    assert before[("EUR", "trust")] == (1, Decimal(100000), Decimal(20000))  # 20 % until day 20
    assert after[("EUR", "trust")] == (1, Decimal(120000), Decimal(30000))  # the forecast and 25 % from day 20


def test_won_and_lost_deals_count_with_their_values_and_the_win_rate_per_currency(projections):
    report = pipeline(projections, 20)
    assert stage_rows(report)[("EUR", "follow_up")] == (1, Decimal(75000), Decimal(75000))
    assert report["outcomes"] == [
        {
            "currency": "EUR",
            "won": 1,
            "won_value": Decimal(75000),
            "lost": 0,
            "lost_value": Decimal(0),
            "win_rate": Decimal("1.0000"),
        },
        {
            "currency": "USD",
            "won": 0,
            "won_value": Decimal(0),
            "lost": 1,
            "lost_value": Decimal(50000),
            "win_rate": Decimal("0.0000"),
        },
    ]
    assert report["lost_reasons"] == [{"currency": "USD", "reason": "budget", "deals": 1, "value": Decimal(50000)}]


def test_days_in_stage_add_up_each_stay_to_the_as_of_date(projections):
    flow = {row["stage"]: row for row in pipeline(projections, 40)["flow"]}
    # A: analysis days 0-10, trust from 10; B: analysis days 1-8; C: analysis to commitment on day 4, signed day 12
    assert flow["analysis"]["entered"] == 3
    assert flow["analysis"]["cumulative_days"] == 10 + 7 + 4
    assert flow["trust"]["cumulative_days"] == 30  # A, days 10-40; C passed through on day 4
    assert flow["commitment"]["cumulative_days"] == 8
    assert flow["follow_up"]["cumulative_days"] == 28
    assert (flow["analysis"]["converted"], flow["analysis"]["conversion"]) == (2, Decimal("0.6667"))
    assert (flow["trust"]["entered"], flow["needs"]["entered"]) == (2, 1)


def test_a_deal_is_stalled_once_stalled_days_pass_without_an_event(projections):
    assert pipeline(projections, 59, by="stalled")["stalled"] == []  # A's last event: the note on day 30
    stalled = pipeline(projections, 60, by="stalled")["stalled"]
    assert [(row["deal"], row["last_event_on"], row["idle_days"]) for row in stalled] == [("D-A", on(30), 30)]


def test_the_forecast_groups_open_deals_by_their_expected_close_month(projections):
    forecast = pipeline(projections, 25, by="month")["forecast"]
    assert forecast == [
        {
            "month": on(60).strftime("%Y-%m"),
            "currency": "EUR",
            "deals": 1,
            "value": Decimal(120000),
            "weighted": Decimal(30000),
        }
    ]


def test_owners_see_their_open_pipeline_and_results(projections):
    owners = {(row["owner"], row["currency"]): row for row in pipeline(projections, 20, by="owner")["owners"]}
    assert owners["ana", "EUR"]["open"] == 1 and owners["ana", "EUR"]["won"] == 1
    assert owners["bo", "USD"]["lost"] == 1 and owners["bo", "USD"]["open"] == 0


def test_an_invoice_paid_after_the_as_of_date_is_still_open_then(projections):
    rows = ageing(projections, 60)
    assert [(row["invoice"], row["balance"], row["days_past_due"], row["bucket"], row["step"]) for row in rows] == [
        ("INV-C1", Decimal(40000), 18, "1-30", "the salesperson visits to collect"),
        ("INV-C2", Decimal(15000), 0, "current", None),
    ]


def test_a_back_dated_payment_reduces_the_balance_from_its_own_date(projections):
    def first_invoice(offset: int) -> tuple[str, Decimal]:
        row = ageing(projections, offset)[0]
        return row["invoice"], row["balance"]

    assert first_invoice(49) == ("INV-C1", Decimal(60000))
    assert first_invoice(50) == ("INV-C1", Decimal(40000))  # the payment dated day 50, recorded after day 55's note


def test_collection_thresholds_are_those_in_force_on_the_as_of_date(projections):
    before = ageing(projections, 103)  # INV-C2: 31 days past due, 15,000 against a threshold of 10,000
    after = ageing(projections, 110)  # 38 days, against 20,000 from day 105
    assert [(row["invoice"], row["bucket"], row["step"]) for row in before] == [
        ("INV-C2", "31-60", "negotiate a special payment arrangement")
    ]
    assert [(row["invoice"], row["bucket"], row["step"]) for row in after] == [
        ("INV-C2", "31-60", "raise the collection level")
    ]


def test_a_written_off_balance_leaves_the_ageing_from_the_write_off_date(projections):
    assert [row["invoice"] for row in ageing(projections, 129)] == ["INV-C2"]
    assert ageing(projections, 130) == []


def test_the_report_as_of_today_equals_the_current_one(projections):
    settings = projections.app.settings()
    with projections.reading() as connection:
        for by in ("stage", "owner", "account", "month", "stalled"):
            current = pipeline_report(connection, as_of=date.today(), settings=settings, by=by, latest=True)
            replayed = pipeline_report(connection, as_of=date.today(), settings=settings, by=by, latest=False)
            assert [list(t.rows) for t in current.tables] == [list(t.rows) for t in replayed.tables], by
        current = ageing_report(connection, as_of=date.today(), settings=settings, latest=True)
        replayed = ageing_report(connection, as_of=date.today(), settings=settings, latest=False)
        assert [list(t.rows) for t in current.tables] == [list(t.rows) for t in replayed.tables]


def test_a_catch_up_processes_each_event_once_even_when_run_again(book):
    with Projections(book, batch_size=7) as projections:
        first = projections.catch_up()
        assert projections.catch_up() == 0
        status = projections.status()
    head = book.recorder.max_notification_id()
    assert first == head
    assert {row["projection"]: (row["position"], row["events"], row["state"]) for row in status} == {
        name: (head, head, "current") for name in ("pipeline", "concessions", "ageing", "signals")
    }


def test_two_processes_catching_up_at_once_apply_each_event_exactly_once(book, store_url):
    with Projections(book) as clean:
        clean.catch_up()
        expected = dump(clean)
        clean.start_rebuild()
    apps = [DealflowApp(store_url) for _ in range(2)]
    runners = [Projections(app, batch_size=size) for app, size in zip(apps, (5, 3), strict=True)]
    failures: list[BaseException] = []

    def run(runner: Projections) -> None:
        try:
            runner.catch_up()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    head = book.recorder.max_notification_id()
    try:
        assert failures == []
        assert [(row["position"], row["events"]) for row in runners[0].status()] == [(head, head)] * 4
        assert dump(runners[0]) == expected
    finally:
        for runner, app in zip(runners, apps, strict=True):
            runner.close()
            app.close()


def dump(projections: Projections) -> dict[str, list[tuple]]:
    """Every projection table's rows, in a stable order."""
    with projections.reading() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(table.select()).all()), key=repr)
            for table in metadata.sorted_tables
            if table.name != "projection_tracking"
        }


def test_every_table_is_created_in_the_stores_own_database(projections):
    with projections.reading() as connection:
        names = set(connection.dialect.get_table_names(connection))
    assert {table.name for table in metadata.sorted_tables} <= names


KILLED_BOOK = 20_000  # deals: about 200,000 events, several batches of a rebuild


@pytest.mark.slow
def test_a_rebuild_killed_part_way_resumes_where_it_stopped_and_ends_as_a_clean_rebuild(app, store_url):
    head = fill(app, KILLED_BOOK)
    env = {**os.environ, "DEALFLOW_DB": store_url, "DEALFLOW_ACTOR": ACTOR}
    rebuild = [dealflow_executable(), "projections", "rebuild"]
    with Projections(app) as projections:
        running = subprocess.Popen(rebuild, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not 0 < min(row["position"] for row in projections.status()) < head:
                assert running.poll() is None, "the rebuild ended before it was killed: give the test more events"
                time.sleep(0.005)
        finally:
            running.send_signal(signal.SIGKILL)
            running.wait()
        killed = projections.status()
        assert {row["state"] for row in killed} == {"rebuilding"}
        assert all(0 < row["position"] < head and row["events"] == row["position"] for row in killed)

        resumed = subprocess.run(rebuild, env=env, capture_output=True, text=True, timeout=600, check=True)
        assert "resuming the rebuild interrupted at event" in resumed.stderr
        assert [(row["position"], row["events"], row["state"]) for row in projections.status()] == [
            (head, head, "current")
        ] * 4  # every event processed once: none lost, none twice
        after_resuming = dump(projections)

        subprocess.run(rebuild, env=env, capture_output=True, timeout=600, check=True)
        assert [row["events"] for row in projections.status()] == [head] * 4
        assert dump(projections) == after_resuming


@pytest.mark.postgres
def test_a_pooled_connection_the_server_closed_is_replaced_before_the_next_catch_up(postgres_url):
    """A long-lived process (the follower) keeps its projections' connections between catch-ups; a
    server restart or an administrator may close them meanwhile. The next catch-up must not fail."""
    app = DealflowApp(postgres_url)
    try:
        open_deal(app, "A", on(0))
        with Projections(app) as projections:
            projections.catch_up()
            with _postgres_admin() as admin:
                ended = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                    (f"dealflow projections {os.getpid()}",),
                ).fetchall()
            assert ended, "the projections kept no connection to close"
            open_deal(app, "B", on(1))

            assert projections.catch_up() == 1
            assert [row["state"] for row in projections.status()] == ["current"] * 4
    finally:
        app.close()
