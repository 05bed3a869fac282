"""The package layout: modules under 500 lines, no import cycle, no private name across folders.

Read from the source with ``ast``. Every import counts, wherever it sits: at module level, in a
function or a method body, under ``try:``. An import inside a function to dodge a cycle is still a
cycle: it runs the first time the function is called. Only the imports under
``if TYPE_CHECKING:`` are left out, since they never run (type checkers read them, Python does
not). Relative imports are resolved, and ``from P import m`` of a submodule ``m`` imports both
``P`` and ``P.m``.
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


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement under ``tree``, except those in ``if TYPE_CHECKING:`` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif _is_type_checking(node):
            pending.extend(node.orelse)  # type: ignore[attr-defined]
        else:
            pending.extend(ast.iter_child_nodes(node))
    return found


def _import_edges(name: str, source: str, is_package: bool, modules: set[str]) -> set[str]:
    """The ``modules`` that module ``name`` (with ``source``) imports, anywhere in its body.

    ``from P import m`` of a submodule ``m`` imports both ``P`` and ``P.m``: a module that
    imports its own package this way closes a cycle through the package's ``__init__``.
    """
    edges: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in _imports(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative import
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            if module in modules:
                edges.add(module)
            edges.update(
                f"{module}.{alias.name}"
                for alias in node.names
                if f"{module}.{alias.name}" in modules
            )
        else:
            edges.update(alias.name for alias in node.names if alias.name in modules)
    edges.discard(name)
    return edges


def _graph() -> dict[str, set[str]]:
    names = set(MODULES)
    return {
        name: _import_edges(name, path.read_text(), path.name == "__init__.py", names)
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of two or more modules (Tarjan's algorithm),
    written as a shortest path ``[a, b, ..., a]`` through its first module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = {stack.pop()}
            while node not in component:
                component.add(stack.pop())
            if len(component) > 1:
                components.append(component)

    for name in sorted(graph):
        if name not in index:
            connect(name)
    return [_shortest_cycle(component, graph) for component in components]


def _shortest_cycle(component: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the first module of ``component``, found breadth-first."""
    start = min(component)
    parent: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [*reversed(path), start]
                if nxt not in parent:
                    parent[nxt] = node
                    following.append(nxt)
        frontier = following
    raise ValueError(f"{sorted(component)} holds no cycle")


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else ""


def test_no_module_over_500_lines():
    sizes = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_import_cycle():
    """No two modules of the package import each other, directly or through others."""
    graph = _graph()
    cycles = _cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_sees_function_level_and_relative_imports():
    """A cycle closed by imports inside a function or a method, relative or absolute, is found
    and its modules are listed in order; one closed only under ``if TYPE_CHECKING:`` is not."""
    sources = {
        "pkg": ("", True),
        "pkg.a": ("import os\nfrom .b import thing\n", False),
        "pkg.b": ("def f():\n    from . import c\n    return c\n", False),
        "pkg.c": ("class C:\n    def g(self):\n        import pkg.a as a\n", False),
        "pkg.d": ("from pkg import a\n", False),
        "pkg.e": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n"
            "else:\n    import json\n",
            False,
        ),
    }
    names = set(sources)
    graph = {
        name: _import_edges(name, text, is_package, names)
        for name, (text, is_package) in sources.items()
    }
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg", "pkg.c"}
    assert graph["pkg.c"] == {"pkg.a"}
    assert graph["pkg.e"] == set()
    assert _cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    graph["pkg.d"].add("pkg.e")
    graph["pkg.e"].add("pkg.d")  # the TYPE_CHECKING import, were it counted
    assert _cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"], ["pkg.d", "pkg.e", "pkg.d"]]


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
