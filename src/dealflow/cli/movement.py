"""`dealflow movement`: why the open pipeline changed between two days, bucket by bucket."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import NONE, emit, emit_json, output_options, print_fields, print_table, wide_option
from dealflow.cli.params import DATE
from dealflow.cli.reports import owner_option, report_of_owners

if TYPE_CHECKING:
    from dealflow.reports.report import Report

BUCKET_NAMES = (
    "start",
    "created",
    "reopened",
    "increased",
    "pulled_in",
    "moved_in",
    "decreased",
    "won",
    "lost",
    "pushed_out",
    "moved_out",
    "end",
)  # fmt: skip  (reports/movement.py BUCKETS, named here so that `--help` imports no report)
_PERIOD = re.compile(r"(\d{4})-(?:Q([1-4])|(\d{2}))")


class CloseWindow(click.ParamType):
    """START:END (two dates, both in), or a quarter (2026-Q4) or a month (2026-12)."""

    name = "WINDOW"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[date, date]:
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        period = _PERIOD.fullmatch(text)
        if period:
            from dealflow.reports.periods import period_of

            year, quarter, month = period.groups()
            if month is not None and not 1 <= int(month) <= 12:
                self.fail(f"{text!r}: a month is 01 to 12 (2026-12)", param, ctx)
            first = date(int(year), (int(quarter) - 1) * 3 + 1 if quarter else int(month), 1)
            found = period_of(first, "quarter" if quarter else "month")
            return found.first_day, found.last_day
        start, colon, end = text.partition(":")
        try:
            window = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            colon = ""
        if not colon:
            self.fail(
                f"{text!r} is not a close window: give START:END (2026-10-01:2026-12-31), a quarter (2026-Q4) "
                "or a month (2026-12)",
                param,
                ctx,
            )
        if window[0] > window[1]:
            self.fail(f"{text!r} ends before it starts: give the earlier date first", param, ctx)
        return window


@click.command()
@click.option(
    "--from",
    "start",
    type=DATE,
    help="From the end of this day (YYYY-MM-DD); default: the last day of the quarter before --to's.",
)
@click.option("--to", "end", type=DATE, help="To the end of this day (YYYY-MM-DD); default today.")
@click.option(
    "--by",
    type=click.Choice(("owner", "stage", "account")),
    help="Each currency's movement per owner, stage or account.",
)
@click.option(
    "--close-window", "window", type=CloseWindow(),
    help="Only deals expected to close in it: START:END, a quarter (2026-Q4) or a month (2026-12); "
    "adds pulled_in and pushed_out.",
)  # fmt: skip
@click.option("--deals", "bucket", type=click.Choice(BUCKET_NAMES), help="List the deals behind one bucket instead.")
@owner_option
@output_options
@wide_option
@pass_session
def movement(
    session: Session,
    start: date | None,
    end: date | None,
    by: str | None,
    window: tuple[date, date] | None,
    bucket: str | None,
    owner: str | None,
    output: str,
) -> None:
    """Why the open pipeline changed between two days: start, every change, end, per currency.

    The open pipeline at the end of --from and at the end of --to (as `pipeline --as-of` counts
    them), and between them, in deals and value: created, reopened, increased, pulled_in, moved_in,
    decreased, won, lost, pushed_out, moved_out. Start + the first five − the last five = end,
    exactly (a value change moves no deal: its count is left out of the deals' balance). Then the
    stage flow: how many deals moved from each stage to each other, forward and back. Each bucket
    is defined in docs/method.md.

    \b
    Example:
      dealflow movement
      dealflow movement --from 2026-06-30 --to 2026-09-30 --close-window 2026-Q3
      dealflow movement --by owner --json
      dealflow movement --deals lost --from 2026-06-30
    """
    from dealflow.reports.movement import contract, movement_report
    from dealflow.reports.periods import quarter_before
    from dealflow.reports.report import as_of_day

    last = as_of_day(end)
    first = start if start is not None else quarter_before(last)
    if first > last:
        raise click.BadParameter(f"{first} is after --to {last}: give the earlier day to --from", param_hint="--from")

    def show(report: Report, output: str) -> None:
        if output == "json":
            emit_json(contract(report), compact=True)
        elif output == "csv":
            emit(report, output)
        else:
            _print(report)

    report_of_owners(
        session,
        lambda c, owners: movement_report(c, start=first, end=last, by=by, window=window, owners=owners, bucket=bucket),
        output,
        owner,
        owners_as_of=last.toordinal(),
        show=show,
    )


def _print(report: Report) -> None:
    """The facts, then each currency's waterfall as lines (a bucket, its deals, its signed value:
    `change`, what a bar of the waterfall draws), then the stage flow, or the deals listed."""
    facts = {key: value for key, value in report.facts.items() if value is not None}
    if "close_window" in facts:
        window = facts["close_window"]
        facts["close_window"] = f"{window['start']} to {window['end']}"
    print_fields(facts.items())
    for table in report.tables:
        rows = list(table.rows)
        click.echo(f"\n{table.name.replace('_', ' ')}:")
        if not rows:
            click.echo(f"  {NONE}")
            continue
        keys = [column.key for column in table.columns]
        if table.name == "movement":  # a bucket nothing went through is left out here (--json and --csv have it)
            keys.remove("value")
            rows = [row for row in rows if row["bucket"] in ("start", "end") or row["deals"] or row["value"]]
        print_table(rows, keys, {column.key: column.kind for column in table.columns})
