"""The report page rendered from hand-made reports of the shapes the reports return (the movement and
forecast shapes as the lead's schema gives them): every section with its charts and tables, amounts
as people read them, hostile text shown literally and never run, nothing fetched, the same bytes twice."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from dealflow.exports.html_report import PageFacts, render_report_html
from dealflow.reports.ageing import BUCKETS
from dealflow.reports.report import Report, columns
from dealflow.reports.table import Cell, Table

HOSTILE = "</script><script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
STEPS = ("created", "reopened", "increased", "pulled_in", "moved_in", "decreased", "won", "lost", "pushed_out")
TEXT, MONEY, INTEGER, PERCENT, DATE = Cell.TEXT, Cell.MONEY, Cell.INTEGER, Cell.PERCENT, Cell.DATE
D = Decimal


def pipeline(stage: str = "analysis") -> Report:
    rows = [
        {"currency": currency, "stage": name, "deals": 2, "value": D(value), "probability": D("0.35"),
         "weighted": D(value) * D("0.35"), "stalled": 1}
        for currency, value in (("EUR", "1234567.5"), ("JPY", "250000"))
        for name in (stage, "commitment")
    ]  # fmt: skip
    spec = [("currency", TEXT), ("stage", TEXT), ("deals", INTEGER), ("value", MONEY), ("probability", PERCENT)]
    table = Table("stages", columns(*spec, ("weighted", MONEY), ("stalled", INTEGER)), iter(rows))
    return Report({"as_of": date(2026, 6, 30), "by": "stage", "stalled_days": 30}, [table])


def movement() -> Report:
    changes = [D(5000), D(0), D(1000), D(0), D(250), D(-750), D(-2000), D(-500), D(0)]
    rows = [{"currency": "EUR", "bucket": "start", "deals": 10, "value": D(100000), "change": D(100000)}]
    rows += [
        {"currency": "EUR", "bucket": bucket, "deals": 1, "value": abs(change), "change": change}
        for bucket, change in zip(STEPS, changes, strict=True)
    ]
    rows += [{"currency": "EUR", "bucket": "moved_out", "deals": 0, "value": D(0), "change": D(0)}]
    rows += [{"currency": "EUR", "bucket": "end", "deals": 11, "value": D(103000), "change": D(103000)}]
    spec = [("currency", TEXT), ("bucket", TEXT), ("deals", INTEGER), ("value", MONEY), ("change", MONEY)]
    flow = Table("flow", columns(("currency", TEXT), ("from_stage", TEXT), ("to_stage", TEXT)), [])
    facts = {"from": date(2026, 3, 31), "to": date(2026, 6, 30), "by": None, "close_window": None}
    return Report(facts, [Table("movement", columns(*spec), rows), flow])


def forecast() -> Report:
    money = ("best_case", "weighted", "committed", "won")
    periods = [
        {"currency": "EUR", "period": period, "starts": date(2026, month, 1), "ends": date(2026, month + 2, 28),
         "deals": 3, **dict.fromkeys(money, D(1000)), "committed_deals": 1, "won_deals": 1,
         "slipped_deals": 0, "slipped": D(0)}
        for period, month in (("2026-Q2", 4), ("2026-Q3", 7))
    ]  # fmt: skip
    accuracy = [
        {"period": "2026-Q1", "starts": date(2026, 1, 1), "ends": date(2026, 3, 31), "currency": "EUR",
         "forecast_deals": 4, "best_case": D(9000), "weighted": D(4000), "committed": D(2000),
         "won_deals": 2, "won": D(3500), "accuracy": D("0.875")},
        {"period": "2025-Q4", "starts": date(2025, 10, 1), "ends": date(2025, 12, 31), "currency": "EUR",
         "forecast_deals": 0, "best_case": D(0), "weighted": D(0), "committed": D(0),
         "won_deals": 0, "won": D(0), "accuracy": None},
    ]  # fmt: skip
    period_spec = [("currency", TEXT), ("period", TEXT), ("starts", DATE), ("ends", DATE), ("deals", INTEGER)]
    period_spec += [("best_case", MONEY), ("weighted", MONEY), ("committed_deals", INTEGER), ("committed", MONEY)]
    period_spec += [("won_deals", INTEGER), ("won", MONEY), ("slipped_deals", INTEGER), ("slipped", MONEY)]
    accuracy_spec = [("period", TEXT), ("starts", DATE), ("ends", DATE), ("currency", TEXT)]
    accuracy_spec += [("forecast_deals", INTEGER), ("best_case", MONEY), ("weighted", MONEY), ("committed", MONEY)]
    accuracy_spec += [("won_deals", INTEGER), ("won", MONEY), ("accuracy", PERCENT)]
    facts = {"as_of": date(2026, 6, 30), "period": "quarter", "periods": 2, "probabilities": {}}
    return Report(
        facts, [Table("periods", columns(*period_spec), periods), Table("accuracy", columns(*accuracy_spec), accuracy)]
    )


def ageing() -> Report:
    rows = [
        {"currency": "EUR", "invoices": 3, **dict.fromkeys(BUCKETS, D("1500.5")), "total": D("7502.5")},
        {"currency": "KWD", "invoices": 1, **dict.fromkeys(BUCKETS, D(0)), "over-90": D("12.345"), "total": D(0)},
    ]
    spec = [("currency", TEXT), ("invoices", INTEGER), *((bucket, MONEY) for bucket in BUCKETS), ("total", MONEY)]
    return Report({"as_of": date(2026, 6, 30)}, [Table("invoices", (), []), Table("totals", columns(*spec), rows)])


FACTS = PageFacts(date(2026, 6, 30), "sqlite: /books/demo.db", "9.9.9", position=1234)


def page(facts: PageFacts = FACTS, stage: str = "analysis") -> str:
    return render_report_html(
        pipeline=pipeline(stage), movement=movement(), forecast=forecast(), ageing=ageing(), facts=facts
    )


class Elements(HTMLParser):
    """Every element of the page with its attributes, and the text outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._raw = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._raw += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._raw -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._raw:
            self.text.append(data)


def parsed(text: str) -> Elements:
    found = Elements()
    found.feed(text)
    found.close()
    return found


def charts(text: str) -> dict[str, dict]:
    """The figures the drawing script hands plotly, by the id of the <div> each is drawn in."""
    script = text.rsplit("<script>", 1)[1].split("</script>", 1)[0]
    figures = re.search(r"^\[(\[.*\])\]\.forEach", script, re.MULTILINE | re.DOTALL)
    assert figures is not None
    return {div: figure for div, figure in json.loads(f"[{figures.group(1)}]")}


def test_the_page_has_every_section_a_chart_each_and_a_table_under_it():
    text = page()
    headings = [data.strip() for data in parsed(text).text if data.strip()]
    for heading in ("Sales report", "Pipeline by stage", "Pipeline movement", "Forecast", "Receivables ageing"):
        assert heading in headings
    for table in ("stages", "movement", "periods", "accuracy", "totals"):
        assert f"<h3>{table}</h3>" in text
    drawn = charts(text)
    assert list(drawn) == ["chart-pipeline", "chart-movement-1", "chart-forecast-1", "chart-accuracy-1", "chart-ageing"]
    divs = [attrs["id"] for tag, attrs in parsed(text).elements if tag == "div" and attrs.get("class") == "chart"]
    assert divs == list(drawn)


def test_the_header_says_what_the_page_reflects():
    text = "".join(parsed(page()).text)
    for fact in ("2026-06-30", "sqlite: /books/demo.db", "2026-03-31 to 2026-06-30", "1234", "9.9.9"):
        assert fact in text
    assert "owner" not in text.split("Pipeline by stage")[0]


def test_the_pipeline_is_a_bar_series_per_currency():
    bars = charts(page())["chart-pipeline"]["data"]
    assert [(bar["type"], bar["name"]) for bar in bars] == [("bar", "EUR"), ("bar", "JPY")]
    assert bars[0]["x"] == ["analysis", "commitment"] and bars[0]["y"] == [1234567.5, 1234567.5]


def test_the_movement_is_a_native_waterfall_from_start_to_end():
    (waterfall,) = charts(page())["chart-movement-1"]["data"]
    assert waterfall["type"] == "waterfall"
    assert waterfall["measure"] == ["absolute", *["relative"] * 10, "total"]
    assert waterfall["x"][0] == "start" and waterfall["x"][4] == "pulled in" and waterfall["x"][-1] == "end"
    assert waterfall["y"][0] + sum(waterfall["y"][1:-1]) == waterfall["y"][-1] == 103000


def test_the_forecast_and_its_accuracy_are_drawn_per_currency():
    drawn = charts(page())
    assert [bar["name"] for bar in drawn["chart-forecast-1"]["data"]] == ["best case", "weighted", "committed", "won"]
    weighted, won = drawn["chart-accuracy-1"]["data"]
    assert weighted["y"] == [4000, 0] and won["y"] == [3500, 0] and won["text"] == ["87.5 %", ""]


def test_the_ageing_is_stacked_by_bucket_per_currency():
    ageing_chart = charts(page())["chart-ageing"]
    assert ageing_chart["layout"]["barmode"] == "stack"
    assert [bar["name"] for bar in ageing_chart["data"]] == list(BUCKETS)
    assert ageing_chart["data"][0]["x"] == ["EUR", "KWD"]


def test_amounts_are_grouped_in_their_currencys_decimals_and_rates_are_percentages():
    text = page()
    assert '<td class="n">1,234,567.50</td>' in text  # EUR: 2 decimals
    assert '<td class="n">250,000</td>' in text  # JPY: none
    assert '<td class="n">12.345</td>' in text  # KWD: 3
    assert '<td class="n">35 %</td>' in text and '<td class="n">87.5 %</td>' in text


def test_a_hostile_owner_is_shown_literally_and_injects_no_element():
    facts = PageFacts(FACTS.as_of, f"sqlite: {IMG}", "9.9.9", owner=HOSTILE, owners=(HOSTILE, "ana\u2028\nbo"))
    text = page(facts, stage=f"{IMG}\u2029{HOSTILE}")
    found = parsed(text)
    tags = [tag for tag, _ in found.elements]
    assert tags.count("script") == 2  # plotly.js and the drawing script, nothing else
    assert "img" not in tags
    shown = "".join(found.text)
    assert f"{HOSTILE} ({HOSTILE}, ana\u2028\nbo)" in shown and IMG in shown
    assert "alert(1)</script>" not in text and "\u2028" not in text.split("<body>")[1].split("<script>")[-1]
    assert (
        html.unescape(charts(text)["chart-pipeline"]["data"][0]["x"][0]) == f"{IMG}\u2029{HOSTILE}"
    )  # plotly's markup


def test_a_hundred_kilobytes_of_text_is_escaped_whole():
    long = "<b>" + "x" * 100_000
    text = page(stage=long)
    assert f"<td>&lt;b&gt;{'x' * 100_000}</td>" in text


def test_an_owner_that_names_nobody_says_so():
    facts = PageFacts(FACTS.as_of, FACTS.store, "9.9.9", owner="zed", owners=())
    assert "zed (nobody: no owner" in "".join(parsed(page(facts)).text)


def test_nothing_is_fetched_from_the_network():
    text = page()
    found = parsed(text)
    links = [value for _, attrs in found.elements for key, value in attrs.items() if key in ("src", "href", "action")]
    assert not [link for link in links if link and re.match(r"\s*(https?:)?//", link)]
    assert "<link" not in text.lower() and not [attrs for tag, attrs in found.elements if tag == "script" and attrs]
    policy = next(
        attrs["content"] for tag, attrs in found.elements if attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy is not None and policy.startswith("default-src 'none'")


def test_the_same_reports_give_the_same_page():
    assert page() == page()


@pytest.mark.parametrize("empty", ["stages", "movement", "totals"])
def test_a_part_with_nothing_in_it_says_so_instead_of_drawing(empty: str):
    reports = {"pipeline": pipeline(), "movement": movement(), "forecast": forecast(), "ageing": ageing()}
    for report in reports.values():
        for table in report.tables:
            if table.name == empty:
                table.rows = []
    text = render_report_html(**reports, facts=FACTS)
    assert "Nothing to draw" in text
