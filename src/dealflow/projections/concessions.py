"""The negotiation's concession history: every concession per deal and term, in the order recorded,
with the method's flags, each side's running total, our bottom line at the time, and deadlocks."""

from __future__ import annotations

from dealflow.aggregates import events
from dealflow.playbook import DEADLOCK, US, Effect, action_with
from dealflow.projections.decode import Event
from dealflow.projections.keyed import KeyedProcessor, Row
from dealflow.projections.projection import Handler
from dealflow.projections.units import fits, to_units

NEGOTIATE = action_with(Effect.NEGOTIATES).name
CONCESSIONS, DEADLOCKS = "concessions", "concession_deadlocks"


def new_term(deal: str, term: str) -> Row:
    return {
        "deal": deal,
        "term": term,
        "bottom_line": None,
        "our_count": 0,
        "our_total": 0,
        "their_count": 0,
        "their_total": 0,
        "widened": 0,
        "past_bottom_line": 0,
    }


class ConcessionsProcessor(KeyedProcessor):
    """The summaries, by deal and term; every concession and deadlock appended."""

    appends = (CONCESSIONS, DEADLOCKS)

    def handlers(self) -> dict[type, Handler]:
        return {
            events.BottomLineSet: self.bottom_line_set,
            events.Conceded: self.conceded,
            events.ActionRecorded: self.action_recorded,
        }

    def reads(self, event: Event) -> bool:
        return event.kind in ("BottomLineSet", "Conceded")

    def bottom_line_set(self, event: Event) -> None:
        self._term(event.deal, event.data["term"])["bottom_line"] = to_units(event.data["value"])

    def conceded(self, event: Event) -> None:
        data = event.data
        term = self._term(event.deal, data["term"])
        size = to_units(data["size"])
        side = "our" if data["by"] == US else "their"
        term[f"{side}_count"] += 1
        term[f"{side}_total"] = fits(term[f"{side}_total"] + size)
        term["widened"] += bool(data["widened"])
        term["past_bottom_line"] += bool(data["past_bottom_line"])
        self.appended[CONCESSIONS].append(
            {
                "deal": event.deal,
                "version": event.version,
                "term": data["term"],
                "round": data["round"],
                "by": data["by"],
                "before": to_units(data["before"]),
                "after": to_units(data["after"]),
                "size": size,
                "running_total": term[f"{side}_total"],
                "on": event.on,
                "actor": data["actor"],
                "widened": bool(data["widened"]),
                "past_bottom_line": bool(data["past_bottom_line"]),
                "override": data["override"],
                "bottom_line": term["bottom_line"],
            }
        )

    def action_recorded(self, event: Event) -> None:
        if event.action == NEGOTIATE and event.data["fields"].get("step") == DEADLOCK:
            self.appended[DEADLOCKS].append(
                {"deal": event.deal, "version": event.version, "on": event.on, "actor": event.data["actor"]}
            )

    def _term(self, deal: str, term: str) -> Row:
        key = deal, term
        found = self.found(key)
        if found is None:
            found = self.added[key] = new_term(deal, term)
        return found
