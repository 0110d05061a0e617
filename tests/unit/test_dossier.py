"""The dossier `show` prints, of deals built through the domain alone (no store): each section's facts
from the deal's state and its history, the seed's coaching beside the contact or invoice it concerns,
and days counted to the day the dossier is for."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dealflow.aggregates.opportunity import Opportunity
from dealflow.coaching import LEVEL_BY_NAME, REMEDY_BY_CAUSE, STYLE_BY_NAME
from dealflow.dossier import IDENTIFY_STYLE, dossier
from dealflow.playbook import COLLECTION_STEPS, DEFAULTS
from dealflow.views import deal_detail

D0 = date.today() - timedelta(days=200)
ACTOR = "ana"
YES = {"opportunity": "yes", "solution": "yes", "winnable": "yes", "worth": "yes"}


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


class Deal:
    """A deal and every event it recorded, as the store would hold them."""

    def __init__(self, **details: Any) -> None:
        details = {"value": "120000", "currency": "EUR", **details}
        self.deal = Opportunity.open(deal_id="D-1", account="Acme", title="ERP", actor=ACTOR, on=day(0), **details)
        self.history: list[Any] = []

    def __call__(self, command: str, *args: Any, **options: Any) -> Deal:
        getattr(self.deal, command)(*args, actor=ACTOR, **options)
        self.history += self.deal.collect_events()
        return self

    def act(self, action: str, on: int, **fields: Any) -> Deal:
        return self("record_action", action, fields, on=day(on))

    def dossier(self, on: date | None = None) -> dict[str, Any]:
        self.history += self.deal.collect_events()
        return dossier(self.deal, self.history, on or date.today(), DEFAULTS)


def trusted() -> Deal:
    """Eva mapped at the decision level, Luis our guide; qualified, and in trust: Eva engaged."""
    deal = Deal()
    deal.act("map-stakeholder", 1, contact="Eva Ruiz", level="decision", function="technical", roles="decision-maker")
    deal.act("develop-guide", 1, contact="Luis Vega", position="IT manager")
    deal.act("qualify", 2, **YES)
    deal("advance", on=day(3))
    deal.act("acquaint", 4, contact="Eva Ruiz", activity="phone", style="analytical")
    deal.act("engage", 5, contact="eva ruiz", activity="site-visit")  # the same person, written otherwise
    return deal


def negotiating() -> Deal:
    """In commitment since day 20, negotiating price and payment."""
    deal = trusted()
    deal.act("ally", 6, contact="Eva Ruiz", activity="firm-support")
    deal("advance", on=day(7))
    deal.act("explore-goals", 8, goals="growth,cost-reduction", summary="two new sites")
    deal.act("diagnose-problem", 8, obstacle="old ERP", impact="12-day close")
    deal.act("diagnose-problem", 9, obstacle="manual planning")
    deal.act("shape-solution", 9, outline="cloud ERP", products=["erp", "mes"], timing="Q3")
    deal.act("set-criteria", 10, criteria="users=400", buying_stage="evaluation")
    deal("advance", evidence="RFP 114", on=day(11))
    deal.act("submit-proposal", 12, quotation="125000", background="family-owned")
    deal.act("submit-proposal", 13, quotation="120000", challenges="growth", solution="cloud ERP")
    deal("advance", evidence="kick-off", on=day(20))
    deal("set_bottom_line", "price", "100000", on=day(21))
    deal("concede", term="price", by="us", before="120000", after="117000", on=day(22))
    deal("concede", term="price", by="customer", before="95000", after="100000", on=day(23))
    deal("concede", term="price", by="us", before="117000", after="110000", on=day(24))  # wider: flagged
    deal("concede", term="payment", by="customer", before="90", after="60", on=day(25))
    deal.act("negotiate", 26, step="deadlock")
    return deal


def receivable() -> Deal:
    """Signed for 110000 on day 30; INV-1 due day 60, chased; INV-2 due day 90; INV-3 paid."""
    deal = negotiating()
    deal("sign", amount="110000", on=day(30))
    deal("invoice", "INV-1", amount="50000", due=day(60), issued=day(30), on=day(30))
    deal("invoice", "INV-2", amount="5000", due=day(90), issued=day(30), on=day(30))
    deal("invoice", "INV-3", amount="1000", due=day(40), issued=day(30), on=day(30))
    deal("pay", "INV-1", amount="10000", on=day(61))
    deal("pay", "INV-3", amount="1000", on=day(62))
    deal("chase", "INV-1", cause="our-fault", method="call", note="late delivery", on=day(80))
    deal("chase", "INV-1", cause="unwilling", method="letter", on=day(70))  # recorded later, dated earlier
    return deal


def test_a_new_deal_has_every_section_and_nothing_in_them_but_what_comes_next():
    shown = Deal().dossier(on=day(10))

    assert (shown["stakeholders"], shown["proposal"], shown["invoices"]) == ([], None, [])
    assert shown["qualification"]["answers"] == dict.fromkeys(("opportunity", "solution", "winnable", "worth"))
    assert not shown["qualification"]["clear"] and shown["qualification"]["answered_on"] is None
    assert shown["needs"] == {
        "goals": [], "goals_summary": None, "obstacles": [], "solution": None, "criteria": {}, "buying_stage": None,
    }  # fmt: skip
    assert shown["negotiation"] == {"terms": [], "deadlocks": 0, "last_step": None}
    assert (shown["as_of"], shown["stage_since"], shown["days_in_stage"]) == (day(10), day(0), 10)
    assert shown["last_activity"] == {
        "on": day(0), "days_ago": 10, "what": "open", "event": "Opened", "actor": ACTOR, "version": 1,
    }  # fmt: skip
    assert shown["next"] == [
        "qualify has not been recorded: answer its four questions",
        "not yet recorded in analysis: develop-guide, collect-info, map-stakeholder, qualify",
    ]


def test_the_dossier_keeps_every_key_of_the_deal_detail_and_each_invoice_row_gains_fields():
    deal = receivable()

    detail, shown = deal_detail(deal.deal), deal.dossier()

    kept = [key for key in detail if key != "invoices"]
    assert {key: shown[key] for key in kept} == {key: detail[key] for key in kept}
    for before, after in zip(detail["invoices"], shown["invoices"], strict=True):
        assert after.items() >= before.items()


def test_each_contact_has_level_function_roles_relationship_and_style_with_coaching_beside_them():
    eva, luis = trusted().dossier()["stakeholders"]

    assert {key: eva[key] for key in ("contact", "level", "function", "roles", "guide")} == {
        "contact": "Eva Ruiz", "level": "decision", "function": "technical", "roles": ["decision-maker"],
        "guide": False,
    }  # fmt: skip
    assert (eva["relationship"], eva["relationship_on"], eva["style"]) == ("engage", day(5), "analytical")
    assert eva["coaching"]["style"] == STYLE_BY_NAME["analytical"].text
    assert (eva["coaching"]["next_level"], eva["coaching"]["next_level_marks"]) == (
        "build-trust",
        LEVEL_BY_NAME["build-trust"].text,
    )
    assert (luis["contact"], luis["guide"], luis["position"], luis["relationship"]) == (
        "Luis Vega", True, "IT manager", None,
    )  # fmt: skip
    assert (luis["coaching"]["style"], luis["coaching"]["next_level"]) == (IDENTIFY_STYLE, "acquaint")


def test_an_ally_has_no_next_level_and_keeps_the_style_last_recorded():
    deal = trusted()
    deal.act("ally", 6, contact="Eva Ruiz", activity="firm-support", style="driver")

    eva = deal.dossier()["stakeholders"][0]

    assert (eva["relationship"], eva["style"], eva["coaching"]["next_level"]) == ("ally", "driver", None)
    assert eva["coaching"]["style"] == STYLE_BY_NAME["driver"].text


def test_the_qualification_needs_and_latest_proposal_are_as_recorded():
    shown = negotiating().dossier()

    assert shown["qualification"]["answers"] == dict.fromkeys(("opportunity", "solution", "winnable", "worth"), True)
    assert shown["qualification"]["clear"] and shown["qualification"]["answered_on"] == day(2)
    assert shown["needs"] == {
        "goals": ["growth", "cost-reduction"],
        "goals_summary": "two new sites",
        "obstacles": [
            {"obstacle": "old ERP", "impact": "12-day close"},
            {"obstacle": "manual planning", "impact": None},
        ],
        "solution": {"outline": "cloud ERP", "products": ["erp", "mes"], "timing": "Q3"},
        "criteria": {"users": "400"},
        "buying_stage": "evaluation",
    }
    proposal = shown["proposal"]
    assert (proposal["quotation"], proposal["submitted_on"], proposal["proposals"]) == (Decimal(120000), day(13), 2)
    assert (proposal["background"], proposal["challenges"], proposal["missing_parts"]) == (
        None, "growth", ["background", "credentials"],
    )  # fmt: skip


def test_the_negotiation_per_term_gives_bottom_line_positions_rounds_what_each_gave_flags_and_deadlocks():
    negotiation = negotiating().dossier(on=day(30))["negotiation"]

    price, payment = negotiation["terms"]
    assert price == {
        "term": "price", "bottom_line": Decimal(100000), "ours": Decimal(110000), "theirs": Decimal(100000),
        "rounds": 3, "given": Decimal(10000), "received": Decimal(5000), "widened": True, "past_bottom_line": False,
    }  # fmt: skip
    assert (payment["term"], payment["bottom_line"], payment["theirs"], payment["received"]) == (
        "payment", None, Decimal(60), Decimal(30),
    )  # fmt: skip
    assert (negotiation["deadlocks"], negotiation["last_step"]) == (1, "deadlock")


def test_a_concession_past_the_bottom_line_is_flagged_on_its_term():
    deal = negotiating()
    deal("concede", term="price", by="us", before="110000", after="99000", override="key account", on=day(27))

    price = deal.dossier()["negotiation"]["terms"][0]

    assert (price["ours"], price["past_bottom_line"], price["given"]) == (Decimal(99000), True, Decimal(21000))


def test_each_invoice_gives_days_overdue_its_last_chase_by_date_and_the_step_and_remedy_its_cause_calls_for():
    shown = receivable().dossier(on=day(100))

    one, two, three = shown["invoices"]
    assert (one["balance"], one["days_overdue"]) == (Decimal(40000), 40)
    assert one["last_chase"] == {"on": day(80), "cause": "our-fault", "method": "call", "note": "late delivery"}
    assert one["next_step"] == REMEDY_BY_CAUSE["our-fault"].step
    assert one["remedy"] == REMEDY_BY_CAUSE["our-fault"].text
    assert (two["days_overdue"], two["last_chase"], two["remedy"]) == (10, None, None)
    assert two["next_step"] == COLLECTION_STEPS[False, False]  # short and small: the matrix, no cause known
    assert (three["balance"], three["days_overdue"], three["next_step"]) == (0, 0, None)  # paid
    assert [step for step in shown["next"] if step.startswith("collect ")] == [
        f"collect INV-1 (40 days overdue): {REMEDY_BY_CAUSE['our-fault'].step}",
        f"collect INV-2 (10 days overdue): {COLLECTION_STEPS[False, False]}",
    ]


def test_an_unwilling_customers_invoice_takes_the_matrix_step_by_how_long_and_how_large():
    deal = negotiating()
    deal("sign", amount="110000", on=day(30))
    deal("invoice", "INV-9", amount="60000", due=day(40), issued=day(30), on=day(30))
    deal("chase", "INV-9", cause="unwilling", method="letter", on=day(50))

    early, late = (deal.dossier(on=day(days))["invoices"][0] for days in (50, 90))

    assert (early["days_overdue"], early["next_step"]) == (10, COLLECTION_STEPS[False, True])
    assert (late["days_overdue"], late["next_step"]) == (50, COLLECTION_STEPS[True, True])
    assert late["remedy"] == REMEDY_BY_CAUSE["unwilling"].text


def test_the_last_activity_is_the_latest_by_date_not_the_last_recorded():
    deal = trusted()
    deal("note", "met Eva at the fair", on=day(5))
    deal("note", "called Luis", on=day(4))  # recorded last, dated earlier

    last = deal.dossier(on=day(9))["last_activity"]

    assert (last["on"], last["what"], last["version"], last["days_ago"]) == (day(5), "note", 8, 4)


def test_a_closed_deal_has_nothing_next():
    deal = negotiating()
    deal("sign", amount="110000", on=day(30))
    deal("invoice", "INV-1", amount="110000", due=day(60), issued=day(30), on=day(30))
    deal("pay", "INV-1", amount="110000", on=day(40))

    shown = deal.dossier()

    assert (shown["status"], shown["next"], shown["invoices"][0]["days_overdue"]) == ("closed", [], 0)
