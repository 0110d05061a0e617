"""The charts of the report page (`html_report`): plotly figures built from a report's rows, each
turned into JSON that is safe inside a <script> element, and the one script that draws them all.

Imported only by `dealflow export report`, so plotly is never loaded by any other command. The
figures are plain data: colours and ids are fixed and nothing reads the clock, so the same rows
give the same text. User text (a currency, a stage) is escaped for plotly's own markup too, which
reads tags such as <a href=...> in labels: a name is shown as written, never made a link.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import plotly.io

from dealflow.aggregates.money import MINOR_UNITS

Row = Mapping[str, Any]
SERIES = ("#1f5f99", "#e07b39", "#3a9e6f", "#8e5ea2", "#c44e52", "#6c757d")  # one per currency, in turn
FORECAST = {"best_case": "#a6c8e8", "weighted": "#4a8bc4", "committed": "#1f4e79", "won": "#3a9e6f"}
AGEING = ("#3a9e6f", "#f2c14e", "#f08a3c", "#d9534f", "#8b1e1e")  # current ... over-90: calm to alarming
RISE, FALL, TOTAL = "#3a9e6f", "#d9534f", "#1f4e79"
CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True, "typesetMath": False}
NO_CURRENCY = "(no currency)"


@dataclass(frozen=True)
class Chart:
    """A figure for the page: the id of the <div> it is drawn in and its plotly JSON (data and layout)."""

    div_id: str
    figure: str


def amount_shown(amount: Decimal | int, currency: Any) -> str:
    """412,500.00 for GBP, 1,000 for JPY: the currency's usual decimals, more when the amount has
    more, never rounded (as the terminal writes it; exports must not import the CLI's layout)."""
    exact = amount if isinstance(amount, Decimal) else Decimal(amount)
    exponent = exact.as_tuple().exponent
    usual = MINOR_UNITS.get(currency, 2) if isinstance(currency, str) else 0
    return f"{exact:,.{max(usual, -exponent if isinstance(exponent, int) else 0)}f}"


def label(value: Any) -> str:
    """Text for plotly, which reads HTML-like tags and entities in labels: escaped, shown literally."""
    return html.escape(NO_CURRENCY if value is None else str(value), quote=False)


def script_safe(text: str) -> str:
    """JSON that cannot end the <script> it sits in (`</`), nor a line of it in old parsers (U+2028/9)."""
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def draw_script(charts: Sequence[Chart]) -> str:
    """The script that draws every chart into its <div>, all data in one escaped JSON array."""
    figures = ",".join(f"[{json.dumps(chart.div_id)},{chart.figure}]" for chart in charts)
    return (
        f"var config = {json.dumps(CONFIG)};\n"
        f"[{figures}].forEach(function (c) {{ Plotly.newPlot(c[0], c[1].data, c[1].layout, config); }});"
    )


def pipeline_chart(rows: Sequence[Row]) -> Chart:
    """Value by stage, a bar series per currency: currencies side by side, never added."""
    stages = list(dict.fromkeys(row["stage"] for row in rows))
    bars = [
        go.Bar(
            name=label(currency),
            x=[label(stage) for stage in stages],
            y=[_number(row["value"]) for row in group],
            text=[amount_shown(row["value"] or 0, currency) for row in group],
            hovertemplate=f"%{{x}}: %{{text}} {label(currency)}<extra></extra>",
            textposition="none",  # a value on every bar of several currencies is clutter: hover shows it
            marker_color=SERIES[n % len(SERIES)],
        )
        for n, (currency, group) in enumerate(by_currency(rows).items())
    ]
    return _chart("chart-pipeline", "Pipeline value by stage", bars, barmode="group")


def movement_charts(rows: Sequence[Row]) -> list[Chart]:
    """A waterfall per currency: start and end drawn from zero, every step floating from the last."""
    charts = []
    for n, (currency, group) in enumerate(by_currency(rows).items(), start=1):
        steps = go.Waterfall(
            x=[label(row["bucket"].replace("_", " ")) for row in group],
            measure=[_measure(row["bucket"]) for row in group],
            y=[_number(row["change"]) for row in group],
            text=[amount_shown(row["change"], currency) if row["change"] else "" for row in group],
            customdata=[[row["deals"], amount_shown(row["change"] or 0, currency)] for row in group],
            hovertemplate="%{x}: %{customdata[1]} (%{customdata[0]} deals)<extra></extra>",
            textposition="outside",
            increasing={"marker": {"color": RISE}},
            decreasing={"marker": {"color": FALL}},
            totals={"marker": {"color": TOTAL}},
            connector={"line": {"color": "#9aa5b1", "width": 1}},
            showlegend=False,
        )
        charts.append(_chart(f"chart-movement-{n}", f"Pipeline movement, {label(currency)}", [steps]))
    return charts


def forecast_charts(rows: Sequence[Row]) -> list[Chart]:
    """Per currency, each period's best case, weighted, committed and won side by side."""
    charts = []
    for n, (currency, group) in enumerate(by_currency(rows).items(), start=1):
        bars = [
            go.Bar(
                name=key.replace("_", " "),
                x=[label(row["period"]) for row in group],
                y=[_number(row[key]) for row in group],
                text=[amount_shown(row[key] or 0, currency) for row in group],
                hovertemplate=f"%{{x}} {key.replace('_', ' ')}: %{{text}} {label(currency)}<extra></extra>",
                textposition="none",
                marker_color=colour,
            )
            for key, colour in FORECAST.items()
        ]
        charts.append(_chart(f"chart-forecast-{n}", f"Forecast by period, {label(currency)}", bars, barmode="group"))
    return charts


def accuracy_charts(rows: Sequence[Row]) -> list[Chart]:
    """Per currency, the weighted forecast made at each past period's start against what was won in
    it, the accuracy written over the won bar."""
    charts = []
    for n, (currency, group) in enumerate(by_currency(rows).items(), start=1):
        periods = [label(row["period"]) for row in group]
        bars = [
            go.Bar(name="weighted forecast", x=periods, y=[_number(row["weighted"]) for row in group],
                   marker_color=FORECAST["weighted"], hovertemplate="%{x} forecast: %{y:,.2f}<extra></extra>"),
            go.Bar(name="won", x=periods, y=[_number(row["won"]) for row in group], marker_color=FORECAST["won"],
                   text=[percent_shown(row["accuracy"]) for row in group], textposition="outside",
                   hovertemplate="%{x} won: %{y:,.2f} (%{text})<extra></extra>"),
        ]  # fmt: skip
        charts.append(_chart(f"chart-accuracy-{n}", f"Forecast accuracy, {label(currency)}", bars, barmode="group"))
    return charts


def ageing_chart(rows: Sequence[Row], buckets: Sequence[str]) -> Chart:
    """Open receivables per currency, a bar each, stacked by days past due."""
    currencies = [label(row["currency"]) for row in rows]
    bars = [
        go.Bar(
            name=bucket,
            x=currencies,
            y=[_number(row[bucket]) for row in rows],
            text=[amount_shown(row[bucket] or 0, row["currency"]) for row in rows],
            hovertemplate=f"%{{x}} {bucket}: %{{text}}<extra></extra>",
            textposition="none",
            marker_color=AGEING[n % len(AGEING)],
        )
        for n, bucket in enumerate(buckets)
    ]
    return _chart("chart-ageing", "Receivables by days past due", bars, barmode="stack")


def percent_shown(value: Decimal | None) -> str:
    """0.8734 as 87.34 %, exact; nothing when there is no ratio (nothing was forecast)."""
    return "" if value is None else f"{(value * 100).normalize():f} %"


def by_currency(rows: Iterable[Row]) -> dict[Any, list[Row]]:
    """The rows of each currency, currencies and rows in the report's order."""
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(row["currency"], []).append(row)
    return groups


def _measure(bucket: str) -> str:
    return {"start": "absolute", "end": "total"}.get(bucket, "relative")


def _number(value: Decimal | int | None) -> float:
    return float(value or 0)  # for drawing alone: the tables beside the charts keep the exact amounts


def _chart(div_id: str, title: str, traces: list[Any], **layout: Any) -> Chart:
    figure = go.Figure(
        traces,
        go.Layout(
            title={"text": title, "x": 0, "xanchor": "left"},
            template="plotly_white",
            height=380,
            margin={"l": 60, "r": 20, "t": 60, "b": 50},
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
            yaxis={"tickformat": "~s", "separatethousands": True},
            font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
            **layout,
        ),
    )
    return Chart(div_id, script_safe(plotly.io.to_json(figure, pretty=False, engine="json")))
