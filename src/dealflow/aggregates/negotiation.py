"""The seed's concession rules: a concession gives something up, from where the side last stood on
the term; our concessions on a term should shrink step by step, and never pass our bottom line
without a stated reason.

Each side has its own position on a term (our price and the customer's offer), so a concession
starts from that side's last position on it. The two sides move a term in opposite directions,
each toward the other: the first concession on a term fixes which way ours go (toward our bottom
line, when one is set), and a move the other way is a counter-offer, not a concession.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dealflow.aggregates.errors import BY, FROM, NOTE, OVERRIDE, REASON, ROUND, STEP, TO, Command, InvalidInput, Refused
from dealflow.playbook import CONCEDED_BY, CONCESSION_TERMS, US, Effect, action_with

NEGOTIATE = action_with(Effect.NEGOTIATES).name


@dataclass(frozen=True)
class Concession:
    size: Decimal
    round: int
    widened: bool
    past_bottom_line: bool


@dataclass(frozen=True)
class Standing:
    """Where a term stands before a concession: the side's last position on it (None before its first
    concession there), the way our concessions on it go (+1 up, -1 down; None before the first one),
    our bottom line, our previous concession's size and the last round."""

    last_position: Decimal | None = None
    our_direction: int | None = None
    bottom_line: Decimal | None = None
    our_last_size: Decimal | None = None
    last_round: int = 0


def check_term(term: str) -> str:
    if term not in CONCESSION_TERMS:
        raise InvalidInput(f"term must be one of {', '.join(CONCESSION_TERMS)}; got {term!r}")
    return term


def direction(before: Decimal, after: Decimal) -> int:
    return 1 if after > before else -1


def assess_concession(
    *,
    term: str,
    by: str,
    before: Decimal,
    after: Decimal,
    round: int | None,
    override: str | None,
    reason: str | None,
    standing: Standing,
    legacy: bool = False,
) -> Concession:
    """Size and flags of a concession, or Refused when it starts elsewhere than the side's last position
    without a reason, moves the term back, or passes our bottom line unexplained. `legacy`: a concession
    of a log written before the first two rules, judged as it was then (see `imports.replay`)."""
    check_term(term)
    if by not in CONCEDED_BY:
        raise InvalidInput("{} must be one of {}; got {!r}", BY, ", ".join(CONCEDED_BY), by)
    if before == after:
        raise InvalidInput("a concession moves the {}: {} and {} are both {}", term, FROM, TO, before)
    if round is not None and round < 1:
        raise InvalidInput("{} must be 1 or more; got {}", ROUND, round)
    ours = by == US
    moves = direction(before, after)
    if legacy:
        ours_go = moves if ours else -moves
    else:
        _check_start(term, by, before, reason, standing.last_position)
        ours_go = _our_direction(ours, before, moves, standing)
        if moves != (ours_go if ours else -ours_go):
            raise _backwards(term, by, before, after)
    bottom_line = standing.bottom_line
    size = abs(after - before)
    past = ours and bottom_line is not None and (after - bottom_line) * ours_go > 0
    if past and not (override and override.strip()):
        raise Refused(
            "conceding {} to {} passes our bottom line of {}: give {} REASON to record it anyway",
            *(term, after, bottom_line, OVERRIDE),
        )
    return Concession(
        size=size,
        round=round if round is not None else standing.last_round + 1,
        widened=ours and standing.our_last_size is not None and size > standing.our_last_size,
        past_bottom_line=past,
    )


def _check_start(term: str, by: str, before: Decimal, reason: str | None, last: Decimal | None) -> None:
    if last is not None and before != last and not (reason and reason.strip()):
        side = "we" if by == US else "the customer"
        raise Refused(
            "{} {} is not where {} last stood on {} ({}): give {} {}, "
            "or {} TEXT saying why the concession starts elsewhere",
            *(FROM, before, side, term, last, FROM, last, REASON),
        )


def _our_direction(ours: bool, before: Decimal, moves: int, standing: Standing) -> int:
    """Which way our concessions on the term go: as they went before; else toward our bottom line,
    for our first; else as this, the term's first concession, goes."""
    if standing.our_direction is not None:
        return standing.our_direction
    if ours and standing.bottom_line is not None and standing.bottom_line != before:
        return direction(before, standing.bottom_line)
    return moves if ours else -moves


def _backwards(term: str, by: str, before: Decimal, after: Decimal) -> Refused:
    favour = "our" if by == US else "the customer's"
    counter_offer = Command("act", "DEAL", NEGOTIATE, fields=((STEP, "exchange"), (NOTE, "TEXT")))
    return Refused(
        "moving {} from {} to {} is in {} favour: a concession gives something up; record a counter-offer with {}",
        *(term, before, after, favour, counter_offer),
    )
