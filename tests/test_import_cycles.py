"""No import cycles through the modules that read a post (loading, segment, tags...).

Every ``import`` counts, the ones inside functions too: a lazy import only hides a
cycle from the interpreter, not from whoever has to change one of the modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import narrate

SRC = Path(narrate.__file__).resolve().parent.parent
CHECKED = ("narrate.loading", "narrate.segment", "narrate.tags", "narrate.metadata",
           "narrate.model", "narrate.pipeline", "narrate.settings")  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "narrate").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")
                if node.level > 1:
                    base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])]) \
                    if node.level else (node.module or "")  # fmt: skip
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    deps.add(full if full in mods else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        # Importing a.b.c runs a and a.b first (unless the importer is inside them).
        for dep in list(deps):
            parts = dep.split(".")
            deps.update(".".join(parts[:i]) for i in range(1, len(parts)))
        graph[name] = {d for d in deps if d in mods and d != name
                       and not name.startswith(d + ".")}  # fmt: skip
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
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
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_cycle_runs_through_the_modules_that_read_a_post() -> None:
    cycles = _cycles(_graph(_modules()))
    touching = [c for c in cycles if any(m.startswith(CHECKED) for m in c)]
    assert touching == []


def test_the_checker_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
