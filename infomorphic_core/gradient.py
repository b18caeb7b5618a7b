"""The learning rule in closed form (PNAS Eqs. 8/9, the book's Methods page): the gradient of a
bivariate goal Γ·atoms with respect to a layer's weights, without autograd: each sample's score
F(r̃, c̃) = ∂G/∂p(·, +1) − ∂G/∂p(·, −1) of its joint's cell, times θ(1 − θ) and the activation's
partial derivatives, summed over the minibatch as a few matrix products.
"""

from __future__ import annotations

import math

import torch

from . import fused
from .activations import with_derivatives
from .estimate import THETA_CLIP, theta_joint
from .goals import Goal, classical_coefficients
from .layer import InfomorphicLayer


def pid_score(p: torch.Tensor, gamma) -> torch.Tensor:
    """F(r̃, c̃) = ∂G/∂p(r̃, c̃, +1) − ∂G/∂p(r̃, c̃, −1) for joints p [..., n_r, n_c, 2] (the book's Methods page).

    With G = a_R I(Y:R̃) + a_C I(Y:C̃) + a_RC I(Y:R̃,C̃) + a_red I_red + a_H H(Y), every term's
    derivative is a log-odds difference; the redundancy adds the S-term of the union events.
    """
    a = _classical(gamma, p)
    tiny = torch.finfo(p.dtype).tiny

    def log_odds(x):
        log = torch.log2(x.clamp_min(tiny))
        return log[..., 1] - log[..., 0]

    p_y = p.sum(dim=(-3, -2))
    p_ry = p.sum(-2)
    p_cy = p.sum(-3)
    base = log_odds(p_y)[..., None, None]

    def delta_red():
        union_y = p_ry[..., :, None, :] + p_cy[..., None, :, :] - p
        q = p / union_y.clamp_min(tiny)  # 0 where p = 0: the union is at least p
        s = q.sum(-2, keepdim=True) + q.sum(-3, keepdim=True) - q
        return log_odds(union_y) - base + (s[..., 1] - s[..., 0]) / math.log(2)

    terms = (("a_R", lambda: log_odds(p_ry)[..., :, None] - base),
             ("a_C", lambda: log_odds(p_cy)[..., None, :] - base),
             ("a_RC", lambda: log_odds(p) - base),
             ("a_red", delta_red),
             ("a_H", lambda: -base))
    # a term whose coefficient is the number 0 only adds zeros: it is left out (a learning step
    # of a goal with few classical terms then makes a third fewer operations)
    score = None
    for key, term in terms:
        if isinstance(a[key], torch.Tensor) or a[key] != 0:
            value = a[key] * term()
            score = value if score is None else score + value
    # a score of the output's marginals alone (H(Y)) is constant over the grid: spread it out
    return p.new_zeros(p.shape[:-1]) if score is None else score.expand(p.shape[:-1]).contiguous()


def _classical(gamma, p: torch.Tensor) -> dict:
    """The classical coefficients of :meth:`Goal.classical`; for a tensor Γ [runs, n_atoms] (one
    goal per run of joints p [runs, neurons, n_r, n_c, 2]) each is shaped to broadcast over
    the runs' [neurons, n_r, n_c] grids."""
    if not isinstance(gamma, torch.Tensor):
        return Goal.from_any(gamma).classical()
    w = gamma.to(p.dtype)
    if w.dim() == 2:
        w = w[:, None, None, None, :]
    return classical_coefficients(*w.unbind(-1))


def _coefficients(gamma, theta: torch.Tensor) -> torch.Tensor:
    """:func:`_classical`'s coefficients (a_R, a_C, a_RC, a_red, a_H) as one tensor: [5] for one
    goal of every run, [runs, 5] for a goal per run."""
    classical = _classical(gamma, theta)
    a = [classical[key] for key in ("a_R", "a_C", "a_RC", "a_red", "a_H")]
    if not isinstance(gamma, torch.Tensor):  # numbers: one small tensor, no per-step stacking
        return torch.tensor(a, dtype=torch.float64)
    return torch.stack([torch.as_tensor(v, dtype=torch.float64).reshape(-1).expand(theta.shape[0]) for v in a], -1)


def closed_form_gradient(layer: InfomorphicLayer, x_receptive, x_context, gamma):
    """∂(Σ_neurons G)/∂parameters by PNAS Eqs. 8/9, without autograd through
    the PID: ∂G/∂w_R = (1/N) Σ_n F(r̃_n, c̃_n) θ_n(1 − θ_n) ∂A/∂r|_n x_R,n, and likewise for w_C.

    ∂A/∂r and ∂A/∂c are taken elementwise from the activation. Returns a dict keyed by the
    names of the layer's parameters that require a gradient (a frozen one gets none), and the
    minibatch's joint p(r̃, c̃, y). Bins are constants and θ
    is clipped as in :func:`theta_joint`. On the CPU, where the kernels are built, the joint and
    the score are fused (:func:`~infomorphic_core.fused.score_step`: the same joint, the score to
    float rounding); otherwise eager.
    """

    cfg = layer.config
    with torch.no_grad():
        r, c = layer.aggregates(x_receptive, x_context)
        activation, da_dr, da_dc = with_derivatives(layer.activation, r, c)
        theta = torch.sigmoid(activation)
        bin_r, bin_c = layer.bins(r, c)
        n_r, n_c = cfg.binning_receptive.n_bins, cfg.binning_context.n_bins
        if fused.applies_step(theta):
            p, f_r, f_c = fused.score_step(theta, bin_r, bin_c, da_dr, da_dc, n_r, n_c,
                                           _coefficients(gamma, theta), THETA_CLIP)
        else:
            p = theta_joint(theta, bin_r, bin_c, n_r, n_c)  # [R, K, n_r, n_c, 2]
            score = pid_score(p, gamma).flatten(-2).div_(theta.shape[-2])  # [R, K, n_r*n_c], the 1/N
            cell = (bin_r * n_c + bin_c).transpose(-1, -2)  # [R, K, N]
            f = theta * (1 - theta)  # [R, N, K]
            f.mul_((theta > THETA_CLIP) & (theta < 1 - THETA_CLIP)).mul_(torch.gather(score, -1, cell).transpose(-1, -2))
            f_r, f_c = f * da_dr, f.mul_(da_dc)
        terms = {"w_receptive": lambda: _outer(f_r, x_receptive) * layer.mask_receptive,
                 "w_context": lambda: _outer(f_c, x_context) * layer.mask,
                 "b_receptive": lambda: f_r.sum(-2), "b_context": lambda: f_c.sum(-2)}
        grads = {name: term() for name, term in terms.items()
                 if getattr(layer, name) is not None and getattr(layer, name).requires_grad}
    return grads, p


def _outer(f, x):
    """Σ_n f[r, n, k] x[r, n, i] -> [r, k, i] (x may be shared by all runs: [n, i])."""
    return torch.matmul(f.transpose(-1, -2), x)
