"""The seed's concession rules: our concessions on a term should shrink step by step,
and never pass our bottom line without a stated reason."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dealflow.aggregates.errors import InvalidInput, Refused
from dealflow.playbook import CONCEDED_BY, CONCESSION_TERMS, US


@dataclass(frozen=True)
class Concession:
    size: Decimal
    round: int
    widened: bool
    past_bottom_line: bool


def check_term(term: str) -> str:
    if term not in CONCESSION_TERMS:
        raise InvalidInput(f"term must be one of {', '.join(CONCESSION_TERMS)}; got {term!r}")
    return term


def assess_concession(
    *,
    term: str,
    by: str,
    before: Decimal,
    after: Decimal,
    round: int | None,
    override: str | None,
    bottom_line: Decimal | None,
    our_last_size: Decimal | None,
    last_round: int,
) -> Concession:
    """Size and flags of a concession, or Refused when it passes our bottom line unexplained."""
    check_term(term)
    if by not in CONCEDED_BY:
        raise InvalidInput(f"--by must be one of {', '.join(CONCEDED_BY)}; got {by!r}")
    if before == after:
        raise InvalidInput(f"a concession moves the {term}: --from and --to are both {before}")
    if round is not None and round < 1:
        raise InvalidInput(f"--round must be 1 or more; got {round}")
    ours = by == US
    size = abs(after - before)
    past = ours and bottom_line is not None and (after - bottom_line) * (after - before) > 0
    if past and not (override and override.strip()):
        raise Refused(
            f"conceding {term} to {after} passes our bottom line of {bottom_line}: "
            "give --override REASON to record it anyway"
        )
    return Concession(
        size=size,
        round=round if round is not None else last_round + 1,
        widened=ours and our_last_size is not None and size > our_last_size,
        past_bottom_line=past,
    )
