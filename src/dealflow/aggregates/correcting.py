"""Corrections and voids, judged by the method: the deal's whole history, replayed with the revision
through the commands that recorded it, must still be accepted, or the revision is refused naming
the event that would not be.

A person corrects an event with the words of the command that recorded it (`contact`, `amount`,
`on`, ...: `CORRECTABLE`); the replay records the history again as a person would (`replaying.py`,
through the registry), on a fresh deal, so every rule holds as it held then: the method's exit
signals, the dates, an invoice's and a payment's arithmetic. What the replay records differently
from what is stored, the person's change and what the commands work out again from it (a later
concession's flags, the state left), is the revision's `changes`: the fold of the history so revised
(`revised.py`) is the deal the replay made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dealflow.aggregates import events
from dealflow.aggregates.errors import Command, DealflowError, InvalidInput, NotFound, Refused
from dealflow.aggregates.opportunity import Opportunity
from dealflow.aggregates.registry import BY_KIND
from dealflow.aggregates.replaying import Recorded
from dealflow.aggregates.revised import VOIDED, effective, voided
from dealflow.playbook import ACTIONS, Defaults, Effect, action_with

REFER = action_with(Effect.REFERRAL).name

# What a person may correct of each kind of event, in the words of the command that recorded it
# (`on` is every event's date), and the event's field each word changes. An action's own fields are
# its action's (`playbook.ACTIONS`), beside its note.
ON = "on"
CORRECTABLE: dict[str, dict[str, str]] = {
    "Opened": {
        "account": "account",
        "title": "title",
        "value": "value",
        "currency": "currency",
        "close_by": "close_by",
    },
    "ActionRecorded": {"note": "note"},
    "NoteAdded": {"text": "text"},
    "BottomLineSet": {"value": "value"},
    "Conceded": {"from": "before", "to": "after", "override": "override"},
    "Invoiced": {"amount": "amount", "issued": "issued", "due": "due"},
    "PaymentReceived": {"amount": "amount"},
    "Signed": {"amount": "amount", "terms": "terms"},
    "ForecastChanged": {"value": "value", "currency": "currency", "close_by": "close_by"},
}
# What undoes each kind of event that is not corrected this way (nor voided).
UNDONE_BY = {
    "Advanced": "a stage move is undone with `back`",
    "SteppedBack": "a step back is undone by advancing again",
    "Lost": "a lost deal is brought back with `reopen`",
    "Reopened": "a reopened deal is lost again with `lose`",
    "Closed": "a deal is closed by the payment that settles it: revise that payment, and the close goes with it",
    "Reassigned": "give the deal to its owner with `assign`",
    "BuyingStageUpdated": "record the buying stage again with `buying-stage`",
    "WrittenOff": "a write-off is voided, not corrected",
    "Corrected": "a correction is corrected by another correction of the same event",
    "Voided": "a void stands: record the event again if it should count",
}
# An opening is not voided (a deal without one is no deal), nor an invoice (its id is claimed store-wide,
# the customer's document: its amount and dates are corrected, its balance written off).
VOIDABLE = ({*CORRECTABLE} - {"Opened", "Invoiced"}) | {"WrittenOff"}
NOT_VOIDED = {
    "Opened": "a deal's opening is not voided: lose the deal (`lose --reason other`) if it should not be in the book",
    "Invoiced": "an invoice is not voided, its id being the customer's document: correct its amount or dates, "
    "or write its balance off",
}
# A referral sale's new deal is a deal of its own: what it was opened with is corrected there.
REFERRAL_OWN = ("account", "title", "value")
_META = ("originator_id", "originator_version", "timestamp", "effective_on", "actor", "state", "imported")


@dataclass(frozen=True)
class Revised:
    """What a revision records (its `changes`, the state it leaves) and the deal it leaves."""

    changes: dict[str, dict[str, Any]]
    state: str
    deal: Opportunity


def own_fields(event: Any) -> dict[str, Any]:
    """An event's own facts, as the command that recorded it was given them."""
    return {key: value for key, value in vars(event).items() if key not in _META}


def correct(
    history: Sequence[Any],
    versions: Sequence[int],
    given: Mapping[str, object],
    settings_on: Callable[[date], Defaults],
) -> Revised:
    """Correct the events at `versions` of the deal's `history` with the values `given`, by name."""
    if not given:
        raise InvalidInput("give what to correct: the values of the command that recorded it, or its date")
    for version in versions:
        _target(history, version, CORRECTABLE, "corrected")
    counted = {event.originator_version: event for event in effective(history)}  # as earlier corrections left them
    fixed = {version: _corrected(counted[version], given) for version in versions}
    revised = _replay(history, fixed, set(), settings_on)
    unchanged = [version for version in fixed if str(version) not in revised.changes]
    if unchanged:
        raise InvalidInput(f"version {unchanged[0]} already says so: nothing to correct", rule="no change")
    return revised


def void(history: Sequence[Any], versions: Sequence[int], settings_on: Callable[[date], Defaults]) -> Revised:
    """Void the events at `versions`: they no longer count."""
    for version in versions:
        event = _target(history, version, VOIDABLE, "voided")
        if type(event).__name__ == "ActionRecorded" and event.action == REFER:
            raise Refused(
                "version {} opened deal {} as a referral: a deal of its own, it stays; record a note instead",
                version, event.fields.get("deal"), rule="referred deal",
            )  # fmt: skip
    return _replay(history, {}, set(versions), settings_on)


def as_recorded(
    history: Sequence[Any],
    voiding: bool,
    versions: Sequence[int],
    changes: Mapping[str, Mapping[str, Any]],
    settings_on: Callable[[date], Defaults],
) -> Revised:
    """A revision as an exported line gives it (its versions and every change, values as text), judged
    again: the history with those changes, replayed through the method, must be accepted; what it
    then records is the revision (the line is compared with it: `imports/replayer.py`)."""
    for target in versions:
        _target(history, target, VOIDABLE if voiding else CORRECTABLE, "voided" if voiding else "corrected")
    counted = {event.originator_version: event for event in effective(history)}
    fixed: dict[int, dict[str, Any]] = {}
    for version, change in changes.items():
        if change.get(VOIDED):  # a close the replay finds no longer made
            continue
        event = counted.get(int(version))
        if event is None:
            raise InvalidInput(f"the revision changes version {version}, which does not count in this deal's history")
        facts = {**own_fields(event), **{k: v for k, v in change.items() if k not in ("effective_on", "state")}}
        facts[ON] = change.get("effective_on", event.effective_on)
        fixed[int(version)] = facts
    return _replay(history, fixed, set(versions) if voiding else set(), settings_on)


def rejudged(history: Sequence[Any], settings_on: Callable[[date], Defaults]) -> Revised:
    """The history as revised, replayed through the method: what it would record otherwise than it does
    (nothing, for a history whose revisions were judged as they were recorded); refused as a revision is."""
    return _replay(history, {}, set(), settings_on)


def _target(history: Sequence[Any], version: int, allowed: set[str] | dict[str, Any], done: str) -> Any:
    last = history[-1].originator_version if history else 0
    if not 1 <= version <= last:
        raise NotFound(
            "this deal has no version {}: its versions are 1 to {} ({} lists them)", version, last,
            Command("history", "DEAL"),
        )  # fmt: skip
    event = history[version - 1]
    kind = type(event).__name__
    gone = voided(history).get(version)
    if gone is not None:
        raise Refused(f"version {version} was voided by version {gone}: it no longer counts", rule="voided")
    if kind not in allowed:
        why = (NOT_VOIDED if done == "voided" else {}).get(kind) or UNDONE_BY.get(kind, f"a {kind} event is not {done}")
        raise Refused(f"version {version} is not {done} this way: {why}", rule="not correctable")
    return event


def _corrected(event: Any, given: Mapping[str, object]) -> dict[str, Any]:
    """The event's own facts, with the values given in place of those they name."""
    kind = type(event).__name__
    words = dict(CORRECTABLE[kind])
    fields = own_fields(event)
    action_fields = ACTIONS[event.action].fields if kind == "ActionRecorded" else ()
    allowed = [*words, *(field.name for field in action_fields), ON]
    unknown = [name for name in given if name not in allowed]
    if unknown:
        raise InvalidInput(
            f"version {event.originator_version} ({_what(event)}) has no {unknown[0]} to correct; "
            f"it takes {', '.join(name.replace('_', '-') for name in allowed)}",
            rule="not a field of the event",
        )
    if action_fields:
        own = {k: v for k, v in given.items() if k not in words and k != ON}
        referred = fields["fields"].get("deal") if event.action == REFER else None
        if referred and set(own) & set(REFERRAL_OWN):
            raise Refused(
                "the referral sale opened deal {}: correct what it was opened with there ({})",
                referred, Command("correct", referred, "1", "--account ..."), rule="referred deal",
            )  # fmt: skip
        fields["fields"] = {**fields["fields"], **own}
    for word, value in given.items():
        if word in words:
            fields[words[word]] = value
    fields[ON] = given.get(ON, event.effective_on)
    return fields


def _what(event: Any) -> str:
    kind = type(event).__name__
    return event.action if kind == "ActionRecorded" else BY_KIND[kind].verb if kind in BY_KIND else kind


def _replay(
    history: Sequence[Any],
    fixed: Mapping[int, dict[str, Any]],
    gone: set[int],
    settings_on: Callable[[date], Defaults],
) -> Revised:
    """Record the revised history again, command by command, on a fresh deal; what differs is the revision.

    A deal closed by a payment that, revised, no longer settles its last account is not closed any more:
    the `Closed` event no longer counts (the revision's changes say `voided` of it). The reverse, a
    revision that would settle the last account, would add an event: refused, with what to do instead."""
    counted = [event for event in effective(history) if event.originator_version not in gone]
    deal: Any = None
    pairs: list[tuple[Any, Any]] = []
    closes_no_more: list[int] = []
    for event in counted:
        pending = deal.pending_events if deal is not None else []
        if len(pending) > len(pairs):  # recorded with the event before it: a payment's close
            pairs.append((event, pending[len(pairs)]))
            continue
        if isinstance(event, events.Closed) and not event.imported and deal is not None:
            closes_no_more.append(event.originator_version)  # the payments no longer settle the deal
            continue
        fields = fixed.get(event.originator_version)
        try:
            made = _record_again(deal, event, fields, settings_on)
        except DealflowError as error:
            raise _depends(event, error, first=fields is not None) from None
        deal = made if deal is None else deal
        if deal is None or len(deal.pending_events) <= len(pairs):
            raise Refused(f"with this revision, version {event.originator_version} ({_what(event)}) is not recorded")
        pairs.append((event, deal.pending_events[len(pairs)]))
    if deal is not None and len(deal.pending_events) > len(pairs):
        if isinstance(deal.pending_events[len(pairs)], events.Closed):
            raise Refused(
                "with this revision the deal's last account would be settled, which closes the deal, and a revision "
                "adds no event: void the payment and record it again with {}, which closes the deal",
                Command("pay", "INVOICE", "--amount", "AMOUNT"),
                rule="would close",
            )
        raise Refused("with this revision, the deal's history would record events it does not hold", rule="depends")
    changes: dict[str, dict[str, Any]] = {str(version): {VOIDED: True} for version in closes_no_more}
    for stored, again in pairs:
        if type(stored) is not type(again):
            raise Refused(
                f"with this revision, version {stored.originator_version} ({_what(stored)}) would record "
                f"{type(again).__name__}",
                rule="depends",
            )
        differ = _differences(stored, again)
        if differ:
            changes[str(stored.originator_version)] = differ
    return Revised(changes, deal.state, deal)


def _record_again(deal: Any, event: Any, fields: dict[str, Any] | None, settings_on: Callable[[date], Defaults]) -> Any:
    kind = type(event).__name__
    source = event.imported
    event_type = BY_KIND[kind]
    replay = event_type.replay_imported if source else event_type.replay
    if replay is None:
        raise Refused(f"no command records a {kind} event again")
    facts = own_fields(event) if fields is None else fields
    on = facts.pop(ON, event.effective_on)
    on = on if isinstance(on, date) else date.fromisoformat(str(on))
    recorded = Recorded(
        deal_id=getattr(deal, "deal_id", "") or own_fields(event).get("deal_id", ""),
        fields=facts,
        on=on,
        actor=event.actor,
        state=event.state,
        source=source,
        gift_limit=lambda: settings_on(on).gift_limit,
    )
    return replay(deal, recorded)


def _differences(stored: Any, again: Any) -> dict[str, Any]:
    """The facts the replay recorded otherwise than the stored event, by field."""
    ours = {**own_fields(stored), "effective_on": stored.effective_on, "state": stored.state}
    theirs = {**own_fields(again), "effective_on": again.effective_on, "state": again.state}
    return {key: value for key, value in theirs.items() if ours.get(key, _ABSENT) != value}


_ABSENT = object()


def _depends(event: Any, error: DealflowError, *, first: bool) -> DealflowError:
    """The refusal of a revised history: the corrected event's own, or the later event that needs the old fact."""
    version = event.originator_version
    if first:
        return type(error)(f"corrected, version {version} would be refused: " + error.template, *error.parts,
                           rule=error.rule)  # fmt: skip
    kind = type(event).__name__
    if kind in CORRECTABLE:
        fix = f"correct version {version} too: in the same command when it takes the same values, else first"
    else:
        fix = (
            f"it stands as recorded ({UNDONE_BY.get(kind, 'it is not corrected')}), so revise the other records "
            "it rests on together with this one (give all their versions), or leave the record as it is"
        )
    # the later event's refusal in the domain's words: its values are that event's, not options given now
    return Refused(
        "with this revision, version {} ({} on {}) would be refused: {}; {}",
        version, _what(event), event.effective_on, error.render(), fix, rule="depends",
    )  # fmt: skip
