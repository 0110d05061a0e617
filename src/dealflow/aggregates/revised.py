"""A deal's history as revised: each event as its corrections leave it, voided ones left out.

The log keeps every event as it was recorded; a correction or void (`events.Revision`) is a later
event that says which stored facts it replaces. The deal's state, every report and every `--as-of`
answer are the fold of the history so revised; `known_at` gives the history as the store held it at
a recorded time, before the corrections that came later.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from dealflow.aggregates import events

Event = Any  # an `events.Opened` or `events.DealEvent`


def is_revision(event: object) -> bool:
    return isinstance(event, events.Revision)


def revisions(history: Iterable[Event]) -> dict[int, list[events.Revision]]:
    """The revisions of each version: for every event a later one corrected or voided, those revisions."""
    found: dict[int, list[events.Revision]] = {}
    for event in history:
        if is_revision(event):
            for version in event.changes:
                found.setdefault(int(version), []).append(event)
            if isinstance(event, events.Voided):
                for version in event.versions:
                    found.setdefault(version, [])
                    if event not in found[version]:
                        found[version].append(event)
    return found


VOIDED = "voided"  # a revision's change that takes an event out: a close its revised payments no longer make


def voided(history: Iterable[Event]) -> dict[int, int]:
    """The voided versions, each with the version of the revision that voided it."""
    found: dict[int, int] = {}
    for event in history:
        if is_revision(event):
            if isinstance(event, events.Voided):
                found.update(dict.fromkeys(event.versions, event.originator_version))
            found.update(
                {int(v): event.originator_version for v, change in event.changes.items() if change.get(VOIDED)}
            )
    return found


def effective(history: Sequence[Event]) -> list[Event]:
    """The events that count, oldest first, each as revised: no revision, nothing voided."""
    if not any(is_revision(event) for event in history):
        return list(history)
    changes: dict[int, dict[str, Any]] = {}
    for event in history:
        if is_revision(event):
            for version, fields in event.changes.items():
                changes[int(version)] = {**changes.get(int(version), {}), **fields}
    gone = voided(history)  # before a change that voids is applied as a field below
    return [
        revise(event, changes[event.originator_version]) if event.originator_version in changes else event
        for event in history
        if not is_revision(event) and event.originator_version not in gone
    ]


def revise(event: Event, fields: dict[str, Any]) -> Event:
    """The event with `fields` in place of its own; what marks it (an import's source) kept."""
    revised = dataclasses.replace(event, **fields)
    if event.imported:
        events.mark_imported(revised, event.imported)
    if isinstance(event, events.Conceded) and "reason" not in vars(event) and "reason" not in fields:
        events.mark_legacy(revised)
    return revised


def known_at(history: Sequence[Event], at: datetime) -> list[Event]:
    """The events the store held at `at` (their recorded times are never later than their successors')."""
    return [event for event in history if event.timestamp is None or event.timestamp <= at]


def fold(history: Sequence[Event], *, effective_history: Sequence[Event] | None = None) -> Any:
    """The deal the history leaves, revisions applied, at the history's last version."""
    deal: Any = None
    for event in effective(history) if effective_history is None else effective_history:
        if deal is not None:
            deal.version = event.originator_version - 1  # a voided or later-dated event is skipped
        deal = event.mutate(deal)
    if deal is not None and history:
        deal.version = history[-1].originator_version
        deal.modified_on = history[-1].timestamp
    return deal


def marks(history: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """For each revised version, the versions that corrected it (`corrected_by`) or voided it
    (`voided_by`), as `history` shows them; a newer dealflow's events are passed over."""
    known = [event for event in history if isinstance(event, events.Opened | events.DealEvent)]
    gone = voided(known)
    found: dict[int, dict[str, Any]] = {}
    for version, revising in revisions(known).items():
        mark: dict[str, Any] = {}
        corrected = [
            event.originator_version
            for event in revising
            if isinstance(event, events.Corrected) and not event.changes.get(str(version), {}).get(VOIDED)
        ]
        if corrected:
            mark["corrected_by"] = corrected
        if version in gone:
            mark["voided_by"] = gone[version]
        if mark:
            found[version] = mark
    return found
