"""Activation functions A(r, c) of infomorphic neurons (PNAS §2.1, §3.3.2).

θ(r, c) = σ(A(r, c)) is the probability that the neuron fires (Y = +1). Every activation here
reduces to A(r, 0) = r, so a neuron without context is a logistic unit of its receptive input.
"""

from __future__ import annotations

from typing import Callable

import torch

Activation = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def sigmoid_gain(r: torch.Tensor, c: torch.Tensor, k1: float = 0.5, k2: float = 2.0) -> torch.Tensor:
    """A = r·(k1 + (1 − k1)·2σ(k2·r·c)): the PNAS activation for MNIST and bars (§3.1.2).

    With the defaults, A = r(0.5 + σ(2rc)). The context only rescales the receptive drive by a
    gain in [k1, 2 − k1], so sign(A) = sign(r): c can amplify or damp r, never flip it.
    """
    return r * (k1 + (1.0 - k1) * 2.0 * torch.sigmoid(k2 * r * c))


def kay_phillips(r: torch.Tensor, c: torch.Tensor, k1: float = 0.5, k2: float = 2.0) -> torch.Tensor:
    """A = r·(k1 + (1 − k1)·exp(k2·r·c)): the Kay–Phillips form the PNAS activation derives from."""
    return r * (k1 + (1.0 - k1) * torch.exp(k2 * r * c))


def norm8(r: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """Symmetric 8-norm of the memory network (PNAS §3.3.2):
    A = (r|r|^7 + c|c|^7) / (r^8 + c^8)^(7/8), with A(0, 0) = 0.

    Either input alone drives the neuron (A(r, 0) = r, A(0, c) = c); A(r, r) = 2^(1/8)·r.
    Computed on (r, c) divided by m = max(|r|, |c|) so that no power overflows; A is
    homogeneous of degree 1, so ∂A/∂m = 0 and m can be held constant in the gradient.
    """
    m = torch.maximum(r.abs(), c.abs()).detach()
    safe = torch.where(m > 0, m, torch.ones_like(m))
    u, v = r / safe, c / safe
    u8, v8 = u.pow(8), v.pow(8)
    # one of |u|, |v| is 1 wherever m > 0, so the denominator is >= 1 there
    denominator = torch.where(m > 0, u8 + v8, torch.ones_like(m)).pow(7.0 / 8.0)
    return m * (u * u.abs().pow(7) + v * v.abs().pow(7)) / denominator


def linear(r: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """A = r: the context is ignored (ICLR output layer; a logistic unit)."""
    return r


def product(r: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """A = r·(1 + c): the context multiplies the receptive drive by a gain that can change sign,
    so, unlike A_σ, the context can flip the neuron's decision (our choice for error neurons,
    which must fire on a mismatch between r and c; not an activation of the paper)."""
    return r * (1.0 + c)


def additive(r: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """A = r + c: both inputs drive the neuron alike (the redundancy memory of Blümel et al.
    2025, θ = σ(β(x_T + x_R)) with β = 1); either input alone drives it, as with the 8-norm."""
    return r + c


def three_source(f: torch.Tensor, c: torch.Tensor, l: torch.Tensor, c1: float = 0.1, c2: float = 0.1,
                 w1: float = 2.0, w2: float = 2.0) -> torch.Tensor:
    """A = f·[(1 − c1 − c2) + c1·σ(w1·f·c) + c2·σ(w2·f·l)]: the feedforward drive f, its gain
    modulated by the context c and the lateral input l (Schneider et al., ICLR 2025; there
    c1 = c2 = 0.1, w1 = w2 = 2). The gain lies in (1 − c1 − c2, 1), so sign(A) = sign(f):
    context and lateral input modulate the feedforward decision, never flip it. With c2 = 0
    it is the context-only neuron, with c1 = 0 the lateral-only one."""
    gain = (1.0 - c1 - c2) + c1 * torch.sigmoid(w1 * f * c) + c2 * torch.sigmoid(w2 * f * l)
    return f * gain


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid_gain": sigmoid_gain,
    "kay_phillips": kay_phillips,
    "norm8": norm8,
    "linear": linear,
    "product": product,
    "sum": additive,
}


def _sigmoid_gain_derivatives(r, c, k1=0.5, k2=2.0):
    # A = r·g(rc), g(u) = k1 + 2(1 − k1)σ(k2·u): ∂A/∂r = g + r·g'·c, ∂A/∂c = r·g'·r
    s = torch.sigmoid(k2 * r * c)
    gain = k1 + (2.0 * (1.0 - k1)) * s
    slope = (2.0 * (1.0 - k1) * k2) * r * s * (1.0 - s)  # r·g'(rc)
    return r * gain, gain + slope * c, slope * r


# A(r, c) with ∂A/∂r and ∂A/∂c in closed form, for the activations the training loop's
# closed-form gradient meets most (others: autograd through the activation)
DERIVATIVES: dict[Activation, Callable] = {
    sigmoid_gain: _sigmoid_gain_derivatives,
    linear: lambda r, c: (r, torch.ones_like(r), torch.zeros_like(c)),
    additive: lambda r, c: (r + c, torch.ones_like(r), torch.ones_like(c)),
}


def with_derivatives(activation: Activation, r: torch.Tensor, c: torch.Tensor):
    """A(r, c), ∂A/∂r and ∂A/∂c, elementwise (closed form where :data:`DERIVATIVES` has one)."""
    if activation in DERIVATIVES:
        return DERIVATIVES[activation](r, c)
    with torch.enable_grad():
        r_, c_ = r.detach().requires_grad_(True), c.detach().requires_grad_(True)
        a = activation(r_, c_)
        da_dr, da_dc = torch.autograd.grad(a.sum(), (r_, c_), materialize_grads=True)
    return a.detach(), da_dr, da_dc


def get_activation(name: str) -> Activation:
    """The activation called ``name``; ``ValueError`` listing the known names otherwise."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None
