"""`import events`: dealflow's own event log, as `export events --format jsonl` writes it, one
event a line (the `history --json` row, with the deal's id and the position in the log).

Each line is replayed through the command that recorded it, with its date and actor, so the
method judges it again; the event the command records must then be the line, field for field
(dates, states, amounts and the flags a command works out, such as a concession's). A payment
that settles a deal's last account closes it, as it did when it was recorded: the `Closed` line
after it is checked against that. Lines of events that an import recorded are replayed through
the same import command, with the source they name. So exporting the store again gives the same
lines, but for the time each was recorded and its position in the log.

The first pass checks each line's form and that each deal's versions follow on from the store's,
one after the other, and replays every line on the deals as they stand in the store (each loaded
once, then held in memory or set aside in the import's scratch file), writing nothing. So a line
the method refuses (a file edited by hand can hold one) stops the import before anything is
written, naming the line, the reason and the fix; with --skip-bad that line, and the later lines
of its deal (which follow on from it), go to the rejects file and the other lines are imported.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from dealflow.aggregates.errors import DealflowError, InvalidInput
from dealflow.aggregates.ids import check_deal_id, deal_uuid, invoice_uuid
from dealflow.aggregates.lifecycle import stage_of
from dealflow.aggregates.opportunity import Opportunity
from dealflow.exports.json_writer import plain
from dealflow.imports.outcome import Outcome, RowError
from dealflow.imports.scratch import Scratch
from dealflow.playbook import Effect, action_with
from dealflow.storage import stored
from dealflow.views import SETTING_CHANGE_NAME as SETTING
from dealflow.views import event_row, setting_row

NOT_COMPARED = ("position", "deal", "recorded_at")  # what a new store gives each event afresh
REFER = action_with(Effect.REFERRAL).name


@dataclass
class Line:
    event: str
    deal_id: str | None  # None for a settings change
    version: int
    on: date
    actor: str
    fields: dict[str, Any]  # the event's own, as written
    row: dict[str, Any]  # the line but for what a new store gives afresh: what the replay must give

    @property
    def imported(self) -> dict[str, Any] | None:
        return self.fields.get("imported")


def read_line(text: str) -> Line:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RowError(
            None,
            "not JSON",
            f"not a line of JSON ({error.msg.removesuffix(' at')} at column {error.colno}): each line is one JSON "
            "object, as `dealflow export events --format jsonl` writes it",
        ) from None
    if not isinstance(data, dict):
        raise RowError(None, "not an event", "not an event: each line is one JSON object")
    event = data.get("event")
    if event not in COMMANDS and event not in IMPORTS and "topic" in data:  # see storeformat.py
        raise RowError(
            "event",
            "newer event",
            f"{event!r} is an event written by a newer dealflow ({data['topic']}): upgrade dealflow to import "
            "this file",
            refused=True,
        )
    if event not in COMMANDS and event not in IMPORTS:
        known = ", ".join(sorted({*COMMANDS, *IMPORTS}))
        raise RowError("event", "unknown event", f"{event!r} is not an event of dealflow's log; the events are {known}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RowError("version", "no version", f"{version!r} is not a version: a whole number from 1")
    deal_id = data.get("deal")
    if event != SETTING:
        if not isinstance(deal_id, str):
            raise RowError(
                "deal",
                "no deal",
                "the line names no deal: export the whole log (or a deal's whole "
                "history), whose lines name their deals",
            )
        try:
            deal_id = check_deal_id(deal_id)
        except InvalidInput as error:
            raise RowError("deal", "not a deal id", str(error)) from None
    try:
        on = date.fromisoformat(str(data.get("effective_on")))
    except ValueError:
        raise RowError(
            "effective_on", "not a date", f"{data.get('effective_on')!r} is not a date (YYYY-MM-DD)"
        ) from None
    actor = data.get("actor")
    if not isinstance(actor, str) or not actor.strip():
        raise RowError("actor", "no actor", "give the actor who recorded the event")
    row = {key: value for key, value in data.items() if key not in NOT_COMPARED}
    fields = {key: value for key, value in row.items() if key not in ("version", "event", "effective_on", "actor")}
    if event == SETTING and (not isinstance(data.get("name"), str) or data.get("value") is None):
        raise RowError(None, "no setting", "a settings change names the setting (name) and its value")
    return Line(event, deal_id if event != SETTING else None, version, on, actor, fields, row)


def digest(line: Line) -> str:
    text = json.dumps(line.row, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


# --- the commands that record each event -----------------------------------------------------------


def _day(value: Any) -> date | None:
    return None if value in (None, "") else date.fromisoformat(value)


def _opened(deal: Any, line: Line, context: Replay) -> Opportunity:
    f = line.fields
    details = {
        "owner": f.get("owner"),
        "value": f.get("value"),
        "currency": f.get("currency"),
        "close_by": _day(f.get("close_by")),
    }
    if line.imported:
        return Opportunity.open_imported(
            source=line.imported,
            deal_id=f.get("deal_id", line.deal_id),
            account=f["account"],
            title=f["title"],
            actor=line.actor,
            on=line.on,
            **details,
        )
    return Opportunity.open(
        deal_id=f.get("deal_id", line.deal_id),
        account=f["account"],
        title=f["title"],
        actor=line.actor,
        on=line.on,
        referred_by=f.get("referred_by"),
        **details,
    )


def _action(deal: Opportunity, line: Line, context: Replay) -> None:
    fields = dict(line.fields.get("fields") or {})
    action = line.fields["action"]
    referral = fields.pop("deal", None) if action == REFER else None
    limit = context.settings_on(line.on).gift_limit
    deal.record_action(
        action,
        fields,
        actor=line.actor,
        on=line.on,
        note=line.fields.get("note"),
        gift_limit=limit,
        referral_id=referral,
    )


def _invoiced(deal: Opportunity, line: Line, context: Replay) -> None:
    f = line.fields
    issued, due = _day(f["issued"]), _day(f["due"])
    if line.imported:
        deal.invoice_imported(
            f["invoice"],
            amount=f["amount"],
            issued=issued,
            due=due,
            source=line.imported,  # type: ignore[arg-type]
            actor=line.actor,
        )
    else:
        deal.invoice(f["invoice"], amount=f["amount"], due=due, issued=issued, on=line.on, actor=line.actor)  # type: ignore[arg-type]
    context.claim(f["invoice"], deal.deal_id, line.imported)


def _move(name: str) -> Callable[[Opportunity, Line, Replay], None]:
    def command(deal: Opportunity, line: Line, context: Replay) -> None:
        f, on, actor = line.fields, line.on, line.actor
        match name:
            case "Advanced":
                deal.advance(actor=actor, evidence=f.get("evidence"), on=on)
            case "SteppedBack":
                deal.step_back(stage_of(line.row["state"]), reason=f["reason"], actor=actor, on=on)
            case "Lost":
                deal.lose(reason=f["reason"], competitor=f.get("competitor"), actor=actor, on=on)
            case "Reopened":
                deal.reopen(reason=f["reason"], actor=actor, on=on)
            case "BottomLineSet":
                deal.set_bottom_line(f["term"], f["value"], actor=actor, on=on)
            case "Conceded":
                deal.concede(
                    term=f["term"],
                    by=f["by"],
                    before=f["before"],
                    after=f["after"],
                    round=f["round"],
                    override=f.get("override"),
                    reason=f.get("reason"),
                    actor=actor,
                    on=on,
                    legacy=_exported_before_reasons(f),
                )
            case "Signed":
                deal.sign(amount=f["amount"], currency=f["currency"], terms=f.get("terms"), actor=actor, on=on)
            case "PaymentReceived":
                deal.pay(f["invoice"], amount=f["amount"], actor=actor, on=on)
            case "WrittenOff":
                deal.write_off(f["invoice"], reason=f["reason"], actor=actor, on=on)
            case "NoteAdded":
                deal.note(f["text"], actor=actor, on=on)
            case "Reassigned":
                deal.assign(f["owner"], actor=actor, on=on)
            case "ForecastChanged":
                deal.forecast(
                    value=f.get("value"),
                    currency=f.get("currency"),
                    close_by=_day(f.get("close_by")),
                    actor=actor,
                    on=on,
                )
            case "BuyingStageUpdated":
                deal.update_buying_stage(f["buying_stage"], actor=actor, on=on)
            case "Closed":
                raise InvalidInput(
                    "a deal is closed by the payment or write-off that settles its last account, "
                    "which comes before this line in a whole log"
                )

    return command


def _exported_before_reasons(fields: dict[str, Any]) -> bool:
    """A whole `Conceded` line, with what the command works out, but no reason: exported by a dealflow
    from before a concession kept one, and so before where it starts and its direction were checked.
    It is judged by the rules it was recorded under; a script's line, giving only what the command
    needs, is judged by today's."""
    return "reason" not in fields and {"size", "widened", "past_bottom_line"} <= fields.keys()


def _imported(name: str) -> Callable[[Opportunity, Line, Replay], None]:
    def command(deal: Opportunity, line: Line, context: Replay) -> None:
        f, on, actor, source = line.fields, line.on, line.actor, line.imported or {}
        match name:
            case "Advanced":
                deal.place_imported(stage_of(line.row["state"]), source=source, actor=actor, on=on)
            case "Signed":
                deal.win_imported(amount=f["amount"], currency=f["currency"], source=source, actor=actor, on=on)
            case "Lost":
                deal.lose_imported(
                    reason=f["reason"], competitor=f.get("competitor"), source=source, actor=actor, on=on
                )
            case "Closed":
                deal.close_imported(source=source, actor=actor, on=on)
            case "PaymentReceived":
                deal.pay_imported(f["invoice"], amount=f["amount"], source=source, actor=actor, on=on)
            case "NoteAdded":
                deal.note_imported(f["text"], source=source, actor=actor, on=on)

    return command


MOVES = (
    "Advanced",
    "SteppedBack",
    "Lost",
    "Reopened",
    "BottomLineSet",
    "Conceded",
    "Signed",
    "PaymentReceived",
    "WrittenOff",
    "NoteAdded",
    "Reassigned",
    "ForecastChanged",
    "BuyingStageUpdated",
    "Closed",
)
COMMANDS: dict[str, Callable[..., Any]] = {
    "Opened": _opened,
    "ActionRecorded": _action,
    "Invoiced": _invoiced,
    SETTING: lambda *_: None,
    **{name: _move(name) for name in MOVES},
}
IMPORTS: dict[str, Callable[..., Any]] = {
    "Opened": _opened,
    "Invoiced": _invoiced,
    **{name: _imported(name) for name in ("Advanced", "Signed", "Lost", "Closed", "PaymentReceived", "NoteAdded")},
}


class Replay:
    """Replays lines onto the deals of one chunk, loading each deal once; keeps the settings aggregate."""

    def __init__(self, app: Any, settings: Any = None) -> None:
        self.app = app
        self.deals: dict[UUID, Any] = {}
        self.claims: list[Any] = []
        self.events: list[Any] = []  # every new event, in the order of the lines: the log's order
        self._taken: dict[UUID, int] = {}  # of each aggregate's pending events, how many are in `events`
        self._claimed: Any = None  # the claim the line being replayed made on an invoice id
        self.settings_aggregate: Any = settings  # loaded when first needed, then kept from chunk to chunk

    def settings_on(self, on: date) -> Any:
        return self.settings().in_force(on)

    def settings(self) -> Any:
        from dealflow.aggregates.settings import Settings

        if self.settings_aggregate is None:
            try:
                self.settings_aggregate = self.app.repository.get(Settings.ID)
            except AggregateNotFoundError:
                self.settings_aggregate = Settings()
        return self.settings_aggregate

    def claim(self, invoice: str, deal_id: str, source: dict[str, Any] | None) -> None:
        from dealflow.aggregates.events import mark_imported
        from dealflow.aggregates.registry import InvoiceNumber

        claim = InvoiceNumber(invoice=invoice, deal_id=deal_id)
        if source is not None:
            mark_imported(claim.pending_events[0], source)
        self.claims.append(claim)
        self._claimed = claim.pending_events[0]

    def apply(self, line: Line) -> None:
        self._claimed = None
        aggregate = self._apply(line)
        self._compare(aggregate, line)
        taken = self._taken.get(aggregate.id, 0)
        self.events += aggregate.pending_events[taken:]
        self._taken[aggregate.id] = len(aggregate.pending_events)
        if self._claimed is not None:  # an invoice's claim on its id is saved beside the invoice, as it was
            self.events.append(self._claimed)

    def saved(self) -> list[Any]:
        """What to save: the new events in the log's order, then the aggregates they came from (drained, so
        that their events are not saved twice; given, so that the application takes their snapshots)."""
        settings = [self.settings_aggregate] if self.settings_aggregate is not None else []
        aggregates = [*self.deals.values(), *self.claims, *settings]
        for aggregate in aggregates:
            aggregate.collect_events()
        return [*self.events, *aggregates]

    def _apply(self, line: Line) -> Any:
        if line.event == SETTING:
            aggregate = self.settings()
            aggregate.change(
                line.fields["name"].replace("_", "-"), str(line.fields["value"]), actor=line.actor, on=line.on
            )
        else:
            key = deal_uuid(line.deal_id)  # type: ignore[arg-type]
            deal = self.deals.get(key) or self._load(key)
            if deal is None or deal.version < line.version:
                commands = IMPORTS if line.imported else COMMANDS
                if line.imported and line.event not in IMPORTS:
                    raise InvalidInput(f"no import records a {line.event} event")
                made = commands[line.event](deal, line, self)
                if deal is None:
                    if made is None or made.deal_id.casefold() != line.deal_id.casefold():  # type: ignore[union-attr]
                        raise InvalidInput(f"the store has no deal {line.deal_id}: its Opened line comes first")
                    deal = made
                self.deals[key] = deal
            aggregate = deal
        return aggregate

    def _load(self, key: UUID) -> Any:
        try:
            return self.app.repository.get(key)
        except AggregateNotFoundError:
            return None

    def _compare(self, aggregate: Any, line: Line) -> None:
        """The event at the line's version must be the line, field for field."""
        event = next((e for e in aggregate.pending_events if e.originator_version == line.version), None)
        if event is None:
            found = self.app.events.get(aggregate.id, gt=line.version - 1, lte=line.version)
            event = next(iter(found), None)
        ours = _as_line(event) if event is not None else {}
        key = _disagreement(ours, line.row)
        if key is not None:
            raise InvalidInput(
                f"replayed, the method records {key}={ours.get(key)!r} where the line says {line.row.get(key)!r}"
            )


def _refuse_second_claim(item: Any, first_line: int) -> None:
    item.refuse(
        RowError(
            "invoice",
            "invoice id repeated",
            f"invoice {item.parsed.fields['invoice']} is already invoiced on line {first_line}: invoice ids are "
            "unique across the store; give this invoice its own id",
            refused=True,
        )
    )


def _disagreement(ours: dict[str, Any], theirs: dict[str, Any]) -> str | None:
    """The first field the line gives that the event does not have as given. A line written by a script
    may leave out what the command works out (stage, action, state, a concession's flags); an exported
    line gives every field, so its event must be the line."""
    if not ours:
        return "event"
    for key, value in theirs.items():
        if ours.get(key) != value or (key not in ours and value is not None):
            return key
    return None


def _as_line(event: Any) -> dict[str, Any]:
    settings_changed = type(event).__name__ == "Changed"  # the settings aggregate's one event
    row = setting_row(event) if settings_changed else event_row(event)
    return {key: value for key, value in plain(row).items() if key not in NOT_COMPARED}


# --- the import ------------------------------------------------------------------------------------


class EventImport:
    noun = "event"
    one_event_a_row = True  # a dry run counts the events without replaying them

    def __init__(self, app: Any, file: str) -> None:
        self.app = app
        self.file = file
        self.settings: Any = None  # the settings aggregate, once a line needs it
        self.trial: Trial | None = None  # the first pass's replay, from chunk to chunk
        self.broken: dict[UUID, int] = {}  # a deal (or the settings) whose line was refused: that line

    def parse(self, cells: Sequence[str]) -> tuple[Line, str, str]:
        line = read_line(cells[0])
        return line, f"{(line.deal_id or SETTING).casefold()}@{line.version}", digest(line)

    def encode(self, line: Line) -> str:
        return json.dumps({"deal": line.deal_id, **line.row}, ensure_ascii=False)

    def decode(self, text: str) -> Line:
        return read_line(text)

    def screen(self, app: Any, items: Sequence[Any], scratch: Any, empty: bool) -> None:
        """Each deal's versions follow on from the store's (those it has must be the same events)."""
        keys = {_owner(item.parsed) for item in items}
        versions = scratch.tallies(f"v:{key.hex}" for key in keys)
        unknown = [key for key in keys if f"v:{key.hex}" not in versions]
        known = {} if empty else stored.last_versions(app, unknown)
        for key in unknown:
            # the settings' first event (their creation) is not in the log: their first change is version 2
            versions[f"v:{key.hex}"] = known.get(key, 1 if key == _settings_id() else 0)
        invoices = [item for item in items if item.parsed.event == "Invoiced"]
        taken = {} if empty else stored.first_events(app, (invoice_uuid(i.parsed.fields["invoice"]) for i in invoices))
        for item in items:
            line: Line = item.parsed
            last = versions[f"v:{_owner(line).hex}"]
            if line.version <= last and item.outcome is Outcome.IMPORTED:
                self._already(item)
            elif line.version != last + 1:
                item.refuse(
                    RowError(
                        "version",
                        "versions out of order",
                        f"version {line.version} of {line.deal_id or 'the settings'} does not follow "
                        f"version {last}: export the whole log, or the deal's whole history",
                    )
                )
            else:
                versions[f"v:{_owner(line).hex}"] = line.version
                if line.event == "Invoiced" and invoice_uuid(line.fields["invoice"]) in taken:
                    item.refuse(
                        RowError(
                            "invoice",
                            "invoice id taken",
                            f"invoice {line.fields['invoice']} exists in the store: invoice ids are unique",
                            refused=True,
                        )
                    )
        scratch.set_tallies(versions)
        self._claim_invoices_once(items, scratch)
        absent = {key for key in unknown if key not in known}  # first seen here, and not in the store
        self._try(items, scratch, absent)

    def _claim_invoices_once(self, items: Sequence[Any], scratch: Scratch) -> None:
        """An invoice id is claimed once in a file, as in the store: a second claim, in this chunk or
        an earlier one (the scratch store remembers), is a bad line before anything is written."""
        claims: dict[str, Any] = {}
        for item in items:
            if item.outcome is Outcome.IMPORTED and item.parsed.event == "Invoiced":
                key = f"invoice:{item.parsed.fields['invoice'].strip().casefold()}"
                if key in claims:
                    _refuse_second_claim(item, claims[key].line)
                else:
                    claims[key] = item
        earlier = scratch.first_seen([(key, item.line, "") for key, item in claims.items()]) if claims else {}
        for key, (line, _) in earlier.items():
            _refuse_second_claim(claims[key], line)

    def _try(self, items: Sequence[Any], scratch: Scratch, absent: set[UUID]) -> None:
        """Replay the lines found good so far, writing nothing, so that the method judges each before
        the second pass writes any; a line refused, and the later lines of its deal, are bad rows."""
        if self.trial is None:
            self.trial = Trial(self.app, scratch)
        self.trial.absent = absent
        for item in items:
            if item.outcome is not Outcome.IMPORTED:
                continue
            line: Line = item.parsed
            owner = _owner(line)
            first = self.broken.get(owner)
            if first is not None:
                item.refuse(
                    RowError(
                        None,
                        "follows a refused line",
                        f"it follows line {first}, refused, of {line.deal_id or 'the settings'}: fix that line "
                        "and import the file again",
                        refused=True,
                    )
                )
                continue
            try:
                self.trial.apply(line)
            except (DealflowError, KeyError, TypeError, ValueError) as error:
                self.broken[owner] = item.line
                self.trial.forget(owner)
                item.refuse(
                    RowError(
                        None,
                        "refused",
                        f"{_reason(error)}: fix the line (or leave it out, with its deal's later lines) "
                        "and import the file again",
                        refused=not isinstance(error, InvalidInput),  # a value out of range is bad input: exit 2
                    )
                )
        self.trial.drain()

    def _already(self, item: Any) -> None:
        line: Line = item.parsed
        found = self.app.events.get(_owner(line), gt=line.version - 1, lte=line.version)
        event = next(iter(found), None)
        if event is not None and _disagreement(_as_line(event), line.row) is None:
            item.outcome = Outcome.ALREADY
        else:
            item.outcome = Outcome.CHANGED
            item.error = RowError(
                None,
                "changed",
                f"the store's version {line.version} of "
                f"{line.deal_id or 'the settings'} is another event: not replayed",
            )

    def build(self, items: Sequence[Any], actor: str, created: Any, scratch: Any) -> tuple[list[Any], int]:
        replay = Replay(self.app, self.settings)
        for item in items:
            try:
                replay.apply(item.parsed)
            except (DealflowError, KeyError, TypeError, ValueError) as error:
                raise RowError(None, "refused", _reason(error), line=item.line) from None
            created[item.parsed.event] += 1
        self.settings = replay.settings_aggregate
        return replay.saved(), len(items)  # a line is one event of the log (claims and the like are not in it)


class Trial(Replay):
    """The first pass's replay: from chunk to chunk it keeps the deals it replayed lines on (a deal is
    loaded from the store once), holding up to HELD of them in memory and setting the rest aside in
    the scratch file; it saves nothing."""

    HELD = 20_000

    def __init__(self, app: Any, scratch: Scratch) -> None:
        super().__init__(app)
        self.scratch = scratch
        self.absent: set[UUID] = set()  # deals known not to be in the store (nor set aside)

    def _load(self, key: UUID) -> Any:
        if key in self.absent:
            return None
        held = self.scratch.held(key.hex)
        if held is not None:
            return pickle.loads(held)  # written by this import, to its own temporary file
        return super()._load(key)

    def forget(self, key: UUID) -> None:
        """A deal whose line was refused: its later lines are not replayed."""
        self.deals.pop(key, None)

    def drain(self) -> None:
        """After each chunk: drop the new events (nothing is saved) and set deals aside beyond HELD."""
        for aggregate in self.deals.values():
            aggregate.collect_events()
        if self.settings_aggregate is not None:
            self.settings_aggregate.collect_events()
        self.events.clear()
        self.claims.clear()
        self._taken.clear()
        if len(self.deals) > self.HELD:
            self.scratch.hold((key.hex, pickle.dumps(deal)) for key, deal in self.deals.items())
            self.deals.clear()


def _owner(line: Line) -> UUID:
    return _settings_id() if line.deal_id is None else deal_uuid(line.deal_id)


def _settings_id() -> UUID:
    from dealflow.aggregates.settings import Settings

    return Settings.ID


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"the line lacks the field {error.args[0]!r} that its event needs"
    return str(error)
