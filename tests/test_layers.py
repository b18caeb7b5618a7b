"""The package is built in floors: a module imports only modules below it. Read from the source
(every import statement, deferred ones included), so a cycle cannot hide in a function body."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "infomorphic_core"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "<package>"


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (``<package>`` is ``infomorphic_core`` itself)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = [] if name == "<package>" else name.split(".")
        if not is_package:
            here = here[:-1]  # a module's relative imports start from its package
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            found = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = here[:len(here) - (node.level - 1)]
                if node.module:
                    found.append(".".join(base + node.module.split(".")))
                else:  # from . import x: the module x, else a name of the package
                    found += [".".join(base + [a.name]) if ".".join(base + [a.name]) in modules
                              else ".".join(base) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("infomorphic_core"):
                found.append(node.module.removeprefix("infomorphic_core").lstrip("."))
            elif isinstance(node, ast.Import):
                found += [a.name.removeprefix("infomorphic_core").lstrip(".") for a in node.names
                          if a.name.startswith("infomorphic_core")]
            for target in found:
                target = target or "<package>"
                if target in modules and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def reachable(graph, start) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_graph_reads_relative_imports():
    graph = import_graph()
    assert "tasks.common" in graph["tasks.bars"] and "layer" in graph["tasks.bars"]
    assert "tasks.bars" in graph["tasks"] and "io" in graph["cache"]


def test_no_module_imports_one_that_imports_it():
    graph = import_graph()
    cycles = sorted(name for name in graph if name in reachable(graph, name))
    assert not cycles, f"modules on an import cycle: {cycles}"


@pytest.mark.parametrize("above", ["cli", "sweep", "reproduce"])
def test_tasks_sit_below_the_engines_that_run_them(above):
    graph = import_graph()
    tasks = [name for name in graph if name == "tasks" or name.startswith("tasks.")]
    reaching = sorted(name for name in tasks if above in reachable(graph, name))
    assert not reaching, f"{reaching} import {above} (directly or through others)"


def test_ground_floor_imports_no_computation():
    graph = import_graph()
    for name in ("io", "checks", "rng", "runtime"):
        assert not (reachable(graph, name) - {"io", "checks", "rng", "runtime"}), name
