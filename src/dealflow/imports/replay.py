"""How `import events` replays each line of an event file: through the command that recorded it, with
its date and actor, so the method judges it again; the event the command records must then be the
line, field for field (dates, states, amounts and the flags a command works out, such as a
concession's). A payment that settles a deal's last account closes it, as it did when it was
recorded: the `Closed` line after it is checked against that. Lines of events that an import
recorded are replayed through the same import command, with the source they name. So exporting the
store again gives the same lines, but for the time each was recorded and its position in the log.

A line is read in `imports.eventline`, replayed by `imports.replayer` and imported, in the runner's
two passes, by `imports.eventlog`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.lifecycle import stage_of
from dealflow.aggregates.opportunity import Opportunity
from dealflow.playbook import Effect, action_with
from dealflow.views import SETTING_CHANGED as SETTING

if TYPE_CHECKING:
    from dealflow.imports.eventline import Line
    from dealflow.imports.replayer import Replay

REFER = action_with(Effect.REFERRAL).name


# --- the commands that record each event -----------------------------------------------------------


def _day(value: Any) -> date | None:
    return None if value in (None, "") else date.fromisoformat(value)


def _opened(deal: Any, line: Line, context: Replay) -> Opportunity:
    f = line.fields
    details = {
        "owner": f.get("owner"),
        "value": f.get("value"),
        "currency": f.get("currency"),
        "close_by": _day(f.get("close_by")),
    }
    if line.imported:
        return Opportunity.open_imported(
            source=line.imported,
            deal_id=f.get("deal_id", line.deal_id),
            account=f["account"],
            title=f["title"],
            actor=line.actor,
            on=line.on,
            **details,
        )
    return Opportunity.open(
        deal_id=f.get("deal_id", line.deal_id),
        account=f["account"],
        title=f["title"],
        actor=line.actor,
        on=line.on,
        referred_by=f.get("referred_by"),
        **details,
    )


def _action(deal: Opportunity, line: Line, context: Replay) -> None:
    fields = dict(line.fields.get("fields") or {})
    action = line.fields["action"]
    referral = fields.pop("deal", None) if action == REFER else None
    limit = context.settings_on(line.on).gift_limit
    deal.record_action(
        action,
        fields,
        actor=line.actor,
        on=line.on,
        note=line.fields.get("note"),
        gift_limit=limit,
        referral_id=referral,
    )


def _invoiced(deal: Opportunity, line: Line, context: Replay) -> None:
    f = line.fields
    issued, due = _day(f["issued"]), _day(f["due"])
    if line.imported:
        deal.invoice_imported(
            f["invoice"],
            amount=f["amount"],
            issued=issued,
            due=due,
            source=line.imported,  # type: ignore[arg-type]
            actor=line.actor,
        )
    else:
        deal.invoice(f["invoice"], amount=f["amount"], due=due, issued=issued, on=line.on, actor=line.actor)  # type: ignore[arg-type]
    context.claim(f["invoice"], deal.deal_id, line.imported)


def _move(name: str) -> Callable[[Opportunity, Line, Replay], None]:
    def command(deal: Opportunity, line: Line, context: Replay) -> None:
        f, on, actor = line.fields, line.on, line.actor
        match name:
            case "Advanced":
                deal.advance(actor=actor, evidence=f.get("evidence"), on=on)
            case "SteppedBack":
                deal.step_back(stage_of(line.row["state"]), reason=f["reason"], actor=actor, on=on)
            case "Lost":
                deal.lose(reason=f["reason"], competitor=f.get("competitor"), actor=actor, on=on)
            case "Reopened":
                deal.reopen(reason=f["reason"], actor=actor, on=on)
            case "BottomLineSet":
                deal.set_bottom_line(f["term"], f["value"], actor=actor, on=on)
            case "Conceded":
                deal.concede(
                    term=f["term"],
                    by=f["by"],
                    before=f["before"],
                    after=f["after"],
                    round=f["round"],
                    override=f.get("override"),
                    reason=f.get("reason"),
                    actor=actor,
                    on=on,
                    legacy=_exported_before_reasons(f),
                )
            case "Signed":
                deal.sign(amount=f["amount"], currency=f["currency"], terms=f.get("terms"), actor=actor, on=on)
            case "PaymentReceived":
                deal.pay(f["invoice"], amount=f["amount"], actor=actor, on=on)
            case "WrittenOff":
                deal.write_off(f["invoice"], reason=f["reason"], actor=actor, on=on)
            case "NoteAdded":
                deal.note(f["text"], actor=actor, on=on)
            case "Reassigned":
                deal.assign(f["owner"], actor=actor, on=on)
            case "ForecastChanged":
                deal.forecast(
                    value=f.get("value"),
                    currency=f.get("currency"),
                    close_by=_day(f.get("close_by")),
                    actor=actor,
                    on=on,
                )
            case "BuyingStageUpdated":
                deal.update_buying_stage(f["buying_stage"], actor=actor, on=on)
            case "Closed":
                raise InvalidInput(
                    "a deal is closed by the payment or write-off that settles its last account, "
                    "which comes before this line in a whole log"
                )

    return command


def _exported_before_reasons(fields: dict[str, Any]) -> bool:
    """A whole `Conceded` line, with what the command works out, but no reason: exported by a dealflow
    from before a concession kept one, and so before where it starts and its direction were checked.
    It is judged by the rules it was recorded under; a script's line, giving only what the command
    needs, is judged by today's."""
    return "reason" not in fields and {"size", "widened", "past_bottom_line"} <= fields.keys()


def _imported(name: str) -> Callable[[Opportunity, Line, Replay], None]:
    def command(deal: Opportunity, line: Line, context: Replay) -> None:
        f, on, actor, source = line.fields, line.on, line.actor, line.imported or {}
        match name:
            case "Advanced":
                deal.place_imported(stage_of(line.row["state"]), source=source, actor=actor, on=on)
            case "Signed":
                deal.win_imported(amount=f["amount"], currency=f["currency"], source=source, actor=actor, on=on)
            case "Lost":
                deal.lose_imported(
                    reason=f["reason"], competitor=f.get("competitor"), source=source, actor=actor, on=on
                )
            case "Closed":
                deal.close_imported(source=source, actor=actor, on=on)
            case "PaymentReceived":
                deal.pay_imported(f["invoice"], amount=f["amount"], source=source, actor=actor, on=on)
            case "NoteAdded":
                deal.note_imported(f["text"], source=source, actor=actor, on=on)

    return command


MOVES = (
    "Advanced",
    "SteppedBack",
    "Lost",
    "Reopened",
    "BottomLineSet",
    "Conceded",
    "Signed",
    "PaymentReceived",
    "WrittenOff",
    "NoteAdded",
    "Reassigned",
    "ForecastChanged",
    "BuyingStageUpdated",
    "Closed",
)
COMMANDS: dict[str, Callable[..., Any]] = {
    "Opened": _opened,
    "ActionRecorded": _action,
    "Invoiced": _invoiced,
    SETTING: lambda *_: None,
    **{name: _move(name) for name in MOVES},
}
IMPORTS: dict[str, Callable[..., Any]] = {
    "Opened": _opened,
    "Invoiced": _invoiced,
    **{name: _imported(name) for name in ("Advanced", "Signed", "Lost", "Closed", "PaymentReceived", "NoteAdded")},
}
