"""The sales method as data: six stages, four actions each, their fields and exit signals.

This module is the single place where stage, action, field and lifecycle names
are spelled. The lifecycle machine, field validation, the CLI's action
commands, report ordering and the docs are all derived from these tables.
Source: the "six styles" B2B sales method (see docs/playbook.md).
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar


class Kind(enum.Enum):
    """How a field's value is written and checked."""

    TEXT = "text"
    CHOICE = "choice"  # one of `choices`
    CHOICES = "choices"  # one or more of `choices`
    YES_NO = "yes/no"
    MONEY = "money"  # a non-negative decimal amount
    CURRENCY = "currency"  # an ISO 4217 code
    LIST = "list"  # one or more free-text items
    PAIRS = "pairs"  # one or more NAME=VALUE items


class Effect(enum.Enum):
    """What an action does to the deal beyond moving to its sub-state."""

    QUALIFIES = "answers the four qualifying questions"
    STAKEHOLDER = "maps a stakeholder"
    RELATIONSHIP = "raises a contact's relationship level"
    SETS_CRITERIA = "records procurement criteria and the buying stage"
    SETS_VALUE = "sets the expected value from the quotation"
    UPSELLS = "adds to the expected value"
    NEGOTIATES = "records a negotiation step"
    REFERRAL = "opens a new deal for the referred account"
    COLLECTS = "records a collection step on an invoice"


@dataclass(frozen=True)
class Field:
    name: str
    help: str
    kind: Kind = Kind.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False
    min_items: int = 1
    max_items: int | None = None


@dataclass(frozen=True)
class Action:
    name: str
    seed: str
    summary: str
    fields: tuple[Field, ...] = ()
    effect: Effect | None = None

    def field(self, name: str) -> Field:
        return next(field for field in self.fields if field.name == name)


# Exit-signal rules: declarative; the domain (aggregates/signals.py) evaluates them.
@dataclass(frozen=True)
class AllYes:
    """The latest record of `action` answered yes to every yes/no field."""

    action: str


@dataclass(frozen=True)
class RelationshipReached:
    """A stakeholder mapped at `stakeholder_level` has reached one of `levels`."""

    stakeholder_level: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class EveryActionDone:
    """Each of the stage's actions has been recorded at least once."""


@dataclass(frozen=True)
class ActionDone:
    action: str


@dataclass(frozen=True)
class EvidenceGiven:
    """`advance` must be given evidence, described by `what`."""

    what: str


@dataclass(frozen=True)
class Signed:
    """The stage is left only by signing the agreement."""


@dataclass(frozen=True)
class FullyPaid:
    """The signed amount is fully invoiced and every invoice is settled."""


Rule = AllYes | RelationshipReached | EveryActionDone | ActionDone | EvidenceGiven | Signed | FullyPaid


@dataclass(frozen=True)
class ExitSignal:
    summary: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    seed: str
    opens_with: str
    exit_signal: ExitSignal
    actions: tuple[Action, ...]
    probability: Decimal

    def action(self, name: str) -> Action:
        return next(action for action in self.actions if action.name == name)


def _yes_no(name: str, question: str) -> Field:
    return Field(name, question, Kind.YES_NO, required=True)


CONTACT = Field("contact", "the person at the customer", required=True)
COMMUNICATION_STYLES = ANALYTICAL, AMIABLE, EXPRESSIVE, DRIVER = ("analytical", "amiable", "expressive", "driver")
GIFT_ACTIVITIES = ("small-gift", "valuable-gift")


def _trust_action(name: str, seed: str, summary: str, activities: tuple[str, ...]) -> Action:
    return Action(
        name,
        seed,
        summary,
        (
            CONTACT,
            Field("activity", "how the relationship was built", Kind.CHOICE, activities, required=True),
            Field("style", "the contact's communication style", Kind.CHOICE, COMMUNICATION_STYLES),
            Field("gift_value", "the value of a gift, in the deal's currency", Kind.MONEY),
            Field("approver", "who approved a gift above the limit"),
        ),
        Effect.RELATIONSHIP,
    )


STAKEHOLDER_LEVELS = ("operation", "management", "decision")
BUYING_STAGES = (
    "discovering-needs",
    "internal-elaboration",
    "procurement-design",
    "evaluation",
    "commitment",
    "implementation",
)
PREPARE, POSITIONS, EXCHANGE, CONCEDE, DEADLOCK, AGREE = (
    "prepare",
    "positions",
    "exchange",
    "concede",
    "deadlock",
    "agree",
)
NEGOTIATION_STEPS = (PREPARE, POSITIONS, EXCHANGE, CONCEDE, DEADLOCK, AGREE)  # the seed's six steps
RELATIONSHIP_LEVELS = ACQUAINT, ENGAGE, BUILD_TRUST, ALLY = ("acquaint", "engage", "build-trust", "ally")
CAUSES = FRAUD, OUR_FAULT, UNWILLING = ("fraud", "our-fault", "unwilling")  # why an invoice is unpaid
DEMONSTRATE = "demonstrate"

STAGES: tuple[Stage, ...] = (
    Stage(
        "analysis",
        "customer analysis",
        "análisis de clientes",
        "a target customer is chosen (the deal is opened)",
        ExitSignal("a clear sales opportunity", (AllYes("qualify"),)),
        (
            Action(
                "develop-guide",
                "guía de desarrollo",
                "an insider who recognises our value and shares information",
                (CONTACT, Field("position", "their position at the customer")),
            ),
            Action(
                "collect-info",
                "recopilación de información",
                "what we learned about the customer",
                (
                    Field(
                        "category",
                        "what the information is about",
                        Kind.CHOICE,
                        ("background", "business", "usage", "organisation", "personal", "competition"),
                        required=True,
                    ),
                    Field("summary", "what was learned", required=True),
                ),
            ),
            Action(
                "map-stakeholder",
                "análisis de la estructura organizacional",
                "a person in the buying organisation and their part in the decision",
                (
                    CONTACT,
                    Field("level", "their level", Kind.CHOICE, STAKEHOLDER_LEVELS),
                    Field("function", "their function", Kind.CHOICE, ("user", "technical", "procurement")),
                    Field(
                        "roles",
                        "their roles in the purchase",
                        Kind.CHOICES,
                        ("source", "decision-maker", "user", "designer", "evaluator"),
                    ),
                ),
                Effect.STAKEHOLDER,
            ),
            Action(
                "qualify",
                "juzgue las oportunidades de venta",
                "answer the four questions that make an opportunity clear",
                (
                    _yes_no("opportunity", "is there an opportunity?"),
                    _yes_no("solution", "do we have a solution?"),
                    _yes_no("winnable", "can we win?"),
                    _yes_no("worth", "is it worth winning?"),
                ),
                Effect.QUALIFIES,
            ),
        ),
        Decimal("0.10"),
    ),
    Stage(
        "trust",
        "building trust",
        "generar confianza",
        "a clear sales opportunity",
        ExitSignal(
            "good relationships with the key account's contacts",
            (RelationshipReached("decision", (BUILD_TRUST, ALLY)),),
        ),
        (
            _trust_action(ACQUAINT, "conocer", "get to know a contact", ("phone", "visit", "small-gift")),
            _trust_action(
                ENGAGE,
                "cita",
                "meet a contact on business",
                ("business-activity", "site-visit", "technical-exchange", "trial"),
            ),
            _trust_action(
                BUILD_TRUST,
                "confianza",
                "earn a contact's trust",
                ("social", "family-event", "offsite-visit", "valuable-gift"),
            ),
            _trust_action(ALLY, "alianza", "make a contact an ally", ("introduce", "become-guide", "firm-support")),
        ),
        Decimal("0.20"),
    ),
    Stage(
        "needs",
        "discovering needs",
        "necesidades de excavación",
        "good relationships with the key account's contacts",
        ExitSignal(
            "the customer's explicit request, usually in writing",
            (EveryActionDone(), EvidenceGiven("of the customer's explicit request, e.g. an RFP reference")),
        ),
        (
            Action(
                "explore-goals",
                "metas y aspiraciones",
                "the customer's goals and aspirations",
                (
                    Field(
                        "goals",
                        "the goals",
                        Kind.CHOICES,
                        ("growth", "profitability", "asset-efficiency", "cost-reduction", "risk-reduction", "other"),
                        required=True,
                    ),
                    Field("summary", "the goals in the customer's words"),
                ),
            ),
            Action(
                "diagnose-problem",
                "problema",
                "the obstacle between the customer and their goals",
                (Field("obstacle", "the obstacle", required=True), Field("impact", "what it costs the customer")),
            ),
            Action(
                "shape-solution",
                "solución; productos y servicios",
                "the solution and the products and services it needs",
                (
                    Field("outline", "the solution outline", required=True),
                    Field("products", "the products and services it needs", Kind.LIST),
                    Field("timing", "when the customer needs it"),
                ),
            ),
            Action(
                "set-criteria",
                "indicadores de adquisiciones; etapa de compra",
                "the procurement criteria and the customer's buying stage",
                (
                    Field("criteria", "a criterion as NAME=REQUIREMENT", Kind.PAIRS, required=True),
                    Field("buying_stage", "the customer's buying stage", Kind.CHOICE, BUYING_STAGES),
                ),
                Effect.SETS_CRITERIA,
            ),
        ),
        Decimal("0.35"),
    ),
    Stage(
        "value",
        "presenting value",
        "valor presente",
        "the customer's explicit request",
        ExitSignal(
            "commercial negotiations begin",
            (
                ActionDone("submit-proposal"),
                EvidenceGiven("that commercial negotiations have begun, e.g. the first negotiation meeting"),
            ),
        ),
        (
            Action(
                "analyze-competition",
                "análisis competitivo",
                "a competitor's strengths and weaknesses against ours",
                (
                    Field("competitor", "the competitor", required=True),
                    Field("strengths", "our strengths"),
                    Field("weaknesses", "our weaknesses"),
                    Field("needs", "which of the customer's needs they touch"),
                ),
            ),
            Action(
                "plan-strategy",
                "estrategia competitiva",
                "per stakeholder, how to show strengths and answer weaknesses",
                (
                    Field("stakeholder", "the stakeholder the plan is for", required=True),
                    Field("plan", "the plan", required=True),
                ),
            ),
            Action(
                "submit-proposal",
                "haga una propuesta",
                "the proposal and its quotation",
                (
                    Field("quotation", "the quoted amount", Kind.MONEY, required=True),
                    Field("currency", "the quotation's currency (ISO 4217)", Kind.CURRENCY),
                    Field("background", "the customer's background"),
                    Field("challenges", "the challenges"),
                    Field("solution", "our solution"),
                    Field("credentials", "our credentials"),
                ),
                Effect.SETS_VALUE,
            ),
            Action(
                DEMONSTRATE,
                "demostración del plan",
                "show the solution to the customer",
                (
                    Field("audience", "who attended", required=True),
                    Field(
                        "key_points", "a key point (three to five)", Kind.LIST, required=True, min_items=3, max_items=5
                    ),
                    Field("outcome", "how it went"),
                ),
            ),
        ),
        Decimal("0.50"),
    ),
    Stage(
        "commitment",
        "winning commitment",
        "compromiso ganador",
        "commercial negotiations begin",
        ExitSignal("the agreement is signed", (Signed(),)),
        (
            Action(
                "spot-buying-signal",
                "identificar las señales de compra",
                "a sign that the customer is ready to buy",
                (
                    Field(
                        "kind",
                        "the kind of signal",
                        Kind.CHOICE,
                        ("price-enquiry", "terms-enquiry", "feature-enquiry", "other"),
                        required=True,
                    ),
                ),
            ),
            Action(
                "promote-close",
                "promocionar transacciones",
                "move the customer to close",
                (
                    Field(
                        "method",
                        "how",
                        Kind.CHOICE,
                        ("direct-suggestion", "choice", "limited-offer", "benefit-summary"),
                        required=True,
                    ),
                ),
            ),
            Action(
                "upsell",
                "upsale",
                "sell more: adds to the expected value",
                (
                    Field("product", "what was added", required=True),
                    Field("amount", "the amount added to the expected value", Kind.MONEY, required=True),
                ),
                Effect.UPSELLS,
            ),
            Action(
                "negotiate",
                "negociar",
                "a step of the negotiation",
                (Field("step", "the negotiation step", Kind.CHOICE, NEGOTIATION_STEPS, required=True),),
                Effect.NEGOTIATES,
            ),
        ),
        Decimal("0.75"),
    ),
    Stage(
        "follow_up",
        "follow-up service",
        "servicio de seguimiento",
        "the signed agreement",
        ExitSignal("the customer has paid all accounts", (FullyPaid(),)),
        (
            Action(
                "confirm-satisfaction",
                "consolidar la satisfacción",
                "check the customer is satisfied",
                (
                    Field(
                        "checkpoint",
                        "when",
                        Kind.CHOICE,
                        ("delivery", "acceptance", "first-use", "complaint"),
                        required=True,
                    ),
                    Field("outcome", "what the customer said"),
                ),
            ),
            Action(
                "request-referral",
                "solicite un formulario de recomendación",
                "ask the customer for a referral",
                (CONTACT, Field("outcome", "what they said")),
            ),
            Action(
                "referral-sale",
                "ventas recomendadas",
                "open a new deal for a referred account, linked to this one",
                (
                    Field("account", "the referred account", required=True),
                    Field("title", "the new deal's title"),
                    Field("value", "the new deal's expected value", Kind.MONEY),
                ),
                Effect.REFERRAL,
            ),
            Action(
                "collect",
                "cuentas por cobrar",
                "a collection step on an unpaid invoice",
                (
                    Field("invoice", "the invoice id", required=True),
                    Field("cause", "why it is unpaid", Kind.CHOICE, CAUSES, required=True),
                    Field("method", "how it is being collected", required=True),
                ),
                Effect.COLLECTS,
            ),
        ),
        Decimal("1.00"),  # a deal in follow-up is won
    ),
)

STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in STAGES)
OPEN_STAGE_NAMES: tuple[str, ...] = STAGE_NAMES[:-1]  # the stages a deal can be lost from
WON_STAGE: Stage = STAGES[-1]
SIGNING_STAGE: Stage = STAGES[-2]

# The lifecycle outside the six stages.
ENTERED = "entered"  # a stage's sub-state before any of its actions
LOST = "lost"
CLOSED = "closed"


class Status(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    CLOSED = "closed"


class Move(enum.StrEnum):
    """The commands that move a deal between stages (the actions move within one)."""

    ADVANCE = "advance"
    BACK = "back"
    LOSE = "lose"
    REOPEN = "reopen"
    SIGN = "sign"
    CLOSE = "close"


LOST_REASONS = ("price", "product-fit", "competitor", "no-decision", "budget", "timing", "relationship", "other")
CONCESSION_TERMS = ("price", "payment", "delivery", "service", "other")
US, CUSTOMER = "us", "customer"
CONCEDED_BY = (US, CUSTOMER)


# The seed's collection matrix: the step recommended for an overdue invoice, by (overdue long?, amount large?).
# "Long" and "large" are judged against the collection-overdue-days and collection-large-amount settings.
COLLECTION_STEPS: dict[tuple[bool, bool], str] = {
    (False, False): "finance collects as usual",
    (True, False): "raise the collection level",
    (False, True): "the salesperson visits to collect",
    (True, True): "negotiate a special payment arrangement",
}


def probability_setting(stage: str) -> str:
    """The setting that holds a stage's probability for the weighted pipeline, e.g. probability_value."""
    return f"probability_{stage}"


PROBABILITY_SETTINGS: tuple[str, ...] = tuple(probability_setting(stage.name) for stage in STAGES)

# Settings a team may change (event-sourced in the store); these are the starting values. The
# stage probabilities are generated from STAGES, so that a stage added there has its setting.
if TYPE_CHECKING:

    class Defaults:
        """What a type checker knows of the settings class made below at run time."""

        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[object]]]
        gift_limit: Decimal
        collection_overdue_days: int
        collection_large_amount: Decimal
        stalled_days: int

        def __init__(self, **values: object) -> None: ...
        def probability(self, stage: str) -> Decimal: ...
        def __getattr__(self, name: str) -> Decimal: ...  # probability_<stage>

else:
    Defaults = dataclasses.make_dataclass(
        "Defaults",
        [
            ("gift_limit", Decimal, dataclasses.field(default=Decimal("100"))),
            ("collection_overdue_days", int, dataclasses.field(default=30)),
            ("collection_large_amount", Decimal, dataclasses.field(default=Decimal("10000"))),
            ("stalled_days", int, dataclasses.field(default=30)),
            *(
                (probability_setting(stage.name), Decimal, dataclasses.field(default=stage.probability))
                for stage in STAGES
            ),
        ],
        frozen=True,
        namespace={"probability": lambda self, stage: getattr(self, probability_setting(stage))},
    )
    Defaults.__module__ = __name__

DEFAULTS = Defaults()

ACTIONS: dict[str, Action] = {action.name: action for stage in STAGES for action in stage.actions}
STAGE_OF_ACTION: dict[str, Stage] = {action.name: stage for stage in STAGES for action in stage.actions}
STAGE_BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGES}


def action_with(effect: Effect) -> Action:
    """The one action that has `effect`: how the domain finds, e.g., the qualifying action."""
    return next(action for action in ACTIONS.values() if action.effect is effect)


class Record(enum.StrEnum):
    """Cross-cutting records, allowed in any open state, that do not move the machine."""

    NOTE = "note"
    ASSIGN = "assign"
    FORECAST = "forecast"
    BUYING_STAGE = "buying-stage"


class Revise(enum.StrEnum):
    """Revisions of the record, allowed in any state, that are no step of the method: the method judges
    the history they leave instead (`aggregates/correcting.py`)."""

    CORRECT = "correct"
    VOID = "void"
