"""How each event is recorded again from its fields: the command that records it, given what it says.

`import events` replays an exported log through these (see `imports/replay.py`): live events
through the command a person gave, so that the method judges them again; imported ones through
the import's command, with the source they name. Each function takes the deal (None for an
opening) and the event as a `Recorded`, and returns the deal an opening makes (else None). The
registry (`registry.py`) says which function replays which event type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.lifecycle import stage_of
from dealflow.aggregates.opportunity import Opportunity
from dealflow.playbook import Effect, action_with

REFER = action_with(Effect.REFERRAL).name


@dataclass(frozen=True)
class Recorded:
    """An event to record again: its own fields as written, when, by whom, the state it left the
    deal in (when given), the import's source (for an imported one), and the gift limit then in force
    (asked only for an action, so that the settings are read only when needed)."""

    deal_id: str
    fields: Mapping[str, Any]
    on: date
    actor: str
    state: str | None
    source: Mapping[str, Any] | None
    gift_limit: Callable[[], Decimal]

    @property
    def stage(self) -> str:
        """The stage the event left the deal in; a KeyError names the field when the event lacks it."""
        if self.state is None:
            raise KeyError("state")
        return stage_of(self.state)


Replayer = Callable[[Any, Recorded], Opportunity | None]  # (the deal, or None for an opening; the event)


def _day(value: Any) -> date | None:
    if isinstance(value, date):  # a stored event's own date (a correction's replay)
        return value
    return None if value in (None, "") else date.fromisoformat(value)


def _dates(f: Mapping[str, Any]) -> tuple[date, date]:
    """An invoice's issue and due dates. An empty one reaches the command as None, which refuses it."""
    return cast(date, _day(f["issued"])), cast(date, _day(f["due"]))


def _details(f: Mapping[str, Any]) -> dict[str, Any]:
    """What an opening may say of a deal but its id, account and title."""
    close_by = _day(f.get("close_by"))
    return {"owner": f.get("owner"), "value": f.get("value"), "currency": f.get("currency"), "close_by": close_by}


# --- the commands a person gave ------------------------------------------------------------------


def opened(_: None, e: Recorded) -> Opportunity:
    f = e.fields
    details = _details(f)
    return Opportunity.open(
        deal_id=f.get("deal_id", e.deal_id),
        account=f["account"],
        title=f["title"],
        actor=e.actor,
        on=e.on,
        referred_by=f.get("referred_by"),
        **details,
    )


def action_recorded(deal: Opportunity, e: Recorded) -> None:
    fields = dict(e.fields.get("fields") or {})
    action = e.fields["action"]
    referral = fields.pop("deal", None) if action == REFER else None
    deal.record_action(
        action, fields, actor=e.actor, on=e.on, note=e.fields.get("note"), gift_limit=e.gift_limit(),
        referral_id=referral,
    )  # fmt: skip


def invoiced(deal: Opportunity, e: Recorded) -> None:
    f = e.fields
    issued, due = _dates(f)
    deal.invoice(f["invoice"], amount=f["amount"], due=due, issued=issued, on=e.on, actor=e.actor)


def advanced(deal: Opportunity, e: Recorded) -> None:
    deal.advance(actor=e.actor, evidence=e.fields.get("evidence"), on=e.on)


def stepped_back(deal: Opportunity, e: Recorded) -> None:
    deal.step_back(e.stage, reason=e.fields["reason"], actor=e.actor, on=e.on)


def lost(deal: Opportunity, e: Recorded) -> None:
    deal.lose(reason=e.fields["reason"], competitor=e.fields.get("competitor"), actor=e.actor, on=e.on)


def reopened(deal: Opportunity, e: Recorded) -> None:
    deal.reopen(reason=e.fields["reason"], actor=e.actor, on=e.on)


def bottom_line_set(deal: Opportunity, e: Recorded) -> None:
    deal.set_bottom_line(e.fields["term"], e.fields["value"], actor=e.actor, on=e.on)


def conceded(deal: Opportunity, e: Recorded) -> None:
    f = e.fields
    deal.concede(
        term=f["term"],
        by=f["by"],
        before=f["before"],
        after=f["after"],
        round=f["round"],
        override=f.get("override"),
        reason=f.get("reason"),
        actor=e.actor,
        on=e.on,
        legacy=_exported_before_reasons(f),
    )


def _exported_before_reasons(fields: Mapping[str, Any]) -> bool:
    """A whole `Conceded` line, with what the command works out, but no reason: exported by a dealflow
    from before a concession kept one, and so before where it starts and its direction were checked.
    It is judged by the rules it was recorded under; a script's line, giving only what the command
    needs, is judged by today's."""
    return "reason" not in fields and {"size", "widened", "past_bottom_line"} <= fields.keys()


def signed(deal: Opportunity, e: Recorded) -> None:
    f = e.fields
    deal.sign(amount=f["amount"], currency=f["currency"], terms=f.get("terms"), actor=e.actor, on=e.on)


def payment_received(deal: Opportunity, e: Recorded) -> None:
    deal.pay(e.fields["invoice"], amount=e.fields["amount"], actor=e.actor, on=e.on)


def written_off(deal: Opportunity, e: Recorded) -> None:
    deal.write_off(e.fields["invoice"], reason=e.fields["reason"], actor=e.actor, on=e.on)


def closed(deal: Opportunity, e: Recorded) -> None:
    raise InvalidInput(
        "a deal is closed by the payment or write-off that settles its last account, "
        "which comes before this line in a whole log"
    )


def note_added(deal: Opportunity, e: Recorded) -> None:
    deal.note(e.fields["text"], actor=e.actor, on=e.on)


def reassigned(deal: Opportunity, e: Recorded) -> None:
    deal.assign(e.fields["owner"], actor=e.actor, on=e.on)


def forecast_changed(deal: Opportunity, e: Recorded) -> None:
    f = e.fields
    deal.forecast(
        value=f.get("value"), currency=f.get("currency"), close_by=_day(f.get("close_by")), actor=e.actor, on=e.on
    )


def buying_stage_updated(deal: Opportunity, e: Recorded) -> None:
    deal.update_buying_stage(e.fields["buying_stage"], actor=e.actor, on=e.on)


def revision(deal: Opportunity, e: Recorded) -> None:
    """A correction or void is judged on the deal's whole history, which `import events` replays
    through `correcting` with the history it keeps (`imports/replayer.py`), never through here."""
    raise InvalidInput("a correction or void is replayed with the deal's history: import it with `import events`")


# --- the import's commands ---------------------------------------------------------------------


def opened_imported(_: None, e: Recorded) -> Opportunity:
    f = e.fields
    details = _details(f)
    return Opportunity.open_imported(
        source=e.source or {}, deal_id=f.get("deal_id", e.deal_id), account=f["account"], title=f["title"],
        actor=e.actor, on=e.on, **details,
    )  # fmt: skip


def invoiced_imported(deal: Opportunity, e: Recorded) -> None:
    f = e.fields
    issued, due = _dates(f)
    source = e.source or {}
    deal.invoice_imported(f["invoice"], amount=f["amount"], issued=issued, due=due, source=source, actor=e.actor)


def placed(deal: Opportunity, e: Recorded) -> None:
    deal.place_imported(e.stage, source=e.source or {}, actor=e.actor, on=e.on)


def won(deal: Opportunity, e: Recorded) -> None:
    f = e.fields
    deal.win_imported(amount=f["amount"], currency=f["currency"], source=e.source or {}, actor=e.actor, on=e.on)


def lost_imported(deal: Opportunity, e: Recorded) -> None:
    f = e.fields
    deal.lose_imported(
        reason=f["reason"], competitor=f.get("competitor"), source=e.source or {}, actor=e.actor, on=e.on
    )


def closed_imported(deal: Opportunity, e: Recorded) -> None:
    deal.close_imported(source=e.source or {}, actor=e.actor, on=e.on)


def paid_imported(deal: Opportunity, e: Recorded) -> None:
    f = e.fields
    deal.pay_imported(f["invoice"], amount=f["amount"], source=e.source or {}, actor=e.actor, on=e.on)


def noted_imported(deal: Opportunity, e: Recorded) -> None:
    deal.note_imported(e.fields["text"], source=e.source or {}, actor=e.actor, on=e.on)
