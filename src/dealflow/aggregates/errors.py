"""Domain errors: one base class; the CLI maps each kind to an exit code."""


class DealflowError(Exception):
    """Base class of every error dealflow raises on purpose."""


class Refused(DealflowError):
    """The method or the data refuses the command (exit 1)."""


class NotFound(Refused):
    """No deal, invoice or record of that name."""


class ConcurrentChange(Refused):
    """Another writer saved the same deal first."""


class InvalidInput(DealflowError):
    """A value is malformed: a bad amount, date, choice or missing field (exit 2)."""
