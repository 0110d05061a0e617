"""The reports worked out again from the events alone, written apart from the projections: each deal
is replayed by the domain itself (`DealflowApp.deal_as_of`) and its event list, then summed in
plain Python. The projection tests assert that the projections' reports equal these."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from dealflow.aggregates.events import ActionRecorded, Conceded, Invoiced, PaymentReceived, WrittenOff
from dealflow.application import DealflowApp
from dealflow.coaching import REMEDY_BY_CAUSE
from dealflow.playbook import CLOSED, COLLECTION_STEPS, LOST, STAGE_NAMES, Defaults

ZERO = Decimal(0)


def _round(part: Any, whole: Any, places: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _stage(state: str) -> str | None:
    return None if state in (LOST, CLOSED) else state.split(".")[0]


class Standing:
    """One deal as it stood at the end of a day, from its replay and its events up to that day."""

    def __init__(self, app: DealflowApp, deal_id: str, on: date) -> None:
        events = [event for event in app.history(deal_id) if event.effective_on <= on]
        deal = app.deal_as_of(deal_id, on)
        self.deal_id = deal_id
        self.account, self.owner, self.currency = deal.account, deal.owner, deal.currency
        self.value, self.signed, self.close_by = expected_value(events), deal.signed_amount, deal.close_by
        self.lost_reason, self.lost_from = deal.lost_reason, deal.lost_from
        self.status = str(deal.status)
        self.stage = _stage(deal.state)
        self.last_event_on = max(event.effective_on for event in events)
        self.days: dict[str, int] = defaultdict(int)
        self.entered: set[str] = set()
        here, since = None, None
        for event in events:  # in the order recorded, as the replay applies them
            stage = _stage(event.state)
            if stage != here:
                if here is not None:
                    self.days[here] += (event.effective_on - since).days
                here, since = stage, event.effective_on
                if stage is not None:
                    self.entered.add(stage)
        if here is not None:
            self.days[here] += (on - since).days


def expected_value(events: list[Any]) -> Decimal | None:
    """The value the pipeline counts: the latest price set, in the order recorded (docs/method.md)."""
    value = None
    for event in events:
        kind = type(event).__name__
        if kind == "Opened":
            value = event.value
        elif kind == "ActionRecorded" and "quotation" in event.fields:
            value = event.fields["quotation"]
        elif kind == "ActionRecorded" and event.action == "upsell":
            value = (value or Decimal(0)) + event.fields["amount"]
        elif kind == "ForecastChanged" and event.value is not None:
            value = event.value
        elif kind == "Signed":
            value = event.amount
        elif kind == "Conceded" and event.term == "price":
            value = event.after
    return value


def standings(app: DealflowApp, on: date) -> list[Standing]:
    opened = [deal_id for deal_id in app.deal_ids() if app.history(deal_id)[0].effective_on <= on]
    return [Standing(app, deal_id, on) for deal_id in opened]


def _currency_order(currency: str | None) -> tuple[bool, str]:
    return currency is None, currency or ""


def pipeline(app: DealflowApp, on: date, settings: Defaults, by: str) -> dict[str, list[dict[str, Any]]]:
    deals = standings(app, on)
    chance = {stage: settings.probability(stage) for stage in STAGE_NAMES}
    selling = [d for d in deals if d.status == "open"]
    stalled = [d for d in selling if (on - d.last_event_on).days >= settings.stalled_days]
    if by == "stalled":
        return {
            "stalled": [
                {
                    "deal": d.deal_id,
                    "account": d.account,
                    "owner": d.owner,
                    "stage": d.stage,
                    "currency": d.currency,
                    "value": d.value,
                    "last_event_on": d.last_event_on,
                    "idle_days": (on - d.last_event_on).days,
                }
                for d in sorted(stalled, key=lambda d: (d.last_event_on, d.deal_id))
            ]
        }
    if by == "month":
        months: dict[tuple, dict[str, Any]] = {}
        for d in selling:
            month = d.close_by.strftime("%Y-%m") if d.close_by else None
            row = months.setdefault(
                (month, d.currency),
                {"month": month, "currency": d.currency, "deals": 0, "value": ZERO, "weighted": ZERO},
            )
            row["deals"] += 1
            row["value"] += d.value or ZERO
            row["weighted"] += (d.value or ZERO) * chance[d.stage]
        order = sorted(months, key=lambda k: (k[0] is None, k[0] or "", _currency_order(k[1])))
        return {"forecast": [months[key] for key in order]}
    if by in ("owner", "account"):
        groups: dict[tuple, dict[str, Any]] = {}
        for d in deals:
            name = getattr(d, by)
            row = groups.setdefault(
                (name, d.currency),
                {
                    by: name,
                    "currency": d.currency,
                    "open": 0,
                    "value": ZERO,
                    "weighted": ZERO,
                    "stalled": 0,
                    "won": 0,
                    "won_value": ZERO,
                    "lost": 0,
                    "lost_value": ZERO,
                },
            )
            if d.status == "open":
                row["open"] += 1
                row["value"] += d.value or ZERO
                row["weighted"] += (d.value or ZERO) * chance[d.stage]
                row["stalled"] += d in stalled
            elif d.status in ("won", "closed"):
                row["won"] += d.signed is not None
                row["won_value"] += d.signed or ZERO
            else:
                row["lost"] += 1
                row["lost_value"] += d.value or ZERO
        for row in groups.values():
            row["win_rate"] = _round(row["won"], row["won"] + row["lost"], 4)
        order = sorted(groups, key=lambda k: (k[0], _currency_order(k[1])))
        return {f"{by}s": [groups[key] for key in order]}
    return _by_stage(deals, stalled, chance, on)


def _by_stage(deals: list[Standing], stalled: list[Standing], chance: dict, on: date) -> dict[str, list[dict]]:
    in_pipeline = [d for d in deals if d.status in ("open", "won")]
    stages = []
    for currency in sorted({d.currency for d in in_pipeline}, key=_currency_order):
        for stage in STAGE_NAMES:
            here = [d for d in in_pipeline if d.currency == currency and d.stage == stage]
            value = sum((d.value or ZERO for d in here), ZERO)
            stages.append(
                {
                    "currency": currency,
                    "stage": stage,
                    "deals": len(here),
                    "value": value,
                    "probability": chance[stage],
                    "weighted": value * chance[stage],
                    "stalled": sum(d in stalled for d in here),
                }
            )
    entered = {stage: sum(stage in d.entered for d in deals) for stage in STAGE_NAMES}
    spent = {stage: sum(d.days[stage] for d in deals) for stage in STAGE_NAMES}
    flow = []
    for stage, following in zip(STAGE_NAMES, (*STAGE_NAMES[1:], None), strict=True):
        flow.append(
            {
                "stage": stage,
                "entered": entered[stage],
                "cumulative_days": spent[stage],
                "average_days": _round(spent[stage], entered[stage], 1),
                "next": following,
                "converted": entered[following] if following else None,
                "conversion": _round(entered[following], entered[stage], 4) if following else None,
            }
        )
    outcomes, reasons = {}, {}
    for d in deals:
        if d.status == "open":
            continue
        row = outcomes.setdefault(
            d.currency, {"currency": d.currency, "won": 0, "won_value": ZERO, "lost": 0, "lost_value": ZERO}
        )
        if d.status in ("won", "closed"):
            row["won"] += d.signed is not None  # a ledger deal (never signed) is not a win
            row["won_value"] += d.signed or ZERO
        else:
            row["lost"] += 1
            row["lost_value"] += d.value or ZERO
            reason = reasons.setdefault(
                (d.currency, d.lost_reason),
                {"currency": d.currency, "reason": d.lost_reason, "deals": 0, "value": ZERO},
            )
            reason["deals"] += 1
            reason["value"] += d.value or ZERO
    for row in outcomes.values():
        row["win_rate"] = _round(row["won"], row["won"] + row["lost"], 4)
    return {
        "stages": stages,
        "flow": flow,
        "outcomes": [outcomes[key] for key in sorted(outcomes, key=_currency_order)],
        "lost_reasons": [reasons[key] for key in sorted(reasons, key=lambda k: (_currency_order(k[0]), k[1]))],
    }


BUCKETS = ((0, "current"), (30, "1-30"), (60, "31-60"), (90, "61-90"))


def ageing(app: DealflowApp, on: date, settings: Defaults) -> list[dict[str, Any]]:
    """Open invoices at the end of `on`: amounts less what was paid or written off by then, each with the
    step for the cause of its latest chase by then (by date, then as recorded; the matrix's when none)."""
    rows = []
    for deal_id in app.deal_ids():
        deal = app.deal(deal_id)
        owed: dict[str, dict[str, Any]] = {}
        for order, event in enumerate(app.history(deal_id)):
            if event.effective_on > on:
                continue
            if isinstance(event, Invoiced):
                owed[event.invoice] = {"event": event, "balance": event.amount, "chases": 0, "causes": []}
            elif isinstance(event, (PaymentReceived, WrittenOff)):
                owed[event.invoice]["balance"] -= event.amount
            elif isinstance(event, ActionRecorded) and event.action == "collect":
                owed[event.fields["invoice"]]["chases"] += 1
                owed[event.fields["invoice"]]["causes"].append((event.effective_on, order, event.fields["cause"]))
        for invoice, found in owed.items():
            if found["balance"] <= 0:
                continue
            issued: Invoiced = found["event"]
            late = (on - issued.due).days
            bucket = next((name for limit, name in BUCKETS if late <= limit), "over-90")
            long, large = late > settings.collection_overdue_days, found["balance"] >= settings.collection_large_amount
            remedy = REMEDY_BY_CAUSE[max(found["causes"])[2]] if found["causes"] else None
            step = remedy.step if remedy and remedy.step else COLLECTION_STEPS[long, large]
            rows.append(
                {
                    "customer": deal.account,
                    "deal": deal_id,
                    "invoice": invoice,
                    "currency": deal.currency,
                    "amount": issued.amount,
                    "issued": issued.issued,
                    "due": issued.due,
                    "balance": found["balance"],
                    "days_past_due": max(late, 0),
                    "bucket": bucket,
                    "step": step if late > 0 else None,
                    "chases": found["chases"],
                }
            )
    return sorted(rows, key=lambda r: (r["customer"], r["currency"] or "", r["due"], r["invoice"]))


def concessions(app: DealflowApp, deal_id: str) -> list[dict[str, Any]]:
    """A deal's concessions in the order recorded, with each side's running total and the flags."""
    rows, totals, our_last, bottom = [], defaultdict(lambda: ZERO), {}, {}
    for event in app.history(deal_id):
        if type(event).__name__ == "BottomLineSet":
            bottom[event.term] = event.value
        if not isinstance(event, Conceded):
            continue
        size = abs(event.after - event.before)
        totals[event.term, event.by] += size
        ours = event.by == "us"
        line = bottom.get(event.term)
        rows.append(
            {
                "term": event.term,
                "round": event.round,
                "by": event.by,
                "from": event.before,
                "to": event.after,
                "size": size,
                "running_total": totals[event.term, event.by],
                "on": event.effective_on,
                "actor": event.actor,
                "widened": ours and event.term in our_last and size > our_last[event.term],
                "past_bottom_line": ours
                and line is not None
                and (event.after - line) * (event.after - event.before) > 0,
                "override": event.override,
                "bottom_line": line,
            }
        )
        if ours:
            our_last[event.term] = size
    return rows


def deadlocks(app: DealflowApp, deal_id: str) -> int:
    return sum(
        isinstance(event, ActionRecorded) and event.action == "negotiate" and event.fields.get("step") == "deadlock"
        for event in app.history(deal_id)
    )
