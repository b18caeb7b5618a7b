"""Classical Hopfield networks (Hopfield 1982) as baselines under the memory test of PNAS §3.3.4,
and the recall dynamics every memory chapter tests with: fixed sweeps (:func:`recall`), settling
to a fixed point or 2-cycle (:func:`settle`, Blümel et al. 2025) and sampled updates
(:func:`stochastic_recall`).

Patterns are ±1 vectors shaped [runs, patterns, N]; weights [runs, N, N] with a zero diagonal.
"""

from __future__ import annotations

import torch

from . import fused


def _zero_diagonal(w: torch.Tensor) -> torch.Tensor:
    return w - torch.diag_embed(torch.diagonal(w, dim1=-2, dim2=-1))


def hebbian(patterns: torch.Tensor) -> torch.Tensor:
    """W = (1/N) Σ_μ ξ^μ ξ^μᵀ with W_ii = 0."""
    n = patterns.shape[-1]
    return _zero_diagonal(patterns.transpose(-1, -2) @ patterns / n)


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
        w = _zero_diagonal(w)
    return w


def sign_keep(field: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
    """sign(field), keeping the old state where the field is exactly zero (or NaN)."""
    # where() with full tensors on both sides: with Python scalars it is five times slower
    return torch.where(field.abs() > 0, field.sign(), state).to(state.dtype)


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


@torch.no_grad()
def settle(weights: torch.Tensor, cues: torch.Tensor, max_iterations: int) -> torch.Tensor:
    """Deterministic synchronous dynamics s ← sign(W s) from ``cues`` [runs, m, N]: each
    pattern stops at a fixed point or when a 2-cycle closes, at most ``max_iterations`` steps.
    ``weights``: [N, N], or [runs, N, N] (a run whose patterns have all stopped then leaves the
    batch: each run's products are the same in any batch)."""
    final, state, previous = cues.clone(), cues.clone(), None
    live = torch.arange(cues.shape[0])  # the runs still in the batch
    done = torch.zeros(cues.shape[:-1], dtype=torch.bool)
    for step in range(max_iterations):
        field = state @ weights.transpose(-1, -2)
        if fused.applies_settle(field, state):  # in place, one pass
            if previous is None:
                previous = torch.empty_like(state)
            fused.settle_step(field, state, previous, done, step == 0)
        else:
            new = sign_keep(field, state)
            closed = (new == state).all(-1)
            if previous is not None:
                closed |= (new == previous).all(-1)
            previous, state = state, torch.where(done[..., None], state, new)
            done |= closed
        stopped = done.all(-1)
        if weights.dim() == 3 and bool(stopped.any()):
            final[live[stopped]] = state[stopped]
            keep = ~stopped
            live, state, previous, done = live[keep], state[keep], previous[keep], done[keep]
            weights = weights[keep]
        if not len(live) or bool(done.all()):
            break
    final[live] = state
    return final


@torch.no_grad()
def stochastic_recall(weights, cues, uniforms) -> torch.Tensor:
    """Sampled dynamics s ~ σ(W s) from the cues [runs, m, N], one step per slice of
    ``uniforms`` [runs, steps, m, N]: the states [steps, runs, m, N]."""
    state, states = cues, []
    for t in range(uniforms.shape[1]):
        theta = torch.sigmoid(state @ weights.transpose(-1, -2))
        state = torch.where(uniforms[:, t] < theta, 1.0, -1.0).to(cues.dtype)
        states.append(state)
    return torch.stack(states)


def pseudoinverse(patterns: torch.Tensor) -> torch.Tensor:
    """The projection (pseudo-inverse) rule (Personnaz et al. 1985; Kanter & Sompolinsky 1987):
    W = Ξ⁺Ξ, the orthogonal projector onto the span of the patterns, with W_ii = 0.
    Each pattern keeps the field (1 − P_ii) ξ_i, so the patterns are fixed points while the
    projector's diagonal stays below 1; from M = N on it is the identity and W = 0."""
    xi = patterns.double()  # the projector's diagonal nears 1 as M nears N: keep the margin exact
    return _zero_diagonal(torch.linalg.pinv(xi) @ xi).to(patterns.dtype)


def stabilities(weights: torch.Tensor, patterns: torch.Tensor) -> torch.Tensor:
    """Δ_i^μ = ξ_i^μ Σ_j W_ij ξ_j^μ / ‖w_i‖, [runs, N, patterns]: pattern μ is a fixed point of
    the sign dynamics where every Δ_i^μ > 0; the smallest Δ is the margin of neuron i."""
    field = weights @ patterns.transpose(-1, -2)
    norm = weights.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(weights.dtype).tiny)
    return patterns.transpose(-1, -2) * field / norm


def krauth_mezard(patterns: torch.Tensor, iterations: int = 2000) -> torch.Tensor:
    """The minover perceptron rule with optimal stability (Krauth & Mézard 1987), every neuron
    of every run at once: ``iterations`` times, each neuron i adds ξ_i^μ ξ^μ / N (j ≠ i) for
    its pattern μ of least stability. As ``iterations`` grows the rows approach the largest
    margin min_μ Δ_i^μ, which is positive up to the Gardner bound of M = 2N patterns."""
    runs, m, n = patterns.shape
    overlap = patterns @ patterns.transpose(-1, -2)  # Q_μν = Σ_j ξ_j^μ ξ_j^ν
    xi = patterns.transpose(-1, -2)  # [runs, N, patterns]: ξ_i^μ
    if fused.applies_minover(patterns):  # the same integers, one pass per iteration instead of five
        counts = fused.minover_counts(xi, overlap, iterations)
    else:
        field = torch.zeros(runs, n, m, dtype=patterns.dtype)  # ξ_i^μ Σ_{j≠i} W_ij ξ_j^μ · N
        counts = torch.zeros(runs, n, m, dtype=patterns.dtype)
        for _ in range(iterations):
            worst = field.argmin(-1, keepdim=True)  # [runs, N, 1]
            counts.scatter_add_(-1, worst, torch.ones_like(worst, dtype=patterns.dtype))
            q = torch.gather(overlap, 1, worst.expand(-1, -1, m))  # Q_{μ*ν} per neuron
            sign = torch.gather(xi, -1, worst)  # ξ_i^{μ*}
            # adding ξ_i^{μ*} ξ_j^{μ*} for j ≠ i changes neuron i's field on pattern ν by
            # ξ_i^ν ξ_i^{μ*} (Q_{μ*ν} − ξ_i^{μ*} ξ_i^ν)
            field += sign * xi * q - 1.0
    return _zero_diagonal((counts * xi) @ patterns / n)
