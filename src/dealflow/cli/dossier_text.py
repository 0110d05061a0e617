"""A deal's dossier for people (`show`): sections of fields and tables, the seed's coaching beside the
contact or invoice it concerns, every cell shown safe and fitted to the terminal."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from typing import Any

import click

from dealflow.cli.output import CELL_COLUMNS, print_fields, print_table, room, say, text
from dealflow.cli.safe import ELLIPSIS, cut, display_width, shown

NAME_COLUMNS = 40  # a contact's or invoice's name where coaching names it
NAMES_COLUMNS = 160  # the contacts a piece of coaching concerns
PROSE = 100  # coaching and steps are wrapped at the terminal's width, or at this through a pipe
STEP_COLUMNS = 400  # a step of what comes next, wrapped: an invoice id of 100 KB must not fill the screen


def print_dossier(detail: dict[str, Any], *, historic: bool) -> None:
    currency = detail["currency"] or ""
    fields = [
        ("deal", f"{detail['id']}  {detail['title']}"),
        ("account", detail["account"]),
        ("owner", detail["owner"]),
        ("status", detail["status"]),
        ("stage", f"{detail['stage'] or '-'} ({detail['action'] or '-'})"),
        ("value", _money(detail["value"], currency)),
        ("close by", detail["close_by"]),
        ("version", detail["version"]),
        ("since", f"{detail['stage_since']}, {detail['days_in_stage']} days in {detail['stage'] or detail['status']}"),
    ]
    last = detail["last_activity"]
    if last:
        fields.append(("last activity", f"{last['on']} {last['what']} by {last['actor']}, {last['days_ago']} days ago"))
    if detail["signed_amount"] is not None:
        fields.append(("signed", f"{detail['signed_on']} for {_money(detail['signed_amount'], currency)}"))
    if detail["lost_reason"]:
        rival = f" to {detail['competitor']}" if detail["competitor"] else ""
        fields.append(("lost", f"{detail['lost_reason']} in {detail['lost_from']}{rival}"))
    if detail["referred_by"]:
        fields.append(("referred by", detail["referred_by"]))
    if detail["referrals"]:
        fields.append(("referrals", detail["referrals"]))
    if historic:
        fields.append(("as of", detail["as_of"]))
    _fields(fields)
    _exit_signal(detail["exit_signal"])
    _stakeholders(detail["stakeholders"])
    _qualification(detail["qualification"])
    _needs(detail["needs"])
    _proposal(detail["proposal"], currency)
    _negotiation(detail["negotiation"])
    _invoices(detail["invoices"], currency)
    steps = [step for step in detail["next"] if step not in detail["exit_signal"]["missing"]]  # listed above
    _section("next", steps)
    for step in steps:
        _lines(cut(shown(f"- {step}"), STEP_COLUMNS))
    click.echo()
    allowed = ", ".join(detail["allowed"]) or f"nothing: the deal is {detail['status']}"
    _lines(f"allowed next: {allowed}", first="", prose=False)


def _exit_signal(signal: dict[str, Any]) -> None:
    if signal["summary"]:
        click.echo()
        say(f"exit signal: {signal['summary']}: {'met' if signal['met'] else 'not met'}")
        for gap in signal["missing"]:
            _lines(cut(shown(f"- {gap}"), STEP_COLUMNS), prose=False)


def _stakeholders(people: list[dict[str, Any]]) -> None:
    if not _section("stakeholders", people):
        return
    rows = [
        {
            "contact": person["contact"],
            "level": person["level"],
            "function": person["function"],
            "roles": _guide(person) + person["roles"] or None,
            "relationship": person["relationship"],
            "style": person["style"],
        }
        for person in people
    ]
    print_table(rows, ("contact", "level", "function", "roles", "relationship", "style"))
    by_style: dict[str, list[dict[str, Any]]] = {}
    by_level: dict[str, list[dict[str, Any]]] = {}
    for person in people:  # each piece of advice once, naming the contacts it concerns
        by_style.setdefault(person["style"] or "", []).append(person)
        if person["coaching"]["next_level"]:
            by_level.setdefault(person["coaching"]["next_level"], []).append(person)
    for style, alike in by_style.items():
        coaching = alike[0]["coaching"]
        said = f"{style} [{coaching['style_seed']}]" if style else "style unknown"
        _lines(f"{_names(alike)}, {said}: {coaching['style']}")
    for level, alike in by_level.items():
        coaching = alike[0]["coaching"]
        _lines(f"{_names(alike)}, next level {level} [{coaching['next_level_seed']}]: {coaching['next_level_marks']}")


def _guide(person: dict[str, Any]) -> list[str]:
    if not person["guide"]:
        return []
    return [f"guide ({person['position']})" if person["position"] else "guide"]


def _qualification(qualification: dict[str, Any]) -> None:
    if not _section("qualification", qualification["answered_on"]):
        return
    answers = [(qualification["questions"][name], answer) for name, answer in qualification["answers"].items()]
    _fields([*answers, ("answered on", qualification["answered_on"])])


def _needs(needs: dict[str, Any]) -> None:
    recorded = needs["goals"] or needs["obstacles"] or needs["solution"] or needs["criteria"] or needs["buying_stage"]
    if not _section("needs", recorded):
        return
    fields: list[tuple[str, Any]] = [("goals", needs["goals"] or None)]
    if needs["goals_summary"]:
        fields.append(("in their words", needs["goals_summary"]))
    for found in needs["obstacles"]:
        fields.append(("obstacle", found["obstacle"] + (f" (impact: {found['impact']})" if found["impact"] else "")))
    solution = needs["solution"] or {}
    fields += [
        ("solution", solution.get("outline")),
        ("products", solution.get("products")),
        ("timing", solution.get("timing")),
        ("criteria", needs["criteria"] or None),
        ("buying stage", needs["buying_stage"]),
    ]
    _fields(fields)


def _proposal(proposal: dict[str, Any] | None, currency: str) -> None:
    if not _section("proposal", proposal):
        return
    assert proposal is not None
    quoted = f"{_money(proposal['quotation'], proposal['currency'] or currency)} on {proposal['submitted_on']}"
    fields = [("quotation", quoted + (f" (latest of {proposal['proposals']})" if proposal["proposals"] > 1 else ""))]
    fields += [(part, proposal[part]) for part in ("background", "challenges", "solution", "credentials")]
    if proposal["missing_parts"]:
        fields.append(("missing parts", proposal["missing_parts"]))
    _fields(fields)
    if proposal["missing_parts"]:
        _lines("a large purchase's proposal has all five parts: `act submit-proposal --help` says what each holds")


def _negotiation(negotiation: dict[str, Any]) -> None:
    if not _section("negotiation", negotiation["terms"] or negotiation["last_step"]):
        return
    say(f"last step {negotiation['last_step'] or '-'}, {negotiation['deadlocks']} deadlock(s)")
    if negotiation["terms"]:
        columns = (
            "term",
            "bottom_line",
            "ours",
            "theirs",
            "rounds",
            "given",
            "received",
            "widened",
            "past_bottom_line",
        )
        print_table(negotiation["terms"], columns)


def _invoices(invoices: list[dict[str, Any]], currency: str) -> None:
    if not _section(f"invoices ({currency})" if currency and invoices else "invoices", invoices):
        return
    rows = [
        {**row, "currency": currency, "cause": None if row["last_chase"] is None else row["last_chase"]["cause"]}
        for row in invoices
    ]  # the currency is no column: it gives the amounts' decimals

    def held(column: str) -> tuple[str, ...]:  # a column only where an invoice has one: 80 columns fit
        return (column,) if any(row[column] for row in rows) else ()

    columns = ("invoice", "amount", "paid", *held("written_off"), "balance", "due", *held("days_overdue"))
    print_table(rows, (*columns, *held("cause")))
    by_cause: dict[str, list[dict[str, Any]]] = {}
    for row in invoices:  # the remedy for each cause once, naming the open invoices it concerns
        if row["remedy"] and row["balance"] > 0:
            by_cause.setdefault(row["last_chase"]["cause"], []).append(row)
    for cause, alike in by_cause.items():
        named = cut(", ".join(_name(row["invoice"]) for row in alike), NAMES_COLUMNS)
        _lines(f"{named}, {cause} [{alike[0]['remedy_seed']}]: {alike[0]['remedy']}")


# --- layout: every value shown safe, and fitted to the terminal unless --wide -------------------


def _section(title: str, content: object) -> bool:
    """A blank line and the section's title; "none" on the title's line when it has no content."""
    click.echo()
    click.echo(f"{title}:" if content else f"{title}: none")
    return bool(content)


def _fields(pairs: list[tuple[str, Any]]) -> None:
    """`print_fields`, which fits values to the terminal, with text cut to CELL_COLUMNS first even then:
    a value of 100 KB must not fill the screen through a pipe, nor with --wide."""
    print_fields([(key, value if isinstance(value, int | Decimal) else _cut(text(value))) for key, value in pairs])


def _cut(whole: str) -> str:
    """`whole` cut, before it is shown safe, so that it shows in at most CELL_COLUMNS columns."""
    if display_width(shown(whole)) <= CELL_COLUMNS:
        return whole
    kept = whole[:CELL_COLUMNS]
    while kept and display_width(shown(kept)) > CELL_COLUMNS - 1:
        kept = kept[:-1]
    return kept + ELLIPSIS


def _lines(line: str, first: str = "  ", prose: bool = True) -> None:
    """A line already shown safe, indented and wrapped to the terminal; through a pipe, coaching (`prose`)
    at PROSE, and the lines `show` printed before it had coaching not at all, as scripts read them."""
    width = room() or (PROSE if prose else len(line) + len(first))
    wrapper = textwrap.TextWrapper(width, first, first + "  ", break_on_hyphens=False)
    for wrapped in wrapper.wrap(line):
        click.echo(wrapped)


def _name(value: str) -> str:
    return cut(shown(value), NAME_COLUMNS)


def _names(people: list[dict[str, Any]]) -> str:
    return cut(", ".join(_name(person["contact"]) for person in people), NAMES_COLUMNS)


def _money(amount: Decimal | None, currency: str | None) -> str | None:
    """An amount as tables show it (412,500.00 GBP), with its currency."""
    if amount is None:
        return None
    from dealflow.cli.layout import amount_shown

    return f"{amount_shown(amount, currency)} {currency or ''}".rstrip()
