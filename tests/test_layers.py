"""The package's import graph: imports go down the layers, never up, and never in a circle.

Layers, lowest first (docs/architecture.md): core -> text -> stages -> report, calibrate -> config -> graph
-> exec -> cli. A stage imports core, text and `curator.stages.base`, never another stage. Every import
counts, function-local ones and those under `if TYPE_CHECKING:` too (a local or type-only import hides
a circle, it does not remove it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

LAYERS = [
    ("curator.core", 0),
    ("curator.text", 1),
    ("curator.stages", 2),
    ("curator.report", 3),
    ("curator.calibrate", 3),
    ("curator.config", 4),
    ("curator.graph", 5),
    ("curator.exec", 6),
    ("curator.cli", 7),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int:
    if module == "curator":
        return 0
    for prefix, level in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return level
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")


def stage_of(module: str) -> str | None:
    """`curator.stages.dedup.files` -> 'dedup'; the registry and stages.base belong to no one stage."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] == "stages" and parts[2] != "base":
        return parts[2]
    return None


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The curator modules `path` imports (a `from pkg import name` counts `pkg.name` when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("curator"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("curator"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in SRC.joinpath("curator").rglob("*.py")}
    modules = set(files)
    return {m: imports_of(p, modules) & modules for m, p in files.items()}


GRAPH = import_graph()


def test_every_module_has_a_layer():
    for module in GRAPH:
        layer(module)


def test_no_upward_import():
    upward = [
        f"{m} (layer {layer(m)}) imports {t} (layer {layer(t)})"
        for m, targets in GRAPH.items()
        for t in targets
        if layer(t) > layer(m)
    ]
    assert not upward, "imports that climb:\n" + "\n".join(sorted(upward))


def test_no_stage_imports_another_stage():
    crossing = [
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        for t in targets
        if stage_of(m) and stage_of(t) and stage_of(m) != stage_of(t)
    ]
    assert not crossing, "a stage reaches into another:\n" + "\n".join(sorted(crossing))


def test_no_import_circle():
    # Tarjan's strongly connected components: any component with more than one module is a circle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
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
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


@pytest.mark.parametrize(
    ("source", "target", "problem"),
    [
        ("from curator.exec.run import run\n", "curator.exec.run", "up"),
        ("from curator.stages.dedup.files import load_table\n", "curator.stages.dedup.files", "cross"),
    ],
)
def test_the_check_sees_violations(tmp_path, source, target, problem):
    """The checks are live: a planted bad import is found."""
    fake = tmp_path / "curator" / "stages" / "quality" / "planted.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(source)
    found = imports_of(fake, set(GRAPH))
    assert target in found
    if problem == "up":
        assert layer(target) > layer("curator.stages.quality.planted")
    else:
        assert stage_of(target) != stage_of("curator.stages.quality.planted")
