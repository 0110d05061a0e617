"""A Salesforce-style CRM export of any size, three events a row once imported with `OPTIONS`: the
benchmark's file (bench/bench_import.py) and the fault tests' (tests/e2e/test_faults.py)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from random import Random

EVENTS_A_ROW = 3  # each row opens its deal, enters its proposal stage, then is won, lost or negotiated
OPTIONS = (
    "--stage-map", "Negotiation/Review=commitment",
    "--stage-date", "value=Proposal Date",
    "--stage-date", "commitment=Negotiation Date",
)  # fmt: skip


def crm_export(path: Path, deals: int) -> None:
    """A Salesforce-style export: half won, a quarter lost, a quarter open in negotiation, each with
    the dates that make three events (opened, proposal, then won, lost or negotiation)."""
    rnd = Random(6)
    with path.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(["Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Amount",
                       "Currency", "Stage", "Created Date", "Proposal Date", "Negotiation Date", "Close Date",
                       "Loss Reason"])  # fmt: skip
        for n in range(deals):
            opened = date(2023, 1, 1) + timedelta(days=rnd.randrange(600))
            proposal = opened + timedelta(days=rnd.randrange(1, 60))
            negotiation = proposal + timedelta(days=rnd.randrange(1, 60))
            close = negotiation + timedelta(days=rnd.randrange(1, 60))
            kind = n % 4
            rows.writerow([
                f"006{n:012d}", f"Opportunity {n} for expansion", f"Account {rnd.randrange(5000)} GmbH",
                rnd.choice(["ana", "ben", "carl", "dee"]), f"{rnd.randrange(1000, 500000):,}.00", "EUR",
                ("Closed Won", "Closed Won", "Closed Lost", "Negotiation/Review")[kind], opened, proposal,
                negotiation if kind == 3 else "", close, "Price" if kind == 2 else "",
            ])  # fmt: skip
