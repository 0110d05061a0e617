"""Issue 15: `dealflow show DEAL`, the deal's dossier, as a user runs it (the console script in a
subprocess), on a SQLite book of 100,000 deals: one deal of 500 events recorded through the
application (its whole method, 60 concessions, notes, invoices, payments and chases), and one of the
book's own deals, as text and as --json, beside `dealflow pipeline --json`, interleaved so that all
see the same machine load. Medians of RUNS each. Target: at most 0.5 s, the budget of `pipeline`.

The dossier reads the deal's whole history (what the state does not keep: styles, needs, the
proposal, chases), so its cost grows with the deal's events, not with the book."""

from __future__ import annotations

import statistics
import subprocess
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from common import bulk_store, executable, installed_env

DEALS = 100_000
EVENTS = 500
RUNS = 7
BIG = "BENCH-500"
ACTOR = "bench"
YES = {"opportunity": "yes", "solution": "yes", "winnable": "yes", "worth": "yes"}
STYLES = ("analytical", "amiable", "expressive", "driver")


def _seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def big_deal(store: Path) -> tuple[str, int]:
    """A deal of EVENTS events through the application, as a long negotiation leaves one; and the id of
    one of the book's own deals."""
    from dealflow.application import DealflowApp

    app = DealflowApp(str(store))
    try:
        app.open_deal(account="Bench Corp", title="A long negotiation", actor=ACTOR, deal_id=BIG, value="900000",
                      currency="EUR")  # fmt: skip
        contacts = [f"Contact {n:02}" for n in range(12)]
        for n, contact in enumerate(contacts):
            level = ("operation", "management", "decision")[n % 3]
            app.record(BIG, "map-stakeholder", {"contact": contact, "level": level, "roles": "evaluator"}, actor=ACTOR)
            app.record(BIG, "collect-info", {"category": "business", "summary": f"what {contact} told us"}, actor=ACTOR)
        app.record(BIG, "develop-guide", {"contact": "Guide", "position": "IT manager"}, actor=ACTOR)
        app.record(BIG, "qualify", YES, actor=ACTOR)
        app.advance(BIG, actor=ACTOR)
        for n, contact in enumerate(contacts):
            for level, activity in (("acquaint", "phone"), ("engage", "site-visit"), ("build-trust", "social")):
                app.record(BIG, level, {"contact": contact, "activity": activity, "style": STYLES[n % 4]}, actor=ACTOR)
        app.record(BIG, "ally", {"contact": contacts[2], "activity": "firm-support"}, actor=ACTOR)
        app.advance(BIG, actor=ACTOR)
        for n in range(5):
            app.record(BIG, "explore-goals", {"goals": "growth", "summary": f"goal {n}"}, actor=ACTOR)
            app.record(BIG, "diagnose-problem", {"obstacle": f"obstacle {n}", "impact": "days lost"}, actor=ACTOR)
            app.record(BIG, "shape-solution", {"outline": f"outline {n}", "products": ["erp", "mes"]}, actor=ACTOR)
            app.record(BIG, "set-criteria", {"criteria": [f"c{n}=yes"], "buying_stage": "evaluation"}, actor=ACTOR)
        app.advance(BIG, actor=ACTOR, evidence="RFP 1")
        for n in range(5):
            app.record(BIG, "submit-proposal", {"quotation": "900000", "background": f"v{n}"}, actor=ACTOR)
        app.advance(BIG, actor=ACTOR, evidence="kick-off")
        for term in ("price", "delivery"):
            app.set_bottom_line(BIG, term, "500000" if term == "price" else "10", actor=ACTOR)
        ours, theirs = Decimal(900000), Decimal(400000)
        for n in range(30):  # shrinking concessions on price, both sides
            app.concede(BIG, actor=ACTOR, term="price", by="us", before=ours, after=ours - (3000 - 50 * n))
            ours -= 3000 - 50 * n
            app.concede(BIG, actor=ACTOR, term="price", by="customer", before=theirs, after=theirs + 2000)
            theirs += 2000
            app.record(BIG, "negotiate", {"step": "deadlock" if n % 10 == 9 else "exchange"}, actor=ACTOR)
        app.sign(BIG, amount=ours, actor=ACTOR, terms="30 days net")
        for n in range(4):
            invoice = f"BENCH-INV-{n}"
            app.invoice(BIG, invoice, amount=ours / 8, due=date.today() + timedelta(days=30 * (n + 1)), actor=ACTOR)
            app.pay(invoice, amount=ours / 40, actor=ACTOR)
            app.chase(invoice, cause=("unwilling", "our-fault")[n % 2], method="a call", actor=ACTOR)
        while app.deal(BIG).version < EVENTS:
            app.note(BIG, "called the customer: the steering committee meets on Thursday", actor=ACTOR)
        return BIG, next(iter(app.deal_ids()))
    finally:
        app.close()


def run() -> dict[str, object]:
    store, events, generated = bulk_store("book.db", DEALS)
    started = time.perf_counter()
    big, small = big_deal(store)
    recorded = time.perf_counter() - started
    env = installed_env(DEALFLOW_DB=str(store), DEALFLOW_ACTOR=ACTOR)
    dealflow = executable("dealflow")
    _seconds([dealflow, "projections", "rebuild"], env)
    commands = {
        "show_500": [dealflow, "show", big],
        "show_500_json": [dealflow, "show", big, "--json"],
        "show_small": [dealflow, "show", small],
        "show_small_json": [dealflow, "show", small, "--json"],
        "pipeline_json": [dealflow, "pipeline", "--json"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(RUNS):  # interleaved: every command sees the same machine load
        for name, argv in commands.items():
            times[name].append(_seconds(argv, env))
    medians = {name: round(statistics.median(found) * 1000, 1) for name, found in times.items()}
    return {
        "deals": DEALS + 1,
        "events": events + EVENTS,
        "store_generation_seconds": round(generated, 1),
        "deal_of_500_events_recording_seconds": round(recorded, 1),
        "runs": RUNS,
        **{f"{name}_median_ms": median for name, median in medians.items()},
        "target_ms": 500,
    }
