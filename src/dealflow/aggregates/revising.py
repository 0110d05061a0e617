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
    ) -> None:
        """Record a correction or void judged beforehand: on today's date, which dates nothing the deal
        shows (a revision changes facts, it is not one)."""
        reason = required_text(reason, "{} for the revision: why the record was wrong", REASON.a)
        facts = {"versions": sorted(set(versions)), "changes": dict(changes), "reason": reason}
        check_storable(facts, actor=actor)
        self.trigger_event(revision, effective_on=date.today(), actor=actor, state=state, **facts)
