"""Supervised learning on MNIST (PNAS §3.1, Fig. 2).

Ten infomorphic neurons; neuron k receives all 784 pixels (scaled to [0, 1]) as receptive input
and element k of the one-hot label, as ±1, as context. A = r(0.5 + σ(2rc)),
Γ = (0.1, 0.1, 1, 0.1, 0). At test time x_C = 0, so A = r, and the prediction is the neuron
with the largest θ (winner-take-all).

Settings the paper leaves to its SI (not available) are our choices, stated in ``Config``:
plain SGD (the paper: "gradient descent with a fixed learning rate"), lr 1, minibatches of 128
images, weights N(0, 0.01²), a receptive bias and no context bias (so x_C = 0 gives c = 0
exactly), R in 20 adaptive bins and C in 2 bins spanning each minibatch's min to max (the
adaptive symmetric range can put both label values in one bin; see the book's Methods page).

Sign convention: the goal is invariant under flipping a neuron's output, the readout is not.
A neuron whose mean θ on (the first 1,000) training images exceeds ½ fires for "not my digit"
(its digit is present 10% of the time), so its θ is replaced by 1 − θ for the readout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import torch

from .. import rng
from ..data import SOURCES, load_mnist, resolve_source
from ..estimate import Binning
from ..layer import InfomorphicLayer, LayerConfig
from ..train import TrainConfig, atom_dict, train
from ..checks import ConfigError, number, one_of
from .common import (ATOM_MEANS, Stateless, TaskConfig, atom_frame, atom_means, cached_run,
                     require_positive_ints)

PROFILES = {
    "quick": {"n_runs": 10, "epochs": 30, "source": "subset"},
    "paper": {"n_runs": 100, "epochs": 50, "source": "auto"},
}
PAPER = {"accuracy": 0.897, "logreg_accuracy": 0.919, "entropy_Y": 0.469}
N_CLASSES = 10


@dataclass(frozen=True)
class Config(TaskConfig):
    """Settings of the MNIST classifier (PNAS §3.1). A profile sets ``n_runs``, ``epochs``
    and ``source``; the rest are our choices where the paper's SI is not available."""

    PROFILES: ClassVar[dict] = PROFILES

    epochs: int | None = None
    source: str | None = None  # auto | full | folder | subset
    mnist_dir: str | None = None  # the folder of source folder (and auto); None: $INFOMORPHIC_MNIST_DIR
    minibatch: int = 128
    gamma: tuple | str = "supervised"
    learning_rate: float = 1.0
    optimizer: str = "sgd"
    init_std: float = 0.01
    n_bins_receptive: int = 20
    n_bins_context: int = 2
    failure_fraction: float = 0.9  # a run fails below this fraction of the logistic regression

    def check(self):
        one_of("source", self.source, SOURCES)
        require_positive_ints(self, "n_runs", "epochs", "minibatch")
        number("failure_fraction", self.failure_fraction, 0, 1, open_low=True)

    def train_config(self, per_epoch: int = 1) -> TrainConfig:
        """``epochs`` passes of ``per_epoch`` minibatches, evaluated and checkpointed each epoch."""
        return TrainConfig(n_updates=self.epochs * per_epoch, learning_rate=self.learning_rate,
                           optimizer=self.optimizer, eval_every=per_epoch, checkpoint_every=per_epoch)

    def estimated_bytes(self) -> int:
        """Peak memory of the runs, roughly: a gathered minibatch and the test-set outputs per
        run (measured: 0.54 MB per run at minibatch 128 on the subset's 1,000 test images)."""
        n_test = 1_000 if self.source == "subset" else 10_000
        return int(self.n_runs * (1.3 * self.minibatch * 784 * 4 + n_test * N_CLASSES * 4 * 8))

    def layer_config(self) -> LayerConfig:
        return LayerConfig(
            n_neurons=N_CLASSES, n_receptive=784, n_context=N_CLASSES, n_runs=self.n_runs,
            activation="sigmoid_gain", bias_receptive=True, bias_context=False,
            init_std_receptive=self.init_std, init_std_context=self.init_std,
            binning_receptive=Binning(self.n_bins_receptive, "adaptive"),
            binning_context=Binning(self.n_bins_context, "minmax"),
            context_mask=torch.eye(N_CLASSES).tolist(), seed=self.seed,
        )


# the metrics a search may optimise (scalars; NAME.* for the entries of a dict-valued one)
METRICS = ("accuracy_mean", "accuracy_std", "accuracy_median", "accuracy_ratio", "accuracy_mean_without_failed",
           "accuracy_marginal_context_mean", "logreg_accuracy", "n_failed_runs", "n_inverted_neurons",
           "n_runs", "n_updates", "epochs", "entropy_Y_mean", "dataset", "dataset_description", *ATOM_MEANS)

@dataclass
class Result:
    config: Config
    metrics: dict
    history: pd.DataFrame
    receptive_fields: np.ndarray  # [runs, 10, 784]
    confusion: np.ndarray  # [10 true, 10 predicted], summed over runs
    inverted: np.ndarray  # [runs, 10]: neurons read out as 1 − θ
    final_atoms: pd.DataFrame = field(repr=False)  # atom_frame of the test set with true labels
    # run, accuracy, accuracy_marginal_context, failed (below failure_fraction of logistic regression)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def label_context(labels: torch.Tensor) -> torch.Tensor:
    """Element k of the one-hot label as ±1, for every neuron k: [..., 10]."""
    return torch.nn.functional.one_hot(labels, N_CLASSES).float() * 2 - 1


class Stream(Stateless):
    """Minibatches of ``minibatch`` training images; each run shuffles every epoch with its own
    generator (seed + run), so batched and separate runs see the same order."""

    def __init__(self, x, y, config: Config):
        self.x, self.y, self.config = x, y, config
        self.per_epoch = len(x) // config.minibatch
        self._epoch, self._order = None, None

    def batch(self, layer, step):
        epoch, index = divmod(step - 1, self.per_epoch)
        if epoch != self._epoch:
            n = len(self.x)
            self._order = rng.per_run(lambda g: torch.randperm(n, generator=g), self.config.seed,
                                      self.config.n_runs, "order", epoch)
            self._epoch = epoch
        size = self.config.minibatch
        idx = self._order[:, index * size:(index + 1) * size]
        return self.x[idx], label_context(self.y[idx])


def readout_theta(layer, x, flip):
    """θ at test time (x_C = 0, hence c = 0 and A = r), oriented by ``flip`` [runs, neurons]."""
    theta = layer.theta(x, torch.zeros(x.shape[0], N_CLASSES))
    return torch.where(flip[:, None, :], 1 - theta, theta)


def orientation(layer, x_train):
    """Neurons whose mean θ on training images exceeds ½ are read out flipped."""
    theta = layer.theta(x_train, torch.zeros(x_train.shape[0], N_CLASSES))
    return theta.mean(1) > 0.5


def marginal_theta(layer, x, flip, p_label):
    """SI readout: θ averaged over the training contexts c = ±1 weighted by p(c)."""
    ones = torch.ones(x.shape[0], N_CLASSES)
    theta = p_label * layer.theta(x, ones) + (1 - p_label) * layer.theta(x, -ones)
    return torch.where(flip[:, None, :], 1 - theta, theta)


def logistic_regression_accuracy(data) -> float:
    """Multinomial logistic regression (scikit-learn, default L2) on the identical split."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=1000)
    model.fit(data.x_train, data.y_train)
    return float(model.score(data.x_test, data.y_test))


def _run(config: Config, checkpoint=None, source: str | None = None) -> Result:
    torch.manual_seed(config.seed)  # sklearn and torch defaults; every stream is seeded explicitly
    data = load_mnist(source or config.source, folder=config.mnist_dir)
    if config.minibatch > len(data.x_train):
        raise ConfigError(f"minibatch must be at most the {len(data.x_train)} training images of "
                          f"{data.dataset}, got {config.minibatch}")
    x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    x_test, y_test = torch.from_numpy(data.x_test), torch.from_numpy(data.y_test)
    c_test = label_context(y_test)
    x_orient = x_train[:1000]
    layer = InfomorphicLayer(config.layer_config())
    stream = Stream(x_train, y_train, config)
    schedule = config.train_config(stream.per_epoch)

    def evaluate(layer, step):
        flip = orientation(layer, x_orient)
        prediction = readout_theta(layer, x_test, flip).argmax(-1)
        atoms = layer.atoms(x_test, c_test)
        values = atom_dict(atoms)
        values["entropy_Y"] = atoms.stack().sum(-1)
        values["accuracy"] = (prediction == y_test).float().mean(-1)
        return values

    history = train(layer, stream, config.gamma, schedule,
                    evaluate=evaluate, checkpoint=checkpoint)
    history["epoch"] = history["step"] / stream.per_epoch

    with torch.no_grad():
        flip = orientation(layer, x_orient)
        prediction = readout_theta(layer, x_test, flip).argmax(-1)
        accuracy = (prediction == y_test).double().mean(-1).numpy()
        p_label = 1.0 / N_CLASSES  # each digit is 10% of the training labels
        marginal = (marginal_theta(layer, x_test, flip, p_label).argmax(-1) == y_test).double().mean(-1).numpy()
        atoms = layer.atoms(x_test, c_test).stack().double().numpy()  # [runs, neurons, 5]
        confusion = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
        np.add.at(confusion, (np.tile(y_test.numpy(), config.n_runs), prediction.reshape(-1).numpy()), 1)
    logreg = logistic_regression_accuracy(data)
    failed = accuracy < config.failure_fraction * logreg
    entropy_y = atoms.sum(-1)
    metrics = {
        "accuracy_mean": float(accuracy.mean()),
        "accuracy_std": float(accuracy.std(ddof=1)) if config.n_runs > 1 else 0.0,
        "accuracy_median": float(np.median(accuracy)),
        "n_failed_runs": int(failed.sum()),
        "accuracy_mean_without_failed": float(accuracy[~failed].mean()) if (~failed).any() else math.nan,
        "accuracy_marginal_context_mean": float(marginal.mean()),
        "logreg_accuracy": logreg,
        "accuracy_ratio": float(accuracy.mean() / logreg),
        "entropy_Y_mean": float(entropy_y.mean()),
        **atom_means(atoms),
        "n_inverted_neurons": int(flip.sum()),
        "n_runs": config.n_runs,
        "epochs": config.epochs,
        "n_updates": schedule.n_updates,
        "dataset": data.dataset,
        "dataset_description": data.description,
    }
    return Result(config=config, metrics=metrics, history=history,
                  receptive_fields=layer.w_receptive.detach().numpy().copy(),
                  confusion=confusion, inverted=flip.numpy().copy(), final_atoms=atom_frame(atoms),
                  scores=pd.DataFrame({"run": np.arange(config.n_runs), "accuracy": accuracy,
                                       "accuracy_marginal_context": marginal, "failed": failed}))


def per_run(result: Result) -> pd.DataFrame:
    """One row per run: its test accuracy (with the true and with the marginal label context),
    whether it failed, and its atoms on the test set averaged over the neurons (bits)."""
    atoms = result.final_atoms.drop(columns="neuron").groupby("run").mean().add_suffix("_mean")
    return result.scores.merge(atoms.reset_index(), on="run")


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None) -> Result:
    """Train and evaluate (PNAS §3.1); results are cached on disk by config, core source and the
    data set actually used (``source="auto"`` resolves to the local folder, the download or the
    subset first).

    Parameters
    ----------
    config : Config, optional
        Default ``Config()``: the quick profile, on the offline subset.
    use_cache, cache_dir
        As for :func:`~infomorphic_core.tasks.common.cached_run`; the key also holds the
        data set used.

    Returns
    -------
    Result
        ``metrics`` (flat: accuracies, failed runs, ``<atom>_mean``, data set), ``history``,
        receptive fields, confusion matrix, read-out orientation and ``final_atoms``.

    Examples
    --------
    >>> result = run(Config(n_runs=1, epochs=1, source="subset"), use_cache=False)
    >>> result.config.profile, result.receptive_fields.shape
    ('custom', (1, 10, 784))
    >>> 0 < result.metrics["accuracy_mean"] <= 1
    True
    """
    config = config or Config()
    source = resolve_source(config.source, folder=config.mnist_dir)
    return cached_run("supervised", config, lambda c, checkpoint: _run(c, checkpoint, source),
                      use_cache, cache_dir, data=source)
