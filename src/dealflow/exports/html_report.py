"""The report page (`dealflow export report`): one HTML file a sales leader reads at a glance, the
pipeline by stage, its movement, the forecast and its accuracy, and the receivables ageing, each a
chart with its table under it.

The page is whole in itself: plotly.js is inline once, every chart's data inline, and a content
security policy forbids any fetch, so it opens offline and tells nobody it was opened. Every piece
of user text is escaped where it lands: in the markup with html.escape, in the charts' JSON so that
it cannot close its <script> (`html_charts.script_safe`). Nothing is clock time but the as-of date:
the same data gives the same page, byte for byte.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dealflow.exports import html_charts as charts
from dealflow.exports.html_charts import Chart, amount_shown, percent_shown
from dealflow.reports.ageing import BUCKETS
from dealflow.reports.report import Report
from dealflow.reports.table import Cell, Column, Table, as_text

# No network: scripts and styles inline only, images from data: alone (plotly draws SVG), no fetch.
POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"
NUMERIC = frozenset({Cell.MONEY, Cell.NUMBER, Cell.INTEGER, Cell.PERCENT})
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733;
       margin: 0 auto; padding: 24px 32px 64px; max-width: 1200px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 8px; } h2 { font-size: 20px; margin: 40px 0 4px; border-top: 2px solid #1f4e79;
     padding-top: 16px; } h3 { font-size: 15px; margin: 20px 0 6px; color: #3d4a57; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: #5b6875; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
p.about { color: #5b6875; margin: 0 0 8px; max-width: 900px; } p.empty { font-style: italic; color: #5b6875; }
div.chart { min-height: 380px; margin: 8px 0; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; max-width: 100%; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e3e7eb; text-align: left; vertical-align: top;
         max-width: 28em; overflow-wrap: anywhere; }
th { background: #f3f5f7; font-weight: 600; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
"""


@dataclass(frozen=True)
class PageFacts:
    """What the page says it reflects, besides the reports' own facts: `owner` as given to --owner
    and `owners`, the names it was found to mean (None: every deal)."""

    as_of: date
    store: str
    version: str
    position: int | None = None  # the last event of the log the projections had read
    owner: str | None = None
    owners: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Section:
    """A part of the page: a heading, a line on what it shows, its charts, then its tables with their rows."""

    title: str
    about: str
    charts: Sequence[Chart]
    tables: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]


def render_report_html(
    *, pipeline: Report, movement: Report, forecast: Report, ageing: Report, facts: PageFacts
) -> str:
    """The whole page; reports are the shapes `pipeline_report` (by stage), `movement_report`,
    `forecast_report` (with accuracy) and `ageing_report` return."""
    sections = _sections(pipeline, movement, forecast, ageing, facts)
    title = f"dealflow report, as of {facts.as_of}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title><style>{STYLE}</style>",
            f"<script>{charts.script_safe(_plotly_js())}</script>",  # its "</" are all in strings: safe to escape
            "</head><body>",
            _header(facts, movement, forecast),
            *(_section_html(section) for section in sections),
            f"<script>{charts.draw_script([chart for section in sections for chart in section.charts])}</script>",
            "</body></html>",
            "",
        ]
    )


def _sections(pipeline: Report, movement: Report, forecast: Report, ageing: Report, facts: PageFacts) -> list[Section]:
    stages, steps = _rows(pipeline, "stages"), _rows(movement, "movement")
    periods, accuracy, totals = _rows(forecast, "periods"), _rows(forecast, "accuracy"), _rows(ageing, "totals")
    period = forecast.facts.get("period", "period")
    owned_now = " With an owner filter: the invoices of the deals these owners own now." if facts.owner else ""
    return [
        Section(
            "Pipeline by stage",
            f"Open and won deals by stage at the end of {facts.as_of}, a bar per currency; weighted by the stage "
            f"probabilities then in force; stalled after {pipeline.facts.get('stalled_days')} days without an event.",
            [charts.pipeline_chart(stages)] if stages else [],
            [(_table(pipeline, "stages"), stages)],
        ),
        Section(
            "Pipeline movement",
            f"From the end of {movement.facts.get('from')} to the end of {movement.facts.get('to')}, per currency: "
            "the pipeline at the start, what came in (green) and went out (red), and the pipeline at the end.",
            charts.movement_charts(steps),
            [(_table(movement, "movement"), steps)],
        ),
        Section(
            "Forecast",
            f"Each {period} from the current one: best case, weighted, committed and won. Accuracy: the weighted "
            f"forecast made at the start of each past {period} against what was won in it.",
            [*charts.forecast_charts(periods), *charts.accuracy_charts(accuracy)],
            [(_table(forecast, "periods"), periods), (_table(forecast, "accuracy"), accuracy)],
        ),
        Section(
            "Receivables ageing",
            f"Open invoice balances at the end of {facts.as_of} by days past due, a stacked bar per currency."
            + owned_now,
            [charts.ageing_chart(totals, BUCKETS)] if totals else [],
            [(_table(ageing, "totals"), totals)],
        ),
    ]


def _header(facts: PageFacts, movement: Report, forecast: Report) -> str:
    shown: list[tuple[str, Any]] = [
        ("as of (end of day)", facts.as_of),
        ("store", facts.store),
        ("movement", f"{movement.facts.get('from')} to {movement.facts.get('to')}"),
        ("forecast", f"{forecast.facts.get('periods')} {forecast.facts.get('period')}s from the current one"),
    ]
    if facts.position is not None:
        shown.append(("event log up to event", facts.position))
    if facts.owner is not None:
        names = ", ".join(facts.owners or ()) or "nobody: no owner's name is or begins with it, no deal is counted"
        shown.append(("owner", f"{facts.owner} ({names})"))
    shown.append(("dealflow version", facts.version))
    rows = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(as_text(value))}</dd>" for name, value in shown)
    return f'<header><h1>Sales report</h1><dl class="facts">{rows}</dl></header>'


def _section_html(section: Section) -> str:
    parts = [f"<section><h2>{html.escape(section.title)}</h2>", f'<p class="about">{html.escape(section.about)}</p>']
    parts += [f'<div class="chart" id="{chart.div_id}"></div>' for chart in section.charts]
    if not section.charts:
        parts.append('<p class="empty">Nothing to draw: no amounts in this part.</p>')
    for table, rows in section.tables:
        parts += [f"<h3>{html.escape(table.name.replace('_', ' '))}</h3>", _table_html(table.columns, rows)]
    return "\n".join([*parts, "</section>"])


def _table_html(columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]) -> str:
    numeric = [' class="n"' if column.kind in NUMERIC else "" for column in columns]
    head = "".join(f"<th{n}>{html.escape(c.header)}</th>" for c, n in zip(columns, numeric, strict=True))
    body = "".join(
        "<tr>"
        + "".join(f"<td{n}>{html.escape(_cell(row, c))}</td>" for c, n in zip(columns, numeric, strict=True))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(row: Mapping[str, Any], column: Column) -> str:
    """A cell as a person reads it: amounts grouped, in the row's currency's decimals; rates in %."""
    value = row.get(column.key)
    if value is None:
        return ""
    if column.kind is Cell.MONEY and isinstance(value, (Decimal, int)):
        return amount_shown(value, row.get("currency"))
    if column.kind is Cell.PERCENT and isinstance(value, Decimal):
        return percent_shown(value)
    if column.kind in (Cell.INTEGER, Cell.NUMBER) and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return as_text(value)


def _table(report: Report, name: str) -> Table:
    found = [table for table in report.tables if table.name == name]
    if not found:
        raise ValueError(f"the report has no {name!r} table: it has {', '.join(t.name for t in report.tables)}")
    return found[0]


def _rows(report: Report, name: str) -> list[Mapping[str, Any]]:
    """The rows of the report's `name` table, read once: they may be a generator, and are both drawn and listed."""
    table = _table(report, name)
    return table.rows if isinstance(table.rows, list) else list(table.rows)


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())
