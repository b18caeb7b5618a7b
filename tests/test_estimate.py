import math

import pytest
import torch

from infomorphic_core.estimate import Binning, theta_joint


def random_case(seed=0, runs=3, samples=400, neurons=4, n_r=6, n_c=3):
    g = torch.Generator().manual_seed(seed)
    r = torch.randn(runs, samples, neurons, generator=g, dtype=torch.float64)
    c = torch.randn(runs, samples, neurons, generator=g, dtype=torch.float64)
    theta = torch.rand(runs, samples, neurons, generator=g, dtype=torch.float64)
    return r, c, theta, Binning(n_r).indices(r), Binning(n_c).indices(c)


def test_joint_sums_to_one_and_has_layout():
    r, c, theta, br, bc = random_case()
    p = theta_joint(theta, br, bc, 6, 3)
    assert p.shape == (3, 4, 6, 3, 2)
    torch.testing.assert_close(p.sum(dim=(-3, -2, -1)), torch.ones(3, 4, dtype=torch.float64))


def test_source_marginal_does_not_depend_on_theta():
    r, c, theta, br, bc = random_case()
    p1 = theta_joint(theta, br, bc, 6, 3).sum(-1)
    p2 = theta_joint(torch.rand_like(theta), br, bc, 6, 3).sum(-1)
    torch.testing.assert_close(p1, p2)
    # and equals the plain histogram of the bins
    counts = torch.zeros(6, 3, dtype=torch.float64)
    counts.index_put_((br[1, :, 2], bc[1, :, 2]), torch.ones(400, dtype=torch.float64), accumulate=True)
    torch.testing.assert_close(p1[1, 2], counts / 400)


def test_joint_matches_monte_carlo_histogram_of_sampled_outputs():
    r, c, theta, br, bc = random_case(seed=1, runs=1, samples=50, neurons=2, n_r=4, n_c=2)
    p = theta_joint(theta, br, bc, 4, 2)
    repeats = 4000
    g = torch.Generator().manual_seed(2)
    y = (torch.rand(repeats, *theta.shape, generator=g, dtype=torch.float64) < theta).long()
    hist = torch.zeros(1, 2, 4, 2, 2, dtype=torch.float64)
    for k in range(2):
        idx = (br[0, :, k].expand(repeats, -1), bc[0, :, k].expand(repeats, -1), y[:, 0, :, k])
        h = torch.zeros(4, 2, 2, dtype=torch.float64)
        h.index_put_(tuple(i.reshape(-1) for i in idx), torch.ones(repeats * 50, dtype=torch.float64),
                     accumulate=True)
        hist[0, k] = h / (repeats * 50)
    # each cell is a mean of repeats*50 Bernoulli-like draws: 5 standard errors of the worst case
    tolerance = 5 * math.sqrt(0.25 / (repeats * 50))
    assert (hist - p).abs().max() < tolerance


def test_joint_is_differentiable_in_theta():
    r, c, theta, br, bc = random_case()
    theta.requires_grad_(True)
    p = theta_joint(theta, br, bc, 6, 3)
    (p[..., 1] * torch.arange(18, dtype=torch.float64).reshape(6, 3)).sum().backward()
    assert theta.grad.abs().sum() > 0


def test_adaptive_binning_is_per_neuron_and_symmetric():
    x = torch.tensor([[[-2.0, 10.0], [0.0, -5.0], [1.0, 0.0], [2.0, 5.0]]])
    idx = Binning(4, "adaptive").indices(x)
    # neuron 0: scaled to [-1, 0, 0.5, 1]; neuron 1: [1, -0.5, 0, 0.5]
    assert idx[0, :, 0].tolist() == [0, 2, 3, 3]
    assert idx[0, :, 1].tolist() == [3, 1, 2, 3]


def test_minmax_puts_two_values_in_two_bins():
    # a ±1 label times a weight plus a bias: the adaptive symmetric range can merge both values
    x = torch.tensor([0.3 + 0.1, 0.3 - 0.1] * 5).reshape(1, 10, 1)
    assert Binning(2, "adaptive").indices(x).unique().numel() == 1
    assert sorted(Binning(2, "minmax").indices(x).unique().tolist()) == [0, 1]


def test_fixed_and_values_binning():
    x = torch.tensor([-30.0, -1.0, 0.5, 19.0, 50.0]).reshape(1, 5, 1)
    assert Binning(4, "fixed", range=(-20, 20)).indices(x).reshape(-1).tolist() == [0, 1, 2, 3, 3]
    v = torch.tensor([-1.0, 1.0, 1.0, -1.0]).reshape(1, 4, 1) * 0.7
    assert Binning(2, "values", values=(-0.7, 0.7)).indices(v).reshape(-1).tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize(
    "kwargs, field",
    [({"n_bins": 1}, "n_bins"), ({"n_bins": 2.5}, "n_bins"), ({"method": "quantile"}, "method"),
     ({"method": "fixed"}, "range"), ({"method": "fixed", "range": (1, -1)}, "range"),
     ({"n_bins": 3, "method": "values", "values": (0, 1)}, "values")],
)
def test_binning_validation_names_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        Binning(**kwargs)
