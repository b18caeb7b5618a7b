"""The Random Hierarchy Model's generator against its definition."""

import numpy as np
import pytest

from infomorphic_core.checks import ConfigError
from infomorphic_core.hierarchy import RandomHierarchy

SMALL = dict(v=3, n_classes=4, m=3, s=3, depth=2)  # the lab's setting: 324 distinct inputs


def test_the_productions_of_a_level_are_distinct_tuples_of_the_level_below():
    rhm = RandomHierarchy(**SMALL, seed=3)
    assert [r.shape for r in rhm.rules] == [(4, 3, 3), (3, 3, 3)]
    for rules in rhm.rules:
        flat = rules.reshape(-1, rhm.s)
        assert len(np.unique(flat, axis=0)) == len(flat)
        assert flat.min() >= 0 and flat.max() < rhm.v


def test_every_input_is_enumerated_once_and_the_count_is_the_formula():
    rhm = RandomHierarchy(**SMALL, seed=0)
    x, y = rhm.all_inputs()
    assert len(x) == rhm.n_inputs == 4 * 3 ** 4 == 324
    assert len(np.unique(x, axis=0)) == 324  # unambiguous grammar: no input has two classes
    assert (rhm.classify(x) == y).all()
    assert np.bincount(y).tolist() == [81] * 4


def test_samples_are_seeded_uniform_over_classes_and_parse_back():
    rhm = RandomHierarchy(v=8, n_classes=8, m=8, s=2, depth=3, seed=1)
    x, y = rhm.sample(4000, seed=2)
    assert x.shape == (4000, 8) and rhm.input_size == 64
    assert (rhm.classify(x) == y).all()
    again, _ = rhm.sample(4000, seed=2)
    assert np.array_equal(x, again)
    assert not np.array_equal(x, rhm.sample(4000, seed=3)[0])
    counts = np.bincount(y, minlength=8)
    assert counts.min() > 400  # 500 expected per class
    one_hot = rhm.one_hot(x[:3])
    assert one_hot.shape == (3, 64) and (one_hot.sum(1) == 8).all()
    assert (one_hot.reshape(3, 8, 8).argmax(-1) == x[:3]).all()


def test_a_sequence_that_no_production_makes_has_no_class():
    rhm = RandomHierarchy(v=4, n_classes=2, m=2, s=2, depth=2, seed=0)
    used = {tuple(t) for t in rhm.rules[1].reshape(-1, 2)}
    unused = next((a, b) for a in range(4) for b in range(4) if (a, b) not in used)
    x, _ = rhm.sample(1, seed=0)
    x[0, :2] = unused
    assert rhm.classify(x)[0] == -1


def test_a_grammar_needs_enough_tuples():
    with pytest.raises(ConfigError, match="distinct productions"):
        RandomHierarchy(v=2, n_classes=3, m=2, s=2, depth=2)
    with pytest.raises(ConfigError, match="s "):
        RandomHierarchy(v=4, n_classes=2, m=2, s=1, depth=2)
