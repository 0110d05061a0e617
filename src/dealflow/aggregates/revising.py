"""A deal records a correction or void of its own events (`events.Revision`): what the revision
changes and the state it leaves are worked out beforehand, by replaying the revised history through
the method (`correcting.py`); here it is only recorded, with the person's reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from dealflow.aggregates import events
from dealflow.aggregates.errors import REASON
from dealflow.aggregates.recording import Recording, required_text
from dealflow.aggregates.revised import fold
from dealflow.aggregates.storable import check_storable


class Revising(Recording):
    def record_revision(
        self,
        revision: type[events.Revision],
        *,
        versions: Sequence[int],
        changes: Mapping[str, dict[str, Any]],
        state: str,
        reason: str,
        actor: str,
        on: date | None = None,
    ) -> None:
        """Record a correction or void judged beforehand: on today's date (or the date it was recorded on,
        replayed from an exported line), which dates nothing the deal shows (a revision changes facts,
        it is not one)."""
        reason = required_text(reason, "{} for the revision: why the record was wrong", REASON.a)
        facts = {"versions": sorted(set(versions)), "changes": dict(changes), "reason": reason}
        check_storable(facts, actor=actor)
        self.trigger_event(revision, effective_on=on or date.today(), actor=actor, state=state, **facts)

    def fold_again(self, history: Sequence[Any]) -> None:
        """Become the deal `history` leaves, revised (it ends with the revision just recorded here), keeping
        the events not yet saved: so that the next command judges the revised facts."""
        folded = fold(history)
        pending = self.__dict__.get("_pending_events")
        self.__dict__.clear()
        self.__dict__.update(vars(folded))
        if pending is not None:
            self.__dict__["_pending_events"] = pending
