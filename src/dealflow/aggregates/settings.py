"""The team's settings (gift limit, collection thresholds, stalled days, stage probabilities), event-sourced so
that every change is audited and a report as of a date uses the settings then in force."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from dealflow.aggregates.errors import ON, InvalidInput
from dealflow.aggregates.ids import NAMESPACE
from dealflow.aggregates.limits import AMOUNT, PROBABILITY, SETTING_DAYS, whole
from dealflow.aggregates.money import parse_amount
from dealflow.aggregates.storable import check_storable
from dealflow.playbook import DEFAULTS, PROBABILITY_SETTINGS, Defaults

SETTING_NAMES = tuple(field.name.replace("_", "-") for field in dataclasses.fields(Defaults))


def parse_setting(name: str, value: str) -> tuple[str, Any]:
    """The setting's attribute name and typed value, from what a person typed; each in its range (`limits`)."""
    attribute = name.replace("-", "_")
    if name not in SETTING_NAMES:
        raise InvalidInput(f"unknown setting {name!r}: choose one of {', '.join(SETTING_NAMES)}")
    if attribute in SETTING_DAYS:
        return attribute, whole(value, SETTING_DAYS[attribute], name)
    limits = PROBABILITY if attribute in PROBABILITY_SETTINGS else AMOUNT
    return attribute, parse_amount(value, name, limits)


class Settings(Aggregate):
    ID = uuid5(NAMESPACE, "settings")

    @staticmethod
    def create_id() -> UUID:
        return Settings.ID

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []

    class Changed(Aggregate.Event):
        name: str
        value: Decimal | int
        effective_on: date
        actor: str

        def apply(self, settings: Settings) -> None:
            settings.changes = [*settings.changes, {"name": self.name, "value": self.value, "on": self.effective_on}]

    def change(self, name: str, value: str, *, actor: str, on: date) -> None:
        attribute, typed = parse_setting(name, value)
        if on > date.today():  # a future change would be in force at once: `in_force()` reads every change
            raise InvalidInput(
                "{} {} is in the future: settings changes are dated today or earlier", ON, on, rule="in the future"
            )
        check_storable({}, actor=actor)
        self.trigger_event(self.Changed, name=attribute, value=typed, effective_on=on, actor=actor)

    def in_force(self, on: date | None = None) -> Any:  # a Defaults: built by the playbook, a class mypy cannot see
        """The settings in force at the end of `on` (default: now)."""
        current: dict[str, Any] = {}
        for change in sorted(self.changes, key=lambda c: c["on"]):
            if on is None or change["on"] <= on:
                current[change["name"]] = change["value"]
        return dataclasses.replace(DEFAULTS, **current)
