"""Error neurons (PNAS SI 4.B, Fig. S10; §2.3) and a goal-function explorer.

A binary toy world: an observation o ∈ {±1} (P(o = +1) = ``p_observation``) is the receptive
input; a prediction p, equal to o except with probability ``epsilon``, is the context. An error
neuron should fire on a mismatch o ≠ p. The SI's settings are not available; ours:
Γ = (I_unq,R, I_unq,C, I_red, I_syn, H_res) weights (1, 1, −1, 1, 0) (the preset
``error_neuron``), i.e. G = I(Y:R̃,C̃) − 2 I_red,
and the activation A = r(1 + c), because with the paper's A = r(0.5 + σ(2rc)) the sign of A is
the sign of r: whether the neuron fires more often than not is decided by the observation alone,
so no setting of its weights reports a mismatch (measured by ``run`` with that activation).
R̃ and C̃ each take two values, one bin each. Plain SGD with step 3 from weights N(0, 1):
from small weights θ ≈ ½ everywhere, where the gradient of every goal vanishes, and training
stalls (measured in the chapter's search).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import torch

from .. import rng
from ..estimate import Binning
from ..layer import InfomorphicLayer, LayerConfig
from ..train import TrainConfig, atom_dict, train
from ..checks import number
from .common import (ATOM_MEANS, Stateless, TaskConfig, atom_frame, atom_means, cached_run,
                     require_positive_ints)

PROFILES = {"quick": {"n_runs": 10, "n_updates": 400}, "paper": {"n_runs": 100, "n_updates": 600}}
PAIRS = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])  # (o, p)


@dataclass(frozen=True)
class Config(TaskConfig):
    """Settings of the error neuron and its toy world (PNAS SI 4.B)."""

    PROFILES: ClassVar[dict] = PROFILES

    n_updates: int | None = None
    epsilon: float = 0.1  # probability that the prediction is wrong
    p_observation: float = 0.5  # P(o = +1)
    activation: str = "product"
    gamma: tuple | str = "error_neuron"
    learning_rate: float = 3.0
    optimizer: str = "sgd"
    samples_per_minibatch: int = 512
    init_std: float = 1.0  # large enough to leave θ = ½, where every gradient vanishes
    eval_samples: int = 20000

    def check(self):
        require_positive_ints(self, "n_runs", "n_updates", "samples_per_minibatch", "eval_samples")
        for name in ("epsilon", "p_observation"):
            number(name, getattr(self, name), 0, 1, open_low=True, open_high=True)

    def train_config(self) -> TrainConfig:
        return TrainConfig(n_updates=self.n_updates, learning_rate=self.learning_rate,
                           optimizer=self.optimizer, eval_every=max(1, self.n_updates // 30))

    def estimated_bytes(self) -> int:
        """Peak memory of the runs, roughly: the evaluation samples per run (measured: 1.8 MB per
        run at 20,000 evaluation samples)."""
        return int(self.n_runs * 100 * max(self.eval_samples, self.samples_per_minibatch))

    def layer_config(self) -> LayerConfig:
        return LayerConfig(n_neurons=1, n_receptive=1, n_context=1, n_runs=self.n_runs,
                           activation=self.activation, init_std_receptive=self.init_std,
                           init_std_context=self.init_std,
                           binning_receptive=Binning(2, "minmax"), binning_context=Binning(2, "minmax"),
                           seed=self.seed)


def samples(config: Config, n: int, *key):
    """(x_R = o, x_C = p, mismatch) for every run: [runs, n, 1] each."""
    def one(g):
        o = torch.where(torch.rand(n, generator=g) < config.p_observation, 1.0, -1.0)
        wrong = (torch.rand(n, generator=g) < config.epsilon).float()
        return torch.stack([o, o * (1 - 2 * wrong), wrong], -1)
    data = rng.per_run(one, config.seed, config.n_runs, *key)
    return data[..., :1], data[..., 1:2], data[..., 2:]


class Stream(Stateless):
    def __init__(self, config):
        self.config = config

    def batch(self, layer, step):
        x_r, x_c, _ = samples(self.config, self.config.samples_per_minibatch, "train", step)
        return x_r, x_c


def theta_table(layer) -> torch.Tensor:
    """θ for (o, p) = (+,+), (+,−), (−,+), (−,−): [runs, 4]."""
    return layer.theta(PAIRS[:, :1], PAIRS[:, 1:])[..., 0]


def mismatch_scores(layer, x_r, x_c, wrong):
    """Accuracy and balanced accuracy of sign(θ − ½) as a report of o ≠ p, each neuron oriented
    so that its θ correlates positively with the mismatch."""
    theta = layer.theta(x_r, x_c)[..., 0]
    wrong = wrong[..., 0]
    centred = wrong - wrong.mean(-1, keepdim=True)
    sign = torch.where((centred * (theta - theta.mean(-1, keepdim=True))).sum(-1) >= 0, 1.0, -1.0)
    says = (sign[:, None] * (theta - 0.5)) > 0
    accuracy = (says == (wrong > 0)).double().mean(-1)
    hit = (says & (wrong > 0)).double().sum(-1) / (wrong > 0).double().sum(-1)
    correct_rejection = (~says & (wrong == 0)).double().sum(-1) / (wrong == 0).double().sum(-1)
    return accuracy, (hit + correct_rejection) / 2


FUNCTIONS = {(0, 0, 1, 1): "follows o", (0, 1, 0, 1): "follows p", (0, 1, 1, 0): "o ≠ p (mismatch)",
             (0, 0, 0, 0): "constant"}


def boolean_function(theta) -> str:
    """The Boolean function a θ table over (o, p) = (+,+), (+,−), (−,+), (−,−) implements when
    thresholded at ½, up to flipping the output (which leaves every atom unchanged): one of
    :data:`FUNCTIONS`, else "one corner (AND-like)"."""
    bits = tuple(int(t > 0.5) for t in theta)
    if len(bits) != 4:
        raise ValueError(f"theta must hold 4 firing probabilities, got {len(bits)}")
    if bits[0] == 1:
        bits = tuple(1 - b for b in bits)
    return FUNCTIONS.get(bits, "one corner (AND-like)")


# the metrics a search may optimise (scalars; NAME.* for the entries of a dict-valued one)
METRICS = ("activation", "mismatch_accuracy", "mismatch_balanced_accuracy", "mismatch_base_rate", "n_runs",
           *ATOM_MEANS, *(name.replace("_mean", "_start_mean") for name in ATOM_MEANS))

@dataclass
class Result:
    config: Config
    metrics: dict
    history: pd.DataFrame
    theta: np.ndarray  # [runs, 4] learned θ(o, p), order of PAIRS
    start_atoms: pd.DataFrame = field(repr=False)  # atom_frame before training (one neuron)
    final_atoms: pd.DataFrame = field(repr=False)  # atom_frame after training


def _run(config: Config, checkpoint=None) -> Result:
    # short trainings: an interrupted run starts again (``checkpoint`` unused)
    layer = InfomorphicLayer(config.layer_config())
    x_r, x_c, wrong = samples(config, config.eval_samples, "eval")

    def evaluate(layer, step):
        atoms = layer.atoms(x_r, x_c)
        accuracy, balanced = mismatch_scores(layer, x_r, x_c, wrong)
        return atom_dict(atoms) | {"mismatch_accuracy": accuracy, "mismatch_balanced_accuracy": balanced}

    with torch.no_grad():
        start = layer.atoms(x_r, x_c).stack()[:, 0].double().numpy()
    history = train(layer, Stream(config), config.gamma, config.train_config(), evaluate=evaluate)
    with torch.no_grad():
        final = layer.atoms(x_r, x_c).stack()[:, 0].double().numpy()
        accuracy, balanced = mismatch_scores(layer, x_r, x_c, wrong)
        theta = theta_table(layer).double().numpy()
    metrics = atom_means(final) | atom_means(start, "_start_mean") | {
        "mismatch_accuracy": float(accuracy.mean()),
        "mismatch_balanced_accuracy": float(balanced.mean()),
        "mismatch_base_rate": float(wrong.mean()),
        "activation": config.activation,
        "n_runs": config.n_runs,
    }
    return Result(config=config, metrics=metrics, history=history, theta=theta,
                  start_atoms=atom_frame(start[:, None]), final_atoms=atom_frame(final[:, None]))


def per_run(result: Result) -> pd.DataFrame:
    """One row per run: its atoms after training (bits) and its mismatch accuracies."""
    h = result.history
    last = h[(h.step == h.step.max()) & h.quantity.str.startswith("mismatch")]
    scores = last.pivot_table(index="run", columns="quantity", values="value").reset_index()
    return result.final_atoms.drop(columns="neuron").merge(scores, on="run")


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None) -> Result:
    """Train error neurons on the toy world; results cached by config and core source.

    Parameters
    ----------
    config : Config, optional
        Default ``Config()``: 10 runs of 400 updates.
    use_cache, cache_dir
        As for :func:`~infomorphic_core.tasks.common.cached_run`; a short computation, not
        checkpointed.

    Returns
    -------
    Result
        ``metrics`` (flat: ``<atom>_mean``, ``<atom>_start_mean``, mismatch accuracies),
        ``history``, the learned θ table and ``start_atoms`` / ``final_atoms``.

    Examples
    --------
    >>> result = run(Config(n_runs=2, n_updates=30, gamma="only syn"), use_cache=False)
    >>> result.config.gamma, result.metrics["n_runs"]
    ((0.0, 0.0, 0.0, 1.0, 0.0), 2)
    >>> list(result.final_atoms.columns)
    ['run', 'neuron', 'unq_R', 'unq_C', 'red', 'syn', 'res']
    """
    return cached_run("error_neuron", config or Config(), _run, use_cache, cache_dir)
