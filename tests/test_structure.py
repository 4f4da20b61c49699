"""The shape of the code: no import cycles between the academy's modules, no module over 800 lines and no
function over 80 (docs/architecture.md: a domain that outgrows a module becomes a package of named modules).

Read from the source with ``ast``, so nothing is imported. What exceeds today is listed below by name, each
in a file another piece of work is changing or will split; an entry that no longer exceeds fails the test
until it is taken off the list, so the lists only shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "virtualacademy"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80

#: Imports (importer, imported) allowed to close an import cycle: none. Blueprint packages do not import their own
#: views (the app factory imports every module of each blueprint package), so the views' ``from ... import bp``
#: closes no cycle.
#:
#: ``services.evidence`` and ``services.learning_log`` also import each other, but learning_log's side is inside
#: ``learning_log.privacy.erase_section``, run after both are loaded, so it is not a module-level cycle and is not
#: listed.
KNOWN_CYCLE_IMPORTS: set[tuple[str, str]] = set()

#: Modules allowed over MAX_MODULE_LINES: none.
KNOWN_LONG_MODULES: set[str] = set()

#: Functions allowed over MAX_FUNCTION_LINES (``path::qualified name``): none.
KNOWN_LONG_FUNCTIONS: set[str] = set()


def _sources() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its ``__init__``)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _module_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run when the module is loaded: at the top level, or in a top-level ``if`` or ``try``; not inside
    a function or class, and not under ``if TYPE_CHECKING:``."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                yield from _module_level_imports(node.body)
                yield from _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from _module_level_imports(block)


def import_graph() -> dict[str, set[str]]:
    """Each module -> the academy's modules it imports at module level. ``from a.b import c`` is an import of
    ``a.b.c`` when that is a module, otherwise of ``a.b``."""
    modules = _sources()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in _module_level_imports(ast.parse(path.read_text(), str(path)).body):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name in modules}
                continue
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    imported.add(f"{base}.{alias.name}")
                elif base in modules:
                    imported.add(base)
        imported.discard(name)
        graph[name] = imported
    return graph


def _path(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """A chain of imports from ``start`` to ``goal`` (both included), or None."""
    came_from: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        current = queue.pop(0)
        if current == goal:
            chain = [current]
            while came_from[chain[-1]] is not None:
                chain.append(came_from[chain[-1]])
            return chain[::-1]
        for following in sorted(graph.get(current, ())):
            if following not in came_from:
                came_from[following] = current
                queue.append(following)
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each import that lies on one, as ``[a, b, ..., a]``."""
    found, seen = [], set()
    for importer in sorted(graph):
        for imported in sorted(graph[importer]):
            back = _path(graph, imported, importer)
            if back is not None and frozenset(back) not in seen:
                seen.add(frozenset(back))
                found.append([importer, *back])
    return found


def test_no_import_cycles_between_modules():
    graph = import_graph()
    without_known = {
        name: imports - {b for a, b in KNOWN_CYCLE_IMPORTS if a == name} for name, imports in graph.items()
    }
    cycles = [" -> ".join(cycle) for cycle in _cycles(without_known)]
    assert cycles == [], "Modules that import each other (move the shared part down a layer):\n" + "\n".join(cycles)


def test_the_known_cycles_are_still_cycles():
    graph = import_graph()
    gone = sorted(
        f"{a} -> {b}" for a, b in KNOWN_CYCLE_IMPORTS if b not in graph.get(a, set()) or _path(graph, b, a) is None
    )
    assert gone == [], "No longer a cycle: take these off KNOWN_CYCLE_IMPORTS:\n" + "\n".join(gone)


def _functions(body: list[ast.stmt], prefix: str = "") -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function and method, nested ones included, by qualified name (``Class.method``, ``outer.inner``)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}{node.name}", node
            yield from _functions(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for block in (getattr(node, "body", []), getattr(node, "orelse", []), getattr(node, "finalbody", [])):
                yield from _functions(block, prefix)


def sizes() -> tuple[dict[str, int], dict[str, int]]:
    """Lines of each module over the limit, and of each function over it (from ``def`` to its last line)."""
    long_modules, long_functions = {}, {}
    for path in _sources().values():
        text = path.read_text()
        where = path.relative_to(ROOT).as_posix()
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            long_modules[where] = lines
        for name, node in _functions(ast.parse(text, where).body):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                long_functions[f"{where}::{name}"] = length
    return long_modules, long_functions


def test_no_module_is_too_long():
    long_modules, _ = sizes()
    new = sorted(f"{name}: {lines} lines" for name, lines in long_modules.items() if name not in KNOWN_LONG_MODULES)
    assert new == [], f"Over {MAX_MODULE_LINES} lines (make the domain a package of named modules):\n" + "\n".join(new)


def test_no_function_is_too_long():
    _, long_functions = sizes()
    new = sorted(f"{name}: {lines} lines" for name, lines in long_functions.items() if name not in KNOWN_LONG_FUNCTIONS)
    assert new == [], f"Over {MAX_FUNCTION_LINES} lines (break it into named steps):\n" + "\n".join(new)


def test_the_known_long_ones_are_still_long():
    long_modules, long_functions = sizes()
    shorter = sorted((KNOWN_LONG_MODULES - set(long_modules)) | (KNOWN_LONG_FUNCTIONS - set(long_functions)))
    assert shorter == [], "Short enough now: take these off the lists of known long ones:\n" + "\n".join(shorter)
