"""Every text among an event's facts is checked for what no store can hold: a NUL, a lone surrogate."""

from __future__ import annotations

import pytest

from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.storable import check_storable


@pytest.mark.parametrize(
    "facts",
    [{"text": "a\x00b"}, {"criteria": {"uptime\x00": "99%"}}, {"goals": ["growth", "x\udcff"]}],
    ids=["text", "mapping key", "list item"],
)
def test_any_text_among_an_events_facts_is_checked_wherever_it_sits(facts):
    with pytest.raises(InvalidInput, match="holds"):
        check_storable(facts)


def test_text_the_store_can_hold_passes_whatever_it_holds():
    check_storable({"text": "line\nbreak \x1b[31m \u202e 漢字 " + "n" * 100_000, "actor": "ana"}, actor="ana")
