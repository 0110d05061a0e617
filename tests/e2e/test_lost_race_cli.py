"""A lost race is dealflow's to retry, not the user's: a command whose save loses to another writer is
judged again on the deal as it now stands and saved; the user hears of it only when the fresh deal
refuses the command (that refusal, exit 1) or every attempt was lost (run it again, exit 1), and then
nothing of the command is written. The race is made deterministic: another writer, on the same store
through an application of their own, writes just before the CLI's next saves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import Dealflow
from dealbook import advance_in_app
from dealflow.aggregates.events import NoteAdded
from dealflow.application import RACE_ATTEMPTS, DealflowApp
from dealflow.playbook import STAGE_NAMES

LOST_RACE = "this deal was changed by someone else while you were recording: run the command again"


class Rival:
    """Another writer who writes, through an application of their own, just before each of the next
    `rounds` saves of any other application in this process (the CLI's): a race lost `rounds` times."""

    def __init__(self, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = DealflowApp(url)
        self.write: Callable[[DealflowApp], Any] = lambda app: None
        self.rounds = 0
        saving = DealflowApp.save

        def save(app: DealflowApp, *objs: Any, **kwargs: Any) -> Any:
            if app is not self.app and self.rounds:
                self.rounds -= 1
                self.write(self.app)
            return saving(app, *objs, **kwargs)

        monkeypatch.setattr(DealflowApp, "save", save)

    def before_next_saves(self, write: Callable[[DealflowApp], Any], rounds: int = 1) -> None:
        self.write, self.rounds = write, rounds


@pytest.fixture
def rival(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rival]:
    writer = Rival(store_url, monkeypatch)
    yield writer
    writer.app.close()


@pytest.fixture
def deal(dealflow: Dealflow) -> str:
    opened = dealflow("open", "Acme Corp", "--title", "ERP rollout", "--id", "ACME-1")
    assert opened.exit_code == 0, opened.output
    return "ACME-1"


def notes(app: DealflowApp, deal: str) -> list[str]:
    return [event.text for event in app.history(deal) if isinstance(event, NoteAdded)]


def test_a_note_that_loses_a_race_is_recorded_without_the_user_running_it_again(dealflow, rival, deal):
    rival.before_next_saves(lambda app: app.note(deal, "from the other writer", actor="bruno"))
    events = dealflow.events()

    done = dealflow("note", deal, "from the user")

    assert done.exit_code == 0, done.output
    assert rival.rounds == 0  # the race was run, and lost once
    assert dealflow.events() == events + 2
    assert notes(rival.app, deal) == ["from the other writer", "from the user"]


def test_an_assignment_the_fresh_deal_refuses_exits_1_with_that_reason_and_writes_nothing(dealflow, rival, deal):
    rival.before_next_saves(lambda app: app.assign(deal, "bruno", actor="carla"))
    events = dealflow.events()

    done = dealflow("assign", deal, "bruno")

    assert done.exit_code == 1
    assert "dealflow: bruno already owns this deal" in done.stderr
    assert "changed by someone else" not in done.stderr
    assert dealflow.events() == events + 1  # the other writer's assignment alone
    assert rival.app.history(deal)[-1].actor == "carla"


def test_a_command_that_loses_every_attempt_exits_1_saying_to_run_it_again_and_writes_nothing(dealflow, rival, deal):
    rival.before_next_saves(lambda app: app.note(deal, "meanwhile", actor="bruno"), rounds=RACE_ATTEMPTS)
    events = dealflow.events()

    done = dealflow("note", deal, "from the user")

    assert done.exit_code == 1
    assert f"dealflow: {LOST_RACE}" in done.stderr
    assert dealflow.events() == events + RACE_ATTEMPTS  # the other writer's notes alone
    assert "from the user" not in notes(rival.app, deal)
    again = dealflow("note", deal, "from the user")  # as the message says
    assert again.exit_code == 0, again.output
    assert notes(rival.app, deal)[-1] == "from the user"


def test_a_step_back_retried_after_a_lost_race_names_the_stage_the_deal_left_then(dealflow, rival, deal):
    advance_in_app(rival.app, deal, STAGE_NAMES[2])
    rival.before_next_saves(lambda app: app.back(deal, STAGE_NAMES[1], reason="sponsor left", actor="bruno"))

    done = dealflow("back", deal, STAGE_NAMES[0], "--reason", "budget frozen")

    assert done.exit_code == 0, done.output
    assert rival.rounds == 0  # the race was run, and lost once
    assert done.stdout == f"{deal} stepped back from {STAGE_NAMES[1]} to {STAGE_NAMES[0]}\n"
