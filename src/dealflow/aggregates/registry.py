"""The event registry: for each type of a deal's events, everything the rest of dealflow must know.

Its class (in `events.py`, where stores name it), the name the log calls it (its kind), the command
`history` names it by and the fields it shows, how `import events` records it again from an
exported line (live, and as an import recorded it), and which projections read it. The lists that
were once kept by hand in each of those places are derived from here: `projections/decode.py`
(which events the projections decode), `cli/history.py` (the one-line summaries) and
`imports/replay.py` (which command replays each event). A test fails when an event class is not
registered here, or when a projection's handlers differ from the projections named here.

Adding an event type: its class in `events.py`, its line here, and the code that records and
reads it (a command, a projection's handler).

This module also keeps the store-wide claims' names resolvable (see `claims.py`): every store
names them by this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from eventsourcing.domain import Aggregate

from dealflow.aggregates import events
from dealflow.aggregates import replaying as replay
from dealflow.aggregates.claims import DealNumbers, InvoiceNumber
from dealflow.aggregates.replaying import Replayer

__all__ = ["BY_KIND", "EVENT_TYPES", "PROJECTIONS", "REVISIONS", "DealNumbers", "EventType", "InvoiceNumber"]

PIPELINE, CONCESSIONS, AGEING, SIGNALS = "pipeline", "concessions", "ageing", "signals"
PROJECTIONS = (PIPELINE, CONCESSIONS, AGEING, SIGNALS)


@dataclass(frozen=True)
class EventType:
    """One type of a deal's events, as the rest of dealflow sees it."""

    cls: type[Aggregate.Event]  # `events.Opened` or a `events.DealEvent`
    verb: str  # what `history` calls it: the command that records it
    keys: tuple[str, ...]  # the fields `history` shows, in this order
    replay: Replayer  # records it again as a person did (`replaying.py`)
    replay_imported: Replayer | None  # records it again as an import did; None: no import records it
    projections: frozenset[str]  # the projections that read it (`PROJECTIONS`)
    claims_invoice: bool = False  # recording it claims an invoice id store-wide (`claims.InvoiceNumber`)
    revises: bool = False  # it revises earlier events: a projection derives the deal's rows again (`revised.py`)

    @property
    def kind(self) -> str:
        """What the log calls it: its class's name (`event` in `history --json` and exported lines)."""
        return self.cls.__name__


def _read_by(*names: str) -> frozenset[str]:
    return frozenset(names)


_ALL = _read_by(PIPELINE)  # the pipeline reads every event: each one dates a deal's last activity
_MOVES = _read_by(PIPELINE, SIGNALS)  # the signals read the stage each move leaves
_NEGOTIATION = _read_by(PIPELINE, CONCESSIONS, SIGNALS)  # negotiating is an action done
_RECEIVABLES = _read_by(PIPELINE, AGEING)

EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        events.Opened,
        "open",
        ("account", "title", "owner", "value", "currency", "close_by", "referred_by"),
        replay.opened,
        replay.opened_imported,
        _MOVES,
    ),
    # an action shows as the action and its fields (`history`), and may chase an invoice or negotiate
    EventType(
        events.ActionRecorded,
        "act",
        ("action", "fields", "note"),
        replay.action_recorded,
        None,
        _read_by(*PROJECTIONS),
    ),
    EventType(events.Advanced, "advance", ("evidence",), replay.advanced, replay.placed, _MOVES),
    EventType(events.SteppedBack, "back", ("reason",), replay.stepped_back, None, _MOVES),
    EventType(events.Lost, "lose", ("lost_from", "reason", "competitor"), replay.lost, replay.lost_imported, _MOVES),
    EventType(events.Reopened, "reopen", ("reason",), replay.reopened, None, _MOVES),
    EventType(events.BottomLineSet, "bottom-line", ("term", "value"), replay.bottom_line_set, None, _NEGOTIATION),
    EventType(
        events.Conceded,
        "concede",
        ("term", "by", "before", "after", "round", "widened", "past_bottom_line", "override", "reason"),
        replay.conceded,
        None,
        _NEGOTIATION,
    ),
    EventType(events.Signed, "sign", ("amount", "currency", "terms"), replay.signed, replay.won, _MOVES),
    EventType(
        events.Invoiced,
        "invoice",
        ("invoice", "amount", "issued", "due"),
        replay.invoiced,
        replay.invoiced_imported,
        _RECEIVABLES,
        claims_invoice=True,
    ),
    EventType(
        events.PaymentReceived,
        "pay",
        ("invoice", "amount"),
        replay.payment_received,
        replay.paid_imported,
        _RECEIVABLES,
    ),
    EventType(events.WrittenOff, "write-off", ("invoice", "amount", "reason"), replay.written_off, None, _RECEIVABLES),
    EventType(events.Closed, "close", (), replay.closed, replay.closed_imported, _MOVES),
    EventType(events.NoteAdded, "note", ("text",), replay.note_added, replay.noted_imported, _ALL),
    EventType(events.Reassigned, "assign", ("owner", "previous"), replay.reassigned, None, _ALL),
    EventType(
        events.ForecastChanged, "forecast", ("value", "currency", "close_by"), replay.forecast_changed, None, _ALL
    ),
    EventType(events.BuyingStageUpdated, "buying-stage", ("buying_stage",), replay.buying_stage_updated, None, _ALL),
    # a revision changes what earlier events say: every projection derives the deal's rows again
    EventType(
        events.Corrected, "correct", ("versions", "reason"), replay.revision, None, _read_by(*PROJECTIONS), revises=True
    ),
    EventType(
        events.Voided, "void", ("versions", "reason"), replay.revision, None, _read_by(*PROJECTIONS), revises=True
    ),
)
BY_KIND = MappingProxyType({event_type.kind: event_type for event_type in EVENT_TYPES})
REVISIONS = frozenset(event_type.kind for event_type in EVENT_TYPES if event_type.revises)
