"""`dealflow forecast`: with a DEAL, change its expected value or close date (a record); without,
the forecast report by period, and with --accuracy how past forecasts compared with what was won."""

from __future__ import annotations

from datetime import date

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import json_option, wide_option
from dealflow.cli.params import DATE, on_option
from dealflow.cli.reports import owner_option, report_of_owners

PERIODS = ("month", "quarter")  # reports/periods.py PERIODS: named here so that `--help` imports no report


@click.command()
@click.argument("deal", required=False)
@click.option("--value", metavar="AMOUNT", help="DEAL's expected value, e.g. 95000.")
@click.option("--currency", metavar="CODE", help="ISO 4217 currency of the value, when the deal has none yet.")
@click.option("--close-by", type=DATE, help="DEAL's expected close date (YYYY-MM-DD).")
@click.option(
    "--period", type=click.Choice(PERIODS), default="quarter", show_default=True, help="The report's periods."
)
@click.option(
    "--periods", type=click.IntRange(1, 40), default=4, show_default=True, help="How many periods the report shows."
)
@click.option(
    "--accuracy",
    is_flag=True,
    help="Also each of the --periods past periods: its forecast at its start against what was won.",
)
@owner_option
@click.option("--csv", "as_csv", is_flag=True, help="Print the report as CSV (a part column names each table).")
@wide_option
@on_option
@json_option
@pass_session
def forecast(
    session: Session,
    deal: str | None,
    value: str | None,
    currency: str | None,
    close_by: date | None,
    period: str,
    periods: int,
    accuracy: bool,
    owner: str | None,
    as_csv: bool,
    on: date | None,
    as_json: bool,
) -> None:
    """Change a deal's expected value or close date; without DEAL, the forecast by period.

    With DEAL, --value, --close-by (or both) are recorded as of --on. Without DEAL: for this
    period and the next (--periods, by --period), the open deals expected to close in each, their
    value (best case), weighted by the stage probabilities in force, the part in commitment, what
    was won in the period so far, and the deals whose close date slipped out of it since this
    period began. --accuracy adds as many past periods: the forecast as it stood the day before
    each began against what was won in it, for the team and per owner. A deal's value is its
    latest price (docs/method.md).

    \b
    Example:
      dealflow forecast D-0001 --value 95000 --close-by 2026-09-30
      dealflow forecast
      dealflow forecast --period month --periods 6 --owner ana
      dealflow forecast --accuracy --periods 8 --json
    """
    ctx = click.get_current_context()
    given = lambda name: ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT  # noqa: E731
    if deal is not None:
        report_only = [
            f"--{name}"
            for name in ("period", "periods", "accuracy", "owner", "csv")
            if given(name if name != "csv" else "as_csv")
        ]
        if report_only:
            raise click.UsageError(
                f"{', '.join(report_only)}: for the forecast report, which takes no deal; leave out {deal} to see it"
            )
        from dealflow.cli.records import record_forecast

        record_forecast(session, deal, value, currency, close_by, on).show(as_json)
        return
    recorded = [f"--{name.replace('_', '-')}" for name in ("value", "currency", "close_by", "on") if given(name)]
    if recorded:
        raise click.UsageError(
            f"{', '.join(recorded)}: for one deal's forecast; give the deal (dealflow forecast D-0001 {recorded[0]} …)"
        )
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    from dealflow.reports.forecast import forecast_report

    today = date.today()
    settings_on = session.app.settings

    report_of_owners(
        session,
        lambda c, owners: forecast_report(
            c, today=today, settings_on=settings_on, period=period, periods=periods, accuracy=accuracy, owners=owners
        ),
        "json" if as_json else "csv" if as_csv else "text",
        owner,
    )
