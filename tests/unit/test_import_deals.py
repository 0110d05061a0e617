"""A CRM row read into a deal's dated history: which stage it is in, since when, won or lost and
why; each cell that cannot be read names its column and the fix."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dealflow.audit import Verdict, audit_deal
from dealflow.imports.cells import Dates
from dealflow.imports.deal_reader import DealOptions, DealReader
from dealflow.imports.deals import DealImport
from dealflow.imports.fields import DEAL_FIELDS
from dealflow.imports.mapping import Columns
from dealflow.imports.outcome import RowError
from dealflow.imports.stages import ReasonMap, StageMap
from dealflow.views import event_row

HEADER = ["Opportunity ID", "Opportunity Name", "Account Name", "Amount", "Currency", "Stage", "Created Date",
          "Needs Date", "Proposal Date", "Close Date", "Loss Reason", "Stage Before Lost"]  # fmt: skip


def reader(**options) -> DealReader:
    defaults = options.pop("defaults", {})
    columns = Columns(DEAL_FIELDS, HEADER, mapped={}, defaults=defaults, file="crm.csv")
    settings = {
        "stage_map": StageMap({"Proposal": "value", "Negotiation": "commitment", "Discovery": "needs"}),
        "reason_map": ReasonMap({"Too expensive": "price"}),
        "stage_dates": {"needs": "Needs Date", "value": "Proposal Date"},
        "dates": Dates(),
        **options,
    }
    return DealReader(columns, DealOptions(**settings))


def row(**cells: str) -> list[str]:
    values = {"Opportunity ID": "006X", "Opportunity Name": "Rollout", "Account Name": "Acme", "Amount": "1,000",
              "Currency": "EUR", "Stage": "Proposal", "Created Date": "2025-01-10", "Needs Date": "",
              "Proposal Date": "2025-02-01", "Close Date": "2025-06-30", "Loss Reason": "",
              "Stage Before Lost": "", **cells}  # fmt: skip
    return [values[column] for column in HEADER]


def refusal(cells: list[str], **options) -> RowError:
    with pytest.raises(RowError) as refused:
        reader(**options).read(cells)
    return refused.value


def test_an_open_deal_enters_its_stage_on_its_date_column_and_keeps_its_close_date_as_expected():
    deal = reader().read(row())

    assert (deal.deal_id, deal.target, deal.value, deal.currency) == ("006X", "value", Decimal("1000"), "EUR")
    assert deal.opened_on == date(2025, 1, 10) and deal.moves == [("value", date(2025, 2, 1))]
    assert deal.close_by == date(2025, 6, 30) and deal.won_on is None


def test_every_dated_stage_on_the_way_is_entered_and_undated_ones_are_passed_over():
    deal = reader().read(row(Stage="Negotiation", **{"Needs Date": "2025-01-20"}))

    assert deal.moves == [("needs", date(2025, 1, 20)), ("value", date(2025, 2, 1)), ("commitment", date(2025, 2, 1))]


def test_a_won_deal_is_won_on_its_close_date_for_its_amount():
    deal = reader().read(row(Stage="Closed Won", **{"Close Date": "2025-03-15"}))

    assert (deal.target, deal.won_on, deal.closed_on) == ("won", date(2025, 3, 15), date(2025, 3, 15))
    assert deal.moves == [("value", date(2025, 2, 1))]


def test_a_lost_deal_is_lost_from_the_stage_the_row_names_with_its_mapped_reason():
    deal = reader().read(row(Stage="Closed Lost", **{"Loss Reason": "Too expensive", "Proposal Date": "",
                                                      "Stage Before Lost": "Discovery"}))  # fmt: skip
    unmapped = reader().read(row(Stage="Closed Lost", **{"Loss Reason": "They went quiet"}))

    assert (deal.reason, deal.lost_on, deal.moves) == ("price", date(2025, 6, 30), [("needs", date(2025, 1, 10))])
    assert unmapped.reason == "other"


@pytest.mark.parametrize(
    ("cells", "where", "message"),
    [
        ({"Stage": "Id. Decision Makers"}, "column 'Stage'", "'Id. Decision Makers' is not a stage: map it, e.g. "
         "--stage-map \"Id. Decision Makers=value\""),
        ({"Amount": "TBD"}, "column 'Amount'", "'TBD' is not a number"),
        ({"Currency": "Euro"}, "column 'Currency'", "not an ISO 4217 code"),
        ({"Currency": ""}, "column 'Amount'", "an amount needs a currency: map a currency column or give --currency"),
        ({"Account Name": ""}, "column 'Account Name'", "blank: fill it in, or give --default account=VALUE"),
        ({"Opportunity ID": "006 X"}, "column 'Opportunity ID'", "'006 X' cannot be a deal id"),
        ({"Created Date": "10/01/2025"}, "column 'Created Date'", "is not a date in the form YYYY-MM-DD"),
        ({"Created Date": ""}, "column 'Created Date'", "blank: fill in the day it was opened, or give --default-date"),
        ({"Proposal Date": "2025-01-05"}, "column 'Proposal Date'",
         "2025-01-05 is before the day it opened (2025-01-10, column 'Created Date'): fix one of them"),
        ({"Stage": "Closed Won", "Amount": "", "Currency": ""}, "column 'Amount'",
         "blank: a won deal needs its signed amount"),
        ({"Stage": "Closed Won", "Close Date": ""}, "column 'Close Date'",
         "blank: fill in the day it was won, or give --default-date"),
    ],
)  # fmt: skip
def test_a_cell_that_cannot_be_read_names_its_column_and_the_fix(cells, where, message):
    error = refusal(row(**cells))

    assert error.where == where
    assert message in str(error)


def test_a_date_in_the_future_is_refused_but_an_expected_close_date_may_be():
    tomorrow = (date.today() + timedelta(days=1)).isoformat()

    assert reader().read(row(**{"Close Date": tomorrow})).close_by.isoformat() == tomorrow
    assert "is in the future" in str(refusal(row(Stage="Closed Won", **{"Close Date": tomorrow})))


def test_blank_needed_dates_take_the_default_date_and_the_row_says_so():
    deal = reader(default_date=date(2025, 12, 31)).read(row(Stage="Closed Won", **{"Close Date": ""}))

    assert deal.won_on == date(2025, 12, 31) and deal.defaulted


def test_defaults_fill_blank_cells_and_a_prefix_makes_the_deal_id():
    deal = reader(defaults={"account": "Unknown account"}, id_prefix="SF-").read(row(**{"Account Name": ""}))

    assert (deal.deal_id, deal.source_id, deal.account) == ("SF-006X", "006X", "Unknown account")


def test_a_row_is_built_into_imported_events_dated_as_the_row_says_that_the_audit_reports_as_imported():
    kind = DealImport(reader(), "crm.csv")
    parsed, key, digest = kind.parse(row(Stage="Closed Won", **{"Close Date": "2025-03-15"}))
    item = SimpleNamespace(parsed=kind.decode(kind.encode(parsed)), line=7, digest=digest)

    (deal,), count = kind.build([item], "importer", Counter(), None)
    events = deal.collect_events()

    assert key == "006x" and count == 3 and deal.status == "won" and deal.signed_amount == Decimal("1000")
    assert [(e.effective_on, e.state) for e in events] == [
        (date(2025, 1, 10), "analysis.entered"), (date(2025, 2, 1), "value.entered"),
        (date(2025, 3, 15), "follow_up.entered"),
    ]  # fmt: skip
    assert {event_row(e)["imported"]["line"] for e in events} == {7}
    assert [f.verdict for f in audit_deal(events).findings] == [Verdict.IMPORTED] * 3


def test_the_digest_covers_the_cells_read_not_the_others():
    base = reader()
    wider = Columns(DEAL_FIELDS, [*HEADER, "Last Modified"], mapped={}, defaults={}, file="crm.csv")
    with_more = DealReader(wider, base.options)

    assert base.digest(row()) == with_more.digest([*row(), "2025-07-01"])
    assert base.digest(row()) != base.digest(row(Amount="1,001"))
