"""Click parameter types shared by the commands."""

from __future__ import annotations

from datetime import date

import click

from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.limits import Range, whole


class IsoDate(click.ParamType):
    name = "DATE"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31", param, ctx)


DATE = IsoDate()

on_option = click.option(
    "--on", "on", type=DATE, default=None, help="When it happened (YYYY-MM-DD); default today, never in the future."
)


class WholeNumber(click.ParamType):
    """A whole number of ASCII digits in a range (click's INT reads Unicode digits such as ١٢٣ too)."""

    name = "N"

    def __init__(self, limits: Range) -> None:
        self.limits = limits

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return whole(value, self.limits, "it")
        except InvalidInput:
            self.fail(f"{value!r} is not a whole number {self.limits.describe()}", param, ctx)
