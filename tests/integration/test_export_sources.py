"""What the exports read from a real store, on SQLite and PostgreSQL: the deals list from the pipeline
projection and the log, exactly as the aggregates summarise them; the log a page at a time."""

from __future__ import annotations

from decimal import Decimal

from bulk_book import fill
from dealflow.exports import sources
from dealflow.playbook import Status
from dealflow.reports.deals import deals_table
from dealflow.reports.reading import caught_up
from dealflow.storage import eventlog
from dealflow.views import deal_summary


def test_the_deals_export_is_every_deal_as_its_aggregate_summarises_it(app):
    fill(app, 300)
    app.open_deal(account="Acme Corp", title="MES rollout", actor="ana", value="1250.50", currency="EUR")

    with caught_up(app) as reading:
        rows = list(deals_table(reading).rows)

    assert rows == [deal_summary(app.deal(deal_id)) for deal_id in app.deal_ids()]
    assert {row["status"] for row in rows} == {status.value for status in Status}
    assert rows[-1]["value"] == Decimal("1250.50")  # equal; the projection keeps no trailing zeros: "1250.5"


def test_the_deals_export_reflects_the_log_up_to_the_projections_position_only(app):
    deal = app.open_deal(account="Acme Corp", title="MES rollout", actor="ana")

    with caught_up(app) as reading:
        app.note(deal, "recorded while the export runs", actor="ana")
        (row,) = deals_table(reading).rows

    assert row["version"] == 1
    assert app.deal(deal).version == 2


def test_the_log_is_read_a_page_at_a_time_without_gaps(app):
    fill(app, 20)
    head = app.recorder.max_notification_id()

    pages = list(eventlog.pages(app, size=7))

    full, rest = divmod(head, 7)
    assert [len(page) for page in pages] == [7] * full + ([rest] if rest else [])
    assert [n.id for page in pages for n in page] == [n.id for n in app.recorder.select_notifications(1, head)]


def test_one_deals_events_come_with_their_positions_in_the_log(app):
    fill(app, 20)
    deal = "B-0000003"

    trail = [row for row, _ in sources.log(app, deal=deal).entries()]
    every = [row for row, _ in sources.log(app).entries()]

    assert trail == [row for row in every if row["deal"] == deal]
    assert [row["version"] for row in trail] == list(range(1, len(trail) + 1))
