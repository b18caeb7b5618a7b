"""Correlation-based measures in place of the sx-PID: the atoms of a two-source neuron from
second-order moments only, batched over leading axes and differentiable.

Every function takes the neuron's expected output ``y`` (y = 2θ − 1 for a ±1 output firing
with probability θ) and its two source drives ``t`` (receptive) and ``r`` (context), tensors
whose last axis runs over samples, and returns the atoms in the order and with the keys of the
bivariate vocabulary (:data:`~infomorphic_core.goals.ATOM_KEYS`: unique receptive, unique
context, redundancy, synergy, residual entropy).

``"gauss"``: the Gaussian PID of minimum mutual information (Barrett, Phys. Rev. E 91, 052802,
2015), the decomposition the usual redundancy measures reduce to for jointly Gaussian variables
with a scalar target: I(Y:S) = −½ log2(1 − ρ²_YS), I(Y:T,R) = −½ log2(1 − R²) with the multiple
correlation R², redundancy min(I_T, I_R). In bits; centred, so blind to offsets and invariant
under affine maps of each variable. Its residual entropy is not defined (a continuous variable
has none in bits): that entry is NaN, and a goal must give it weight 0.

``"coherence"``: the signed, uncentred coherence ρ₀(Y,S) = E[yS]/√E[S²], its redundancy
min(ρ₀(Y,T), ρ₀(Y,R)) and the unique parts ρ₀ − redundancy (no synergy, no residual: NaN).
Not an information (no unit): ρ₀ is a normalised Hebbian correlation, sensitive to the sign of
the drive and to its offset. Its gradient with respect to a weight w_j of the source S =
Σ_j w_j x_j is E[y x_j]/‖S‖ (Hebbian) − E[yS] E[S x_j]/‖S‖³ (an Oja-type normalisation, ‖S‖ =
√E[S²]) + E[S ∂y/∂w_j]/‖S‖ (through θ).
"""

from __future__ import annotations

import math

import torch

from .goals import ATOM_KEYS

MEASURES = ("sx", "gauss", "coherence")
# the atoms each correlation measure defines (the others are NaN)
DEFINED = {"gauss": ("unq_R", "unq_C", "red", "syn"), "coherence": ("unq_R", "unq_C", "red")}
CORRELATION_MEASURES = tuple(DEFINED)
# 1 − ρ² is kept above this, so a perfectly linear output gives a large finite information
# (about 20 bits) instead of an infinite one
MIN_RESIDUAL_VARIANCE = 1e-12


def _centred_correlation(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a, b = a - a.mean(-1, keepdim=True), b - b.mean(-1, keepdim=True)
    variances = (a * a).mean(-1) * (b * b).mean(-1)
    # a constant variable is uncorrelated with everything (not NaN)
    return (a * b).mean(-1) / torch.where(variances > 0, variances, torch.ones_like(variances)).sqrt()


def _bits(one_minus: torch.Tensor) -> torch.Tensor:
    return -0.5 * torch.log2(one_minus.clamp_min(MIN_RESIDUAL_VARIANCE))


def gaussian_informations(y, t, r) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """I(Y:T), I(Y:R) and I(Y:T,R) in bits of jointly Gaussian variables with the samples'
    correlations."""
    rho_t, rho_r, rho_tr = _centred_correlation(y, t), _centred_correlation(y, r), _centred_correlation(t, r)
    multiple = (rho_t ** 2 + rho_r ** 2 - 2 * rho_t * rho_r * rho_tr) / (1 - rho_tr ** 2).clamp_min(
        MIN_RESIDUAL_VARIANCE)
    return _bits(1 - rho_t ** 2), _bits(1 - rho_r ** 2), _bits(1 - multiple)


def coherence(y: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """ρ₀(Y,S) = E[yS]/√E[S²] over the last axis (0 where S is 0 on every sample)."""
    norm = (s * s).mean(-1).sqrt()
    return (y * s).mean(-1) / torch.where(norm > 0, norm, torch.ones_like(norm))


def atoms(measure: str, y: torch.Tensor, t: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """The five atoms [..., 5] of ``measure`` (``"gauss"`` or ``"coherence"``; see the module's
    docstring), NaN where the measure defines none."""
    if measure == "gauss":
        i_t, i_r, i_tr = gaussian_informations(y, t, r)
    elif measure == "coherence":
        i_t, i_r, i_tr = coherence(y, t), coherence(y, r), None
    else:
        raise ValueError(f"measure must be one of {CORRELATION_MEASURES}, got {measure!r}")
    red = torch.minimum(i_t, i_r)
    nan = torch.full_like(red, math.nan)
    syn = nan if i_tr is None else i_tr - i_t - i_r + red
    return torch.stack([i_t - red, i_r - red, red, syn, nan], -1)


def goal(measure: str, gamma, y: torch.Tensor, t: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """Γ · atoms of ``measure`` [...]: the goal a correlation-based neuron ascends. A weight on
    an atom the measure does not define is an error, not a silent 0."""
    if measure not in DEFINED:
        raise ValueError(f"measure must be one of {CORRELATION_MEASURES}, got {measure!r}")
    gamma = torch.as_tensor(gamma, dtype=y.dtype)
    undefined = [key for key, w in zip(ATOM_KEYS, gamma.tolist()) if w != 0 and key not in DEFINED[measure]]
    if undefined:
        raise ValueError(f"the {measure} measure defines no {', '.join(undefined)} atom: give it weight 0")
    values = atoms(measure, y, t, r)
    return (torch.nan_to_num(values, nan=0.0) * gamma).sum(-1)
