"""The audit trail: `history` replays a deal's events as recorded; `audit` judges them again by the method."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

import click

from dealflow.aggregates import revised
from dealflow.aggregates.errors import NotFound
from dealflow.aggregates.events import Revision
from dealflow.aggregates.ids import deal_uuid
from dealflow.aggregates.registry import EVENT_TYPES
from dealflow.aggregates.revised import VOIDED
from dealflow.audit import DealAudit, StoreAudit, Verdict, audit_deal
from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import cell, emit_json, json_option, print_fields, print_table, say, text, wide_option
from dealflow.cli.params import DATE, known_at_option
from dealflow.cli.safe import shown
from dealflow.storage.roles import written_by
from dealflow.storage.unknown import UnknownEvent
from dealflow.views import event_row, history_row, mark_text

HISTORY_COLUMNS = ("version", "recorded", "effective", "actor", "what", "after")
NAMED = 10  # violations named on the verdict line; the lines above name them all
_COMMON = {"version", "event", "recorded_at", "effective_on", "actor", "stage", "action", "state"}

# What each kind of event is called in one line (the command that records it), and its key fields.
SUMMARIES: dict[str, tuple[str, tuple[str, ...]]] = {kind.kind: (kind.verb, kind.keys) for kind in EVENT_TYPES}


def describe(event: Any) -> str:
    """One readable line: what was done, with its key fields (e.g. `qualify: opportunity=yes ...`);
    an imported event says so, and where it came from."""
    if isinstance(event, UnknownEvent):
        return f"unknown event {event.name} (written by a newer dealflow)"
    source = getattr(event, "imported", None)
    if source:
        return f"imported {_described(event)} from={source.get('file')}:{source.get('line')}"
    return _described(event)


def _described(event: Any) -> str:
    if isinstance(event, Revision):
        return _revision_line(event)
    if type(event).__name__ == "ActionRecorded":
        return _line(event.action, {**event.fields, "note": event.note})
    row = event_row(event)
    verb, keys = SUMMARIES.get(row["event"], (str(getattr(event, "trigger", None) or row["event"]), ()))
    fields = {key: row.get(key) for key in keys} if keys else {k: v for k, v in row.items() if k not in _COMMON}
    return _line(verb, fields)


def _revision_line(event: Revision) -> str:
    """A correction or void, its reason and what it changes: `correct: versions=23 reason=typo: 23 value=300000`."""
    verb, keys = SUMMARIES[type(event).__name__]
    said = []
    for version, change in sorted(event.changes.items(), key=lambda item: int(item[0])):
        if change.get(VOIDED):
            said.append(f"{version} no longer counts")
            continue
        flat = {**{k: v for k, v in change.items() if k != "fields"}, **(change.get("fields") or {})}
        said.append(f"{version} " + " ".join(f"{key}={_value(value)}" for key, value in flat.items()))
    line = _line(verb, {key: getattr(event, key) for key in keys})
    return f"{line}: {'; '.join(said)}" if said else line


def _line(verb: str, fields: dict[str, Any]) -> str:
    shown = [f"{key}={_value(value)}" for key, value in fields.items() if value is not None]
    return f"{verb}: {' '.join(shown)}" if shown else verb


def _value(value: Any) -> str:
    if isinstance(value, dict):
        value = ", ".join(f"{k}={v}" for k, v in value.items())
    elif isinstance(value, list | tuple):
        value = ",".join(map(str, value))
    shown = text(value)
    return f'"{shown}"' if " " in shown else shown


@click.command()
@click.argument("deal")
@click.option("--as-of", type=DATE, help="Only events effective on or before this date.")
@click.option("--version", type=click.IntRange(min=1), help="Only events up to this version.")
@known_at_option
@json_option
@wide_option
@pass_session
def history(
    session: Session, deal: str, as_of: date | None, version: int | None, known_at: datetime | None, as_json: bool
) -> None:
    """Replay a deal's events: when each happened and was recorded, who, what, and the state after it.

    A corrected or voided event is marked with the version that revised it. On PostgreSQL, an
    event written by a database role other than its actor names that role too (JSON: db_role). With --as-of
    (effective dates), --version or --known-at (recorded times: what the store said then, before
    later corrections), only the events up to then, followed by the deal as it stood then.

    \b
    Example:
      dealflow history D-0001
      dealflow history D-0001 --as-of 2026-03-31
      dealflow history D-0001 --known-at 2026-11-20T09:00
      dealflow history D-0001 --version 5 --json
    """
    if as_of is not None and version is not None:
        raise click.UsageError("give --as-of DATE or --version N, not both")
    if known_at is not None and version is not None:
        raise click.UsageError("give --known-at DATETIME or --version N, not both")
    app = session.app
    events = app.history(deal)
    then, when = None, ""
    if known_at is not None:
        events = revised.known_at(events, known_at)
        if not events:
            raise NotFound(f"deal {deal} was not yet recorded at {known_at:%Y-%m-%d %H:%M:%S} UTC")
        then, when = app.deal_known_at(deal, known_at), f"as known at {known_at:%Y-%m-%d %H:%M:%S} UTC"
    marks = revised.marks(events)
    if as_of is not None:
        then = app.deal_as_of(deal, as_of, known_at=known_at)
        when = f"on {as_of}" + (f", {when}" if when else "")
        events = [event for event in events if event.effective_on is None or event.effective_on <= as_of]
    elif version is not None:
        if version > events[-1].originator_version:
            raise NotFound(f"deal {deal} has versions 1 to {events[-1].originator_version}: give one of them")
        then, when = app.deal(deal, version=version), f"at version {version}"
        events = [event for event in events if event.originator_version <= version]
    roles = written_by(app, deal_uuid(deal))  # PostgreSQL's: none on SQLite
    if as_json:
        emit_json([history_row(event, marks, None if app.store.is_sqlite else roles) for event in events])
        return
    print_table(
        [
            _history_line(event, marks.get(event.originator_version, {}), roles.get(event.originator_version))
            for event in events
        ],
        HISTORY_COLUMNS,
    )
    if then is not None:
        click.echo(f"\nthe deal as it stood {when}:")
        print_fields(
            [
                ("stage", f"{then.stage or '-'} ({then.action or '-'})"),
                ("status", str(then.status)),
                ("value", _deal_value(then.value, then.currency)),
            ]
        )


def _history_line(event: Any, mark: dict[str, Any], role: str | None = None) -> dict[str, Any]:
    return {
        "version": event.originator_version,
        "recorded": event.timestamp.astimezone(UTC).isoformat(timespec="seconds") if event.timestamp else None,
        "effective": event.effective_on,
        "actor": event.actor if role is None or role == event.actor else f"{text(event.actor)} (db: {role})",
        "what": mark_text(mark) + describe(event),
        "after": event.state,
    }


@click.command()
@click.argument("deal", required=False)
@click.option("--all", "every_deal", is_flag=True, help="Audit every deal in the store.")
@json_option
@pass_session
def audit(session: Session, deal: str | None, every_deal: bool, as_json: bool) -> None:
    """Judge a deal's events by the method again, one by one; exit 1 if any broke it.

    Each event is put to the lifecycle machine from the deal as it stood before it, and its
    dates are checked. Imported events are reported as imported, not as violations.

    \b
    Example:
      dealflow audit D-0001
      dealflow audit --all --json
    """
    if (deal is None) == (not every_deal):
        raise click.UsageError("give a DEAL or --all (one of them)")
    app = session.app
    deal_ids = list(app.deal_ids()) if deal is None else [deal]
    audits = []
    for deal_id in deal_ids:
        events = app.history(deal_id)
        audits.append(audit_deal(events, app.settings))
        if not as_json:
            _print_deal_audit(audits[-1], events)
    _verdict(audits, as_json)


def _print_deal_audit(deal_audit: DealAudit, events: list[Any]) -> None:
    verdict = "follows the method" if deal_audit.passed else "BREAKS THE METHOD"
    if not deal_audit.complete:
        verdict += " as far as judged: it holds an event written by a newer dealflow"
    say(f"{deal_audit.deal_id}: {verdict}")
    marks = revised.marks(events)  # judged as recorded, and marked as `history` marks them
    for finding, event in zip(deal_audit.findings, events, strict=True):
        verdict = finding.verdict.upper() if finding.reasons else finding.verdict
        because = f": {'; '.join(finding.reasons)}" if finding.reasons else ""
        mark = mark_text(marks.get(finding.version, {}))
        what = cell(mark + describe(event))  # as `history` shows it: a 100 KB note is cut there too
        click.echo(f"  v{finding.version:<4} {finding.effective_on}  {what}  -> {verdict}{shown(because)}")


def _verdict(audits: list[DealAudit], as_json: bool) -> None:
    store = StoreAudit(tuple(audits))
    if as_json:
        emit_json(
            {
                "verdict": "fail" if not store.passed else "incomplete" if store.unjudged else "pass",
                "deals": len(store.deals),
                "events": store.count(),
                "violations": store.count(Verdict.VIOLATION),
                "imported": store.count(Verdict.IMPORTED),
                "not_judged": store.count(Verdict.NEWER),
                "audits": [
                    {"id": a.deal_id, "passed": a.passed, "findings": [asdict(f) for f in a.findings]}
                    for a in store.deals
                ],
            }
        )
    else:
        say(_verdict_line(store))
    if not store.passed or store.unjudged:  # an audit that could not judge every event is no pass
        raise click.exceptions.Exit(1)


def _verdict_line(store: StoreAudit) -> str:
    imported, newer = store.count(Verdict.IMPORTED), store.count(Verdict.NEWER)
    aside = f" ({imported} imported, not judged)" if imported else ""
    if newer:
        aside += (
            f" ({newer} event(s) of {', '.join(a.deal_id for a in store.unjudged)} not judged, written by or after"
            " an event of a newer dealflow: upgrade dealflow to audit them)"
        )
    if not store.deals:
        return "verdict: no deals to audit"
    if store.passed and newer:
        allowed = store.count(Verdict.ALLOWED)
        return f"verdict: INCOMPLETE: the method allowed the {allowed} events it judged{aside}"
    if store.passed:
        allowed = store.count(Verdict.ALLOWED)
        return f"verdict: PASS: the method allowed all {allowed} events of {len(store.deals)} deal(s){aside}"
    places = [f"{a.deal_id} v{f.version}" for a in store.failed for f in a.violations]
    where = ", ".join(places[:NAMED]) + (f" and {len(places) - NAMED} more" if len(places) > NAMED else "")
    return (
        f"verdict: FAIL: {store.count(Verdict.VIOLATION)} event(s) in {len(store.failed)} of {len(store.deals)}"
        f" deal(s) break the method: {where}{aside}"
    )


def _deal_value(value: Any, currency: str | None) -> str:
    """The deal's value as people read amounts: 412,500.00 GBP."""
    from dealflow.cli.layout import amount_shown

    return text(value) if value is None else f"{amount_shown(value, currency)} {currency or ''}".strip()
