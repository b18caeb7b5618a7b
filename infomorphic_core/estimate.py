"""Binning of the aggregates and the θ-weighted joint p(r̃, c̃, y) (PNAS Materials and Methods; the book's Methods page).

Layout: aggregates and firing probabilities are shaped ``[runs, samples, neurons]`` (any number
of leading axes before ``samples``); a joint is ``[runs, neurons, n_r, n_c, 2]`` with the target
axis ordered (Y = −1, Y = +1), ready for :func:`infomorphic_core.pid.sx_pid`.

The bins are computed without gradient and act as constants; the joint is built from the
expected outputs (1 − θ, θ) rather than from sampled Y, so it is a smooth function of the
weights and its source marginal p(r̃, c̃) does not depend on θ at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import fused

BINNING_METHODS = ("adaptive", "minmax", "fixed", "values")

# θ is kept inside [THETA_CLIP, 1 − THETA_CLIP] in the joint (the reference code's convention),
# so occupied bins never hold a zero-probability output and the logs stay finite.
THETA_CLIP = 1e-6


@dataclass(frozen=True)
class Binning:
    """How one aggregate (R or C) is quantised into ``n_bins`` uniform bins.

    - ``adaptive``: divide by max |x| over the minibatch, per neuron; bins on [−1, 1]
      (the ICLR default for bivariate neurons).
    - ``minmax``: bins spanning the minibatch's min to max, per neuron; with as many bins as
      equally spaced values, each value gets its own bin (e.g. a ±1 label times a weight).
    - ``fixed``: bins on the fixed interval ``range``; values outside land in the edge bins.
    - ``values``: exact bins for an input that takes only the listed ``values``
      (each sample goes to the nearest one); ``n_bins`` must equal ``len(values)``.
    """

    n_bins: int = 20
    method: str = "adaptive"
    range: tuple[float, float] | None = None
    values: tuple[float, ...] | None = None

    def __post_init__(self):
        if isinstance(self.n_bins, bool) or not isinstance(self.n_bins, int) or self.n_bins < 2:
            raise ValueError(f"n_bins must be an integer >= 2, got {self.n_bins!r}")
        if self.method not in BINNING_METHODS:
            raise ValueError(f"method must be one of {BINNING_METHODS}, got {self.method!r}")
        if self.method == "fixed":
            if self.range is None or len(self.range) != 2 or not self.range[0] < self.range[1]:
                raise ValueError(f"range must be (low, high) with low < high, got {self.range!r}")
        if self.method == "values":
            if self.values is None or len(self.values) != self.n_bins:
                raise ValueError(
                    f"values must list n_bins = {self.n_bins} values, got {self.values!r}"
                )

    def indices(self, x: torch.Tensor) -> torch.Tensor:
        """Integer bin index of every entry of ``x`` [..., samples, neurons] (no gradient)."""
        with torch.no_grad():
            if fused.applies_bins(x, self.method):  # the same indices, bit for bit
                return fused.bin_indices(x, self.method, self.n_bins, self.range)
            if self.method == "values":
                values = torch.as_tensor(self.values, dtype=x.dtype, device=x.device)
                return (x.unsqueeze(-1) - values).abs().argmin(-1)
            if self.method == "adaptive":
                low, high = torch.aminmax(x, dim=-2, keepdim=True)  # max |x| without |x|
                scale = torch.maximum(-low, high)
                position = x / torch.where(scale > 0, scale, torch.ones_like(scale))
                low, high = -1.0, 1.0
                position.sub_(low)
            else:
                if self.method == "minmax":
                    low, high = torch.aminmax(x, dim=-2, keepdim=True)
                    high = torch.where(high > low, high, low + 1)
                else:
                    low, high = self.range
                position = x - low
            # (x − low) / (high − low) · n_bins, in place on one temporary: the same arithmetic
            # as out of place, without a fresh full-size allocation per operation
            return position.div_(high - low).mul_(self.n_bins).floor_().clamp_(0, self.n_bins - 1).long()


def theta_joint(
    theta: torch.Tensor, bin_r: torch.Tensor, bin_c: torch.Tensor, n_r: int, n_c: int
) -> torch.Tensor:
    """θ-weighted joint p(r̃, c̃, y) of every neuron (PNAS Materials and Methods).

    ``theta``, ``bin_r``, ``bin_c``: [..., samples, neurons]. Returns [..., neurons, n_r, n_c, 2]:
    p(r̃, c̃, y) = (1/N) Σ_n 1[bins_n = (r̃, c̃)] · P(Y = y | r_n, c_n), differentiable in θ.
    """
    if fused.applies_joint(theta):  # the same joint, bit for bit, in one pass
        *lead, n_samples, n_neurons = theta.shape
        flat = (-1, n_samples, n_neurons)
        p = fused.theta_joint(theta.reshape(flat), bin_r.expand(theta.shape).reshape(flat),
                              bin_c.expand(theta.shape).reshape(flat), n_r, n_c, THETA_CLIP)
        return p.reshape(*lead, n_neurons, n_r, n_c, 2)
    theta = theta.clamp(THETA_CLIP, 1 - THETA_CLIP)
    *lead, n_samples, n_neurons = theta.shape
    n_tables = n_neurons
    for size in lead:
        n_tables *= size
    cells = n_r * n_c
    # table index of every (leading..., neuron), broadcast over samples
    table = torch.arange(n_tables, device=theta.device).reshape(*lead, 1, n_neurons)
    cell = bin_r * n_c  # integer arithmetic, exact in any order: in place on one temporary
    cell += bin_c
    cell += table * cells
    cell = cell.reshape(-1)
    empty = torch.zeros(n_tables * cells, dtype=theta.dtype, device=theta.device)
    # p(r̃, c̃) from the bins alone, p(r̃, c̃, +) from θ; p(r̃, c̃, −) is their difference
    share = torch.ones((), dtype=theta.dtype, device=theta.device) / n_samples
    sources = empty.index_add(0, cell, share.expand(cell.shape))
    fires = empty.index_add(0, cell, theta.reshape(-1) / n_samples)
    # the clamp only absorbs float rounding where every θ in a cell sits at the upper clip
    return torch.stack([(sources - fires).clamp_min(0), fires], dim=-1).reshape(*lead, n_neurons, n_r, n_c, 2)
