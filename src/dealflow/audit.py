"""The auditor's replay: a deal's stored events judged again by the method.

Rebuilding a deal never runs the lifecycle machine (each event carries the state
it leaves); this is the one place that does. Each event after the opening is put
to the machine from the deal as it stood just before it, and its dates are
checked: never after the day it was recorded, never before the deal's last
stage change. Events that came in by an import are reported as imported. An event a newer
dealflow wrote cannot be judged, nor can the events after it (the deal they apply to is unknown
here): they are reported as not judged, and the audit is incomplete, which is no pass.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dealflow.aggregates import correcting
from dealflow.aggregates.errors import DealflowError, Refused
from dealflow.aggregates.lifecycle import lifecycle
from dealflow.aggregates.revised import fold, is_revision
from dealflow.playbook import DEFAULTS, Defaults
from dealflow.storage.unknown import UnknownEvent

# Recorded times are UTC; effective dates are the recorder's local date, which can be
# up to 14 hours ahead of UTC (UTC+14 is the earliest time zone on earth).
EARLIEST_TIME_ZONE = timedelta(hours=14)


class Verdict(enum.StrEnum):
    ALLOWED = "allowed"
    VIOLATION = "violation"
    IMPORTED = "imported"
    NEWER = "not judged"  # written by a newer dealflow, or after such an event


@dataclass(frozen=True)
class Finding:
    """What the audit found about one stored event."""

    version: int
    event: str
    trigger: str | None
    state: str | None  # None, like the three below, only where a newer dealflow's event does not say
    recorded_at: datetime | None
    effective_on: date | None
    actor: str | None
    verdict: Verdict
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class DealAudit:
    deal_id: str
    findings: tuple[Finding, ...]

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.verdict is Verdict.VIOLATION)

    @property
    def passed(self) -> bool:
        return not self.violations

    @property
    def complete(self) -> bool:
        """Every event judged: none written by a newer dealflow."""
        return all(finding.verdict is not Verdict.NEWER for finding in self.findings)


@dataclass(frozen=True)
class StoreAudit:
    deals: tuple[DealAudit, ...]

    @property
    def failed(self) -> tuple[DealAudit, ...]:
        return tuple(audit for audit in self.deals if not audit.passed)

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def unjudged(self) -> tuple[DealAudit, ...]:
        return tuple(audit for audit in self.deals if not audit.complete)

    def count(self, verdict: Verdict | None = None) -> int:
        return sum(1 for audit in self.deals for f in audit.findings if verdict is None or f.verdict is verdict)


def audit_store(histories: Iterable[Sequence[Any]]) -> StoreAudit:
    """The verdict on every deal, from each deal's stored events."""
    return StoreAudit(tuple(audit_deal(events) for events in histories))


def audit_deal(events: Sequence[Any], settings_on: Callable[[date], Defaults] | None = None) -> DealAudit:
    """Replay one deal's stored events (in version order), judging each one before applying it. A
    correction or void is judged by the history it leaves: replayed through the method, it must be
    accepted and record what the revision says it does. `settings_on`: the settings in force on a date."""
    findings: list[Finding] = []
    deal: Any = None
    for index, event in enumerate(events):
        if isinstance(event, UnknownEvent):
            findings += [_not_judged_newer(later, event) for later in events[len(findings) :]]
            break
        if is_revision(event):
            reasons = [*_revision_refused(events[: index + 1], settings_on or _defaults), *_dates_wrong(event, None)]
            findings.append(_finding(event, Verdict.VIOLATION if reasons else Verdict.ALLOWED, reasons))
            try:
                deal = fold(events[: index + 1])
            except Exception as error:  # a tampered log may not even fold
                findings[-1] = _finding(event, Verdict.VIOLATION, [*findings[-1].reasons, _unappliable(error)])
                findings += [_finding(e, Verdict.VIOLATION, [_not_judged(event)]) for e in events[len(findings) :]]
                break
            continue
        if is_imported(event):
            findings.append(_finding(event, Verdict.IMPORTED))
        else:
            reasons = [*(_method_refuses(deal, event) if deal is not None else ()), *_dates_wrong(event, deal)]
            findings.append(_finding(event, Verdict.VIOLATION if reasons else Verdict.ALLOWED, reasons))
        try:
            deal = event.mutate(deal)  # mutates our replica only; the stored event is left as it is
        except Exception as error:  # a tampered log may not even apply: report it, judge no further
            findings[-1] = _finding(event, Verdict.VIOLATION, [*findings[-1].reasons, _unappliable(error)])
            findings += [_finding(later, Verdict.VIOLATION, [_not_judged(event)]) for later in events[len(findings) :]]
            break
    deal_id = getattr(events[0], "deal_id", None) or str(events[0].originator_id)
    return DealAudit(deal_id, tuple(findings))


def _defaults(_: date) -> Defaults:
    return DEFAULTS


def _revision_refused(history: Sequence[Any], settings_on: Callable[[date], Defaults]) -> list[str]:
    """Why the history a revision leaves would not be accepted, or records other than the revision says."""
    try:
        again = correcting.rejudged(history, settings_on)
    except DealflowError as refusal:
        return [str(refusal)]
    return [
        f"the revision leaves version {version} recording {', '.join(sorted(fields))} otherwise than the method does"
        for version, fields in again.changes.items()
    ]


def is_imported(event: Any) -> bool:
    """An event an import recorded: it carries its source (`events.mark_imported`); no event type is an
    import's own, so the source is the only mark (a store holds no other)."""
    return bool(getattr(event, "imported", None))


def _method_refuses(deal: Any, event: Any) -> list[str]:
    """Why the method would not have allowed `event` on `deal` (as it stood before the event), if it would not."""
    trigger = getattr(event, "trigger", None)
    if trigger is None:
        return [f"{type(event).__name__} is not a step of the method: a deal is opened once, by its first event"]
    context = event.trigger_context() if hasattr(event, "trigger_context") else {}
    try:
        state = lifecycle().next_state(deal, trigger, **context)
    except Refused as refusal:
        return [str(refusal)]
    if state != event.state:
        return [f"{trigger} takes a deal in {deal.state} to {state}, but the event records {event.state}"]
    return []


def _dates_wrong(event: Any, deal: Any) -> list[str]:
    reasons = []
    recorded = event.timestamp.astimezone(UTC)
    if event.effective_on > (recorded + EARLIEST_TIME_ZONE).date():
        reasons.append(f"effective on {event.effective_on}, after it was recorded on {recorded.date()}")
    changed = getattr(deal, "stage_changed_on", None)
    if changed is not None and event.effective_on < changed:
        reasons.append(f"effective on {event.effective_on}, before the deal's last stage change on {changed}")
    return reasons


def _finding(event: Any, verdict: Verdict, reasons: Iterable[str] = ()) -> Finding:
    return Finding(
        version=event.originator_version,
        event=type(event).__name__,
        trigger=getattr(event, "trigger", None),
        state=event.state,
        recorded_at=event.timestamp,
        effective_on=event.effective_on,
        actor=event.actor,
        verdict=verdict,
        reasons=tuple(reasons),
    )


def _not_judged_newer(event: Any, newer: UnknownEvent) -> Finding:
    why = (
        f"written by a newer dealflow ({newer.name}): upgrade dealflow to judge it"
        if event is newer
        else f"after version {newer.originator_version}, written by a newer dealflow: upgrade dealflow to judge it"
    )
    return Finding(
        version=event.originator_version,
        event=event.name if isinstance(event, UnknownEvent) else type(event).__name__,
        trigger=getattr(event, "trigger", None),
        state=event.state,
        recorded_at=event.timestamp,
        effective_on=event.effective_on,
        actor=event.actor,
        verdict=Verdict.NEWER,
        reasons=(why,),
    )


def _unappliable(error: Exception) -> str:
    return f"cannot be applied to the deal as it stood: {type(error).__name__}: {error}"


def _not_judged(event: Any) -> str:
    return f"not judged: version {event.originator_version} before it could not be applied"
