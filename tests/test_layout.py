"""The package layout: modules under 500 lines, no import cycle, no private name across folders.

Read from the source with ``ast``: an import counts where it runs when the module is imported
(module level, not under ``if TYPE_CHECKING:``, not inside a function).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "keras_imbalance"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _import_edges(name: str, path: Path) -> set[str]:
    """The package modules ``name`` names in its module-level imports.

    ``from P import m`` of a submodule ``m`` imports both ``P`` and ``P.m``: a module that
    imports its own package this way closes a cycle through the package's ``__init__``.
    """
    edges: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.parse(path.read_text()).body:
        if _is_type_checking(node):
            continue
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative import
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            if module in MODULES:
                edges.add(module)
            for alias in node.names:
                if f"{module}.{alias.name}" in MODULES:
                    edges.add(f"{module}.{alias.name}")
        elif isinstance(node, ast.Import):
            edges.update(alias.name for alias in node.names if alias.name in MODULES)
    edges.discard(name)
    return edges


def _cycles() -> list[list[str]]:
    graph = {name: _import_edges(name, path) for name, path in MODULES.items()}
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    return found


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else ""


def test_no_module_over_500_lines():
    sizes = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_import_cycle():
    assert _cycles() == []


def test_no_private_name_imported_across_subpackages():
    crossings = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(
                "keras_imbalance."
            ):
                continue
            source = _subpackage(node.module)
            for alias in node.names:
                if alias.name.startswith("_") and source and source != _subpackage(name):
                    crossings.append(f"{name} imports {node.module}.{alias.name}")
    assert crossings == []
