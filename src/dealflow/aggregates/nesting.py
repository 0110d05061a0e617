"""transitions' HierarchicalMachine without the rest of `transitions.extensions`.

That package's `__init__` also imports its diagram, locking and asyncio machines;
asyncio alone pulls in ssl and sockets. Measured here, that is ~19 ms on every
recording command for code the command never runs. The nesting module needs
only `transitions.core`, so it is loaded under a placeholder package that is
removed straight after: a later `import transitions.extensions` (the diagram
command) runs the real package, which reuses this same nesting module.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

import transitions

_PACKAGE = "transitions.extensions"


def _load_nesting() -> types.ModuleType:
    if _PACKAGE in sys.modules:
        return importlib.import_module(f"{_PACKAGE}.nesting")
    placeholder = types.ModuleType(_PACKAGE)
    placeholder.__path__ = [str(Path(transitions.__file__).parent / "extensions")]
    sys.modules[_PACKAGE] = placeholder
    try:
        return importlib.import_module(f"{_PACKAGE}.nesting")
    finally:
        del sys.modules[_PACKAGE]


_nesting = _load_nesting()
HierarchicalMachine = _nesting.HierarchicalMachine
NestedState = _nesting.NestedState
