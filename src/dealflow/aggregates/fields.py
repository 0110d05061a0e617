"""Check and type an action's fields against the playbook's field table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from dealflow.aggregates.errors import InvalidInput
from dealflow.aggregates.limits import AMOUNT, POSITIVE_AMOUNT
from dealflow.aggregates.money import parse_amount, parse_currency
from dealflow.playbook import Action, Field, Kind

YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})

Value = str | bool | Decimal | list[str] | dict[str, str]

MAY_BE_ZERO = frozenset({"gift_value"})  # a gift may be worth nothing; a quotation, upsell or referral not


def clean_fields(action: Action, values: Mapping[str, object]) -> dict[str, Value]:
    """The action's fields typed and checked; blank values are left out.

    Raises InvalidInput naming the field and the fix.
    """
    known = {field.name for field in action.fields}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidInput(f"{action.name} has no field {unknown[0]!r}: its fields are {', '.join(sorted(known))}")
    cleaned: dict[str, Value] = {}
    for field in action.fields:
        raw = values.get(field.name)
        if _is_blank(raw):
            if field.required:
                raise InvalidInput(f"{action.name} needs {_option(field)}: {field.help}")
            continue
        cleaned[field.name] = _clean(action, field, raw)
    return cleaned


def _is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple, dict)):
        return not raw
    return False


def _option(field: Field) -> str:
    return "--" + field.name.replace("_", "-")


def _clean(action: Action, field: Field, raw: object) -> Value:
    where = f"{action.name} {_option(field)}"
    match field.kind:
        case Kind.TEXT:
            return str(raw).strip()
        case Kind.YES_NO:
            return _yes_no(where, raw)
        case Kind.MONEY:
            return parse_amount(raw, where, AMOUNT if field.name in MAY_BE_ZERO else POSITIVE_AMOUNT)
        case Kind.CURRENCY:
            return parse_currency(raw)
        case Kind.CHOICE:
            return _choice(where, field, str(raw).strip())
        case Kind.CHOICES:
            return [_choice(where, field, item) for item in _items(field, where, raw)]
        case Kind.LIST:
            return _items(field, where, raw)
        case Kind.PAIRS:
            return _pairs(field, where, raw)
    raise AssertionError(field.kind)  # pragma: no cover - every Kind is matched above


def _yes_no(where: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InvalidInput(f"{where} must be yes or no, not {raw!r}")


def _choice(where: str, field: Field, value: str) -> str:
    if value not in field.choices:
        raise InvalidInput(f"{where} must be one of {', '.join(field.choices)}; got {value!r}")
    return value


def _items(field: Field, where: str, raw: object) -> list[str]:
    parts: Iterable[object]
    if isinstance(raw, str) and field.kind is Kind.CHOICES:
        parts = raw.split(",")
    elif isinstance(raw, (list, tuple)):
        parts = raw
    else:  # one value, such as a single product or a number
        parts = [raw]
    items = [str(part).strip() for part in parts if str(part).strip()]
    if len(items) < field.min_items or (field.max_items is not None and len(items) > field.max_items):
        most = f" and at most {field.max_items}" if field.max_items is not None else ""
        raise InvalidInput(f"{where} needs at least {field.min_items}{most} items; got {len(items)}")
    return items


def _pairs(field: Field, where: str, raw: object) -> dict[str, str]:
    if isinstance(raw, Mapping):  # checked like the NAME=REQUIREMENT items a person types
        raw = [f"{name}={requirement}" for name, requirement in raw.items()]
    pairs: dict[str, str] = {}
    for item in _items(field, where, raw):
        name, sep, requirement = item.partition("=")
        if not sep or not name.strip() or not requirement.strip():
            raise InvalidInput(f"{where} takes NAME=REQUIREMENT, e.g. 'uptime=99.9%'; got {item!r}")
        pairs[name.strip()] = requirement.strip()
    return pairs
