"""The three-source learning rule in closed form against autograd through the sample atoms."""

import contextlib

import pytest
import torch

from infomorphic_core import fused
from infomorphic_core.estimate import Binning
from infomorphic_core.goals import Goal, lattice_vocabulary
from infomorphic_core.pid import sx_pid_samples
from infomorphic_core.three_source import (ThreeSourceConfig, ThreeSourceLayer, closed_form_gradient,
                                           goal_coefficients, goal_score)


def random_goal(vocabulary, seed):
    g = torch.Generator().manual_seed(seed)
    return Goal(tuple(torch.randn(len(vocabulary.keys), generator=g, dtype=torch.float64).tolist()), vocabulary)


@pytest.mark.parametrize("sources", [("F", "C", "L"), ("F", "C"), ("F", "L")])
def test_the_goal_is_linear_in_the_redundancies_and_the_entropy(sources):
    """Γ·atoms = Σ c_α I∩(α) + c_H H(Y) on atoms of random minibatches (an independent check of
    the coefficients: the atoms come from the sample estimator, not from the inversion basis)."""
    vocabulary = lattice_vocabulary(sources)
    goal = random_goal(vocabulary, 1)
    c, c_h = goal_coefficients(vocabulary, goal)
    g = torch.Generator().manual_seed(2)
    theta = torch.rand(3, 200, generator=g, dtype=torch.float64)
    bins = [torch.randint(0, 4, (3, 200), generator=g) for _ in sources]
    atoms = sx_pid_samples(torch.stack([1 - theta, theta], -1), bins, [4] * len(sources), vocabulary)
    # the redundancies back from the atoms: I∩(α) = Σ of the atoms at and below α
    from infomorphic_core.pid import _union_signs, below

    nodes = _union_signs(vocabulary)[0]
    by_node = {a.antichain: atoms[a.key] for a in vocabulary.atoms if a.antichain}
    red = torch.stack([sum(by_node[b] for b in nodes if below(b, n)) for n in nodes], -1)
    h = atoms.stack().sum(-1)  # every atom together: H(Y)
    goal_value = (atoms.stack() * goal.tensor(torch.float64)).sum(-1)
    torch.testing.assert_close(goal_value, red @ c + c_h * h, rtol=0, atol=1e-12)


@pytest.mark.parametrize("path", ["fused", "eager"])
@pytest.mark.parametrize("sources", [("F", "C", "L"), ("F", "C"), ("F", "L")])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_score_is_autograds(sources, seed, path):
    if path == "fused" and not fused.active():
        pytest.skip(f"the fused kernels are {fused.status()}")
    vocabulary = lattice_vocabulary(sources)
    goal = random_goal(vocabulary, seed)
    g = torch.Generator().manual_seed(10 + seed)
    theta = (0.02 + 0.96 * torch.rand(2, 5, 300, generator=g, dtype=torch.float64)).requires_grad_(True)
    bins = [torch.randint(0, n, (2, 5, 300), generator=g) for n in (6, 3, 5)[:len(sources)]]
    n_bins = [6, 3, 5][:len(sources)]
    atoms = sx_pid_samples(torch.stack([1 - theta, theta], -1), bins, n_bins, vocabulary)
    (expected,) = torch.autograd.grad((atoms.stack() * goal.tensor(torch.float64)).sum(), theta)
    with fused.turned_off() if path == "eager" else contextlib.nullcontext():
        score = goal_score(theta.detach(), bins, n_bins, vocabulary, goal)
    torch.testing.assert_close(score, expected, rtol=0, atol=1e-10)


@pytest.mark.skipif(not fused.active(), reason="no fused kernels here")
def test_the_fused_score_in_float32_is_the_eager_one_to_rounding():
    """Both follow the same sums in float32; they differ in the order of a few sums and the last
    bit of a logarithm. The bound: 1e-5 of the largest score (measured: below 1e-6)."""
    vocabulary = lattice_vocabulary(("F", "C", "L"))
    goal = random_goal(vocabulary, 5)
    g = torch.Generator().manual_seed(6)
    theta = 0.01 + 0.98 * torch.rand(4, 30, 1024, generator=g)
    bins = [torch.randint(0, 20, (4, 30, 1024), generator=g) for _ in range(3)]
    score = goal_score(theta, bins, [20] * 3, vocabulary, goal)
    with fused.turned_off():
        eager = goal_score(theta, bins, [20] * 3, vocabulary, goal)
    assert score.dtype == torch.float32
    assert (score - eager).abs().max() <= 1e-5 * eager.abs().max()


@pytest.mark.skipif(not fused.active(), reason="no fused kernels here")
def test_the_fused_score_refuses_bins_outside_their_range():
    vocabulary = lattice_vocabulary(("F", "C"))
    theta = torch.full((2, 10), 0.5, dtype=torch.float64)
    bins = [torch.zeros(2, 10, dtype=torch.long), torch.full((2, 10), 3)]
    with pytest.raises(ValueError, match="20 bin indices"):
        goal_score(theta, bins, [4, 3], vocabulary, random_goal(vocabulary, 0))


def three_source_layer(sources, **changes):
    config = dict(n_neurons=6, n_feedforward=9, n_context=4, sources=sources, n_runs=2, dtype="float64",
                  binning=Binning(5, "fixed", (-2.0, 2.0)), context_gain=0.3, lateral_gain=0.2) | changes
    return ThreeSourceLayer(ThreeSourceConfig(**config))


@pytest.mark.parametrize("sources, gain_base", [(("F", "C", "L"), None), (("F", "C"), None), (("F", "L"), None),
                                               (("F", "C"), 0.9), (("F", "L"), 0.9)])
@pytest.mark.parametrize("given", ["all", "no label", "first lateral step"])
def test_the_closed_form_gradient_is_autograds(sources, gain_base, given):
    """Every parameter's gradient of Σ_neurons Γ·atoms, to 1e-8, with the label and the previous
    outputs given or not (then c = b_C and l = b_L), random goals, float64; the three-source
    activation and the two-source networks' bivariate one (``gain_base``)."""
    layer = three_source_layer(sources, n_partners=3 if "L" in sources else None, gain_base=gain_base)
    goal = random_goal(layer.config.vocabulary, 3)
    g = torch.Generator().manual_seed(4)
    x = torch.randn(2, 250, 9, generator=g, dtype=torch.float64)
    label = None if given == "no label" else torch.eye(4, dtype=torch.float64)[torch.randint(0, 4, (250,), generator=g)]
    previous = (None if given == "first lateral step"
                else torch.where(torch.rand(2, 250, 6, generator=g) < 0.5, 1.0, -1.0).double())
    f, c, l = layer.drives(x, label, previous)
    layer.goal(layer.atoms(f, c, l), goal).sum().backward()
    grads = closed_form_gradient(layer, x, label, previous, goal)
    named = {name: p for name, p in layer.named_parameters()}
    assert sorted(grads) == sorted(name for name, p in named.items() if p.grad is not None)
    assert len(grads) >= len(named) - 1
    for name in grads:
        torch.testing.assert_close(grads[name], named[name].grad, rtol=0, atol=1e-8, msg=name)
