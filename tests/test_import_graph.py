"""The package's modules import each other without cycles.

The graph is read from the source (``ast``), not by importing: an edge ``a -> b`` is an
``import`` or ``from ... import`` of ``b`` (or of a name defined in ``b``) in ``a``.
Importing ``a.b.c`` runs ``a`` and ``a.b`` first, so those are edges too, except a
module's own parent packages (always imported before it). Imports under ``if
TYPE_CHECKING:`` never run and are left out.

Two graphs are checked: the module-level imports (what runs when a module is imported),
which must have no cycle at all; and the same with the imports inside functions too
(deferred imports), which hide a cycle rather than remove it: the ones known today are
listed in ``KNOWN_DEFERRED_CYCLES`` to be taken apart, and any other fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import wagtail_tickets

PACKAGE = "wagtail_tickets"
PACKAGE_DIR = Path(wagtail_tickets.__file__).resolve().parent

# Cycles closed only by an import inside a function, left from before the rule; each is a
# set of modules that import one another. Remove an entry when its cycle is taken apart.
KNOWN_DEFERRED_CYCLES: list[frozenset[str]] = [
    # actions hands mail to sending; sending asks actions for the current batch
    frozenset({"wagtail_tickets.actions", "wagtail_tickets.notifications.sending"}),
]


def modules(root: Path, package: str) -> dict[str, Path]:
    """``{dotted name: file}`` of every module of the package in ``root``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(body: list[ast.stmt], deferred: bool):
    """The import statements of ``body`` that run when the module is imported (module
    level, also under ``if``/``try``/``with``); with ``deferred``, those in functions
    and classes too. Never those under ``if TYPE_CHECKING:``."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                yield from _import_nodes(node.body, deferred)
            yield from _import_nodes(node.orelse, deferred)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _import_nodes(block, deferred)
            for handler in node.handlers:
                yield from _import_nodes(handler.body, deferred)
        elif isinstance(node, ast.With):
            yield from _import_nodes(node.body, deferred)
        elif isinstance(node, ast.ClassDef):
            # a class body runs at import
            yield from _import_nodes(node.body, deferred)
        elif deferred and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _import_nodes(node.body, deferred)


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        origin = ".".join([*base, node.module] if node.module else base)
    else:
        origin = node.module or ""
    # "from a import b" imports the module a.b when there is one, else a name of a
    return [origin, *(f"{origin}.{alias.name}" for alias in node.names)]


def import_graph(root: Path = PACKAGE_DIR, package: str = PACKAGE, *, deferred: bool = False):
    """``{module: {modules of the package it imports}}``."""
    known = modules(root, package)
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        own = {".".join(module.split(".")[:n]) for n in range(1, module.count(".") + 2)}
        edges = set()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _import_nodes(tree.body, deferred):
            for target in _targets(node, module, is_package):
                # importing a.b.c runs a and a.b first
                while target and target not in own:
                    if target in known:
                        edges.add(target)
                    target = target.rpartition(".")[0]
        graph[module] = edges
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The groups of modules that import one another (strongly connected components of
    more than one module)."""
    reach = {module: _reachable(graph, module) for module in graph}
    groups = {
        frozenset({module, *(other for other in reach[module] if module in reach[other])})
        for module in graph
        if module in reach[module]
    }
    return sorted((group for group in groups if len(group) > 1), key=sorted)


def _describe(group: frozenset[str], graph: dict[str, set[str]]) -> str:
    return "; ".join(
        f"{module} -> {', '.join(sorted(graph[module] & group))}" for module in sorted(group)
    )


def test_no_module_level_import_cycle():
    graph = import_graph()
    assert len(graph) > 50  # the walk found the package
    found = cycles(graph)
    assert not found, "\n".join(_describe(group, graph) for group in found)


def test_deferred_imports_hide_no_new_cycle():
    graph = import_graph(deferred=True)
    new = [
        group
        for group in cycles(graph)
        if not any(group <= known for known in KNOWN_DEFERRED_CYCLES)
    ]
    assert not new, "\n".join(_describe(group, graph) for group in new)


def test_admin_screens_import_no_cycle_even_deferred():
    """The inbox and the workspace are mounted by ``ticket_viewset``; neither imports the
    other, not even inside a function."""
    graph = import_graph(deferred=True)
    admin = [group for group in cycles(graph) if any(".admin" in m for m in group)]
    assert not admin, "\n".join(_describe(group, graph) for group in admin)
    assert "wagtail_tickets.admin.workspace" not in graph["wagtail_tickets.admin.inbox"]
    assert "wagtail_tickets.admin.inbox" not in graph["wagtail_tickets.admin.workspace"]


# The walk itself, on a package written for the test --------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_walk_finds_cycles_of_every_import_form(tmp_path):
    root = write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from . import b\n",
            "b.py": "from .sub.c import thing\n",
            "sub/__init__.py": "",
            "sub/c.py": "try:\n    import pkg.a\nexcept ImportError:\n    pass\n",
            "d.py": "from .a import *\n",
        },
    )
    found = cycles(import_graph(root, "pkg"))
    assert found == [frozenset({"pkg.a", "pkg.b", "pkg.sub.c"})]


def test_the_walk_tells_module_level_from_deferred_imports(tmp_path):
    root = write(
        tmp_path,
        {
            "__init__.py": "from .models import Thing\n",
            # a module importing its own package is no cycle: the package runs first
            "models.py": "from . import helpers\nThing = 1\n",
            "helpers.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .views import View\n"
                "def later():\n    from .views import View\n"
            ),
            "views.py": "from .helpers import later\n",
        },
    )
    assert cycles(import_graph(root, "pkg")) == []
    deferred = cycles(import_graph(root, "pkg", deferred=True))
    assert deferred == [frozenset({"pkg.helpers", "pkg.views"})]


def test_a_class_body_import_is_module_level(tmp_path):
    root = write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "class A:\n    from .b import B\n",
            "b.py": "from .a import A\nB = 1\n",
        },
    )
    assert cycles(import_graph(root, "pkg")) == [frozenset({"pkg.a", "pkg.b"})]
