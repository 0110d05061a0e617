"""`correct` and `void`: a recorded event revised by a new event, never edited; the method judges
the history the revision leaves (`aggregates/correcting.py`), and the answer shows every stored fact
the revision changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import click

from dealflow.aggregates.registry import BY_KIND
from dealflow.aggregates.revised import VOIDED
from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import json_option, text
from dealflow.cli.recording import Recorded, recording
from dealflow.playbook import ACTIONS, Kind

EXAMPLES = """\b
Example:
  dealflow correct D-0001 4 7 8 9 --contact "Luis Ortega" --reason "misspelt the name"
  dealflow correct D-0001 23 --amount 62000 --reason "typed 6200"
  dealflow correct D-0001 1 --account "Acme Industrial GmbH" --reason "the customer's legal name"
  dealflow void D-0001 33 --reason "the payment belongs to invoice INV-7"
"""
MANY = (Kind.CHOICES, Kind.LIST, Kind.PAIRS)
# The values of the commands that record what `correct` corrects; an action's fields come after these.
OWN = {
    "account": "The deal's account, as opened.",
    "title": "The deal's title, as opened.",
    "text": "A note's text.",
    "note": "An action's note.",
    "value": "The value a deal was opened with, a bottom line's or a forecast's.",
    "currency": "The currency a deal was opened with, a forecast's (or a proposal's).",
    "close_by": "The close date a deal was opened with, or a forecast's (YYYY-MM-DD).",
    "amount": "An invoice's or a payment's amount (or an upsell's).",
    "issued": "An invoice's issue date (YYYY-MM-DD).",
    "due": "An invoice's due date (YYYY-MM-DD).",
    "from": "A concession's position before.",
    "to": "A concession's position after.",
    "override": "Why a concession went past the bottom line.",
}


def _action_fields() -> dict[str, bool]:
    """Every action field's name, and whether it takes several values."""
    fields: dict[str, bool] = {}
    for action in ACTIONS.values():
        for field in action.fields:
            fields[field.name] = fields.get(field.name, False) or field.kind in MANY
    return {name: many for name, many in fields.items() if name not in OWN}


def _choices(name: str) -> bool:
    return any(field.name == name and field.kind is Kind.CHOICES for a in ACTIONS.values() for field in a.fields)


def _options(command: click.Command) -> click.Command:
    own = [click.Option([option_name_of(name), name], metavar="VALUE", help=help) for name, help in OWN.items()]
    fields = [
        click.Option([option_name_of(name), name], metavar="VALUE", multiple=many, help="An action's field.")
        for name, many in _action_fields().items()
    ]
    command.params[:0] = [*own, *fields]
    return command


def option_name_of(name: str) -> str:
    return "--" + name.replace("_", "-")


def _given(values: Mapping[str, Any], on: date | None) -> dict[str, object]:
    given: dict[str, object] = {}
    for name, value in values.items():
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            value = [part for item in value for part in item.split(",")] if _choices(name) else list(value)
        given[name] = value
    if on is not None:
        given["on"] = on
    return given


@click.command(epilog=EXAMPLES)
@click.argument("deal")
@click.argument("versions", metavar="VERSION...", nargs=-1, required=True, type=click.IntRange(min=1))
@click.option("--reason", metavar="TEXT", help="Why the record was wrong (required).")
@recording
def correct(session: Session, deal: str, versions: tuple[int, ...], reason: str | None, on: date | None,
            **values: Any) -> Recorded:  # fmt: skip
    """Correct what an event recorded: a deal's opening, an action, note, concession, bottom line,
    invoice, payment, chase or forecast, with the options of the command that recorded it (--on for
    its date).

    The correction is a new event: the original stays in the history, marked. It is accepted only if
    the deal's whole history, replayed with it, still follows the method; otherwise the refusal names
    the later event that depends on the old fact (correct both at once: give both versions). Stage
    moves are undone by their own commands (back, reopen, lose), not corrected.
    """
    revision = session.app.correct(deal, versions, _given(values, on), reason=reason or "", actor=session.actor)
    return revised(revision, "corrected")


_options(correct)


@click.command(epilog=EXAMPLES)
@click.argument("deal")
@click.argument("versions", metavar="VERSION...", nargs=-1, required=True, type=click.IntRange(min=1))
@click.option("--reason", metavar="TEXT", help="Why the events should not count (required).")
@json_option
@pass_session
def void(session: Session, deal: str, versions: tuple[int, ...], reason: str | None, as_json: bool) -> None:
    """Void recorded events: a payment on the wrong invoice, an action on the wrong deal. They stay in
    the history, marked, and no longer count, if the deal's history without them still follows the method.
    A void has no date of its own: the events it voids never counted.
    """
    revision = session.app.void(deal, versions, reason=reason or "", actor=session.actor)
    revised(revision, "voided").show(as_json)


def changes(revision: Any) -> list[dict[str, Any]]:
    """Each stored fact the revision changes: version, event, field, before and after (actions' fields by name)."""
    rows = []
    for version, fields in sorted(revision.event.changes.items(), key=lambda item: int(item[0])):
        before = revision.before.get(int(version))
        for name, after in fields.items():
            was = getattr(before, name, None) if before is not None else None
            if isinstance(after, dict) and isinstance(was, dict):
                rows += [
                    _change(int(version), before, f"{name}.{key}", was.get(key), after.get(key))
                    for key in sorted({*after, *was})
                    if after.get(key) != was.get(key)
                ]
            else:
                rows.append(_change(int(version), before, name, was, after))
    return rows


def _change(version: int, event: Any, field: str, before: Any, after: Any) -> dict[str, Any]:
    kind = type(event).__name__
    return {"version": version, "event": kind, "field": field, "before": before, "after": after}


def _line(row: dict[str, Any], event: Any) -> str:
    kind = row["event"]
    what = event.action if kind == "ActionRecorded" else BY_KIND[kind].verb if kind in BY_KIND else kind
    if row["field"] == VOIDED:  # a close its revised payments no longer make
        return f"  version {row['version']} {what}: no longer counts"
    return f"  version {row['version']} {what}: {row['field']} {_shown(row['before'])} -> {_shown(row['after'])}"


def revised(revision: Any, done: str) -> Recorded:
    event, deal = revision.event, revision.deal
    listed = ", ".join(map(str, event.versions))
    rows = changes(revision)
    lines = [f"{deal.deal_id}: {done} version{'s' if len(event.versions) > 1 else ''} {listed} "
             f"(version {event.originator_version}; the original{'s stay' if len(event.versions) > 1 else ' stays'} "
             "in the history)"]  # fmt: skip
    lines += [_line(row, revision.before.get(row["version"])) for row in rows]

    def summary() -> Mapping[str, Any]:
        from dealflow.exports.json_writer import plain
        from dealflow.views import deal_summary

        return {
            "id": deal.deal_id,
            "version": event.originator_version,
            "revision": type(event).__name__,
            "versions": list(event.versions),
            "reason": event.reason,
            "changes": plain(rows),
            "deal": deal_summary(deal),
        }

    return Recorded(summary, tuple(lines))


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ",".join(text(item) for item in value)
    return text(value)
