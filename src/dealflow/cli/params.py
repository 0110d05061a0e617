"""Click parameter types shared by the commands."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

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


class RecordedTime(click.ParamType):
    """A recorded time, as `history` shows them: YYYY-MM-DDTHH:MM[:SS] in UTC unless it gives its offset;
    a date alone means the end of that day, UTC."""

    name = "DATETIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        given = str(value).strip()
        try:
            if len(given) == 10:
                day = date.fromisoformat(given)
                return datetime.combine(day, time.max, tzinfo=UTC)
            at = datetime.fromisoformat(given)
        except ValueError:
            self.fail(
                f"{value!r} is not a recorded time: write it as YYYY-MM-DDTHH:MM:SS (UTC), as `history` shows them, "
                "or a date",
                param,
                ctx,
            )
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        return at + _UNSHOWN.get(_precision(given), timedelta(0))


# `history` shows recorded times to the second: a time given to the second (or minute) means the end
# of that second (or minute), so that the event shown at it is among those known then
_UNSHOWN = {"second": timedelta(microseconds=999_999), "minute": timedelta(seconds=59, microseconds=999_999)}


def _precision(given: str) -> str:
    clock = given[11:].split("+")[0].split("-")[0].rstrip("Z")
    if "." in clock:
        return "fraction"
    return "minute" if clock.count(":") == 1 else "second"


RECORDED_TIME = RecordedTime()

known_at_option = click.option(
    "--known-at",
    type=RECORDED_TIME,
    default=None,
    help="As the store held it at this recorded time (UTC), before the corrections recorded later.",
)
