"""The signals projection holds, for every deal, the items its exit signal misses as `show` lists them
(`signals.checklist` on the deal as the domain folds it), for any history, corrections and voids
included, caught up in any batches, on each store; and the agenda as of a past day folds them so too."""

from __future__ import annotations

import contextlib
import json
import random
from datetime import date, timedelta
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import Stores, examples_on
from dealflow.aggregates.errors import DealflowError
from dealflow.aggregates.signals import missing
from dealflow.application import DealflowApp
from dealflow.playbook import DEFAULTS, OPEN_STAGE_NAMES, STAGE_BY_NAME, Status
from dealflow.projections.runner import Projections
from dealflow.projections.tables import deal_signals, pipeline_deals
from dealflow.reports.agenda import EXIT_SIGNAL, agenda_report
from projection_steps import EXITS

ACTOR = "ana"
START = date.today() - timedelta(days=60)
CONTACTS = ("Luis Vega", "luis vega", "Mia Chen")
QUESTIONS = ("opportunity", "solution", "winnable", "worth")
TRUST = {"acquaint": "phone", "engage": "site-visit", "build-trust": "social", "ally": "firm-support"}
NEEDS = {
    "explore-goals": {"goals": "growth"},
    "diagnose-problem": {"obstacle": "manual scheduling"},
    "shape-solution": {"outline": "MES in two phases"},
    "set-criteria": {"criteria": ["uptime=99.9%"]},
}
KINDS = (
    "qualify", "qualify", "map", "map", "trust", "trust", "trust", "needs", "needs", "propose", "negotiate",
    "advance", "back", "lose", "reopen", "sign", "note", "correct", "correct", "void", "void",
    "progress", "progress", "progress", "progress", "progress",
)  # fmt: skip

steps = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 2), st.integers(0, 3), st.randoms()), min_size=6, max_size=30
)


class Book:
    """Steps played on one store: the method refuses what it forbids, and a refused step is skipped."""

    def __init__(self, app: DealflowApp) -> None:
        self.app = app
        self.deals: list[str] = []
        self.today = START

    def play(self, drawn: list[tuple[str, int, int, random.Random]]) -> None:
        for kind, which, forward, rng in drawn:
            self.today = min(self.today + timedelta(days=forward), date.today())
            if which >= len(self.deals):
                deal_id = f"D-{len(self.deals) + 1}"
                self.app.open_deal(account="Acme", title="MES", actor=ACTOR, deal_id=deal_id, on=self.today)
                self.deals.append(deal_id)
                continue
            with contextlib.suppress(DealflowError):
                getattr(self, "_" + kind)(self.deals[which], rng)

    def _act(self, deal_id: str, action: str, fields: dict[str, Any]) -> None:
        self.app.record(deal_id, action, fields, actor=ACTOR, on=self.today)

    def _qualify(self, deal_id: str, rng: random.Random) -> None:
        self._act(deal_id, "qualify", {q: rng.choice(("yes", "yes", "no")) for q in QUESTIONS})

    def _map(self, deal_id: str, rng: random.Random) -> None:
        fields = {"contact": rng.choice(CONTACTS), "roles": "decision-maker"}
        if rng.random() < 0.8:
            fields["level"] = rng.choice(("operation", "management", "decision", "decision"))
        self._act(deal_id, "map-stakeholder", fields)

    def _trust(self, deal_id: str, rng: random.Random) -> None:
        action = rng.choice(list(TRUST))
        self._act(deal_id, action, {"contact": rng.choice(CONTACTS), "activity": TRUST[action]})

    def _needs(self, deal_id: str, rng: random.Random) -> None:
        action = rng.choice(list(NEEDS))
        self._act(deal_id, action, NEEDS[action])

    def _propose(self, deal_id: str, rng: random.Random) -> None:
        self._act(deal_id, "submit-proposal", {"quotation": "1000", "currency": "EUR"})

    def _negotiate(self, deal_id: str, rng: random.Random) -> None:
        if rng.random() < 0.5:
            self.app.set_bottom_line(deal_id, "price", "90", actor=ACTOR, on=self.today)
        else:
            self._act(deal_id, "negotiate", {"step": rng.choice(("prepare", "deadlock", "agree"))})

    def _advance(self, deal_id: str, rng: random.Random) -> None:
        self.app.advance(deal_id, actor=ACTOR, evidence=rng.choice(("RFP-1", None)), on=self.today)

    def _progress(self, deal_id: str, rng: random.Random) -> None:
        """Up to four stages on: in each, most of what its exit signal needs (`projection_steps.EXITS`)
        and an advance, until one is refused."""
        for _ in range(rng.randrange(1, 5)):
            stage = self.app.deal(deal_id).stage
            if stage not in EXITS:
                return
            actions, evidence = EXITS[stage]
            for action, fields in actions:
                if rng.random() < 0.9:
                    proposal = {"quotation": "1000", "currency": "EUR"}
                    self._act(deal_id, action, proposal if action == "submit-proposal" else fields)
            self.app.advance(deal_id, actor=ACTOR, evidence=evidence, on=self.today)

    def _back(self, deal_id: str, rng: random.Random) -> None:
        stage = self.app.deal(deal_id).stage
        earlier = OPEN_STAGE_NAMES[: OPEN_STAGE_NAMES.index(stage)] if stage in OPEN_STAGE_NAMES else ()
        if earlier:
            self.app.back(deal_id, rng.choice(earlier), reason="champion left", actor=ACTOR, on=self.today)

    def _lose(self, deal_id: str, rng: random.Random) -> None:
        self.app.lose(deal_id, reason="price", actor=ACTOR, on=self.today)

    def _reopen(self, deal_id: str, rng: random.Random) -> None:
        self.app.reopen(deal_id, reason="budget back", actor=ACTOR, on=self.today)

    def _sign(self, deal_id: str, rng: random.Random) -> None:
        self.app.sign(deal_id, amount="1000", currency="EUR", actor=ACTOR, on=self.today)

    def _note(self, deal_id: str, rng: random.Random) -> None:
        self.app.note(deal_id, "called", actor=ACTOR, on=self.today)

    def _recorded(self, deal_id: str, rng: random.Random) -> Any:
        found = [event for event in self.app.history(deal_id)[1:] if type(event).__name__ == "ActionRecorded"]
        return rng.choice(found) if found else None

    def _correct(self, deal_id: str, rng: random.Random) -> None:
        event = self._recorded(deal_id, rng)
        if event is None:
            return
        if event.action == "qualify":
            change: dict[str, Any] = {rng.choice(QUESTIONS): rng.choice(("yes", "no"))}
        elif event.action == "map-stakeholder":
            change = {"level": rng.choice(("operation", "decision"))}
        elif event.action in TRUST:
            change = {"contact": rng.choice(CONTACTS)}
        else:
            return
        self.app.correct(deal_id, [event.originator_version], change, reason="typo", actor=ACTOR)

    def _void(self, deal_id: str, rng: random.Random) -> None:
        event = self._recorded(deal_id, rng)
        if event is not None:
            self.app.void(deal_id, [event.originator_version], reason="wrong deal", actor=ACTOR)


def _expected(deal: Any) -> list[str]:
    """What `show` lists for the deal: its stage's missing items; none unless it is open."""
    return missing(STAGE_BY_NAME[deal.stage], deal) if deal.status == Status.OPEN else []


def test_each_deals_projected_missing_items_equal_the_checklist_of_the_folded_deal(stores: Stores) -> None:
    @examples_on(stores)
    @given(steps, st.integers(0, 40), st.sampled_from((1, 4, 10_000)), st.integers(0, 60))
    def check(drawn: list, split: int, batch: int, back: int) -> None:
        with stores.fresh() as url:
            app = DealflowApp(url)
            try:
                book = Book(app)
                with Projections(app, batch_size=batch) as projections:
                    book.play(drawn[:split])
                    projections.catch_up()
                    book.play(drawn[split:])
                    projections.catch_up()
                    with projections.reading() as connection:
                        g, d = deal_signals.c, pipeline_deals.c
                        query = select(d.deal_id, g.missing, g.stage, g.deal_id, g.since, d.stage_since).join_from(
                            deal_signals, pipeline_deals, g.deal == d.deal
                        )
                        projected = {row[0]: row[1:] for row in connection.execute(query)}
                        for deal_id in book.deals:
                            deal = app.deal(deal_id)
                            stage = deal.stage if deal.status == Status.OPEN else None
                            event(f"{deal.status} {deal.stage}")
                            gaps, kept_stage, kept_id, since, stage_since = projected[deal_id]
                            assert (json.loads(gaps), kept_stage, kept_id) == (_expected(deal), stage, deal_id)
                            assert since == stage_since or stage is None, deal_id  # the pipeline's, while open
                        day = date.today() - timedelta(days=back)
                        _agenda_equals_the_deals_as_of(app, connection, projections, book.deals, day, latest=False)
                        _agenda_equals_the_deals_as_of(app, connection, projections, book.deals, date.today())
            finally:
                app.close()

    check()


def _agenda_equals_the_deals_as_of(
    app: DealflowApp, connection: Any, projections: Projections, deals: list[str], day: date, *, latest: bool = True
) -> None:
    """The agenda's exit-signal items, each deal's in the checklist's order, are those of each deal open
    at the end of `day` as the domain replays it; today from the projection, else folded again."""
    report = agenda_report(
        connection, as_of=day, settings=DEFAULTS, latest=latest, deal_history=projections.log.deal_events
    )
    listed: dict[str, list[str]] = {}
    for item in report.tables[0].rows:
        if item["kind"] == EXIT_SIGNAL:
            listed.setdefault(item["deal"], []).append(item["step"])
    expected = {}
    for deal_id in deals:
        with contextlib.suppress(DealflowError):  # not yet open that day
            gaps = _expected(app.deal_as_of(deal_id, day))
            if gaps:
                expected[deal_id] = gaps
    assert listed == expected, day
