import pytest
import torch

from infomorphic_core.activations import ACTIVATIONS, get_activation

GRID = torch.linspace(-6, 6, 49, dtype=torch.float64)
R, C = torch.meshgrid(GRID, GRID, indexing="ij")


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_no_context_is_identity(name):
    a = get_activation(name)
    torch.testing.assert_close(a(GRID, torch.zeros_like(GRID)), GRID)


def test_sigmoid_gain_keeps_sign_and_formula():
    a = get_activation("sigmoid_gain")(R, C)
    assert torch.all(torch.sign(a) == torch.sign(R))
    torch.testing.assert_close(a, R * (0.5 + torch.sigmoid(2 * R * C)))
    # the gain lies in [0.5, 1.5]
    ratio = a[R != 0] / R[R != 0]
    assert ratio.min() >= 0.5 and ratio.max() <= 1.5


def test_kay_phillips_formula():
    a = get_activation("kay_phillips")(R, C)
    torch.testing.assert_close(a, R * (0.5 + 0.5 * torch.exp(2 * R * C)))


def test_norm8_properties():
    a = get_activation("norm8")
    torch.testing.assert_close(a(torch.zeros_like(GRID), GRID), GRID)
    torch.testing.assert_close(a(GRID, GRID), 2 ** (1 / 8) * GRID)
    torch.testing.assert_close(a(R, C), a(C, R))  # symmetric in its inputs
    inside = (R.abs() + C.abs()) > 0
    direct = (R * R.abs() ** 7 + C * C.abs() ** 7) / (R**8 + C**8) ** (7 / 8)
    torch.testing.assert_close(a(R, C)[inside], direct[inside])


def test_norm8_finite_everywhere_with_gradients():
    r = torch.tensor([0.0, 0.0, 1e-30, -1e30, 3.0, 1e6], dtype=torch.float32, requires_grad=True)
    c = torch.tensor([0.0, 1.0, 0.0, 2.0, -3.0, 1e6], dtype=torch.float32, requires_grad=True)
    out = get_activation("norm8")(r, c)
    out.sum().backward()
    assert torch.isfinite(out).all()
    assert torch.isfinite(r.grad).all() and torch.isfinite(c.grad).all()
    assert out[0] == 0
    assert out[5].item() == pytest.approx(2 ** (1 / 8) * 1e6, rel=1e-6)


def test_norm8_gradient_matches_finite_differences():
    r = torch.tensor([0.7, -1.3, 2.0], dtype=torch.float64, requires_grad=True)
    c = torch.tensor([0.4, 0.9, -2.5], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(get_activation("norm8"), (r, c))


def test_unknown_name_lists_known():
    with pytest.raises(ValueError, match="sigmoid_gain"):
        get_activation("relu")


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivatives_in_closed_form_equal_autograd(name):
    """with_derivatives: A, ∂A/∂r, ∂A/∂c, in closed form where one is written (sigmoid_gain,
    linear, sum) and by autograd otherwise, equal autograd's in float64."""
    from infomorphic_core.activations import DERIVATIVES, with_derivatives

    generator = torch.Generator().manual_seed(0)
    r = (4 * torch.randn(3, 50, 7, generator=generator, dtype=torch.float64)).requires_grad_(True)
    c = (4 * torch.randn(3, 50, 7, generator=generator, dtype=torch.float64)).requires_grad_(True)
    activation = ACTIVATIONS[name]
    a = activation(r, c)
    da_dr, da_dc = torch.autograd.grad(a.sum(), (r, c), materialize_grads=True)
    with torch.no_grad():
        ours = with_derivatives(activation, r.detach(), c.detach())
    for mine, reference in zip(ours, (a.detach(), da_dr, da_dc)):
        torch.testing.assert_close(mine, reference, rtol=1e-12, atol=1e-12)
    assert (activation in DERIVATIVES) == (name in ("sigmoid_gain", "linear", "sum"))
