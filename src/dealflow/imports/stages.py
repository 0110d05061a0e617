"""A source's stage values and lost reasons, mapped to the method's: the six stages' selling
five, or won, lost or closed (won and every account paid). Values are compared without regard to
case, spaces or punctuation, so 'Closed Won', 'closed_won' and 'ClosedWon' are one value."""

from __future__ import annotations

from collections.abc import Mapping

from dealflow.aggregates.errors import InvalidInput
from dealflow.imports.cells import normal
from dealflow.playbook import CLOSED, LOST, LOST_REASONS, STAGE_NAMES, WON_STAGE, Status

SELLING = STAGE_NAMES[: STAGE_NAMES.index(WON_STAGE.name)]  # the stages an open deal is in
WON = Status.WON.value
OUTCOMES = (WON, LOST, CLOSED)
TARGETS = (*SELLING, *OUTCOMES)
_ALIASES = {normal(WON_STAGE.name): WON, "closedwon": WON, "closedlost": LOST}


def target(name: str, option: str) -> str:
    """A stage named in an option: a selling stage, won (or follow_up), lost or closed."""
    found = {normal(t): t for t in TARGETS}.get(normal(name)) or _ALIASES.get(normal(name))
    if found is None:
        raise InvalidInput(f"{option}: {name!r} is not a stage: choose one of {', '.join(TARGETS)}")
    return found


class StageMap:
    """The source's stage values: the method's own names and 'Closed Won' / 'Closed Lost' are known;
    --stage-map VALUE=STAGE adds the source's others."""

    def __init__(self, given: Mapping[str, str]) -> None:
        self.known = {normal(t): t for t in TARGETS} | _ALIASES
        self.known |= {normal(value): target(stage, f"--stage-map {value}={stage}") for value, stage in given.items()}

    def __call__(self, value: str) -> str | None:
        return self.known.get(normal(value))


class ReasonMap:
    """Lost reasons: the method's own (price, competitor, ...) are known, --reason-map VALUE=REASON
    maps others; any other text, or none, is 'other'."""

    def __init__(self, given: Mapping[str, str]) -> None:
        self.known = {normal(reason): reason for reason in LOST_REASONS}
        for value, reason in given.items():
            if normal(reason) not in self.known:
                raise InvalidInput(
                    f"--reason-map {value}={reason}: {reason!r} is not a lost reason: choose one of "
                    + ", ".join(LOST_REASONS)
                )
            self.known[normal(value)] = self.known[normal(reason)]

    def __call__(self, value: str | None) -> str:
        return self.known.get(normal(value or ""), LOST_REASONS[-1])
