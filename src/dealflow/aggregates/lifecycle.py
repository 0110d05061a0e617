"""The method's lifecycle as a `transitions` hierarchical state machine, generated from the playbook.

Each stage is a compound state whose children are ENTERED and its four actions;
the sub-state is the action done last. The machine is built once per process
and consulted before every command through a throwaway `Position`, never bound
to an aggregate (`add_model` without `remove_model` leaks the model) and never
run while replaying events. A plain HierarchicalMachine is not thread safe;
dealflow's CLI is single-threaded, and a threaded host must build one per thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, cast

from transitions import MachineError

from dealflow.aggregates.errors import Refused
from dealflow.aggregates.nesting import HierarchicalMachine, NestedState
from dealflow.aggregates.signals import missing
from dealflow.playbook import (
    CLOSED,
    ENTERED,
    LOST,
    OPEN_STAGE_NAMES,
    SIGNING_STAGE,
    STAGE_BY_NAME,
    STAGE_NAMES,
    STAGE_OF_ACTION,
    STAGES,
    WON_STAGE,
    Move,
    Record,
)

if TYPE_CHECKING:
    from transitions.core import EventData

SEPARATOR = "."  # stage and action names contain "_" and "-", transitions' default separator is "_"


class _DottedState(NestedState):
    separator = SEPARATOR


class _Machine(HierarchicalMachine):
    state_cls = _DottedState


@dataclass
class Position:
    """A light state holder: where a deal stands, and the deal for the guards to read."""

    state: str
    deal: Any


def stage_of(state: str) -> str:
    return state.split(SEPARATOR, 1)[0]


def sub_state_of(state: str) -> str | None:
    parts = state.split(SEPARATOR, 1)
    return parts[1] if len(parts) == 2 else None


def entered(stage: str) -> str:
    return f"{stage}{SEPARATOR}{ENTERED}"


def _deal(event: EventData) -> Any:
    """The deal a guard judges: the one the throwaway `Position` holds."""
    return cast(Position, event.model).deal  # transitions types a model as object


def _exit_signal_holds(stage: str):
    def exit_signal_holds(event: EventData) -> bool:
        return not missing(STAGE_BY_NAME[stage], _deal(event), event.kwargs.get("evidence"))

    return exit_signal_holds


def _target_is(stage: str):
    def is_the_chosen_stage(event: EventData) -> bool:
        return event.kwargs.get("to") == stage

    return is_the_chosen_stage


def _lost_from(stage: str):
    def was_lost_there(event: EventData) -> bool:
        return _deal(event).lost_from == stage

    return was_lost_there


def _transitions() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for stage in STAGES:
        rules += [
            {"trigger": action.name, "source": stage.name, "dest": f"{stage.name}{SEPARATOR}{action.name}"}
            for action in stage.actions
        ]
    for here, there in pairwise(STAGE_NAMES):
        if here != SIGNING_STAGE.name:
            rules.append(
                {"trigger": Move.ADVANCE, "source": here, "dest": there, "conditions": _exit_signal_holds(here)}
            )
    for index, here in enumerate(OPEN_STAGE_NAMES):
        rules.append({"trigger": Move.LOSE, "source": here, "dest": LOST})
        rules.append({"trigger": Move.REOPEN, "source": LOST, "dest": here, "conditions": _lost_from(here)})
        rules += [
            {"trigger": Move.BACK, "source": here, "dest": earlier, "conditions": _target_is(earlier)}
            for earlier in OPEN_STAGE_NAMES[:index]
        ]
    rules.append({"trigger": Move.SIGN, "source": SIGNING_STAGE.name, "dest": WON_STAGE.name})
    rules.append(
        {
            "trigger": Move.CLOSE,
            "source": WON_STAGE.name,
            "dest": CLOSED,
            "conditions": _exit_signal_holds(WON_STAGE.name),
        }
    )
    rules += [{"trigger": record, "source": list(STAGE_NAMES), "dest": None} for record in Record]
    return rules


def definition() -> tuple[list[Any], list[dict[str, Any]]]:
    """The machine's states and transitions: the one definition `Lifecycle` and `dealflow diagram` build from."""
    states: list[Any] = [
        {"name": stage.name, "children": [ENTERED, *(a.name for a in stage.actions)], "initial": ENTERED}
        for stage in STAGES
    ]
    return [*states, LOST, CLOSED], _transitions()


class Lifecycle:
    """Answers what a deal in a given state may do next, and where a command takes it."""

    def __init__(self) -> None:
        states, transitions = definition()
        self.machine = _Machine(
            model=None,
            states=states,
            transitions=transitions,
            initial=None,
            auto_transitions=False,
            send_event=True,
        )

    def next_state(self, deal: Any, trigger: str, *, doing: str | None = None, **context: Any) -> str:
        """The state `trigger` takes `deal` to, or Refused saying why it may not. `doing` says what the
        command does and where, when the user typed a command that records `trigger` under another name
        (`pay` is a `collect` step): the refusal names what was typed, not the action behind it."""
        position = Position(deal.state, deal)
        try:
            moved = self.machine.trigger_event(position, trigger, **context)
        except MachineError:
            if trigger == Move.ADVANCE and stage_of(deal.state) in STAGE_BY_NAME:
                # a stage left by another move (sign, or closing on payment): say what its exit signal lacks
                raise Refused(self._unmet(deal, trigger, context)) from None
            raise Refused(self._not_allowed(deal.state, trigger, doing)) from None
        if not moved:
            raise Refused(self._unmet(deal, trigger, context))
        return position.state

    def allowed(self, state: str) -> list[str]:
        """The commands the method allows from `state`, in the playbook's order (closing is not one:
        the payment that settles the last account closes the deal)."""
        return [trigger for trigger in self.machine.get_triggers(state) if trigger != Move.CLOSE]

    def _not_allowed(self, state: str, trigger: str, doing: str | None) -> str:
        allowed = ", ".join(self.allowed(state)) or "nothing more"
        home = STAGE_OF_ACTION.get(trigger)
        article = "an" if home and home.name[0] in "aeiou" else "a"
        if doing:
            what = f"{doing}, and"
        else:
            what = f"{trigger} is {article} {home.name} action and" if home else f"cannot {trigger}:"
        return f"{what} this deal is {_describe(state)}; the method allows {allowed}"

    def _unmet(self, deal: Any, trigger: str, context: dict[str, Any]) -> str:
        stage = stage_of(deal.state)
        if trigger in (Move.ADVANCE, Move.CLOSE):
            gaps = missing(STAGE_BY_NAME[stage], deal, context.get("evidence"))
            return f"cannot leave {stage}: " + "; ".join(gaps)
        if trigger == Move.BACK:
            earlier = OPEN_STAGE_NAMES[: OPEN_STAGE_NAMES.index(stage)]
            choices = ", ".join(earlier)
            return f"cannot go back from {stage} to {context.get('to')!r}: choose an earlier stage, one of {choices}"
        return f"cannot {trigger}: this deal is {_describe(deal.state)}"


def _describe(state: str) -> str:
    if state in (LOST, CLOSED):
        return state
    return f"in {stage_of(state)}"


@cache
def lifecycle() -> Lifecycle:
    """The process's one machine, built on first use (about a millisecond), not at import."""
    return Lifecycle()
