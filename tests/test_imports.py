"""narrate's modules import each other without cycles (function-level imports count too).

Every ``import`` and ``from ... import`` in ``src/narrate`` (at any depth of the file)
is an edge of the graph; a name imported from a package that is one of its modules is
an edge to that module. The cycles still open belong to other work in progress and are
listed by name; no other may appear.
"""

from __future__ import annotations

import ast
from pathlib import Path

import narrate

ROOT = Path(narrate.__file__).parent
KNOWN = {
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                           for a in node.names]  # fmt: skip
            edges[name] |= {t for t in targets if t in files and t != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_imports_at_every_depth() -> None:
    edges = graph()
    assert "narrate.cli.gate" in edges["narrate.cli.app"]  # at the top of the file
    assert "narrate.cli.app" in edges["narrate.cli.config"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]


def test_no_import_cycle_but_the_known_ones() -> None:
    assert [sorted(c) for c in cycles(graph()) if c not in KNOWN] == []


def test_the_readme_map_names_what_exists() -> None:
    """README "How it works": every module (``x.py``) and package (``x/``) it names is one."""
    readme = (ROOT.parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("## How it works", 1)[1].split("```", 2)[1]
    named = [word.rstrip(",") for line in block.splitlines() for word in line.split()[:2]
             if word.rstrip(",").endswith((".py", "/"))]  # fmt: skip
    assert len(named) >= 15
    missing = [n for n in named if not (ROOT / n).is_file() and not (ROOT / n).is_dir()]
    assert missing == []
    assert all((ROOT / n / "__init__.py").is_file() for n in named if n.endswith("/"))
