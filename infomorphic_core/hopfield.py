"""Classical Hopfield networks (Hopfield 1982) as baselines under the memory test of PNAS §3.3.4.

Patterns are ±1 vectors shaped [runs, patterns, N]; weights [runs, N, N] with a zero diagonal.
"""

from __future__ import annotations

import torch


def hebbian(patterns: torch.Tensor) -> torch.Tensor:
    """W = (1/N) Σ_μ ξ^μ ξ^μᵀ with W_ii = 0."""
    n = patterns.shape[-1]
    w = patterns.transpose(-1, -2) @ patterns / n
    return w - torch.diag_embed(torch.diagonal(w, dim1=-2, dim2=-1))


def storkey(patterns: torch.Tensor) -> torch.Tensor:
    """Storkey's incremental rule (1997), one pattern at a time:
    W_ij += (1/N)(ξ_i ξ_j − ξ_i h_ji − h_ij ξ_j), h_ij = Σ_{k≠i,j} W_ik ξ_k; W_ii = 0."""
    runs, m, n = patterns.shape
    w = torch.zeros(runs, n, n, dtype=patterns.dtype)
    for mu in range(m):
        xi = patterns[:, mu]  # [runs, n]
        field = (w @ xi[..., None])[..., 0]  # Σ_k W_ik ξ_k
        diag = torch.diagonal(w, dim1=-2, dim2=-1)
        # h_ij = field_i − W_ii ξ_i − W_ij ξ_j
        h = (field - diag * xi)[..., :, None] - w * xi[..., None, :]
        w = w + (xi[..., :, None] * xi[..., None, :] - xi[..., :, None] * h.transpose(-1, -2)
                 - h * xi[..., None, :]) / n
        w = w - torch.diag_embed(torch.diagonal(w, dim1=-2, dim2=-1))
    return w


def sign_keep(field: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
    """sign(field), keeping the old state where the field is exactly zero."""
    return torch.where(field > 0, 1.0, torch.where(field < 0, -1.0, state)).to(state.dtype)


def recall(weights, cues, steps: int = 20, mode: str = "synchronous", generator=None):
    """Run the deterministic dynamics from ``cues`` [runs, patterns, N] for ``steps`` steps.
    ``synchronous``: all units at once; ``asynchronous``: each step is one sweep over the units
    in a random order (drawn from ``generator``), each unit seeing the latest state."""
    state = cues.clone()
    if mode == "synchronous":
        for _ in range(steps):
            state = sign_keep(state @ weights.transpose(-1, -2), state)
        return state
    if mode != "asynchronous":
        raise ValueError(f"mode must be 'synchronous' or 'asynchronous', got {mode!r}")
    n = cues.shape[-1]
    for _ in range(steps):
        for i in torch.randperm(n, generator=generator).tolist():
            field = (state * weights[:, None, i, :]).sum(-1)
            state[..., i] = sign_keep(field, state[..., i])
    return state
