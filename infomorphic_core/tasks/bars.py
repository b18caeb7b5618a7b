"""Unsupervised learning of independent features: the bars task (PNAS §3.2, Fig. 3).

Eight infomorphic neurons see 8×8 images of horizontal bars (each bar on with P = 0.5, pixels
±1) as receptive input and the other seven neurons' sampled outputs of the previous time step as
context. A = r(0.5 + σ(2rc)), Γ = (1, 0, 0, 0, 0): each neuron maximises the information about
the image that the other neurons do not carry, so the neurons spread over different bars. Each
image is held for 8 time steps; the receptive weights decay strongly during the first half of
training only.

Our choices where the paper's SI (not available) holds the settings: plain SGD (gradient ascent)
with step 1, weights N(0, 0.01²), a receptive bias and no context bias, minibatches of 1,024
time steps (128 images), receptive decay w_R ← (1 − λ)^T w_R after each update with λ = 1e-4 per
time step, bins as in ``Config``. Atoms are reported from a long evaluation run with updates off.

Layer MI: I(X_R : Y_1..Y_8) over all 256 images, exact under a stated assumption: the context is
set to zero (c = 0, so A = r) and the outputs are conditionally independent given the image,
p(y⃗ | x) = Π_i θ_i(x)^[y_i=+1] (1 − θ_i(x))^[y_i=−1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import torch

from .. import rng
from ..data import all_bar_images, bar_masks
from ..estimate import Binning
from ..layer import InfomorphicLayer, LayerConfig
from ..pid import PIDAtoms
from ..train import TrainConfig, atom_dict, train
from ..checks import ConfigError, number
from .common import (ATOM_MEANS, Recurrent, TaskConfig, atom_frame, atom_means, cached_run,
                     require_positive_ints)

PROFILES = {
    "quick": {"n_runs": 8, "n_updates": 150},
    "paper": {"n_runs": 300, "n_updates": 400},
}
PAPER = {"unq_R": 0.77, "cond_mi": 1.0, "layer_mi": 8.0}
N_NEURONS = 8


@dataclass(frozen=True)
class Config(TaskConfig):
    """Settings of the bars network (PNAS §3.2); a profile sets ``n_runs`` and ``n_updates``."""

    PROFILES: ClassVar[dict] = PROFILES

    n_updates: int | None = None
    steps_per_minibatch: int = 1024
    hold: int = 8  # time steps each image is shown (paper: 8)
    p_bar: float = 0.5  # probability that a bar is on (paper: 0.5)
    gamma: tuple | str = "bars"
    learning_rate: float = 1.0
    optimizer: str = "sgd"
    weight_decay: float = 1e-4  # λ per time step on the receptive weights
    decay_fraction: float = 0.5  # decay during this first fraction of the updates (paper: half)
    init_std: float = 0.01
    n_bins_receptive: int = 20
    n_bins_context: int = 20
    eval_every: int = 10
    eval_steps: int = 8192  # time steps of each evaluation run (1,024 images × 8)

    def check(self):
        require_positive_ints(self, "n_runs", "n_updates", "steps_per_minibatch", "hold", "eval_every",
                              "eval_steps")
        if self.steps_per_minibatch % self.hold or self.eval_steps % self.hold:
            raise ConfigError(f"steps_per_minibatch and eval_steps must be multiples of hold ({self.hold})")
        number("p_bar", self.p_bar, 0, 1, open_low=True, open_high=True)
        number("weight_decay", self.weight_decay, 0, 1, open_high=True)
        number("decay_fraction", self.decay_fraction, 0, 1)

    def train_config(self) -> TrainConfig:
        return TrainConfig(n_updates=self.n_updates, learning_rate=self.learning_rate,
                           optimizer=self.optimizer, eval_every=self.eval_every,
                           checkpoint_every=self.eval_every)

    def estimated_bytes(self) -> int:
        """Peak memory of the runs, roughly: copies of the final evaluation run's images per run
        (measured: 13.8 MB per run at 8,192 evaluation steps)."""
        return int(self.n_runs * 3.5 * 2 * max(self.eval_steps, self.steps_per_minibatch) * 64 * 4)

    def layer_config(self, **binning) -> LayerConfig:
        return LayerConfig(
            n_neurons=N_NEURONS, n_receptive=64, n_context=N_NEURONS, n_runs=self.n_runs,
            activation="sigmoid_gain", bias_receptive=True, bias_context=False,
            init_std_receptive=self.init_std, init_std_context=self.init_std,
            binning_receptive=Binning(binning.get("n_bins_receptive", self.n_bins_receptive)),
            binning_context=Binning(binning.get("n_bins_context", self.n_bins_context)),
            recurrent_context=True, seed=self.seed,
        )


MASKS = torch.from_numpy(bar_masks(8, "horizontal")).float()


def images(n_images, config: Config, *key):
    """[runs, n_images, 64] random bar images (±1), run i from seed + i and ``key``."""
    def one(g):
        on = (torch.rand(n_images, 8, generator=g) < config.p_bar).float()
        return torch.where(on @ MASKS > 0, 1.0, -1.0)
    return rng.per_run(one, config.seed, config.n_runs, *key)


class Stream(Recurrent):
    """The network runs on: each minibatch simulates ``steps_per_minibatch`` time steps of new
    images, each held ``hold`` steps, with no reset of the outputs between minibatches."""

    def __init__(self, config: Config, layer: InfomorphicLayer):
        super().__init__(config.n_runs, N_NEURONS, layer.dtype)
        self.config = config

    def record(self, layer, n_steps, *key):
        x = images(n_steps // self.config.hold, self.config, "images", *key)
        x = x.repeat_interleave(self.config.hold, dim=1).to(layer.dtype)
        x_c, y = self.simulate(layer, x, *key)
        return x, x_c, y

    def batch(self, layer, step):
        x, x_c, y = self.record(layer, self.config.steps_per_minibatch, "train", step)
        self.state = y[:, -1]
        return x, x_c


ALL_IMAGES, ALL_BARS = (torch.from_numpy(a) for a in all_bar_images(8, "horizontal"))


def theta_without_context(layer):
    """θ of every neuron for each of the 256 images with c = 0: [runs, 256, 8]."""
    return layer.theta(ALL_IMAGES.to(layer.dtype), torch.zeros(256, N_NEURONS, dtype=layer.dtype))


def layer_mutual_information(theta: torch.Tensor) -> torch.Tensor:
    """I(X_R : Y_1..Y_n) in bits, [runs], for θ [runs, images, n] over equiprobable images,
    assuming outputs conditionally independent given the image (see the module docstring)."""
    theta = theta.double().clamp(1e-12, 1 - 1e-12)
    n = theta.shape[-1]
    patterns = ((torch.arange(2**n)[:, None] >> torch.arange(n)) & 1).double()  # [2^n, n]
    log_p = torch.log2(theta) @ patterns.T + torch.log2(1 - theta) @ (1 - patterns).T  # [R, x, y]
    p_y_given_x = log_p.exp2()
    p_y = p_y_given_x.mean(-2, keepdim=True)
    return (p_y_given_x * (log_p - torch.log2(p_y))).sum(-1).mean(-1)


def bar_assignment(theta: torch.Tensor):
    """The bar each neuron follows (largest |correlation| of θ with the bar states over the 256
    images), [runs, n], and the number of distinct bars encoded per run."""
    t = theta.double() - theta.double().mean(-2, keepdim=True)
    b = ALL_BARS.double() - ALL_BARS.double().mean(0)
    corr = torch.einsum("rxn,xb->rnb", t, b) / (t.norm(dim=-2)[..., None] * b.norm(dim=0) + 1e-12)
    bar = corr.abs().argmax(-1)
    distinct = torch.tensor([len(set(row.tolist())) for row in bar])
    return bar, distinct


def evaluation_atoms(layer, stream: Stream, n_steps: int, *key, recorded=None, **binning) -> PIDAtoms:
    """Atoms of every neuron from a run of ``n_steps`` time steps with updates off, starting from
    the current state (left unchanged); ``binning`` may override the bin counts, and
    ``recorded`` = (x_receptive, x_context) reuses an evaluation run already recorded."""
    x, x_c = recorded if recorded is not None else stream.record(layer, n_steps, "eval", *key)[:2]
    if binning:
        probe = InfomorphicLayer(stream.config.layer_config(**binning))
        probe.load_state_dict(layer.state_dict())
        layer = probe
    return layer.atoms(x, x_c)


def red_independent_context(q) -> float:
    """I_red (bits) of a neuron whose output is a fair bit copied from its receptive input, when
    the binned context falls in bin c with probability ``q[c]`` independently of both. The union
    formula of the sx redundancy gives Σ_c q_c log2(2 / (1 + q_c)); I_unq,R = 1 − I_red."""
    q = np.asarray(q, dtype=float)
    q = q[q > 0] / q.sum()
    return float(np.sum(q * np.log2(2 / (1 + q))))


def context_share_for_unique(unq_r: float, iterations: int = 60) -> float:
    """The share q in [½, 1] of the larger of two context bins at which such a neuron has
    I_unq,R = ``unq_r`` (bisection; I_unq,R rises from 1 − log2(4/3) ≈ 0.585 at q = ½ to 1 at
    q = 1, and a target outside that range raises ``ValueError``)."""
    if not 1 - math.log2(4 / 3) <= unq_r <= 1:
        raise ValueError(f"unq_r must be in [1 - log2(4/3), 1] for two context bins, got {unq_r!r}")
    low, high = 0.5, 1.0
    for _ in range(iterations):
        q = (low + high) / 2
        low, high = (q, high) if 1 - red_independent_context([q, 1 - q]) < unq_r else (low, q)
    return q


# the metrics a search may optimise (scalars; NAME.* for the entries of a dict-valued one)
METRICS = ("all_bars_fraction", "bars_encoded_mean", "cond_mi_mean", "estimator", "layer_mi_estimator",
           "layer_mi_mean", "layer_mi_median", "n_runs", "n_updates", *ATOM_MEANS)

@dataclass
class Result:
    config: Config
    metrics: dict
    history: pd.DataFrame
    state: dict = field(repr=False)  # trained layer (state_dict) and the stream's last outputs
    final_atoms: pd.DataFrame = field(repr=False)  # atom_frame with the bar; long evaluation

    def layer(self) -> InfomorphicLayer:
        layer = InfomorphicLayer(self.config.layer_config())
        layer.load_state_dict(self.state["layer"])
        return layer

    def stream(self) -> Stream:
        stream = Stream(self.config, self.layer())
        stream.load_state_dict(self.state["stream"])
        return stream


def _run(config: Config, checkpoint=None) -> Result:
    layer = InfomorphicLayer(config.layer_config())
    stream = Stream(config, layer)
    decay_until = int(config.decay_fraction * config.n_updates)
    shrink = (1 - config.weight_decay) ** config.steps_per_minibatch

    def after_update(layer, step):
        if step <= decay_until:
            with torch.no_grad():
                layer.w_receptive.mul_(shrink)

    def evaluate(layer, step):
        atoms = evaluation_atoms(layer, stream, config.eval_steps, step)
        theta = theta_without_context(layer)
        _, distinct = bar_assignment(theta)
        values = atom_dict(atoms)
        values["cond_mi"] = atoms.unq_R + atoms.syn  # I(Y:R|C)
        values["layer_mi"] = layer_mutual_information(theta)
        values["bars_encoded"] = distinct.to(theta.dtype)
        return values

    history = train(layer, stream, config.gamma, config.train_config(), evaluate=evaluate, after_update=after_update, checkpoint=checkpoint)
    with torch.no_grad():
        theta = theta_without_context(layer)
        bar, distinct = bar_assignment(theta)
        mi = layer_mutual_information(theta).numpy()
        atoms = evaluation_atoms(layer, stream, 2 * config.eval_steps, "final").stack().double().numpy()
    final_atoms = atom_frame(atoms, bar=bar.numpy())
    cond_mi = final_atoms.unq_R.to_numpy() + final_atoms.syn.to_numpy()
    metrics = {
        **atom_means(atoms),
        "cond_mi_mean": float(cond_mi.mean()),
        "layer_mi_mean": float(mi.mean()),
        "layer_mi_median": float(np.median(mi)),
        "all_bars_fraction": float((distinct == N_NEURONS).double().mean()),
        "bars_encoded_mean": float(distinct.double().mean()),
        "estimator": (f"plug-in sx-PID of a {2 * config.eval_steps}-step evaluation run, updates off; "
                      f"R in {config.n_bins_receptive} and C in {config.n_bins_context} adaptive "
                      f"symmetric bins"),
        "layer_mi_estimator": "exact over the 256 images, context 0, outputs independent given the image",
        "n_runs": config.n_runs,
        "n_updates": config.n_updates,
    }
    return Result(config=config, metrics=metrics, history=history,
                  state={"layer": {k: v.clone() for k, v in layer.state_dict().items()},
                         "stream": stream.state_dict()},
                  final_atoms=final_atoms)


def per_run(result: Result) -> pd.DataFrame:
    """One row per run: its atoms and I(Y:R|C) averaged over the neurons, its layer MI (bits),
    the number of distinct bars its neurons encode, and whether that is all of them."""
    atoms = result.final_atoms.assign(cond_mi=result.final_atoms.unq_R + result.final_atoms.syn)
    frame = atoms.drop(columns=["neuron", "bar"]).groupby("run").mean().add_suffix("_mean").reset_index()
    with torch.no_grad():
        theta = theta_without_context(result.layer())
        _, distinct = bar_assignment(theta)
        frame["layer_mi"] = layer_mutual_information(theta).numpy()
    frame["bars_encoded"] = distinct.numpy()
    frame["all_bars"] = distinct.numpy() == N_NEURONS
    return frame


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None) -> Result:
    """Train the bars network and evaluate it (PNAS §3.2). Results are cached on disk by
    config and core source; a killed run resumes from its last checkpoint.

    Parameters
    ----------
    config : Config, optional
        Default ``Config()``: 8 runs of 150 updates.
    use_cache, cache_dir
        As for :func:`~infomorphic_core.tasks.common.cached_run` (checkpoints every
        ``eval_every`` updates).

    Returns
    -------
    Result
        ``metrics`` (flat: conditional and layer MI, bars found, ``<atom>_mean``), ``history``,
        the trained ``state`` and ``final_atoms`` (with each neuron's bar).

    Examples
    --------
    >>> small = Config(n_runs=1, n_updates=2, eval_every=1, steps_per_minibatch=64, eval_steps=64)
    >>> result = run(small, use_cache=False)
    >>> list(result.final_atoms.columns)
    ['run', 'neuron', 'bar', 'unq_R', 'unq_C', 'red', 'syn', 'res']
    """
    return cached_run("bars", config or Config(), _run, use_cache, cache_dir)
