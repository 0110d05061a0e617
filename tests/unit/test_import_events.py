"""Lines of dealflow's event log, read for a replay: what each must hold, and what is wrong with one that does not."""

from __future__ import annotations

import json
from datetime import date

import pytest

from dealflow.imports.eventline import digest, read_line
from dealflow.imports.outcome import RowError

LINE = {"position": 4, "deal": "D-0001", "version": 2, "event": "NoteAdded", "recorded_at": "2026-01-05T10:00:00+00:00",
        "effective_on": "2026-01-05", "actor": "ana", "stage": "analysis", "action": "entered",
        "state": "analysis.entered", "text": "called the CFO"}  # fmt: skip


def test_a_line_is_read_without_what_a_new_store_gives_each_event_afresh():
    line = read_line(json.dumps(LINE))

    assert (line.event, line.deal_id, line.version, line.on, line.actor) == (
        "NoteAdded",
        "D-0001",
        2,
        date(2026, 1, 5),
        "ana",
    )
    assert "recorded_at" not in line.row and "position" not in line.row and line.fields["text"] == "called the CFO"
    again = read_line(json.dumps({**LINE, "recorded_at": "2027-01-01T00:00:00+00:00", "position": 99}))
    assert digest(again) == digest(line)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not a line of JSON"),
        ("[1, 2]", "each line is one JSON object"),
        (json.dumps({**LINE, "event": "Teleported"}), "'Teleported' is not an event of dealflow's log"),
        (json.dumps({**LINE, "version": 0}), "0 is not a version"),
        (json.dumps({**LINE, "deal": None}), "the line names no deal"),
        (json.dumps({**LINE, "effective_on": "5 Jan"}), "'5 Jan' is not a date"),
        (json.dumps({**LINE, "actor": ""}), "give the actor"),
        (json.dumps({**LINE, "event": "Settings.Changed", "deal": None}), "names the setting"),
    ],
)
def test_a_line_that_cannot_be_replayed_says_why(text, message):
    with pytest.raises(RowError, match=message):
        read_line(text)


def test_a_settings_change_belongs_to_no_deal():
    line = read_line(
        json.dumps({**LINE, "event": "Settings.Changed", "deal": None, "name": "gift_limit", "value": "250"})
    )

    assert line.deal_id is None and line.fields["name"] == "gift_limit"
