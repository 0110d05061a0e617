"""A domain error names the values a person gave as fields, and each front end says them its own way:
the command line as its options, an import (and `str()`) in the domain's words."""

from datetime import date, timedelta

import pytest

from dealflow.aggregates.errors import (
    BY,
    FROM,
    ON,
    REASON,
    TERM,
    TO,
    Command,
    InvalidInput,
    Refused,
)
from dealflow.aggregates.recording import effective_on
from dealflow.cli.errors import CLI

TOMORROW = date.today() + timedelta(days=1)


def test_a_future_date_names_the_option_on_the_command_line_and_the_date_elsewhere():
    with pytest.raises(InvalidInput) as caught:
        effective_on(TOMORROW, None)
    error = caught.value
    assert error.render(CLI).startswith(f"--on {TOMORROW} is in the future")
    assert str(error).startswith(f"the date {TOMORROW} is in the future")
    assert error.fields == (ON,)
    assert error.rule == "in the future"


def test_an_article_the_message_asks_for_is_kept_in_both_vocabularies():
    error = InvalidInput("give {} for reopening", REASON.a)
    assert error.render(CLI) == "give a --reason for reopening"
    assert str(error) == "give a reason for reopening"


def test_a_command_to_run_is_quoted_on_the_command_line_and_named_elsewhere():
    error = InvalidInput("record it with {}", Command("concede", "DEAL", fields=(TERM, BY, FROM, TO)))
    assert error.render(CLI) == "record it with `dealflow concede DEAL --term --by --from --to`"
    assert str(error) == "record it with the concede command"


@pytest.mark.parametrize("text", ["{}", "{0}", "{!r}", "{ON}", "}{", "{__class__}"])
def test_braces_in_a_persons_text_neither_break_nor_forge_a_message(text):
    error = Refused("{} already owns this deal: give {}", text, ON)
    assert error.render(CLI) == f"{text} already owns this deal: give --on"
    assert str(error) == f"{text} already owns this deal: give the date"


def test_a_message_without_parts_is_shown_as_written():
    assert str(Refused("a {brace} stays")) == "a {brace} stays"
