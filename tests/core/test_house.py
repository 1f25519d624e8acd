"""The house rules of the package layout (issue 20), read from the source with ``ast``:

* no import circle larger than 3 modules (imports inside functions counted);
* an import inside a function says why on the line above it (it keeps Keras or Plotly off a light
  path, or the module it imports imports this one);
* no task imports another task's code, and the shared layers import no task but through the
  registry (``rnnviz.tasks.registry``);
* every task folder is registered, under its folder's name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from rnnviz.tasks.registry import TASK_FOLDERS, TASKS

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "rnnviz"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def resolve(name: str) -> str | None:
    """The rnnviz module an import names (``rnnviz.a.b.func`` -> ``rnnviz.a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(path: Path) -> Iterator[tuple[ast.ImportFrom | ast.Import, bool]]:
    """Every import of an rnnviz module in ``path`` and whether it sits inside a function
    (imports under ``if TYPE_CHECKING:`` are left out: they never run)."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            yield from walk(child, inside)

    yield from walk(ast.parse(path.read_text()), False)


def imported(node: ast.Import | ast.ImportFrom) -> set[str]:
    names = (
        [a.name for a in node.names]
        if isinstance(node, ast.Import)
        else [f"{node.module}.{a.name}" for a in node.names]
    )
    return {m for m in map(resolve, names) if m and m.startswith("rnnviz")}


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for node, _ in imports(path):
            edges[name] |= imported(node) - {name}
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            found.append(component)

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_strongly_connected_finds_a_planted_circle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(map(sorted, strongly_connected(edges))) == [["a", "b", "c"], ["d"]]


def test_no_import_circle_is_larger_than_three_modules():
    circles = [c for c in strongly_connected(graph()) if len(c) > 3]
    assert circles == [], circles


def explained(lines: list[str], lineno: int) -> bool:
    """Whether the import at ``lineno`` has a comment: on its first line, or above the block of
    imports it belongs to."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def test_every_import_inside_a_function_gives_its_reason():
    silent = []
    for path in MODULES.values():
        lines = path.read_text().splitlines()
        for node, in_function in imports(path):
            if in_function and imported(node) and not explained(lines, node.lineno):
                silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == [], silent


def task_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 3 and parts[1] == "tasks" else None


def test_no_task_imports_another_and_shared_code_reaches_tasks_only_through_the_registry():
    crossing = []
    for name, targets in graph().items():
        own = task_of(name)
        for target in targets:
            other = task_of(target)
            if other is None or other == own:
                continue
            if own is not None or name != "rnnviz.tasks.registry":
                crossing.append(f"{name} -> {target}")
    assert crossing == [], crossing


def test_every_task_folder_is_registered_under_its_name():
    folders = sorted(p.parent.name for p in (PACKAGE / "tasks").glob("*/task.py"))
    assert folders == sorted(TASK_FOLDERS)
    assert all(task.name == folder for folder, task in TASKS.items())
