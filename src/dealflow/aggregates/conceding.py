"""The negotiation's commands: our bottom line on a term, and each side's concessions on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

from dealflow.aggregates import events
from dealflow.aggregates.errors import FROM, ROUND, TO, VALUE
from dealflow.aggregates.lifecycle import lifecycle
from dealflow.aggregates.limits import ROUND as ROUNDS
from dealflow.aggregates.limits import check_total, whole
from dealflow.aggregates.money import parse_amount
from dealflow.aggregates.negotiation import Standing, assess_concession, check_term
from dealflow.aggregates.recording import Live, Recording
from dealflow.playbook import STAGE_OF_ACTION

_NEGOTIATING = STAGE_OF_ACTION[events.NEGOTIATE].name
CONCEDING = f"concessions are recorded in {_NEGOTIATING}, while negotiating"
SETTING_BOTTOM_LINE = f"a bottom line is set in {_NEGOTIATING}, while preparing the negotiation"


class Conceding(Recording):
    def set_bottom_line(self, term: str, value: object, *, actor: str, on: date | None = None) -> None:
        """Our private limit on a term, set while preparing the negotiation."""
        lifecycle().next_state(self, events.NEGOTIATE, doing=SETTING_BOTTOM_LINE)
        check_term(term)
        bottom_line = parse_amount(value, VALUE)
        self._record(events.BottomLineSet, Live(events.NEGOTIATE), on, actor, term=term, value=bottom_line)

    def concede(
        self,
        *,
        term: str,
        by: str,
        before: object,
        after: object,
        actor: str,
        round: int | None = None,
        override: str | None = None,
        reason: str | None = None,
        on: date | None = None,
        legacy: bool = False,
    ) -> events.Conceded:
        """Record a concession; returns it so the caller can report its flags. `reason`: why `before` is
        not the side's last position on the term. `legacy`: replaying a concession of a log written
        before dealflow checked where concessions start and which way they go (see `imports.replay`)."""
        lifecycle().next_state(self, events.NEGOTIATE, doing=CONCEDING)
        concession = assess_concession(
            term=term,
            by=by,
            before=parse_amount(before, FROM),
            after=parse_amount(after, TO),
            round=None if round is None else whole(round, ROUNDS, ROUND),
            override=override,
            reason=reason,
            standing=Standing(
                last_position=self.concession_positions.get(term, {}).get(by),
                our_direction=self.our_concession_directions.get(term),
                bottom_line=self.bottom_lines.get(term),
                our_last_size=self.our_last_concession.get(term),
                last_round=self.concession_rounds.get(term, 0),
            ),
            legacy=legacy,
        )
        check_total(self.conceded.get(f"{term} {by}", Decimal(0)) + concession.size, f"what {by} conceded on {term}")
        self._record(
            events.Conceded,
            Live(events.NEGOTIATE),
            on,
            actor,
            term=term,
            by=by,
            before=parse_amount(before),
            after=parse_amount(after),
            round=concession.round,
            size=concession.size,
            widened=concession.widened,
            past_bottom_line=concession.past_bottom_line,
            override=override.strip() if override and override.strip() else None,
            reason=reason.strip() if reason and reason.strip() else None,
        )
        conceded = cast(events.Conceded, self.pending_events[-1])
        if legacy:
            events.mark_legacy(conceded)
        return conceded
