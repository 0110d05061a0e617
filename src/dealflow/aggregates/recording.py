"""The one way a deal records an event, live or imported, and the checks its commands share.

An event's next state comes from the lifecycle machine when a person records it (`Live`: the
method judges the step), or from the import's source (`Imported`: placed where the source says,
the machine not asked, the event marked with the source). Either way the same rules hold: dates
never in the future, nor before the deal's last stage change, a stage change not before its last
record, and only text the store can hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dealflow.aggregates import events
from dealflow.aggregates.errors import AMOUNT, CURRENCY, ON, Field, InvalidInput, Refused
from dealflow.aggregates.lifecycle import lifecycle, stage_of
from dealflow.aggregates.limits import POSITIVE_AMOUNT
from dealflow.aggregates.money import parse_amount, parse_currency
from dealflow.aggregates.state import DealState
from dealflow.aggregates.storable import check_storable

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.domain import CanMutateAggregate

    Event = CanMutateAggregate[UUID]


def required_text(value: str | None, what: str, *parts: object) -> str:
    """The text given, trimmed; refused when there is none. `what` says which, with `parts` as in an error."""
    if value is None or not value.strip():
        raise InvalidInput("give " + what, *parts, rule="blank")
    return value.strip()


def effective_on(on: date | None, not_before: date | None, since: str = "last stage change", field: Field = ON) -> date:
    """The date a record takes effect: `on` (default today), neither in the future nor before `not_before`."""
    today = date.today()
    on = on or today
    if on > today:
        raise InvalidInput(
            "{} {} is in the future: records are dated today ({}) or earlier", field, on, today, rule="in the future"
        )
    if not_before is not None and on < not_before:
        raise Refused(
            "{} {} is before this deal's {} on {}: date it {} or later",
            *(field, on, since, not_before, not_before),
            rule="before " + since,
        )
    return on


class Live:
    """A command a person gives: the machine judges `trigger` (with what its guards need) and says the
    next state. A plain class: one is made for every command (a frozen dataclass costs a microsecond)."""

    __slots__ = ("context", "trigger")

    def __init__(self, trigger: str, context: Mapping[str, Any] | None = None) -> None:
        self.trigger = trigger
        self.context = context or {}

    def next_state(self, deal: DealState) -> str:
        return lifecycle().next_state(deal, self.trigger, **self.context)

    def mark(self, event: Event) -> None:
        """A live event stores nothing more."""


class Imported:
    """A fact an import places: the source says the state; the event records the source."""

    __slots__ = ("source", "state")

    def __init__(self, state: str, source: Mapping[str, Any]) -> None:
        self.state = state
        self.source = source

    def next_state(self, deal: DealState) -> str:
        return self.state

    def mark(self, event: Event) -> None:
        events.mark_imported(event, self.source)


class Recording(DealState):
    """A deal's state with the one recording path; the aggregate (`Opportunity`) supplies the events."""

    if TYPE_CHECKING:  # eventsourcing's Aggregate, which `Opportunity` also inherits

        def trigger_event(self, event_class: type[Event], **kwargs: Any) -> None: ...

        @property
        def pending_events(self) -> list[Event]: ...

    def _record(
        self, event_class: type[events.DealEvent], how: Live | Imported, on: date | None, actor: str, **facts: Any
    ) -> None:
        state = how.next_state(self)
        if stage_of(state) != stage_of(self.state):  # a stage change comes after the records that justify it
            since = "last stage change" if self.last_record_on == self.stage_changed_on else "last record"
            when = effective_on(on, self.last_record_on, since)
        else:
            when = effective_on(on, self.stage_changed_on)
        check_storable(facts, actor=actor)
        self.trigger_event(event_class, effective_on=when, actor=actor, state=state, **facts)
        how.mark(self.pending_events[-1])

    def _check_after_issue(self, invoice: str, on: date | None) -> None:
        issued = self.invoices[invoice]["issued"]
        when = on or date.today()
        if self.stage_changed_on <= when < issued:  # earlier than the stage change: _record says so
            raise Refused(
                "{} {} is before invoice {} was issued on {}: date it {} or later", ON, on, invoice, issued, issued
            )

    def _agreement(self, amount: object, currency: str | None) -> tuple[Decimal, str]:
        """A signed amount (more than 0) and its currency, which must be the deal's one currency."""
        signed = parse_amount(amount, AMOUNT, POSITIVE_AMOUNT)
        code = parse_currency(currency) if currency else self.currency
        if code is None:
            raise InvalidInput("give {}: this deal has none yet", CURRENCY, rule="no currency")
        self._check_currency(code)
        return signed, code

    def _check_currency(self, currency: str) -> None:
        if self.currency is not None and currency != self.currency:
            raise Refused(
                "this deal is in {}: a deal has one currency, so give amounts in {}", self.currency, self.currency
            )
