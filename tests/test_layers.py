"""The package is built in floors: a module imports only modules below it. Read from the source
(every import statement, deferred ones included), so a cycle cannot hide in a function body."""

import pytest

from infomorphic_core import io

import_graph = io.import_graph


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
