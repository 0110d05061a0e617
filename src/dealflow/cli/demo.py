"""`dealflow demo`: seed a realistic book into a new store, then show where to look."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import click

from dealflow.aggregates.errors import Refused
from dealflow.cli.context import Session, pass_session
from dealflow.cli.output import say
from dealflow.cli.progress import progress
from dealflow.storage.store import mask

PROGRAM = "dealflow"

# What to try next: (command after `dealflow`, the story whose deal it names or None, what it shows)
TOUR = (
    ("agenda", None, "what the method asks next across the book, most urgent first"),
    ("deals", None, "the whole book"),
    ("deals --stage commitment", None, "the deals being negotiated"),
    ("show {}", "concessions", "a negotiation's dossier: its people, bottom lines, concessions, what comes next"),
    ("history {}", "concessions", "every event with when it happened and when it was recorded"),
    ("history {} --as-of {}", "reopened", "a reopened deal as it stood the day it was lost"),
    ("show {}", "overdue", "a won deal with an overdue invoice"),
    ("audit --all", None, "replay every deal through the method"),
    ("pipeline", None, "the pipeline per stage and currency, won and lost, days in stage"),
    ("movement", None, "why the pipeline changed this quarter: created, won, lost, every change"),
    ("forecast --accuracy", None, "the forecast by quarter, and how past quarters' forecasts turned out"),
    ("concessions {}", "concessions", "that negotiation's concessions, flagged where they widened"),
    ("ageing --by customer", None, "open receivables by days past due, with the collection step to take"),
    ("export workbook -o book.xlsx", None, "every report in one spreadsheet"),
    ("export report -o report.html", None, "the charts on one page that opens in any browser"),
    ("diagram", None, "the method's lifecycle as a Mermaid diagram"),
    ("act --help", None, "the 24 actions, stage by stage"),
)


@click.command()
@pass_session
def demo(session: Session) -> None:
    """Seed a realistic demo book of deals into a new store, then suggest what to try.

    Over 30 deals in every stage, won, lost and closed, with concessions and invoices,
    recorded through the same commands as the CLI. The store must have no deals yet.

    \b
    Example:
      dealflow --db demo.db demo
      dealflow --db demo.db deals --stage commitment
    """
    from dealflow.aggregates.events import Lost
    from dealflow.demo.book import Book

    app = session.app
    if next(iter(app.deal_ids()), None) is not None:
        raise Refused("this store already has deals: seed the demo into a new one, e.g. `dealflow --db demo.db demo`")
    book = Book(app)
    with progress("seeding the demo book", len(book.plans), item_shown=_story) as advance:
        for plan in book.plans:
            book.seed(plan)
            if advance:
                advance(1, plan)
    deals = sum(1 for _ in app.deal_ids())
    say(f"seeded {deals} deals ({app.event_count()} events) into {app.store.display}")  # a path may hold anything
    click.echo("\ntry next:")
    prefix = " ".join([_program(), *(["--db", shlex.quote(mask(session.db))] if session.db else [])])
    lost_on = next(event.effective_on for event in app.history(book.highlights["reopened"]) if isinstance(event, Lost))
    tour = [
        (f"{prefix} {command.format(book.highlights.get(story or '', ''), lost_on)}", why)
        for command, story, why in TOUR
    ]
    width = max(len(line) for line, _ in tour)
    for line, why in tour:
        say(f"  {line:<{width}}  {why}")


def _program() -> str:
    """This dealflow as it runs from here: `dealflow` when the PATH finds it, else its path (after
    `make demo`, `.venv/bin/dealflow`), so that every command of the tour runs as printed."""
    script = Path(sys.argv[0])
    on_path = shutil.which(PROGRAM)
    if script.stem != PROGRAM or (on_path is not None and Path(on_path).resolve() == script.resolve()):
        return PROGRAM  # not the console script (`python -m dealflow`, tests), or the one the PATH finds
    path = os.path.abspath(script)
    here = os.path.relpath(path)
    outside = here == os.pardir or here.startswith(os.pardir + os.sep)
    return shlex.quote(path if outside else here)


def _story(plan: object) -> str | None:
    return getattr(plan, "story", None)
