"""transitions' HierarchicalMachine without the rest of `transitions.extensions`.

That package's `__init__` also imports its diagram, locking and asyncio machines;
asyncio alone pulls in ssl and sockets: code a recording command never runs. The nesting
module needs only `transitions.core`, so it is loaded under a placeholder package that is
removed straight after: a later `import transitions.extensions` (the diagram command) runs
the real package, which reuses this same nesting module.

Kept because the figure shows it (issue 13, measured back to back on one busy machine):
`bench/run.py startup`, `dealflow act` against `sqlite-utils insert`, medians of 31 runs,
twice each: 284 and 281 ms with this module (ratio 0.92 and 0.93, the target is at most 1.0)
against 333 and 430 ms with a plain `from transitions.extensions.nesting import ...` (ratio
1.15 and 1.23). Importing the lifecycle alone, fastest of 40 processes: 61 ms against 92 ms.
(Issue 3 measured ~19 ms on a quiet machine.) The saving is one a process: `bench/run.py
application` runs all its commands in one process, after the one import.
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
