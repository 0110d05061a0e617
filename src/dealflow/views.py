"""Plain-data views of deals and events: what `show`, `deals` and `history` print and export."""

from __future__ import annotations

from typing import Any

from dealflow.aggregates.events import DealEvent, Opened
from dealflow.aggregates.lifecycle import stage_of, sub_state_of
from dealflow.aggregates.opportunity import Opportunity
from dealflow.aggregates.receivables import balance
from dealflow.aggregates.signals import checklist
from dealflow.playbook import STAGE_BY_NAME
from dealflow.storage.unknown import UnknownEvent

_NOT_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "state"}


def deal_summary(deal: Opportunity) -> dict[str, Any]:
    """The `deals --json` object: who, what, where in the method, how much."""
    return {
        "id": deal.deal_id,
        "account": deal.account,
        "title": deal.title,
        "owner": deal.owner,
        "status": str(deal.status),
        "stage": deal.stage,
        "action": deal.action,
        "value": deal.value,
        "currency": deal.currency,
        "close_by": deal.close_by,
        "opened_on": deal.opened_on,
        "version": deal.version,
    }


def deal_detail(deal: Opportunity) -> dict[str, Any]:
    """The `show --json` object: the summary, the exit-signal checklist and what may come next."""
    detail = deal_summary(deal)
    stage = STAGE_BY_NAME.get(deal.stage or "")
    checks = checklist(stage, deal) if stage else []
    detail["exit_signal"] = {
        "summary": stage.exit_signal.summary if stage else None,
        "met": bool(stage) and all(check.met for check in checks),
        "missing": [check.missing for check in checks if not check.met],
    }
    detail["allowed"] = deal.allowed()
    detail.update(
        lost_reason=deal.lost_reason,
        lost_from=deal.lost_from,
        competitor=deal.competitor,
        referred_by=deal.referred_by,
        referrals=deal.referrals,
        buying_stage=deal.buying_stage,
        signed_amount=deal.signed_amount,
        signed_on=deal.signed_on,
        invoices=[
            {"invoice": key, **invoice, "balance": balance(invoice)} for key, invoice in sorted(deal.invoices.items())
        ],
        open_balance=deal.open_balance,
    )
    return detail


SETTING_CHANGE_NAME = "Settings.Changed"  # the settings aggregate's event, as the event log names it (not its topic)


def setting_row(event: Any) -> dict[str, Any]:
    """A settings change as a line of the event log: shaped like `event_row`, with no deal or stage."""
    return {
        "version": event.originator_version,
        "event": SETTING_CHANGE_NAME,
        "recorded_at": event.timestamp,
        "effective_on": event.effective_on,
        "actor": event.actor,
        "stage": None,
        "action": None,
        "state": None,
        "name": event.name,
        "value": event.value,
    }


def event_row(event: Opened | DealEvent | UnknownEvent) -> dict[str, Any]:
    """One line of the audit trail: when, who, what, and the state after it."""
    if isinstance(event, UnknownEvent):  # a newer dealflow's: what can be read of it, and the stored event
        return event.row()
    row: dict[str, Any] = {
        "version": event.originator_version,
        "event": type(event).__name__,
        "recorded_at": event.timestamp,
        "effective_on": event.effective_on,
        "actor": event.actor,
        "stage": stage_of(event.state) if "." in event.state else None,
        "action": sub_state_of(event.state),
        "state": event.state,
    }
    row.update({key: value for key, value in vars(event).items() if key not in _NOT_FIELDS and key not in row})
    return row


def history_row(
    event: Opened | DealEvent | UnknownEvent, marks: dict[int, dict[str, Any]], roles: dict[int, str] | None
) -> dict[str, Any]:
    """A line of `history --json` (and of `export history`): the event, how later revisions marked it,
    and on PostgreSQL (`roles` given) `db_role`, the database role that wrote it (null: unknown)."""
    row = {**event_row(event), **marks.get(event.originator_version, {})}
    if roles is not None:
        row["db_role"] = roles.get(event.originator_version)
    return row


def mark_text(mark: dict[str, Any]) -> str:
    """How a revised event is marked in a line of history (`revised.marks`): "[corrected by 30] "."""
    said = []
    if "corrected_by" in mark:
        said.append("corrected by " + ", ".join(map(str, mark["corrected_by"])))
    if "voided_by" in mark:
        said.append(f"voided by {mark['voided_by']}")
    return f"[{'; '.join(said)}] " if said else ""
