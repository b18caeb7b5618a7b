import numpy as np
import pytest
import torch

from infomorphic_core.goals import ATOM_KEYS, ATOM_LABELS, BIVARIATE, Atom, Goal, Vocabulary, antichains
from infomorphic_core.pid import mutual_information, entropy, sx_pid


def test_presets():
    assert Goal.preset("supervised").as_tuple() == (0.1, 0.1, 1.0, 0.1, 0.0)
    assert Goal.preset("memory").as_tuple() == (0.1, 0.1, 1.0, 0.1, 0.0)
    assert Goal.preset("bars").as_tuple() == (1.0, 0.0, 0.0, 0.0, 0.0)
    g = Goal.preset("error_neuron")
    assert g.syn > 0 and g.unq_R > 0 and g.unq_C > 0 and g.red < 0
    with pytest.raises(ValueError, match="known"):
        Goal.preset("nope")


def test_validation():
    with pytest.raises(ValueError, match="5 weights"):
        Goal.from_any((1, 2, 3))
    with pytest.raises(ValueError, match="red"):
        Goal.of(red=float("nan"))
    with pytest.raises(ValueError, match="unknown atom"):
        Goal.of(unq_r=1.0)
    with pytest.raises(ValueError, match="gamma"):
        Goal.from_any(3.0)
    assert Goal.from_any("bars") == Goal.of(unq_R=1.0) == Goal.single("unq_R")


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


def test_vocabulary_orders_everything():
    # the table's order is the order of the atoms' stack and of the weights
    p = torch.as_tensor(np.random.default_rng(1).random((3, 2, 2)))
    atoms = sx_pid(p / p.sum())
    for i, key in enumerate(ATOM_KEYS):
        assert torch.equal(atoms.stack()[..., i], getattr(atoms, key))
        assert torch.equal(atoms[key], getattr(atoms, key))
        assert Goal.single(key).as_tuple()[i] == 1.0 and sum(Goal.single(key).as_tuple()) == 1.0
    assert list(atoms.as_dict()) == list(ATOM_KEYS)
    assert BIVARIATE.label("red") == ATOM_LABELS[2] and BIVARIATE.label("accuracy") == "accuracy"
    assert len(set(ATOM_LABELS)) == len(ATOM_KEYS) == 5
    with pytest.raises(ValueError, match="unique"):
        Vocabulary((Atom("a", "A"), Atom("a", "B")))


def test_bivariate_atoms_are_the_lattice_of_two_sources():
    # Williams & Beer (2010): the redundancy lattice has 4 nodes for two sources, 18 for three
    def canonical(nodes):
        return {frozenset(frozenset(s) for s in node) for node in nodes}
    assert canonical(antichains("RC")) == canonical(a.antichain for a in BIVARIATE.atoms if a.antichain)
    assert len(antichains("FCL")) == 18
    assert len(antichains("ABCD")) == 166


def test_relabel_shows_labels():
    import pandas as pd
    frame = pd.DataFrame({"run": [0], "red": [1.0], "accuracy": [0.5]})
    shown = ["run", BIVARIATE.label("red"), "accuracy"]
    assert list(BIVARIATE.relabel(frame).columns) == shown != list(frame.columns)
    assert list(BIVARIATE.relabel(frame.iloc[0]).index) == shown
