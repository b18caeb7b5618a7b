import numpy as np
import pytest
import torch

from infomorphic_core.goals import Goal
from infomorphic_core.pid import mutual_information, entropy, sx_pid


def test_presets():
    assert Goal.preset("supervised").as_tuple() == (0.1, 0.1, 1.0, 0.1, 0.0)
    assert Goal.preset("memory").as_tuple() == (0.1, 0.1, 1.0, 0.1, 0.0)
    assert Goal.preset("bars").as_tuple() == (1.0, 0.0, 0.0, 0.0, 0.0)
    g = Goal.preset("error_neuron")
    assert g.syn > 0 and g.unq_r > 0 and g.unq_c > 0 and g.red < 0
    with pytest.raises(ValueError, match="known"):
        Goal.preset("nope")


def test_validation():
    with pytest.raises(ValueError, match="5 weights"):
        Goal.from_any((1, 2, 3))
    with pytest.raises(ValueError, match="red"):
        Goal(red=float("nan"))
    with pytest.raises(ValueError, match="gamma"):
        Goal.from_any(3.0)
    assert Goal.from_any("bars") == Goal(unq_r=1.0)


def test_classical_rewriting_equals_goal_on_random_pmfs():
    rng = np.random.default_rng(0)
    p = torch.as_tensor(rng.random((20, 3, 4, 2)))
    p = p / p.sum(dim=(-3, -2, -1), keepdim=True)
    atoms = sx_pid(p)
    for values in [(0.1, 0.1, 1, 0.1, 0), (1, 0, 0, 0, 0), (0.3, -0.7, 0.2, 1.1, 0.5)]:
        goal = Goal.from_any(values)
        direct = (atoms.stack() * goal.tensor(torch.float64)).sum(-1)
        a = goal.classical()
        classical = (a["a_R"] * mutual_information(p, "s1") + a["a_C"] * mutual_information(p, "s2")
                     + a["a_RC"] * mutual_information(p) + a["a_red"] * atoms.red
                     + a["a_H"] * entropy(p))
        torch.testing.assert_close(classical, direct, atol=1e-12, rtol=0)


def test_paper_examples_of_the_rewriting():
    # PNAS Eq. 7 with the Möbius relations (Eqs. 3-5): supervised -> 0.9 I_red + 0.1 I(Y:R,C); bars -> I(Y:R) - I_red
    a = Goal.preset("supervised").classical()
    assert a == pytest.approx({"a_R": 0, "a_C": 0, "a_RC": 0.1, "a_red": 0.9, "a_H": 0})
    a = Goal.preset("bars").classical()
    assert a == pytest.approx({"a_R": 1, "a_C": 0, "a_RC": 0, "a_red": -1, "a_H": 0})
