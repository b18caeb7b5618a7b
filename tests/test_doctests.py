"""The examples in the docstrings of the public entry points run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["infomorphic_core.goals", "infomorphic_core.pid", "infomorphic_core.layer",
           "infomorphic_core.train", "infomorphic_core.tasks.supervised", "infomorphic_core.tasks.bars",
           "infomorphic_core.tasks.memory", "infomorphic_core.tasks.error_neuron", "infomorphic_core.tasks.trivariate"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0, f"{name} has no docstring example"
    assert failures == 0
