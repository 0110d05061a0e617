"""The method as a coach: the seed's advice on how to act, as data beside the playbook's catalogue.

What to say to each communication style, what marks each relationship level, the presentation's
eight steps, the proposal's parts, how to prepare and hold a negotiation, and the remedy for each
cause of non-payment. English, with the seed's own words in brackets. `coaching` says which advice
applies to an action; the CLI shows it in `act ACTION --help`, and `ageing` takes its step from the
cause's remedy.
"""

from __future__ import annotations

from dataclasses import dataclass

from dealflow.playbook import (
    ACQUAINT,
    AGREE,
    ALLY,
    AMIABLE,
    ANALYTICAL,
    BUILD_TRUST,
    COLLECTION_STEPS,
    CONCEDE,
    DEADLOCK,
    DEFAULTS,
    DEMONSTRATE,
    DRIVER,
    ENGAGE,
    EXCHANGE,
    EXPRESSIVE,
    FRAUD,
    OUR_FAULT,
    POSITIONS,
    PREPARE,
    UNWILLING,
    Effect,
    action_with,
)


@dataclass(frozen=True)
class Advice:
    """One piece of the seed's advice: what it concerns (a style, a level, a step, a part, a cause),
    the seed's word for it, and what to do."""

    name: str
    seed: str
    text: str


@dataclass(frozen=True)
class Remedy(Advice):
    """The advice for a cause of non-payment, and the step `ageing` recommends for it; None where the
    collection matrix (playbook.COLLECTION_STEPS) decides by how long overdue and how large."""

    step: str | None


@dataclass(frozen=True)
class Coaching:
    """Advice under a title, as a list; `ordered` when it is a sequence to follow."""

    title: str
    items: tuple[Advice, ...]
    ordered: bool = False


STYLES = (
    Advice(
        ANALYTICAL,
        "analítico",
        "be systematic, thorough and precise; be ready for many questions and put facts before analysis. "
        "Don't get too close or rush them: leave time to think, with plenty of evidence. "
        "Praise the precision of their work.",
    ),
    Advice(
        AMIABLE,
        "amable",
        "be relaxed and calm, a good listener; keep things as they are. Bring a specific plan built on "
        'written guidelines, be predictable and show your approval clearly. Say "we" and praise their '
        "teamwork; don't press for quick success.",
    ),
    Advice(
        EXPRESSIVE,
        "expresivo",
        "follow the relationship; show how your proposal improves their image. Be warm, frank and responsive, "
        'and welcome their stories and experiences. Ask more questions, and ask and answer with "who".',
    ),
    Advice(
        DRIVER,
        "agresivo",
        "let them keep control; focus on the task and the expected results. Be orderly, concise and precise, "
        'speak from facts, not feelings; ask and answer with "what". Don\'t waste their time or dwell on '
        "detail; offer several options.",
    ),
)

LEVELS = (
    Advice(ACQUAINT, "conocer", "the customer can call the seller by name."),
    Advice(
        ENGAGE,
        "cita",
        "the customer accepts invitations out: exchanges and seminars, visits to our company, meals, sport.",
    ),
    Advice(
        BUILD_TRUST,
        "confianza",
        "the customer's clear, unwavering support; they take part in more private activities with the seller.",
    ),
    Advice(
        ALLY,
        "alianza",
        "the customer acts to help the sale: shares inside information, introduces colleagues and leaders, "
        "firmly backs our solution when deciding.",
    ),
)

STYLE_BY_NAME = {style.name: style for style in STYLES}
LEVEL_BY_NAME = {level.name: level for level in LEVELS}

PROPOSAL_PARTS = (
    Advice(
        "background",
        "antecedentes",
        "the customer's situation and prospects, stressing the opportunities that raise their hopes; "
        "one paragraph at most.",
    ),
    Advice(
        "challenges",
        "problemas y desafíos",
        "the problems and challenges they face, in detail, and the harm they do to their prospects.",
    ),
    Advice(
        "solution",
        "solución",
        "overview, products, implementation plan and service: how it solves the customer's problem.",
    ),
    Advice(
        "quotation",
        "cotización",
        "every product and service of the plan priced, grouped and summed, for the customer to check.",
    ),
    Advice(
        "credentials",
        "documentos de crédito",
        "what qualifies us to bid: business licence, product description, company presentation.",
    ),
)

PRESENTATION_STEPS = (
    Advice("opening", "inicio", "make eye contact before you speak; nod to the customers and guests you know."),
    Advice(
        "catch attention",
        "capta la atención",
        "they judge you within a minute: open with a meaningful story or a question.",
    ),
    Advice("thanks", "expresar agradecimiento", "thank the customer for coming and welcome them."),
    Advice("meaning and value", "significado y valor", "say briefly what of value they will find here."),
    Advice("introduction", "introducción", "state the key points you will make."),
    Advice(
        "main content",
        "presentar el tema",
        "most of the time, in three to five points, shown with data and stories.",
    ),
    Advice("summary", "resumen", "repeat the key points and turn to the reason to buy."),
    Advice(
        "incentive to buy",
        "incentivo para comprar",
        "with confidence, urge the customer to decide to buy, before you finish.",
    ),
)

NEGOTIATION = (
    Advice(
        PREPARE,
        "división del trabajo y preparación",
        "divide the roles in the team and make everyone's responsibilities clear; set the outcome we aim "
        "for and the least we accept (our bottom line).",
    ),
    Advice(
        POSITIONS,
        "posición e intereses",
        "learn the customer's interests and their order of importance: price and fees, configuration, "
        "payment method, service period, delivery and installation, technical support, compensation.",
    ),
    Advice(
        EXCHANGE,
        "intercambio",
        "seek common ground and set differences aside; trade terms that matter little to us and much to "
        "them, for an agreement where both win.",
    ),
    Advice(
        CONCEDE,
        "concesiones",
        "make each concession smaller than the last: how and how much we give tells the customer where we stand.",
    ),
    Advice(
        DEADLOCK,
        "punto muerto",
        "often the prelude to the customer's concession: keep our side's position united, concede nothing "
        "arbitrary, show goodwill and stay at the table.",
    ),
    Advice(AGREE, "llegar a un acuerdo", "be patient: confirm each result with the customer and get it in writing."),
)


def _corner(long: bool, large: bool) -> Advice:
    return Advice(
        f"{'long' if long else 'short'} overdue, {'large' if large else 'small'} amount",
        f"período {'prolongado' if long else 'corto'}, cantidad {'grande' if large else 'pequeña'}",
        f"{COLLECTION_STEPS[long, large]}.",
    )


COLLECTION_MATRIX = tuple(_corner(long, large) for large in (False, True) for long in (False, True))  # seed's order

REMEDIES = (
    Remedy(
        FRAUD,
        "fraude malicioso",
        "hard to recover even when won in court. Review the customer's credit before the sale (business "
        "licence, the transactions on their account); where credit is doubtful, bring in a professional "
        "financial-risk firm.",
        "review the credit; bring in a financial-risk firm",
    ),
    Remedy(
        OUR_FAULT,
        "motivos nuestros",
        "late delivery, failed acceptance and the like: negotiate with the customer at once to solve the "
        "problem and limit their loss, before asking for the money.",
        "resolve the problem with the customer first",
    ),
    Remedy(
        UNWILLING,
        "no están dispuestos a pagar",
        "customers pay first the suppliers that collect strictly: manage collection strictly, by how long "
        "overdue and how large (the collection matrix).",
        None,
    ),
)
REMEDY_BY_CAUSE = {remedy.name: remedy for remedy in REMEDIES}


def remedy_step(cause: str | None, long: bool, large: bool) -> str:
    """The collection step for an overdue invoice: its cause's remedy; for an unwilling customer, or
    when no cause is known, the matrix by overdue long and amount large."""
    remedy = REMEDY_BY_CAUSE.get(cause or "")
    if remedy is not None and remedy.step is not None:
        return remedy.step
    return COLLECTION_STEPS[long, large]


_STYLES = Coaching(
    "Communication styles: identify the contact's first, then treat them so (styles overlap, and a "
    "person's changes over time):",
    STYLES,
)
COACHING: dict[str, tuple[Coaching, ...]] = {
    **{level.name: (Coaching("What marks this relationship level:", (level,)), _STYLES) for level in LEVELS},
    action_with(Effect.SETS_VALUE).name: (
        Coaching("The proposal's parts, for a large purchase, centred on the customer's needs:", PROPOSAL_PARTS, True),
    ),
    DEMONSTRATE: (Coaching("The presentation's eight steps:", PRESENTATION_STEPS, True),),
    action_with(Effect.NEGOTIATES).name: (
        Coaching("Preparing and holding the negotiation, step by step:", NEGOTIATION, True),
    ),
    action_with(Effect.COLLECTS).name: (
        Coaching(
            "The remedy for each cause of non-payment (`ageing` recommends the one for the cause of the "
            "invoice's latest chase):",
            REMEDIES,
        ),
        Coaching(
            "The collection matrix, for an unwilling customer: long is more than the collection-overdue-days "
            f"setting past due ({DEFAULTS.collection_overdue_days} by default), large at least "
            f"collection-large-amount ({DEFAULTS.collection_large_amount:,} by default):",
            COLLECTION_MATRIX,
        ),
    ),
}


def coaching(action: str) -> tuple[Coaching, ...]:
    """The seed's advice for an action; none for most."""
    return COACHING.get(action, ())
