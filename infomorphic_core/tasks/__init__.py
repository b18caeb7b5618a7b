"""The experiments of the papers, one module per chapter, each with a frozen ``Config`` (the
paper's settings, a ``quick`` and a ``paper`` profile) and ``run(config) -> Result``, cached.

They are registered here once: the command line, the sweep engine, the tests and the doctests
read :data:`TASKS`, so a new task is one module and one line below.
"""

from __future__ import annotations

from ..checks import ConfigError
from . import (bars, correlation, deep, deep_goal, error_neuron, memory, multimodal, redundancy_memory,
               supervised, trivariate)

TASKS = {"supervised": supervised, "bars": bars, "memory": memory, "error_neuron": error_neuron,
         "redundancy_memory": redundancy_memory, "trivariate": trivariate, "deep": deep, "deep_goal": deep_goal,
         "correlation": correlation, "multimodal": multimodal}


def task_module(name: str):
    """The module of the task called ``name``, or a :class:`ConfigError` naming the known ones."""
    if name not in TASKS:
        raise ConfigError(f"unknown task {name!r}; known: {', '.join(TASKS)}")
    return TASKS[name]
