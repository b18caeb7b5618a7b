"""The examples in the docstrings of the public entry points run and print what they say."""

import doctest
import importlib

import pytest

from infomorphic_core.tasks import TASKS

# every task's run has an example (the registry lists them all)
MODULES = ["infomorphic_core.goals", "infomorphic_core.pid", "infomorphic_core.layer",
           "infomorphic_core.three_source",
           "infomorphic_core.train"] + [module.__name__ for module in TASKS.values()]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0, f"{name} has no docstring example"
    assert failures == 0
