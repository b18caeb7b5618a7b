"""Földiák's Hebbian/anti-Hebbian network (Földiák, Biol. Cybern. 64, 165-170, 1990): the
classical correlation-based learner of independent features, the bars task's baseline.

``n`` binary units y ∈ {0, 1} see an input x ∈ {0, 1}^d through feedforward weights Q and each
other through lateral weights W ≤ 0 (no self-connections), with thresholds t. For each input
the units settle: y* follows dy*/dτ = σ(λ (Q x + W y* − t)) − y* from y* = 0 (``settle_steps``
Euler steps of ``dt``), and y = [y* > ½]. Then, after each input:

- ΔW_ij = −α (y_i y_j − p²), kept ≤ 0: anti-Hebbian, decorrelates the units;
- ΔQ_ij = β y_i (x_j − Q_ij): Hebbian, with a decay that keeps Q in [0, 1];
- Δt_i = γ (y_i − p): each unit fires with probability p.

α = 0.1, β = 0.02, γ = 0.02 and λ = 10 as published; p is the units' target firing
probability (Földiák's 1/8, the probability of each of his 16 bars). Runs are a leading tensor
axis; the inputs of run r are its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import rng


@dataclass(frozen=True)
class FoldiakConfig:
    n_units: int
    n_inputs: int
    p: float  # target firing probability of each unit
    alpha: float = 0.1
    beta: float = 0.02
    gamma: float = 0.02
    gain: float = 10.0  # λ
    settle_steps: int = 30
    dt: float = 0.2


class Foldiak:
    """A batch of ``n_runs`` networks; weights drawn from ``seed`` + run."""

    def __init__(self, config: FoldiakConfig, n_runs: int, seed: int = 0):
        self.config = config
        # Q uniform on [0, 1] scaled so each unit's mean drive matches its threshold at the start
        self.q = rng.per_run(lambda g: torch.rand(config.n_units, config.n_inputs, generator=g,
                                                  dtype=torch.float64), seed, n_runs, "foldiak", "q")
        self.w = torch.zeros(n_runs, config.n_units, config.n_units, dtype=torch.float64)
        self.t = 0.5 * self.q.sum(-1)  # half the drive of an input with every element on

    def settle(self, x: torch.Tensor) -> torch.Tensor:
        """Binary outputs [runs, batch, units] for inputs ``x`` [runs, batch, inputs] in {0, 1}
        (each input settles on its own; the weights do not change)."""
        c = self.config
        drive = x @ self.q.mT - self.t[:, None, :]
        y = torch.zeros_like(drive)
        for _ in range(c.settle_steps):
            y = y + c.dt * (torch.sigmoid(c.gain * (drive + y @ self.w.mT)) - y)
        return (y > 0.5).to(x.dtype)

    def learn(self, x: torch.Tensor) -> torch.Tensor:
        """One input per run, ``x`` [runs, inputs] in {0, 1}: settle, then the three rules.
        Returns the outputs [runs, units]."""
        c = self.config
        y = self.settle(x[:, None, :])[:, 0]
        outer = y[:, :, None] * y[:, None, :]
        self.w = (self.w - c.alpha * (outer - c.p ** 2)).clamp(max=0.0)
        self.w.diagonal(dim1=-2, dim2=-1).zero_()
        self.q = self.q + c.beta * y[:, :, None] * (x[:, None, :] - self.q)
        self.t = self.t + c.gamma * (y - c.p)
        return y
