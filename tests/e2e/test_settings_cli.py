"""The team's settings through the CLI: shown as in force, changed by an audited command."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from dealflow.aggregates.settings import SETTING_NAMES


def test_settings_show_the_method_defaults_until_changed(dealflow):
    dealflow("open", "Acme Corp", "--title", "ERP")  # a store to show them from: a read never makes one
    result = dealflow("settings", "show", "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert list(shown) == list(SETTING_NAMES)
    assert {name: shown[name] for name in ("gift-limit", "collection-overdue-days", "collection-large-amount")} == {
        "gift-limit": "100",
        "collection-overdue-days": 30,
        "collection-large-amount": "10000",
    }
    assert re.search(r"^gift-limit +100$", dealflow("settings", "show").stdout, re.MULTILINE)


def test_a_changed_gift_limit_lets_a_bigger_gift_through_without_an_approver(dealflow):
    deal = dealflow("open", "Acme Corp", "--title", "ERP", "--value", "1000", "--currency", "EUR").stdout.strip()
    for command in (
        ("act", deal, "map-stakeholder", "--contact", "Eva Ruiz", "--level", "decision"),
        ("act", deal, "qualify", "--opportunity", "yes", "--solution", "yes", "--winnable", "yes", "--worth", "yes"),
        ("advance", deal),
    ):
        assert dealflow(*command).exit_code == 0
    gift = ("act", deal, "build-trust", "--contact", "Eva Ruiz", "--activity", "valuable-gift", "--gift-value", "150")
    assert dealflow(*gift).exit_code == 1

    changed = dealflow("settings", "set", "gift-limit", "200")
    assert changed.exit_code == 0 and "in force today: 200" in changed.stdout

    assert dealflow(*gift).exit_code == 0


def test_settings_as_of_a_date_before_a_change_show_the_old_value(dealflow):
    last_week = (date.today() - timedelta(days=7)).isoformat()
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert dealflow("settings", "set", "stalled-days", "45", "--on", yesterday).exit_code == 0
    before = json.loads(dealflow("settings", "show", "--as-of", last_week, "--json").stdout)
    after = json.loads(dealflow("settings", "show", "--json").stdout)
    assert (before["stalled-days"], after["stalled-days"]) == (30, 45)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("gift-limit", "lots"), 2, "gift-limit 'lots' is not a number"),
        (("stalled-days", "1.5"), 2, "stalled-days takes a whole number from 1 to 3,650 days"),
        (("bonus-rate", "3"), 2, "Invalid value for 'NAME'"),
        (("gift-limit", "150", "--on", "2999-01-01"), 2, "--on 2999-01-01 is in the future"),
    ],
    ids=["a non-number", "a fraction of a day", "an unknown setting", "a date in the future"],
)
def test_a_bad_setting_is_refused_in_one_line_and_records_nothing(dealflow, args, code, message):
    before = dealflow.events()
    result = dealflow("settings", "set", *args)
    assert (result.exit_code, result.stdout) == (code, "")
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert dealflow.events() == before


def test_the_console_script_changes_a_setting(dealflow):
    done = dealflow.run("settings", "set", "collection-large-amount", "25000")
    assert done.returncode == 0, done.stderr
    assert json.loads(dealflow.run("settings", "show", "--json").stdout)["collection-large-amount"] == "25000"
