"""The sales pipeline's processor: each event changes the deal's dated versions (`pipeline_view`),
its status, stage, value, owner, forecast and its days in each stage; the current row also keeps
what `deals` lists and finds a deal by (its title, latest version and action, its text case-folded)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from dealflow.aggregates import events
from dealflow.aggregates.lifecycle import stage_of, sub_state_of
from dealflow.playbook import CLOSED, CONCESSION_TERMS, LOST, STAGE_NAMES, WON_STAGE, Effect, Status, action_with
from dealflow.projections.decode import Event
from dealflow.projections.pipeline_view import DealVersions, PipelineChanges, PipelineView, Row
from dealflow.projections.projection import Handler, Processor
from dealflow.projections.tables import MOVEMENT_FACTS, PREVIOUS, STAGE_BIT, days_in
from dealflow.projections.units import fits, to_day, to_units

PROPOSAL = action_with(Effect.SETS_VALUE).name
UPSELL = action_with(Effect.UPSELLS).name
PRICE = CONCESSION_TERMS[0]

DAYS_IN = {stage: days_in(stage) for stage in STAGE_NAMES}
DAYS = tuple(DAYS_IN.values())
LINKS = tuple((name, f"{PREVIOUS}{name}") for name in MOVEMENT_FACTS)
FIRST = dict.fromkeys((previous for _, previous in LINKS))  # an opened deal's first version follows none
SEPARATOR = "\x1f"  # the unit separator, between the fields of `search`: a search never runs from one into the next


def standing(state: str) -> tuple[str | None, str]:
    """The stage (None once lost or closed) and the status a deal's state means."""
    if state == LOST:
        return None, Status.LOST.value
    if state == CLOSED:
        return None, Status.CLOSED.value
    stage = stage_of(state)
    return stage, (Status.WON if stage == WON_STAGE.name else Status.OPEN).value


def search_text(deal_id: str, account: str, title: str) -> str:
    """What `deals --search` looks in: the id, account and title, case-folded in Python, so that every
    database compares the same text (SQLite's LIKE folds ASCII letters only, PostgreSQL's none)."""
    return SEPARATOR.join((deal_id, account, title)).casefold()


class PipelineProcessor(Processor):
    def __init__(self, view: PipelineView, numbers: dict[str, int] | None = None) -> None:
        self.view = view
        self.deals: dict[str, DealVersions] = {}
        self.numbers = numbers or {}  # a deal derived again keeps its number
        self.latest: dict[str, Event] = {}  # each deal's last event in the batch: its version and state

    def handlers(self) -> dict[type, Handler]:
        handle: dict[type, Handler] = {
            events.Opened: self.opened,
            events.ActionRecorded: self.action_recorded,
            events.Lost: self.lost,
            events.Reopened: self.moved,
            events.Signed: self.signed,
            events.Reassigned: self.reassigned,
            events.ForecastChanged: self.forecast_changed,
            events.Advanced: self.moved,
            events.SteppedBack: self.moved,
            events.Closed: self.moved,
        }
        handle[events.Conceded] = self.conceded
        activities: tuple[type, ...] = (events.BottomLineSet, events.Invoiced, events.PaymentReceived)
        for activity in (*activities, events.WrittenOff, events.NoteAdded, events.BuyingStageUpdated):
            handle[activity] = self.activity
        return handle

    def load(self, batch: Collection[Event]) -> None:
        wanted = {event.deal for event in batch if event.kind != "Opened"}
        self.latest = {event.deal: event for event in batch}  # in the log's order: the last one stays
        for key, row in self.view.current(wanted).items():
            self.deals[key] = DealVersions(row, stored=True)
        self.last_id = self.view.last_id()

    # --- the events --------------------------------------------------------------------------

    def opened(self, event: Event) -> None:
        data = event.data
        stage, status = standing(data["state"])
        number = self.numbers.get(event.deal)
        if number is None:
            self.last_id += 1
            number = self.last_id
        row = {
            "id": number,
            "deal": event.deal,
            "deal_id": data["deal_id"],
            "account": data["account"],
            "title": data["title"],
            "account_key": data["account"].casefold(),
            "search": search_text(data["deal_id"], data["account"], data["title"]),
            "owner": data["owner"],
            "status": status,
            "stage": stage,
            "stage_since": event.on,
            "entered": STAGE_BIT[stage] if stage else 0,
            **dict.fromkeys(DAYS, 0),
            "currency": data["currency"],
            "value": to_units(data["value"]),
            "signed": None,
            "close_by": to_day(data["close_by"]),
            "lost_reason": None,
            "lost_from": None,
            "opened_on": event.on,
            "valid_from": event.on,
            **FIRST,
        }
        self.deals[event.deal] = DealVersions(row, stored=False)

    def action_recorded(self, event: Event) -> None:
        action = event.action
        if action == PROPOSAL:
            fields = event.data["fields"]
            value, currency = to_units(fields["quotation"]), fields.get("currency")

            def propose(row: Row) -> None:
                row["value"] = value
                row["currency"] = currency or row["currency"]

            self._change(event, propose)
        elif action == UPSELL:
            added = to_units(event.data["fields"]["amount"])
            if added is None:
                raise ValueError("the upsell has no amount")

            def upsell(row: Row) -> None:
                row["value"] = fits((row["value"] or 0) + added)

            self._change(event, upsell)
        else:
            self.activity(event)

    def moved(self, event: Event, **facts: Any) -> None:
        """A stage change: the stay in the stage left ends, its days are counted, the next begins."""
        stage, status = standing(event.state)
        day = event.on

        def move(row: Row) -> None:
            if row["stage"] is not None:
                row[DAYS_IN[row["stage"]]] += day - row["stage_since"]
            if stage is not None:
                row["entered"] |= STAGE_BIT[stage]
            row.update(facts, stage=stage, status=status, stage_since=day)

        self._change(event, move)

    def lost(self, event: Event) -> None:
        self.moved(event, lost_reason=event.data["reason"], lost_from=event.data["lost_from"])

    def signed(self, event: Event) -> None:
        amount = to_units(event.data["amount"])
        self.moved(event, value=amount, signed=amount, currency=event.data["currency"])

    def reassigned(self, event: Event) -> None:
        owner = event.data["owner"]
        self._change(event, lambda row: row.update(owner=owner))

    def conceded(self, event: Event) -> None:
        """A concession on price is the latest price on the table: the deal's expected value from then
        on (by either side: the customer's new offer counts as ours does), until the next price."""
        data = event.data
        if data["term"] != PRICE:
            self.activity(event)
            return
        price = to_units(data["after"])
        self._change(event, lambda row: row.update(value=price))

    def forecast_changed(self, event: Event) -> None:
        data = event.data
        facts = {"value": to_units(data["value"]), "currency": data["currency"], "close_by": to_day(data["close_by"])}
        facts = {name: value for name, value in facts.items() if value is not None}
        self._change(event, lambda row: row.update(facts))

    def activity(self, event: Event) -> None:
        """An event that changes nothing the pipeline shows but the day of the deal's last event."""
        deal = self.deals.get(event.deal)
        if deal is None:
            self._change(event)  # says what is missing
        elif event.on > deal.row["valid_from"]:  # the usual case, spelled out: most events are these
            row = deal.row
            deal.versions.append({**row, "valid_to": event.on})
            row["valid_from"] = event.on
        elif event.on < deal.row["valid_from"]:
            deal.since(event.on, self.view)

    # --- versions ------------------------------------------------------------------------------

    def _change(self, event: Event, change: Callable[[Row], None] | None = None) -> None:
        try:
            deal = self.deals[event.deal]
        except KeyError:
            raise LookupError(
                f"the pipeline has no deal for event {event.id} ({event.kind}): "
                "rebuild the projections with `dealflow projections rebuild`"
            ) from None
        versions = deal.since(event.on, self.view)
        if change is not None:
            for version in versions:
                change(version)

    def write(self) -> None:
        changes = PipelineChanges()
        for deal in self.deals.values():
            _link(deal)
        for key, latest in self.latest.items():  # once a deal a batch: reading an event's state costs
            row = self.deals[key].row
            row["version"], row["action"] = latest.version, sub_state_of(latest.state)
        for deal in sorted(self.deals.values(), key=_number):  # in key order: each index page is visited once
            (changes.changed_deals if deal.stored else changes.new_deals).append(deal.row)
            changes.history.extend(deal.versions)
            if deal.rewrite_from is not None:
                changes.rewrites[deal.row["id"]] = deal.rewrite_from
        self.view.write(changes)


def _link(deal: DealVersions) -> None:
    """Each version in memory after the first takes the facts of the one before it (`prev_*`): the
    first keeps what it was stored with, as the version before it is not in memory, so unchanged."""
    chain = deal.versions
    if not chain:
        return
    before = chain[0]
    for version in (*chain[1:], deal.row):
        for name, previous in LINKS:
            version[previous] = before[name]
        before = version


def _number(deal: DealVersions) -> int:
    return deal.row["id"]
