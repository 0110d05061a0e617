"""Text recorded in a deal cannot forge what people read: a note, account, title, contact, owner, actor
or imported cell holding a line break, a carriage return, an ESC or OSC sequence, a bidirectional
override or a line separator shows escaped, each row of every table one line; a 100 KB note keeps
the table readable. `--json`, `--csv` and the exports carry the exact text.

The book is made once per store; the commands looked at run as the installed console script, and
their output is read as bytes, as a terminal would get them through a pipe."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from conftest import Dealflow, Stores, dealflow_executable

ACTOR = "ana\r\x1b[31mmallory"
FORGED_ROW = "x\n2        2026-01-01T00:00:00+00:00  2026-01-01  mallory  sign: amount=999999  won.signed"
NOTES = [
    FORGED_ROW,
    "called\rmallory signed for 999999",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\u202emoc.live",
    "one\u2028two",
    "n" * 100_000,
]
ACCOUNT = "Acme\nD-0009  evil  Bob  won  signing"
TITLE = "ERP\x1b]0;title\x07"
OWNER = "bob\u202e\u2066"
CONTACT = "Marta\x1b[2K\nRuiz"
IMPORTED_ACCOUNT = "Globex\nD-0099  forged  won"  # a quoted cell of the CRM export, with a line break
IMPORTED_TITLE = "Renewal\r\x1b]0;title\x07"
IMPORTED_OWNER = "dee\u2028\u200f"
OVERRIDE = "the CFO said yes\n1  us  120000  1"
INVOICE = "INV\x1b[31m-7"
CUSTOMER = "Wayne\u2028Inc\nINV-9  999999"
HIDDEN = ("Cc", "Cf", "Zl", "Zp", "Cs")  # controls, format characters (bidi, zero-width), separators


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


@pytest.fixture(scope="module")
def book(module_stores: Stores) -> Dealflow:
    """Two opened deals and an imported one full of hostile text, a concession and an imported invoice."""
    cli = Dealflow(module_stores.new(), actor=ACTOR)
    folder = module_stores.folder
    ok(cli, "open", ACCOUNT, "--title", TITLE, "--owner", OWNER, "--value", "1000", "--currency", "EUR")
    for text in NOTES:
        ok(cli, "note", "D-0001", text)
    ok(cli, "act", "D-0001", "develop-guide", "--contact", CONTACT, "--position", "IT\rmanager")
    ok(cli, "open", NOTES[-1], "--title", "up\r\x1b[1Aover", "--owner", "carl\nD-0003  evil")
    deals = [
        ["Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Amount", "Currency", "Stage"],
        ["006X1", IMPORTED_TITLE, IMPORTED_ACCOUNT, IMPORTED_OWNER, "120000", "EUR", "Negotiation/Review"],
    ]
    options = ("--stage-map", "Negotiation/Review=commitment", "--default-date", "2026-01-05")
    ok(cli, "import", "deals", write_csv(folder / "crm.csv", deals), *options)
    ok(cli, "bottom-line", "006X1", "--term", "price", "--value", "110000")
    ok(cli, "concede", "006X1", "--term", "price", "--by", "us", "--from", "120000", "--to", "100000",
       "--override", OVERRIDE)  # fmt: skip
    invoices = [
        ["Invoice", "Customer", "Date", "Due Date", "Amount", "Currency"],
        [INVOICE, CUSTOMER, "2026-01-10", "2026-02-09", "2500", "EUR"],
    ]
    ok(cli, "import", "invoices", write_csv(folder / "ledger.csv", invoices))
    return cli


def ok(cli: Dealflow, *args: object) -> Any:
    result = cli(*map(str, args))
    assert result.exit_code == 0, result.output
    return result


def run(cli: Dealflow, *args: str) -> tuple[int, str, str]:
    """The console script's exit code, stdout and stderr, checked byte by byte: no control byte but the
    line ends (text mode would have turned a raw carriage return into one), then decoded."""
    env = {**os.environ, "DEALFLOW_DB": cli.db, "DEALFLOW_ACTOR": cli.actor}
    done = subprocess.run([dealflow_executable(), *args], capture_output=True, env=env, timeout=120)
    for stream in (done.stdout, done.stderr):
        assert not [byte for byte in stream if byte < 0x20 and byte != 0x0A], (args, stream[:2000])
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


def shown_to_people(cli: Dealflow, *args: str) -> list[str]:
    """The lines a command prints for people, none holding a character a terminal obeys or hides."""
    code, out, err = run(cli, *args)
    assert code == 0, err
    hidden = {f"U+{ord(char):04X}" for char in out if char != "\n" and unicodedata.category(char) in HIDDEN}
    assert not hidden, (args, hidden)
    return out.splitlines()


def as_json(cli: Dealflow, *args: str) -> Any:
    return json.loads(ok(cli, *args, "--json").stdout)


def report_lines(report: dict[str, Any]) -> int:
    """How many lines the text of a report has: a line per fact, and per table a blank line, its name,
    then a header and a line per row, or "-"."""
    tables = {key: rows for key, rows in report.items() if isinstance(rows, list)}
    facts = len(report) - len(tables)
    return facts + sum(2 + (1 + len(rows) if rows else 1) for rows in tables.values())


def test_history_shows_a_header_and_one_line_per_event_whatever_the_notes_actor_and_contact_hold(book):
    events = as_json(book, "history", "D-0001")

    lines = shown_to_people(book, "history", "D-0001")

    assert len(lines) == 1 + len(events) == 1 + 1 + len(NOTES) + 1
    assert all(line.split()[3] == "ana\\r\\x1b[31mmallory" for line in lines[1:])  # the actor, one word
    assert 'note: text="x\\n2        2026-01-01T00:00:00+00:00' in lines[2]
    assert "develop-guide: contact=Marta\\x1b[2K\\nRuiz position=IT\\rmanager" in lines[-1]
    assert all(len(line) < 1_000 for line in lines)  # the 100 KB note cut, the row still one line


def test_the_json_and_the_exports_of_history_and_events_carry_the_exact_text(book):
    history = as_json(book, "history", "D-0001")
    exported = json.loads(ok(book, "export", "history", "D-0001", "--format", "json").stdout)
    jsonl = ok(book, "export", "events", "--format", "jsonl").stdout
    log = [json.loads(line) for line in jsonl.split("\n") if line]  # splitlines() would split at U+2028 too

    for events in (history, exported, [line for line in log if line["deal"] == "D-0001"]):
        assert [event["text"] for event in events if event["event"] == "NoteAdded"] == NOTES
        assert {event["actor"] for event in events} == {ACTOR}
        assert (events[0]["account"], events[0]["title"], events[0]["owner"]) == (ACCOUNT, TITLE, OWNER)
        assert events[-1]["fields"] == {"contact": CONTACT, "position": "IT\rmanager"}


def test_audit_shows_one_line_per_event_and_its_verdict(book):
    events = as_json(book, "history", "D-0001")

    lines = shown_to_people(book, "audit", "D-0001")

    assert len(lines) == 1 + len(events) + 1 and lines[-1].startswith("verdict: PASS")
    assert all(len(line) < 1_000 for line in lines)


def test_deals_shows_a_header_and_one_line_per_deal_the_imported_line_break_escaped(book):
    listed = as_json(book, "deals")

    lines = shown_to_people(book, "deals")

    assert len(lines) == 1 + len(listed)
    assert [line.split()[0] for line in lines[1:]] == [deal["id"] for deal in listed]
    imported = lines[3].split()
    assert imported[:5] == ["006X1", "Globex\\nD-0099", "forged", "won", "Renewal\\r\\x1b]0;title\\x07"]
    assert imported[5] == "dee\\u2028\\u200f" and all(len(line) < 1_000 for line in lines)
    assert {(deal["account"], deal["title"], deal["owner"]) for deal in listed} >= {
        (ACCOUNT, TITLE, OWNER),
        (IMPORTED_ACCOUNT, IMPORTED_TITLE, IMPORTED_OWNER),
    }


HEADER = ("deal", "account", "owner", "status", "stage", "value", "close by", "version", "since", "last activity")
SECTIONS = ("stakeholders", "qualification", "needs", "proposal", "negotiation", "invoices", "next")
TABLES = {"stakeholders": "contact", "invoices": "invoice"}  # a section's table: a row per item, led by it


@pytest.mark.parametrize("deal", ["D-0001", "D-0002", "006X1", "ledger"])
def test_show_gives_each_field_and_each_row_of_the_dossier_one_line(book, deal):
    if deal == "ledger":  # the imported invoice's deal
        deal = as_json(book, "ageing")["invoices"][0]["deal"]
    dossier = as_json(book, "show", deal)

    lines = shown_to_people(book, "show", deal)

    blocks = [block.splitlines() for block in "\n".join(lines).split("\n\n")]
    assert [line.split("  ")[0] for line in blocks[0][: len(HEADER)]] == list(HEADER)
    assert {line.split("  ")[0] for line in blocks[0][len(HEADER) :]} <= {"signed", "lost", "referred by", "referrals"}
    titled = {block[0].split(":")[0].split(" (")[0]: block for block in blocks[1:]}
    assert [title for title in titled if title in SECTIONS] == list(SECTIONS)
    assert blocks[-1][0].startswith("allowed next: ") and all(line.startswith("  ") for line in blocks[-1][1:])
    for section, key in TABLES.items():
        items, block = dossier[section], titled[section]
        if not items:
            assert block == [f"{section}: none"]
            continue
        led = [line.split("  ")[0] for line in block[2 : 2 + len(items)]]
        assert led == [shown(item[key]) for item in items], section
        assert all(line.startswith("  ") for line in block[2 + len(items) :]), section  # coaching beside them
    assert all(len(line) < 1_000 for line in lines)  # the 100 KB account cut, its field still one line


def shown(text: str) -> str:
    from dealflow.cli.safe import shown as safe

    return safe(text)


@pytest.mark.parametrize(
    "report",
    [
        ("pipeline",),
        ("pipeline", "--by", "account"),
        ("pipeline", "--by", "owner"),
        ("concessions",),
        ("concessions", "006X1"),
        ("ageing",),
        ("ageing", "--by", "customer"),
    ],
)
def test_a_report_shows_a_line_per_fact_and_a_header_and_a_line_per_row_of_each_table(book, report):
    data = as_json(book, *report)

    lines = shown_to_people(book, *report)

    assert len(lines) == report_lines(data) and all(len(line) < 1_000 for line in lines)


def test_the_reports_json_and_csv_carry_the_exact_text(book):
    accounts = [row["account"] for row in as_json(book, "pipeline", "--by", "account")["accounts"]]
    rows = list(csv.DictReader(io.StringIO(ok(book, "pipeline", "--by", "account", "--csv").stdout)))
    history = as_json(book, "concessions", "006X1")["concessions"]
    invoices = as_json(book, "ageing")["invoices"]

    assert {ACCOUNT, IMPORTED_ACCOUNT, NOTES[-1]} <= set(accounts) == {row["account"] for row in rows}
    assert [row["override"] for row in history] == [OVERRIDE]
    assert [(row["invoice"], row["customer"]) for row in invoices] == [(INVOICE, CUSTOMER)]


def test_a_refused_command_quoting_hostile_text_says_so_in_one_escaped_line_and_writes_nothing(book):
    before = book.events()

    code, out, err = run(book, "note", "D-9\n\x1b]0;title\x07\u202e", "hello")

    assert code == 1 and out == ""
    quoted = "'D-9\\n\\x1b]0;title\\x07\\u202e'"  # repr's escapes, not doubled again
    assert err == f"dealflow: no deal {quoted} in this store: `dealflow deals` lists the deals\n"
    assert book.events() == before


def test_a_refused_command_naming_hostile_text_unquoted_says_so_in_one_escaped_line_and_writes_nothing(book):
    before = book.events()

    code, out, err = run(book, "assign", "D-0002", "carl\nD-0003  evil")  # the owner it already has

    assert code == 1 and out == ""
    assert err.startswith("dealflow: carl\\nD-0003  evil already owns this deal") and err.count("\n") == 1
    assert book.events() == before


def test_info_shows_the_actor_escaped_on_its_line(book):
    facts = as_json(book, "info")

    lines = shown_to_people(book, "info")

    assert len(lines) == len(facts) and "actor          ana\\r\\x1b[31mmallory" in lines
