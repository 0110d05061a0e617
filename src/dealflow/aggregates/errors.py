"""Domain errors: one base class; the CLI maps each kind to an exit code.

An error says what was refused and the fix in the domain's words. Where it names a value the person
gave, it names it as a `Field` (`ON`, `CURRENCY`, ...) or a `Command` to run, never as a command-line
option: each front end renders those in its own vocabulary (the CLI as `--on` and
`dealflow concede DEAL --term ...`, an import as its column or "the date"). `str(error)` is the
domain's own rendering. Values are passed beside the template, never formatted into it, so braces in
a person's text cannot break or forge a message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

# How a field reads in the domain's words, where its name would not do.
DOMAIN_WORDS = {
    "on": "date",
    "issued": "issue date",
    "due": "due date",
    "from": "position before",
    "to": "position after",
    "by": "side",
}


class Field:
    """A value a person gives a command, by its name in the domain (`on`, `currency`, `from`).

    Where a message needs an article before it, `REASON.a` or `APPROVER.the` says which: the domain
    then reads "a reason", the command line "a --reason". A plain field reads "the reason" in the
    domain and "--reason" on the command line; `CURRENCY.bare` reads "currency" in both."""

    __slots__ = ("article", "name")

    def __init__(self, name: str, article: str | None = None) -> None:
        self.name, self.article = name, article

    @property
    def a(self) -> Field:
        return Field(self.name, "a")

    @property
    def the(self) -> Field:
        return Field(self.name, "the")

    @property
    def bare(self) -> Field:
        return Field(self.name, "")

    def __repr__(self) -> str:
        return f"Field({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Field) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


class Command:
    """A command the fix asks for: its name, its arguments and the fields it takes (a field with the
    value to give it, or alone)."""

    __slots__ = ("arguments", "fields", "name")

    def __init__(self, name: str, *arguments: str, fields: Sequence[Field | tuple[Field, str]] = ()) -> None:
        self.name, self.arguments, self.fields = name, arguments, tuple(fields)

    def __repr__(self) -> str:
        return f"Command({self.name!r})"


ON, ISSUED, DUE = Field("on"), Field("issued"), Field("due")
AMOUNT, VALUE, CURRENCY = Field("amount"), Field("value"), Field("currency")
TITLE, OWNER, REASON, EVIDENCE = Field("title"), Field("owner"), Field("reason"), Field("evidence")
TERM, BY, FROM, TO, ROUND, OVERRIDE = (Field(name) for name in ("term", "by", "from", "to", "round", "override"))
GIFT_VALUE, APPROVER, CLOSE_BY, LEVEL = Field("gift_value"), Field("approver"), Field("close_by"), Field("level")
STEP, NOTE, ID, AS_OF = Field("step"), Field("note"), Field("id"), Field("as_of")


def domain_name(field: Field) -> str:
    words = DOMAIN_WORDS.get(field.name, field.name.replace("_", " "))
    article = "the" if field.article is None else field.article
    return f"{article} {words}" if article else words


def domain_command(command: Command) -> str:
    return f"the {command.name} command"


class Vocabulary:
    """How a front end names fields and commands in its messages."""

    def __init__(
        self,
        field: Callable[[Field], str] = domain_name,
        command: Callable[[Command], str] = domain_command,
    ) -> None:
        self.field, self.command = field, command

    def render(self, template: str, parts: Sequence[object]) -> str:
        if not parts:
            return template
        named = [
            self.field(part) if isinstance(part, Field) else self.command(part) if isinstance(part, Command) else part
            for part in parts
        ]
        return template.format(*named)


DOMAIN = Vocabulary()


class DealflowError(Exception):
    """Base class of every error dealflow raises on purpose.

    `template` is the message, with `{}` where each of `parts` goes (a `Field`, a `Command` or a value);
    `rule` names the rule broken, in a few words, for a front end that tags what it refuses."""

    def __init__(self, template: str, *parts: object, rule: str | None = None) -> None:
        self.template, self.parts, self.rule = template, parts, rule
        super().__init__(template, *parts)

    @property
    def fields(self) -> tuple[Field, ...]:
        """The values the message names: what a front end points at when it shows the error."""
        return tuple(part for part in self.parts if isinstance(part, Field))

    def render(self, vocabulary: Vocabulary = DOMAIN) -> str:
        return vocabulary.render(self.template, self.parts)

    def __str__(self) -> str:
        return self.render()


class Refused(DealflowError):
    """The method or the data refuses the command (exit 1)."""


class NotFound(Refused):
    """No deal, invoice or record of that name."""


class ConcurrentChange(Refused):
    """Another writer saved the same deal first."""


class InvalidInput(DealflowError):
    """A value is malformed: a bad amount, date, choice or missing field (exit 2)."""
