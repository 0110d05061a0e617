"""What an export reads besides the projection reports (and `reports.deals`): one deal's audit trail
and the whole event log (streamed a page at a time, filtered by deal and by effective dates)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.utils import get_topic

from dealflow.aggregates import revised
from dealflow.aggregates.errors import FROM, TO, InvalidInput, NotFound
from dealflow.aggregates.events import Opened
from dealflow.aggregates.ids import deal_uuid
from dealflow.aggregates.settings import Settings
from dealflow.exports.line_seals import LineSeals
from dealflow.exports.trail import Entry, Trail
from dealflow.storage import eventlog
from dealflow.storage.roles import written_by
from dealflow.views import event_row, history_row, setting_row

if TYPE_CHECKING:
    from dealflow.aggregates.events import DealEvent
    from dealflow.application import DealflowApp

OPENED = get_topic(Opened)
SETTING_CHANGE_TOPIC = get_topic(Settings.Changed)


def history(app: DealflowApp, deal: str, *, as_of: date | None = None) -> Trail:
    """One deal's audit trail, as `history DEAL --json` prints it (with --as-of: events effective by then)."""
    events = app.history(deal)
    marks = revised.marks(events)  # what `history` marks: the corrected and voided events
    roles = None if app.store.is_sqlite else written_by(app, deal_uuid(deal))  # who wrote each, on PostgreSQL
    opened = events[0]  # a deal's first event
    name = f"history {opened.deal_id if isinstance(opened, Opened) else deal}"
    if as_of is not None:
        # a newer dealflow's event whose date cannot be read is kept: never left out unsaid
        events = [event for event in events if (event.effective_on or date.min) <= as_of]
        if not events:
            raise NotFound(f"deal {deal!r} was not yet open on {as_of}")
    return Trail(
        name,
        lambda: ((history_row(event, marks, roles), event) for event in events),
        len(events),
    )


def log(app: DealflowApp, *, deal: str | None = None, start: date | None = None, end: date | None = None) -> Trail:
    """Every deal event and settings change in the order recorded, each with its position in the log
    and its deal's id; or one deal's; only those effective from `start` to `end` (both included)."""
    if start is not None and end is not None and start > end:
        raise InvalidInput(
            "{} {} is after {} {}: give the earlier date first", FROM, start, TO, end, rule="dates reversed"
        )
    if deal is None:
        total = app.recorder.max_notification_id() or 0
        return Trail("events", lambda: _sealed(_entries(app, eventlog.pages(app, stop=total), start, end)), total, True)
    notifications = eventlog.of_originator(app, deal_uuid(deal))
    if not notifications or notifications[0].topic != OPENED:
        raise NotFound(f"no deal {deal!r} in this store: `dealflow deals` lists the deals")
    return Trail("events", lambda: _sealed(_entries(app, [notifications], start, end)), len(notifications), True)


def _sealed(entries: Iterator[Entry]) -> Iterator[Entry]:
    """Each line with its seal, chained to its deal's line before it (`line_seals.py`)."""
    chain = LineSeals()
    for row, event in entries:
        row["seal"] = chain.seal(row)
        yield row, event


def _entries(app: DealflowApp, pages: Any, start: date | None, end: date | None) -> Iterator[Entry]:
    from dealflow.projections.decode import Decoder

    decoder = Decoder(app.mapper)
    first, last = (start or date.min).toordinal(), (end or date.max).toordinal()
    names: dict[str, str] = {}  # a deal's aggregate id -> its deal id: Opened comes first in the log
    for page in pages:
        for notification in page:
            quick = decoder.decode(notification)  # deal events only, their dates read without decoding all
            if quick is None:  # settings changes are in the trail; deal numbers and invoice ids are not
                if notification.topic == SETTING_CHANGE_TOPIC:
                    changed = cast("Settings.Changed", app.mapper.to_domain_event(notification))
                    if first <= changed.effective_on.toordinal() <= last:
                        yield _setting_row(notification.id, changed), changed
                elif not decoder.topics.known(notification.topic):
                    yield from _newer(app, notification, names, first, last)
                continue
            if quick.kind == "Opened":
                names[quick.deal] = quick.data["deal_id"]
            if first <= quick.on <= last:
                event = cast("Opened | DealEvent", app.mapper.to_domain_event(notification))
                yield {"position": notification.id, "deal": names.get(quick.deal), **event_row(event)}, event


def _newer(app: DealflowApp, notification: Any, names: dict[str, str], first: int, last: int) -> Iterator[Entry]:
    """A newer dealflow's event, carried through as stored (its topic and state), never left out: a
    dealflow that knows it can take it back; one that does not refuses the line (`import events`)."""
    from dealflow.storage.storeformat import NewerDealflow
    from dealflow.storage.unknown import UnknownEvent

    event = UnknownEvent(notification, app.mapper)
    if event.stored is None:
        raise NewerDealflow(
            f"event {notification.id} was written by a newer dealflow ({event.name}) into a ciphered or compressed "
            "store, which this dealflow cannot carry through: upgrade dealflow to export the log"
        )
    if event.effective_on is None or first <= event.effective_on.toordinal() <= last:
        deal = names.get(notification.originator_id.hex)
        yield {"position": notification.id, "deal": deal, **event_row(event)}, event


def _setting_row(position: int, event: Any) -> dict[str, Any]:
    return {"position": position, "deal": None, **setting_row(event)}
