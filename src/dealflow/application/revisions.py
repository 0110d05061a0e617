"""Corrections and voids: judged on the deal's whole stored history (`aggregates/correcting.py`),
recorded as a new event, and the deal folded again; and the repository that folds again any deal
loaded past a revision, so that every command, report and snapshot sees the revised facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from eventsourcing.application import Repository, project_aggregate

from dealflow.aggregates import events
from dealflow.aggregates.errors import REASON
from dealflow.aggregates.recording import required_text
from dealflow.aggregates.revised import effective, fold
from dealflow.application.queries import Queries
from dealflow.application.retry import retried

if TYPE_CHECKING:
    from dealflow.aggregates import correcting
    from dealflow.aggregates.opportunity import Opportunity


class Revision(NamedTuple):
    """A recorded correction or void, the deal it leaves, and the events it revised as they were."""

    deal: Opportunity
    event: events.Revision
    before: dict[int, Any]  # each revised version's event as it counted before


class RevisingRepository(Repository[Any]):
    """Loads as the library's does, then folds a deal's whole history again when a revision came
    after the snapshot it started from (`DealState.revised`). A snapshot is taken of what this
    returns, so it holds the revised state, and later loads start from it."""

    def get(self, aggregate_id: Any, *, version: int | None = None, projector_func: Any = project_aggregate,
            **kwargs: Any) -> Any:  # fmt: skip
        aggregate = super().get(aggregate_id, version=version, projector_func=projector_func, **kwargs)
        if getattr(aggregate, "revised", False):
            aggregate = fold(list(self.event_store.get(aggregate_id, lte=aggregate.version)))
        return aggregate


class Revisions(Queries):
    """The application's revising commands (`DealflowApp` has them)."""

    @retried
    def correct(
        self, deal_id: str, versions: Sequence[int], given: Mapping[str, object], *, reason: str,
        actor: str,
    ) -> Revision:  # fmt: skip
        """Correct the events at `versions` with the values `given` (the recording command's words)."""
        from dealflow.aggregates import correcting  # the registry and replays: only when revising

        _reason(reason)
        history = self.known_history(deal_id)
        revised = correcting.correct(history, versions, given, self.settings)
        return self._revise(events.Corrected, history, versions, revised, reason, actor)

    @retried
    def void(self, deal_id: str, versions: Sequence[int], *, reason: str, actor: str) -> Revision:
        """Void the events at `versions`: they no longer count, and stay in the log."""
        from dealflow.aggregates import correcting

        _reason(reason)
        history = self.known_history(deal_id)
        revised = correcting.void(history, versions, self.settings)
        return self._revise(events.Voided, history, versions, revised, reason, actor)

    def _revise(
        self,
        revision: type[events.Revision],
        history: list[Any],
        versions: Sequence[int],
        revised: correcting.Revised,
        reason: str,
        actor: str,
    ) -> Revision:
        deal = fold(history)  # as the history read leaves it: a writer who added since makes the save fail
        deal.record_revision(
            revision, versions=versions, changes=revised.changes, state=revised.state, reason=reason, actor=actor
        )
        event = deal.pending_events[-1]
        self._save(deal)
        counted = {e.originator_version: e for e in effective(history)}
        revised_versions = [*versions, *map(int, revised.changes)]
        before = {version: counted.get(version) for version in revised_versions}
        return Revision(fold([*history, event]), event, before)


def _reason(reason: str) -> None:
    """A revision says why, before anything is judged."""
    required_text(reason, "{} for the revision: why the record was wrong", REASON.a)
