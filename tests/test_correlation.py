import math

import pytest
import torch

from infomorphic_core import correlation
from infomorphic_core.goals import ATOM_KEYS

RED = ATOM_KEYS.index("red")


def with_covariance(cov, n=500, seed=0) -> torch.Tensor:
    """[3, n] samples (y, t, r) whose sample covariance (population normalisation) is ``cov``
    exactly: random data, centred, whitened by its own covariance, then coloured."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(3, n, generator=g, dtype=torch.float64)
    z = z - z.mean(-1, keepdim=True)
    own = z @ z.T / n
    white = torch.linalg.solve(torch.linalg.cholesky(own), z)
    return torch.linalg.cholesky(torch.as_tensor(cov, dtype=torch.float64)) @ white + 3.0


def determinant_informations(cov):
    """I(Y:T), I(Y:R), I(Y:T,R) in bits of a Gaussian (y, t, r) from determinants: a second
    route to the multiple-correlation formulas of the module."""
    c = torch.as_tensor(cov, dtype=torch.float64)

    def info(sources):
        idx = [0, *sources]
        return 0.5 * math.log2(float(c[0, 0] * torch.det(c[sources][:, sources]) / torch.det(c[idx][:, idx])))

    return info([1]), info([2]), info([1, 2])


COVARIANCES = [
    [[1.0, 0.6, 0.3], [0.6, 1.0, 0.0], [0.3, 0.0, 1.0]],  # independent sources
    [[2.0, 0.9, -0.5], [0.9, 1.5, 0.4], [-0.5, 0.4, 0.8]],
    [[1.0, 0.5, 0.5], [0.5, 1.0, 0.9], [0.5, 0.9, 1.0]],  # strongly correlated sources
]


@pytest.mark.parametrize("cov", COVARIANCES)
def test_gaussian_informations_equal_the_determinant_formulas(cov):
    y, t, r = with_covariance(cov)
    ours = correlation.gaussian_informations(y, t, r)
    for a, b in zip(ours, determinant_informations(cov)):
        assert float(a) == pytest.approx(b, abs=1e-10)


def test_gaussian_atoms_of_independent_sources_in_closed_form():
    # ρ_YT = 0.6, ρ_YR = 0.3, ρ_TR = 0: I_T = −½ log2 0.64, I_R = −½ log2 0.91 (the smaller,
    # so the redundancy), I_TR = −½ log2(1 − 0.36 − 0.09); synergy I_TR − I_T > 0 (Barrett 2015:
    # independent Gaussian sources of a scalar target carry synergy)
    y, t, r = with_covariance(COVARIANCES[0])
    a = correlation.atoms("gauss", y, t, r)
    expected = [0.5 * math.log2(0.91 / 0.64), 0.0, -0.5 * math.log2(0.91), 0.5 * math.log2(0.64 / 0.55)]
    assert a[:4].tolist() == pytest.approx(expected, abs=1e-10)
    assert math.isnan(float(a[4]))  # no residual entropy in bits


def test_gaussian_atoms_are_invariant_under_affine_maps_of_each_variable():
    y, t, r = with_covariance(COVARIANCES[1])
    a = correlation.atoms("gauss", y, t, r)
    b = correlation.atoms("gauss", -3.0 * y + 7.0, 0.01 * t - 2.0, 50.0 * r + 1.0)
    assert torch.allclose(a[:4], b[:4], atol=1e-10)


def test_coherence_sees_the_offset_and_the_sign_that_the_gaussian_measure_does_not():
    y, t, r = with_covariance(COVARIANCES[1]) - 3.0  # centred: ρ₀ is then the correlation times σ_Y
    assert float(correlation.coherence(y, t)) == pytest.approx(0.9 / math.sqrt(1.5), abs=1e-12)
    rho = correlation.coherence(y, t)
    assert float(correlation.coherence(y, -t)) == pytest.approx(-float(rho), abs=1e-12)
    assert abs(float(correlation.coherence(y, t + 5.0)) - float(rho)) > 0.1
    # ρ₀(S, S) = √E[S²]
    assert float(correlation.coherence(t, t)) == pytest.approx(float((t * t).mean().sqrt()), abs=1e-12)
    a = correlation.atoms("coherence", y, t, r)
    assert float(a[RED]) == pytest.approx(min(float(rho), float(correlation.coherence(y, r))), abs=1e-12)
    assert math.isnan(float(a[3])) and math.isnan(float(a[4]))


def test_the_coherence_gradient_is_hebbian_plus_oja_plus_the_term_through_the_output():
    # S = Σ_j w_j x_j, y = 2σ(x_T + S) − 1; the module's docstring derives
    # ∂ρ₀/∂w = E[y x]/‖S‖ − E[yS] E[S x]/‖S‖³ + E[S ∂y/∂w]/‖S‖
    g = torch.Generator().manual_seed(1)
    x = torch.randn(200, 6, generator=g, dtype=torch.float64)
    x_t = torch.randn(200, generator=g, dtype=torch.float64)
    w = torch.randn(6, generator=g, dtype=torch.float64, requires_grad=True)
    s = x @ w
    y = 2 * torch.sigmoid(x_t + s) - 1
    (auto,) = torch.autograd.grad(correlation.coherence(y, s), w)
    with torch.no_grad():
        norm = (s * s).mean().sqrt()
        dy = (2 * torch.sigmoid(x_t + s) * (1 - torch.sigmoid(x_t + s)))[:, None] * x  # ∂y/∂w
        hebb = (y[:, None] * x).mean(0) / norm
        oja = (y * s).mean() * (s[:, None] * x).mean(0) / norm ** 3
        through_y = (s[:, None] * dy).mean(0) / norm
    assert torch.allclose(auto, hebb - oja + through_y, atol=1e-12)


def test_atoms_batch_over_leading_axes():
    g = torch.Generator().manual_seed(2)
    y, t, r = torch.randn(3, 4, 5, 64, generator=g, dtype=torch.float64)
    for measure in correlation.CORRELATION_MEASURES:
        batched = correlation.atoms(measure, y, t, r)
        assert batched.shape == (4, 5, 5)
        one = correlation.atoms(measure, y[2, 3], t[2, 3], r[2, 3])
        assert torch.allclose(batched[2, 3], one, equal_nan=True)


def test_constant_sources_give_zero_not_nan():
    y = torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=torch.float64)
    zero = torch.zeros(4, dtype=torch.float64)
    assert float(correlation.coherence(y, zero)) == 0.0
    assert correlation.atoms("gauss", y, zero + 2.0, y)[:4].isfinite().all()


def test_the_goal_refuses_weights_on_atoms_a_measure_does_not_define():
    y, t, r = with_covariance(COVARIANCES[1])
    red_only = (0.0, 0.0, 1.0, 0.0, 0.0)
    assert float(correlation.goal("gauss", red_only, y, t, r)) == pytest.approx(
        float(correlation.atoms("gauss", y, t, r)[RED]))
    with pytest.raises(ValueError, match="no res atom"):
        correlation.goal("gauss", (0.0, 0.0, 1.0, 0.0, 0.1), y, t, r)
    with pytest.raises(ValueError, match="no syn atom"):
        correlation.goal("coherence", (0.0, 0.0, 1.0, 0.5, 0.0), y, t, r)
    with pytest.raises(ValueError, match="measure must be one of"):
        correlation.goal("sx", red_only, y, t, r)
