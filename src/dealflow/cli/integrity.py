"""`dealflow verify` and `dealflow checkpoint`: proving that the history was not rewritten."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import emit_json, json_option, print_table, say, wide_option


@click.command()
@click.argument("deal", required=False)
@click.option("--all", "every_event", is_flag=True, help="Every event of the store (the default without DEAL).")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also prove the log still holds, unchanged, every event this checkpoint covered.",
)
@json_option
@wide_option
@pass_session
def verify(session: Session, deal: str | None, every_event: bool, checkpoint_file: Path | None, as_json: bool) -> None:
    """Recompute every event's seal; exit 1 naming each deal and version where the trail breaks.

    Each event is sealed when it is recorded: a hash over what the store holds of it, chained
    to the deal's previous event. A changed, missing, reordered or inserted event breaks the
    chain. With --checkpoint, the log's first events must hash to the checkpoint's root (RFC 9162
    Merkle tree), which also shows a log cut short. See README, "Proving the history".

    \b
    Example:
      dealflow verify
      dealflow verify D-0003
      dealflow verify --checkpoint checkpoint-2026-12.json
    """
    from dealflow.aggregates.errors import NotFound
    from dealflow.aggregates.ids import check_deal_id, deal_uuid
    from dealflow.storage import checkpoint
    from dealflow.storage import verify as proving

    if deal is not None and every_event:
        raise click.UsageError("give a DEAL or --all, not both")
    if deal is not None and checkpoint_file is not None:
        raise click.UsageError("--checkpoint covers the whole log: leave DEAL out")
    kept = checkpoint.read(checkpoint_file) if checkpoint_file is not None else None
    originator = None if deal is None else deal_uuid(check_deal_id(deal))
    found = proving.verify(session.app, originator=originator, prefix=kept.events if kept else None)
    if originator is not None and not found.events and not found.breaks:
        raise NotFound(f"no deal {deal!r} in this store: `dealflow deals` lists the deals")
    names = _names(session.app, {b.key for b in found.breaks})
    against = _against(found, kept) if kept is not None else None
    if as_json:
        emit_json(_as_json(found, names, kept, against))
    else:
        _print(found, names, kept, checkpoint_file, against)
    if found.breaks or against:
        raise click.exceptions.Exit(1)


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help="Write it here.")
@pass_session
def checkpoint(session: Session, output: Path | None) -> None:
    """Write a small statement of the log as it stands, to keep somewhere else.

    It holds the number of events, the Merkle root over their seals (RFC 9162) and the store's
    format. Keep it where the store's users cannot change it (mail it, commit it, print it):
    `dealflow verify --checkpoint FILE` proves later that the log still holds every event it
    covered, unchanged. The log must verify first.

    \b
    Example:
      dealflow checkpoint -o checkpoint-2026-12.json
    """
    from dealflow.aggregates.errors import Refused
    from dealflow.cli.output import text
    from dealflow.exports.files import refuse_store
    from dealflow.storage import storeformat
    from dealflow.storage import verify as proving
    from dealflow.storage.checkpoint import Checkpoint

    app = session.app
    app.check_writable()  # a store written before seals is sealed now, once
    found = proving.verify(app, root=True)
    if found.breaks:
        first = found.breaks[0]
        where = _names(app, {first.key})[first.key]
        raise Refused(
            f"the log does not verify ({len(found.breaks)} break(s), the first: {where} version {first.version}, "
            f"{first.problem}): run `dealflow verify` and resolve them before a checkpoint"
        )
    assert found.root is not None  # asked for
    statement = Checkpoint.now(found.events, found.root, found.last_position, storeformat.FORMAT).statement()
    if output is None:
        emit_json(statement)
        return
    refuse_store(output, session.store, given=output, option="--output")
    import json

    output.write_text(json.dumps(statement, indent=2) + "\n", encoding="utf-8")
    say(f"checkpoint of {text(found.events)} events written to {output}")
    say(f"root {found.root.hex()}")
    say("keep it where the store's users cannot change it")


def _against(found: Any, kept: Any) -> str | None:
    """Why the log no longer holds what the checkpoint covered; None when it does."""
    if found.events < kept.events:
        return (
            f"the log is cut short: it holds {found.events:,} events (to position {found.last_position:,}), the "
            f"checkpoint covered {kept.events:,} (to position {kept.last_position:,})"
        )
    if found.prefix_root != kept.root and kept.events:
        return (
            f"the log's first {kept.events:,} events are not those the checkpoint covered: one of them was "
            "changed, added, removed or moved"
        )
    return None


def _names(app: Any, keys: set[str]) -> dict[str, str]:
    """What each aggregate with a break is: its deal's id, or the store-wide record it is."""
    from dealflow.storage import stored

    names = {}
    for key in keys:
        try:
            first = stored.first_events(app, [UUID(key)]).get(UUID(key))
        except Exception:  # its first event is what was changed: it may not even decode
            first = None
        names[key] = _name(first) if first is not None else f"aggregate {key[:12]}"
    return names


def _name(event: Any) -> str:
    deal_id = getattr(event, "deal_id", None)
    if isinstance(deal_id, str):
        return deal_id
    kind = type(event).__qualname__.split(".")[0]
    if kind == "InvoiceNumber":
        return f"the claim of invoice {getattr(event, 'invoice', '?')}"
    return {"Settings": "the settings", "DealNumbers": "the deal numbers"}.get(kind, kind)


BREAK = ("deal", "version", "position", "problem", "detail")


def _break(found: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    """Each break as a row: the deal (or store record) by name, where, and what and how."""
    return [
        dict(zip(BREAK, (names[b.key], b.version, b.position, b.problem, b.detail), strict=True)) for b in found.breaks
    ]


def _print(found: Any, names: dict[str, str], kept: Any, file: Path | None, against: str | None) -> None:
    if found.breaks:
        rows = _break(found, names)
        for row in rows:
            row["position"] = "gone" if row["position"] is None else f"{row['position']:,}"
        print_table(rows, BREAK)
        deals = sorted({names[b.key] for b in found.breaks})
        say(f"verify: FAIL: {len(found.breaks)} break(s) in the trail of {', '.join(deals)}")
    else:
        say(f"verify: every seal holds: {found.events:,} events in {found.aggregates:,} chains")
    if found.on_upgrade:
        say(f"{found.on_upgrade:,} events written before seals were sealed on upgrade")
    if found.recorded_from is not None:
        say(f"sealed when recorded from position {found.recorded_from:,} on")
    if found.root is not None:
        say(f"root {found.root.hex()}")
    if kept is not None:
        if against:
            say(f"checkpoint {file}: FAIL: {against}")
        else:
            say(f"checkpoint {file}: the log still holds its {kept.events:,} events unchanged")


def _as_json(found: Any, names: dict[str, str], kept: Any, against: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "verdict": "fail" if found.breaks or against else "pass",
        "events": found.events,
        "aggregates": found.aggregates,
        "root": None if found.root is None else found.root.hex(),  # computed with --checkpoint
        "sealed_on_upgrade": found.on_upgrade,
        "sealed_when_recorded_from": found.recorded_from,
        "breaks": _break(found, names),
    }
    if kept is not None:
        data["checkpoint"] = {"events": kept.events, "root": kept.root.hex(), "holds": against is None, "why": against}
    return data
