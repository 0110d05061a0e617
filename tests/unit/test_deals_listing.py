"""What finding deals relies on without a store: `open` reads the pipeline projection in plain SQL by
names of its own, which must be the projection's; the text a search looks in is case-folded."""

from __future__ import annotations

from dealflow.projections.pipeline import search_text
from dealflow.projections.pipeline_sql import Pipeline
from dealflow.projections.tables import pipeline_deals, tracking
from dealflow.reports import deals


def test_open_reads_the_pipeline_projection_by_the_projections_own_names():
    read = (deals.TRACKING, deals.PIPELINE, deals.PIPELINE_DEALS, deals.PIPELINE_VERSION)
    assert read == (tracking.name, Pipeline.name, pipeline_deals.name, Pipeline.version)
    assert {"deal_id", "account_key"} <= set(pipeline_deals.c.keys())
    assert {"name", "version", "position"} <= set(tracking.c.keys())


def test_a_search_looks_in_the_id_account_and_title_case_folded_and_apart():
    text = search_text("D-0042", "Straße GmbH", "ERP")
    assert text == "d-0042\x1fstrasse gmbh\x1ferp"
    assert "gmbherp" not in text


def test_deals_sorts_by_the_fields_it_lists():
    assert deals.FIELDS == (
        "id", "account", "title", "owner", "status", "stage", "action", "value", "currency", "close_by", "opened_on",
        "version",
    )  # fmt: skip
