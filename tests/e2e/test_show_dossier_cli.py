"""`dealflow show` is the deal's dossier, as a user runs it (the installed console script) on a SQLite
file and on PostgreSQL: every section with the facts recorded, in text and in JSON (today's keys kept),
the seed's coaching beside the contact and the invoice it concerns, the dossier as it stood then
(--as-of, --version, --known-at), a corrected contact shown corrected, hostile text on one escaped
line, and a terminal of 80 or 200 columns.

The books are recorded through the application (quick, dated as the story needs)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from conftest import Dealflow, Stores, dealflow_executable
from dealflow.application import DealflowApp
from dealflow.coaching import LEVEL_BY_NAME, REMEDY_BY_CAUSE, STYLE_BY_NAME

D0 = date.today() - timedelta(days=100)
ACTOR = "ana"
YES = {"opportunity": "yes", "solution": "yes", "winnable": "yes", "worth": "yes"}
TYPO, RIGHT = "Luis Vgea", "Luis Vega"
HOSTILE_CONTACT = "Marta\x1b[2K\nRuiz  decision  -  forged row"
HOSTILE_NOTE = "x" * 100_000
HOSTILE_ACCOUNT = "Acme\nD-0009  evil  Bob  won"
SECTIONS = ("stakeholders", "qualification", "needs", "proposal", "negotiation", "invoices", "next")
# `show --json` before the dossier (views.deal_detail): kept, in this order, before the dossier's keys
OLD_KEYS = (
    "id", "account", "title", "owner", "status", "stage", "action", "value", "currency", "close_by", "opened_on",
    "version", "exit_signal", "allowed", "lost_reason", "lost_from", "competitor", "referred_by", "referrals",
    "buying_stage", "signed_amount", "signed_on", "invoices", "open_balance",
)  # fmt: skip
OLD_INVOICE_KEYS = ("invoice", "amount", "paid", "written_off", "issued", "due", "chases", "balance")


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


@contextmanager
def application(db: str) -> Iterator[DealflowApp]:
    app = DealflowApp(db)
    try:
        yield app
    finally:
        app.close()


def won(app: DealflowApp, deal: str = "D-1") -> None:
    """Eva mapped, analytical, an ally; Luis our guide; the needs, two proposals, a negotiation with a
    wider and a past-the-bottom-line concession and a deadlock; signed on day 40 for 110000 EUR; INV-1
    (60000, due day 50) part paid on day 55 and chased on day 70 (our fault); INV-2 (50000) paid."""
    app.open_deal(
        account="Acme Corp", title="ERP", actor=ACTOR, deal_id=deal, value="120000", currency="EUR", on=day(0)
    )

    def act(action: str, on: int, **fields: Any) -> None:
        app.record(deal, action, fields, actor=ACTOR, on=day(on))

    act("map-stakeholder", 1, contact="Eva Ruiz", level="decision", function="technical", roles="decision-maker")
    act("develop-guide", 1, contact="Luis Vega", position="IT manager")
    act("qualify", 2, **YES)
    app.advance(deal, actor=ACTOR, on=day(3))
    act("acquaint", 4, contact="Eva Ruiz", activity="phone", style="analytical")
    act("ally", 5, contact="Eva Ruiz", activity="firm-support")
    app.advance(deal, actor=ACTOR, on=day(6))
    act("explore-goals", 7, goals="growth", summary="two new sites")
    act("diagnose-problem", 7, obstacle="old ERP", impact="12-day close")
    act("shape-solution", 8, outline="cloud ERP", products=["erp", "mes"], timing="Q3")
    act("set-criteria", 8, criteria="users=400", buying_stage="evaluation")
    app.advance(deal, actor=ACTOR, evidence="RFP 114", on=day(9))
    act("submit-proposal", 10, quotation="125000", background="family-owned")
    act("submit-proposal", 11, quotation="120000", background="family-owned", challenges="growth")
    app.advance(deal, actor=ACTOR, evidence="kick-off", on=day(12))
    app.set_bottom_line(deal, "price", "105000", actor=ACTOR, on=day(13))
    app.concede(deal, actor=ACTOR, term="price", by="us", before="120000", after="117000", on=day(14))
    app.concede(deal, actor=ACTOR, term="price", by="customer", before="95000", after="100000", on=day(15))
    app.concede(deal, actor=ACTOR, term="price", by="us", before="117000", after="110000", on=day(16))
    app.concede(
        deal, actor=ACTOR, term="price", by="us", before="110000", after="104000", override="key account", on=day(17)
    )
    act("negotiate", 18, step="deadlock")
    app.sign(deal, amount="110000", actor=ACTOR, on=day(40))
    app.invoice(deal, "INV-1", amount="60000", due=day(50), issued=day(40), actor=ACTOR, on=day(40))
    app.invoice(deal, "INV-2", amount="50000", due=day(70), issued=day(40), actor=ACTOR, on=day(40))
    app.pay("INV-1", amount="10000", actor=ACTOR, on=day(55))
    app.pay("INV-2", amount="50000", actor=ACTOR, on=day(60))
    app.chase("INV-1", cause="our-fault", method="call", note="late delivery", actor=ACTOR, on=day(70))


def hostile(app: DealflowApp) -> None:
    """D-2: an account, a contact and a note that would forge rows, clear the line or fill the screen."""
    app.open_deal(account=HOSTILE_ACCOUNT, title="ERP\x1b]0;title\x07", actor=ACTOR, deal_id="D-2", on=day(0))
    app.record("D-2", "map-stakeholder", {"contact": HOSTILE_CONTACT, "level": "decision"}, actor=ACTOR, on=day(1))
    app.record("D-2", "develop-guide", {"contact": "y" * 100_000}, actor=ACTOR, on=day(1))
    app.note("D-2", HOSTILE_NOTE, actor=ACTOR, on=day(2))


@pytest.fixture(scope="module")
def book(module_stores: Stores) -> Dealflow:
    cli = Dealflow(module_stores.new())
    with application(cli.db) as app:
        won(app)
        hostile(app)
    return cli


def run(cli: Dealflow, *args: str, columns: int | None = None) -> str:
    """The console script's stdout, through a pipe: as wide as `columns`, else unlimited. No control
    byte but the line ends (read as bytes, as a terminal gets them)."""
    env = {**os.environ, "DEALFLOW_DB": cli.db, "DEALFLOW_ACTOR": cli.actor}
    env.pop("COLUMNS", None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    done = subprocess.run([dealflow_executable(), *args], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert not [byte for byte in done.stdout if byte < 0x20 and byte != 0x0A], done.stdout[:2000]
    return done.stdout.decode("utf-8")


def shown(cli: Dealflow, *args: str) -> dict[str, Any]:
    return json.loads(run(cli, "show", *args, "--json"))


def sections(text: str) -> dict[str, list[str]]:
    """The text's blocks (between blank lines) by the word their first line begins with."""
    blocks = [block.splitlines() for block in text.split("\n\n")]
    return {"header": blocks[0], **{block[0].split(":")[0].split(" (")[0]: block for block in blocks[1:]}}


def test_the_json_keeps_todays_keys_first_and_each_invoice_row_keeps_its_fields(book):
    deal = shown(book, "D-1")

    assert tuple(deal)[: len(OLD_KEYS)] == OLD_KEYS
    assert set(SECTIONS) <= set(deal)
    assert [tuple(row)[: len(OLD_INVOICE_KEYS)] for row in deal["invoices"]] == [OLD_INVOICE_KEYS] * 2
    assert (deal["status"], deal["signed_amount"], deal["open_balance"]) == ("won", "110000", "50000")


def test_the_json_gives_the_stakeholder_map_with_coaching_for_each_contact(book):
    eva, luis = shown(book, "D-1")["stakeholders"]

    assert eva == {
        "contact": "Eva Ruiz", "level": "decision", "function": "technical", "roles": ["decision-maker"],
        "guide": False, "position": None, "relationship": "ally", "relationship_on": day(5).isoformat(),
        "style": "analytical",
        "coaching": {
            "style": STYLE_BY_NAME["analytical"].text, "style_seed": "analítico",
            "next_level": None, "next_level_seed": None, "next_level_marks": None,
        },
    }  # fmt: skip
    assert (luis["contact"], luis["guide"], luis["position"], luis["style"]) == (RIGHT, True, "IT manager", None)
    assert (luis["coaching"]["next_level"], luis["coaching"]["next_level_marks"]) == (
        "acquaint",
        LEVEL_BY_NAME["acquaint"].text,
    )


def test_the_json_gives_qualification_needs_proposal_and_the_negotiation_per_term(book):
    deal = shown(book, "D-1")

    assert deal["qualification"]["clear"] and deal["qualification"]["answered_on"] == day(2).isoformat()
    assert deal["needs"] == {
        "goals": ["growth"],
        "goals_summary": "two new sites",
        "obstacles": [{"obstacle": "old ERP", "impact": "12-day close"}],
        "solution": {"outline": "cloud ERP", "products": ["erp", "mes"], "timing": "Q3"},
        "criteria": {"users": "400"},
        "buying_stage": "evaluation",
    }
    proposal = deal["proposal"]
    assert (proposal["quotation"], proposal["proposals"], proposal["missing_parts"]) == (
        "120000", 2, ["solution", "credentials"],
    )  # fmt: skip
    assert deal["negotiation"] == {
        "terms": [
            {
                "term": "price", "bottom_line": "105000", "ours": "104000", "theirs": "100000", "rounds": 4,
                "given": "16000", "received": "5000", "widened": True, "past_bottom_line": True,
            }
        ],
        "deadlocks": 1,
        "last_step": "deadlock",
    }  # fmt: skip


def test_the_json_gives_each_invoice_overdue_its_last_chase_and_cause_and_the_step_to_take(book):
    deal = shown(book, "D-1")

    one, two = deal["invoices"]
    overdue = (date.today() - day(50)).days
    assert (one["balance"], one["days_overdue"], one["next_step"]) == (
        "50000",
        overdue,
        "resolve the problem with the customer first",
    )
    assert one["last_chase"] == {
        "on": day(70).isoformat(),
        "cause": "our-fault",
        "method": "call",
        "note": "late delivery",
    }
    assert (one["remedy"], one["remedy_seed"]) == (REMEDY_BY_CAUSE["our-fault"].text, "motivos nuestros")
    assert (two["balance"], two["days_overdue"], two["next_step"], two["last_chase"]) == ("0", 0, None, None)
    assert f"collect INV-1 ({overdue} days overdue): resolve the problem with the customer first" in deal["next"]
    assert deal["last_activity"]["what"] == "collect" and deal["last_activity"]["on"] == day(70).isoformat()
    assert (deal["stage_since"], deal["days_in_stage"]) == (day(40).isoformat(), (date.today() - day(40)).days)


def test_the_text_has_every_section_with_coaching_beside_the_contact_and_the_invoice(book):
    text = sections(run(book, "show", "D-1"))

    assert [line.split("  ")[0] for line in text["header"][:8]] == [
        "deal", "account", "owner", "status", "stage", "value", "close by", "version",
    ]  # fmt: skip
    assert "value          110,000.00 EUR" in text["header"]
    assert set(SECTIONS) <= set(text)
    people = text["stakeholders"]
    assert people[2].split()[:4] == ["Eva", "Ruiz", "decision", "technical"]
    assert people[3].startswith("Luis Vega") and "guide (IT manager)" in people[3]
    assert "  Eva Ruiz, analytical [analítico]: be systematic" in "\n".join(people)
    assert "  Luis Vega, next level acquaint [conocer]: the customer can call the seller by name." in people
    assert text["negotiation"][1] == "last step deadlock, 1 deadlock(s)"
    assert text["negotiation"][-1].split() == [
        "price",
        "105,000",
        "104,000",
        "100,000",
        "4",
        "16,000",
        "5,000",
        "yes",
        "yes",
    ]
    invoices = text["invoices"]
    assert invoices[0] == "invoices (EUR):" and invoices[2].split()[:4] == [
        "INV-1",
        "60,000.00",
        "10,000.00",
        "50,000.00",
    ]
    assert "  INV-1, our-fault [motivos nuestros]: late delivery, failed acceptance" in "\n".join(invoices)
    assert any("collect INV-1" in line for line in text["next"])
    assert "goals           growth" in text["needs"] and "quotation      120,000.00 EUR on" in text["proposal"][1]
    assert "can we win?               yes" in text["qualification"]


def test_as_of_gives_the_dossier_as_it_stood_then_with_its_days_counted_to_then(book):
    then = shown(book, "D-1", "--as-of", day(60).isoformat())

    one, two = then["invoices"]
    assert (then["as_of"], then["version"], then["days_in_stage"]) == (day(60).isoformat(), 27, 20)
    assert (one["balance"], one["days_overdue"], one["last_chase"], one["next_step"]) == (
        "50000", 10, None, "the salesperson visits to collect",  # unwilling or unknown: short, large
    )  # fmt: skip
    assert (two["balance"], two["days_overdue"]) == ("0", 0)
    assert then["last_activity"]["on"] == day(60).isoformat()
    before = shown(book, "D-1", "--as-of", day(16).isoformat())
    assert (before["stage"], before["invoices"], before["negotiation"]["terms"][0]["ours"]) == (
        "commitment",
        [],
        "110000",
    )
    assert before["negotiation"]["terms"][0]["past_bottom_line"] is False


def test_version_and_known_at_give_the_dossier_as_it_stood_then(book):
    at = shown(book, "D-1", "--version", "4")
    recorded = json.loads(run(book, "history", "D-1", "--json"))[3]["recorded_at"]
    known = shown(book, "D-1", "--known-at", recorded)

    for then in (at, known):
        assert (then["version"], then["stage"], then["qualification"]["clear"]) == (4, "analysis", True)
        assert [person["contact"] for person in then["stakeholders"]] == ["Eva Ruiz", "Luis Vega"]
        assert then["stakeholders"][0]["relationship"] is None
    assert (
        sections(run(book, "show", "D-1", "--as-of", day(60).isoformat()))["header"][-1] == f"as of          {day(60)}"
    )


def test_hostile_text_shows_escaped_on_its_line_and_a_100_kb_value_cut(book):
    deal = shown(book, "D-2")

    lines = run(book, "show", "D-2").splitlines()

    assert (deal["account"], deal["stakeholders"][0]["contact"]) == (HOSTILE_ACCOUNT, HOSTILE_CONTACT)
    assert len(deal["stakeholders"][1]["contact"]) == 100_000
    text = sections("\n".join(lines))
    assert [line.split("  ")[0] for line in text["header"]] == [
        "deal", "account", "owner", "status", "stage", "value", "close by", "version", "since", "last activity",
    ]  # fmt: skip
    assert text["header"][1] == "account        Acme\\nD-0009  evil  Bob  won"
    people = text["stakeholders"]
    assert people[2].startswith("Marta\\x1b[2K\\nRuiz  decision  -  forged row") and people[3].startswith("yyyy")
    assert all(line.startswith("  ") for line in people[4:])  # the coaching: no row of its own
    assert all(len(line) <= 1_000 for line in lines)  # the 100 KB guide cut in the table and the coaching


def test_a_terminal_of_80_columns_fits_the_dossier_and_one_of_200_keeps_it_whole(book):
    narrow = run(book, "show", "D-1", columns=80).splitlines()
    wide = run(book, "show", "D-1", columns=200).splitlines()

    assert max(map(len, narrow)) <= 80 < max(map(len, wide)) <= 200
    assert len(wide) < len(narrow)  # coaching wrapped at the width
    assert not any("…" in line for line in wide)
    for lines in (narrow, wide):
        assert set(SECTIONS) <= set(sections("\n".join(lines)))


@pytest.fixture(scope="module")
def demo(module_stores: Stores) -> Dealflow:
    cli = Dealflow(module_stores.new())
    assert cli("demo").exit_code == 0
    return cli


def test_the_demos_negotiation_shows_its_bottom_line_and_the_concessions_past_it(demo):
    deal = shown(demo, "D-0016")

    price = next(term for term in deal["negotiation"]["terms"] if term["term"] == "price")
    assert deal["stage"] == "commitment" and price["bottom_line"] is not None
    assert (price["widened"], price["past_bottom_line"], price["rounds"]) == (True, True, 3)
    assert deal["stakeholders"] and deal["proposal"]["quotation"] and deal["qualification"]["clear"]
    assert "negotiation:" in run(demo, "show", "D-0016")


def test_a_corrected_contact_shows_corrected_and_as_known_before_the_correction(dealflow):
    with application(dealflow.db) as app:
        app.open_deal(account="Acme", title="ERP", actor=ACTOR, deal_id="D-1", on=day(0))
        app.record("D-1", "map-stakeholder", {"contact": TYPO, "level": "decision"}, actor=ACTOR, on=day(1))
        app.record("D-1", "qualify", YES, actor=ACTOR, on=day(1))
        app.advance("D-1", actor=ACTOR, on=day(2))
        app.record("D-1", "acquaint", {"contact": TYPO, "activity": "phone", "style": "driver"}, actor=ACTOR, on=day(3))
    before = datetime.now(UTC).isoformat(timespec="microseconds")
    assert dealflow.run("correct", "D-1", "2", "5", "--contact", RIGHT, "--reason", "misspelt").returncode == 0

    now, then = shown(dealflow, "D-1"), shown(dealflow, "D-1", "--known-at", before)

    assert [(p["contact"], p["relationship"], p["style"]) for p in now["stakeholders"]] == [
        (RIGHT, "acquaint", "driver")
    ]
    assert [p["contact"] for p in then["stakeholders"]] == [TYPO]
    text = run(dealflow, "show", "D-1")
    assert f"{RIGHT}, driver [agresivo]: let them keep control" in text and TYPO not in text
