"""No accepted command may break, destroy or forge the record (issue 12), as a property: random
sequences of commands, with the largest accepted amounts, any currency and hostile text (control
characters, line breaks, bidirectional controls, formulas, 100 KB), are recorded through the
application; then every report, every export format, `projections rebuild` and `audit --all` run
through the CLI, exit 0 and agree with the reports worked out again from the events alone; and what
the CLI prints for people has one line per row and no character a terminal obeys or hides.

The CLI runs in-process (CliRunner) so that a hypothesis example costs a second, not a minute."""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import projection_model as model
from conftest import Stores, examples_on
from dealflow.aggregates.errors import DealflowError
from dealflow.aggregates.limits import MAX_AMOUNT
from dealflow.aggregates.money import ISO_4217, canonical
from dealflow.application import DealflowApp
from dealflow.cli.main import cli
from dealflow.playbook import CONCESSION_TERMS
from projection_histories import History, steps

CURRENCIES = sorted(ISO_4217)
HIDDEN = ("Cc", "Cf", "Zl", "Zp", "Cs")  # controls, format characters (bidi, zero-width), separators
NASTY = [
    "\n", "\r", "\t", "\x1b[31m", "\x1b]0;pwned\x07", "\u202e", "\u2066", "\u200f", "\u2028", "\x85", "\x7f",
    "\x00", "\udcff", "\u200b", "=HYPERLINK(\"x\")", "+1", "@SUM(A1)", "-2", "漢字", "\\n", "  ",
]  # fmt: skip
LONG = "n" * 100_000 + "\n1  2026-01-01  mallory  sign: amount=999999"
LONG_MARK = "<100 KB>"  # drawn in its place: hypothesis would print 100 KB with every example
hostile_texts = st.lists(
    st.one_of(
        st.lists(st.sampled_from([*NASTY, "a", "b", " "]), min_size=1, max_size=6).map("".join),
        st.text(min_size=1, max_size=12),  # NUL and lone surrogates included: refused, never stored
        st.just(LONG_MARK),
    ),
    min_size=1,
    max_size=4,
)
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
AMOUNTS = (MAX_AMOUNT, Decimal("0.0001"), Decimal("99999999999999"), Decimal("1234567.8901"))


class HostileHistory(History):
    """The projection tests' histories, with hostile text in every free-text field a person types,
    any currency, and now and then the largest amount there is."""

    def __init__(self, app: DealflowApp, texts: list[str]) -> None:
        super().__init__(app)
        self.texts = texts

    def _text(self, rng: random.Random) -> str:
        chosen = rng.choice(self.texts)
        return LONG if chosen == LONG_MARK else chosen

    def _amount(self, rng: random.Random) -> str:
        return str(rng.choice(AMOUNTS)) if rng.random() < 0.4 else str(rng.randrange(1, 200) * 500)

    def _open(self, which: int, on: date, rng: random.Random) -> None:
        deal_id = f"D-{which + 1:03d}"
        valued = rng.random() < 0.8
        try:
            self.app.open_deal(
                account=self._text(rng), title=self._text(rng), actor=self._text(rng), deal_id=deal_id,
                owner=self._text(rng), value=self._amount(rng) if valued else None,
                currency=rng.choice(CURRENCIES) if valued else None,
                close_by=on + timedelta(days=rng.randrange(10, 120)) if rng.random() < 0.7 else None, on=on,
            )  # fmt: skip
        except DealflowError:  # a name refused (blank, say): the step still opens a deal
            self.app.open_deal(account="Plain", title="t", actor="ana", deal_id=deal_id, on=on)
        self.deals[which] = deal_id

    def _note(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.note(deal_id, self._text(rng), actor=self._text(rng), on=on)

    def _assign(self, deal_id: str, on: date, rng: random.Random) -> None:
        self.app.assign(deal_id, self._text(rng), actor="ana", on=on)

    def _forecast(self, deal_id: str, on: date, rng: random.Random) -> None:
        deal = self.app.deal(deal_id)
        self.app.forecast(
            deal_id, value=self._amount(rng), currency=deal.currency or rng.choice(CURRENCIES), actor="ana", on=on
        )

    def _upsell(self, deal_id: str, on: date, rng: random.Random) -> None:
        fields = {"product": self._text(rng), "amount": self._amount(rng)}
        self.app.record(deal_id, "upsell", fields, actor="ana", on=on)

    def _lose(self, deal_id: str, on: date, rng: random.Random) -> None:
        super()._lose(deal_id, on, rng)
        self.app.note(deal_id, self._text(rng), actor="ana", on=on)

    def _bottom_line(self, deal_id: str, on: date, rng: random.Random) -> None:
        term = rng.choice(CONCESSION_TERMS)
        self.app.set_bottom_line(deal_id, term, self._amount(rng), actor="ana", on=on)


class Cli:
    def __init__(self, db: str) -> None:
        self.runner = CliRunner(env={"DEALFLOW_DB": db, "DEALFLOW_ACTOR": "ana"})

    def __call__(self, *args: str) -> str:
        result = self.runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, (args, result.stderr[:2000])
        return result.stdout

    def for_people(self, *args: str) -> list[str]:
        """A command's text output: no character a terminal obeys or hides, one line per line."""
        out = self(*args)
        hidden = {f"U+{ord(c):04X}" for c in out if c != "\n" and unicodedata.category(c) in HIDDEN}
        assert not hidden, (args, hidden)
        return out.splitlines()

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))


def plain(value: Any) -> Any:
    """A model's value as the JSON contract writes it."""
    if isinstance(value, Decimal):
        return str(canonical(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def report_lines(report: dict[str, Any]) -> int:
    """The text of a report: a line per fact, and per table a blank line, its name, then a header and a
    line per row, or "-" (none)."""
    tables = {key: rows for key, rows in report.items() if isinstance(rows, list)}
    facts = len(report) - len(tables)
    return facts + sum(2 + (1 + len(rows) if rows else 1) for rows in tables.values())


def check_reports(app: DealflowApp, run: Cli) -> None:
    today = date.today()
    in_force = app.settings(today)
    for by in ("stage", "owner", "account", "month"):
        report = run.json("pipeline", "--by", by)
        expected = plain(model.pipeline(app, today, in_force, by))
        assert {key: report[key] for key in expected} == expected, by
        assert len(run.for_people("pipeline", "--by", by)) == report_lines(report), by
    ageing = run.json("ageing")
    assert ageing["invoices"] == plain(model.ageing(app, today, in_force))
    assert len(run.for_people("ageing")) == report_lines(ageing)
    concessions = run.json("concessions")
    assert len(run.for_people("concessions")) == report_lines(concessions)
    run("pipeline", "--csv")


def check_people_views(app: DealflowApp, run: Cli) -> None:
    deals = list(app.deal_ids())
    assert len(run.for_people("deals")) == 1 + len(deals)
    for deal_id in deals:
        events = app.history(deal_id)
        assert len(run.for_people("history", deal_id)) == 1 + len(events), deal_id
        assert run.json("history", deal_id)[-1]["version"] == events[-1].originator_version
        assert run.json("show", deal_id)["account"] == app.deal(deal_id).account  # the exact text
        run.for_people("show", deal_id)
    run.for_people("audit", "--all")
    run.for_people("info")


def check_exports(app: DealflowApp, run: Cli, folder: Path) -> None:
    for report in ("pipeline", "concessions", "ageing", "deals"):
        for fmt in ("xlsx", "csv", "json", "jsonl"):
            run("export", report, "-o", str(folder / f"{report}.{fmt}"), "--format", fmt)
    workbook = folder / "book.xlsx"
    run("export", "workbook", "-o", str(workbook))
    sheets = openpyxl.load_workbook(workbook, read_only=True).sheetnames
    assert len(sheets) > 3
    exported = json.loads((folder / "deals.json").read_text(encoding="utf-8"))
    assert sorted(row["account"] for row in exported) == sorted(app.deal(d).account for d in app.deal_ids())
    for deal_id in list(app.deal_ids())[:2]:
        for fmt in ("xlsx", "csv", "json"):
            run("export", "history", deal_id, "-o", str(folder / f"trail-{deal_id}.{fmt}"), "--format", fmt)
    events = folder / "events.jsonl"
    run("export", "events", "-o", str(events), "--format", "jsonl")
    lines = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    deal_events = sum(len(app.history(deal_id)) for deal_id in app.deal_ids())
    assert sum(1 for line in lines if line.get("deal")) == deal_events
    csv.field_size_limit(1 << 24)  # a 100 KB note is one cell
    for written in folder.glob("*.csv"):  # a CSV export writes a file per table
        with written.open(encoding="utf-8", newline="") as file:
            assert all(not cell.startswith(("=", "+", "@")) for row in csv.reader(file) for cell in row), written


def test_no_accepted_command_breaks_a_report_an_export_a_rebuild_or_the_audit_or_forges_a_row(
    stores: Stores, tmp_path: Path
) -> None:
    # an example takes seconds (a store, some forty CLI runs): shrinking one could take many minutes, so
    # a failure is reported as found, with its seed and blob to replay
    @examples_on(stores, settings(settings.default, max_examples=12, phases=NO_SHRINK))
    @given(steps, hostile_texts)
    def check(drawn: list, texts: list[str]) -> None:
        with stores.fresh() as url:
            app = DealflowApp(url)
            try:
                HostileHistory(app, texts).play(drawn)
                run = Cli(url)
                check_reports(app, run)
                run("projections", "rebuild")
                check_reports(app, run)
                check_people_views(app, run)
                folder = Path(url).parent if stores.kind == "sqlite" else tmp_path
                check_exports(app, run, folder)
            finally:
                app.close()

    check()
