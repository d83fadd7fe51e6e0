"""The package's shape: no import cycles (counting imports inside functions, which hide
them from a plain import), and no module too long to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "askbrief"
MAX_LINES = 500
# The shared modules at the package's top: any wing may import them, they import no wing.
SHARED = "shared"


def _modules() -> dict[str, Path]:
    """Every module by dotted name under askbrief ("ask.index"; a package by its own name)."""
    found = {}
    for p in PACKAGE.rglob("*.py"):
        parts = p.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            found[".".join(parts)] = p
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The askbrief modules a module imports anywhere in its body, except under
    `if TYPE_CHECKING:` (annotations only, never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import; write askbrief.<wing>.<module>"
            base = node.module or ""
            for alias in node.names:
                names.append(
                    f"{base}.{alias.name}" if f"{base}.{alias.name}"[9:] in modules else base
                )
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found.update(n[len("askbrief.") :] for n in names if n.startswith("askbrief."))
    return found & set(modules)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _wing(module: str) -> str:
    return module.split(".")[0] if (PACKAGE / module.split(".")[0]).is_dir() else SHARED


def _wing_graph() -> dict[str, set[str]]:
    wings: dict[str, set[str]] = {}
    for module, imported in _graph().items():
        if module == "__main__":
            continue  # `python -m askbrief`: the way in, imported by nothing
        wings.setdefault(_wing(module), set()).update(_wing(m) for m in imported)
    return {w: deps - {w} for w, deps in wings.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_check_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_counts_imports_inside_functions() -> None:
    graph = _graph()
    assert "store.base" in graph["store.build"]  # a top-level import
    assert "store.base" in graph["cli.main"]  # imported inside a command function


def test_no_import_cycles_between_modules() -> None:
    assert _cycles(_graph()) == []


def test_no_import_cycles_between_wings() -> None:
    assert _cycles(_wing_graph()) == []


def test_shared_modules_import_no_wing() -> None:
    graph = _wing_graph()
    assert graph[SHARED] == set()


def test_every_wing_says_what_it_owns() -> None:
    for wing in (p for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"):
        doc = ast.get_docstring(ast.parse((wing / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc.lower(), (
            f"{wing.name}/__init__.py: say what it owns and may import"
        )


def test_no_module_over_500_lines() -> None:
    long = {
        name: n
        for name, p in _modules().items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
