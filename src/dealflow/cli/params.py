"""Click parameter types shared by the commands."""

from __future__ import annotations

from datetime import date

import click


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
