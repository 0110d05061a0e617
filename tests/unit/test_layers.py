"""The layers' arrows point one way (ARCHITECTURE.md): `cli -> imports/exports -> reports -> projections
-> application -> storage/aggregates -> playbook`, and nothing below `cli` imports click. Read from the
source's import statements, those inside functions included, so that a lazy import cannot hide an arrow."""

from __future__ import annotations

import ast
from pathlib import Path

import dealflow

PACKAGE = Path(dealflow.__file__).parent
LAYER = {  # a module may import from its own layer and the layers below it
    "cli": 6,
    "imports": 5,
    "exports": 5,
    "reports": 4,
    "projections": 3,
    "application": 2,
    "storage": 1,
    "aggregates": 1,
    "dossier": 1,  # a pure view of a deal and its history: the domain's words, no store
    "playbook": 0,
    "coaching": 0,
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def _modules() -> list[tuple[str, Path]]:
    """Every module of a layer, with the layer it is in."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        top = path.relative_to(PACKAGE).with_suffix("").parts[0]
        if top in LAYER:
            found.append((top, path))
    return found


def test_no_module_imports_from_a_layer_above_its_own():
    upward = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for layer, path in _modules()
        for name in _imports(path)
        if name.startswith("dealflow.") and LAYER.get(name.split(".")[1], -1) > LAYER[layer]
    ]
    assert upward == []


def test_nothing_below_the_cli_imports_click():
    clicking = [
        str(path.relative_to(PACKAGE))
        for layer, path in _modules()
        if layer != "cli" and any(name == "click" or name.startswith("click.") for name in _imports(path))
    ]
    assert clicking == []
