"""The goal of a deep network's upper layers, for a search: chapter 10's network of
three-source layers (:mod:`~infomorphic_core.tasks.deep`, one top-down context ``topdown``,
``depth`` hidden layers) whose first layer learns ``hidden_goal`` and every layer above it
``upper_goal``, a name of :data:`~infomorphic_core.tasks.trivariate.GOALS` or 19 weights in the
order of :data:`~infomorphic_core.goals.TRIVARIATE` (a name becomes its weights, so that a search
sets one weight as ``upper_goal[i]``). Its metrics are the median validation and test accuracy
over the seeds after the last epoch: ``infomorphic search deep_goal`` maximises the first.

With ``upper_goal`` equal to ``hidden_goal`` the network is chapter 10's, step for step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd
import torch

from .. import three_source
from ..checks import ConfigError, integer, one_of
from ..data import DATASETS, load_mnist, resolve_source
from ..goals import TRIVARIATE
from .deep import INFOMORPHIC, _predict, hierarchy_data
from .deep import PROFILES as DEEP_PROFILES
from .deep import Config as DeepConfig
from .common import cached_run
from .trivariate import GOALS, HIDDEN_SOURCES, N_CLASSES, InfomorphicNetwork, epochs, hidden_goal, split

PROFILES = {
    name: profile | {"depths": (2,), "rules": ("infomorphic, label",)}
    for name, profile in DEEP_PROFILES.items()
}


@dataclass(frozen=True)
class Config(DeepConfig):
    """Chapter 10's settings (its ``Config``) for one network: ``depths`` and ``rules`` name one
    depth of at least 2 and one infomorphic rule."""

    PROFILES: ClassVar[dict] = PROFILES

    upper_goal: tuple | str | None = None  # the goal of every layer above the first (None: hidden_goal)

    def check(self):
        super().check()
        if len(self.depths) != 1 or len(self.rules) != 1:
            raise ConfigError(f"depths and rules name one network each, got {self.depths} and {self.rules}")
        integer("depths", self.depths[0], minimum=2)
        one_of("rules", self.rules[0], tuple(INFOMORPHIC))
        if self.upper_goal is None:
            self._set("upper_goal", self.hidden_goal)
        if isinstance(self.upper_goal, str):
            one_of("upper_goal", self.upper_goal, tuple(n for n in GOALS if n not in HIDDEN_SOURCES))
        elif len(self.upper_goal) != len(TRIVARIATE.keys):
            raise ConfigError(f"upper_goal must be a goal's name or {len(TRIVARIATE.keys)} weights "
                              f"({', '.join(TRIVARIATE.keys)}), got {len(self.upper_goal)}")
        self._set("upper_goal", hidden_goal(self.upper_goal).as_tuple())


class LayerGoals(InfomorphicNetwork):
    """An infomorphic network (:class:`~infomorphic_core.tasks.trivariate.InfomorphicNetwork`)
    whose layers above the first ascend ``upper_goal`` instead of the first layer's goal."""

    def __init__(self, *args, upper_goal, **kwargs):
        super().__init__(*args, **kwargs)
        self.upper_goal = upper_goal

    def _learn(self, passes, label, labels):
        out = super()._learn(passes, label, labels)
        # the upper layers' gradients of their own goal replace those of the first layer's: one
        # layer's gradient computed twice per step, the price of leaving chapter 10's code as it is
        for layer, p in list(zip(self.layers, passes))[1:]:
            for name, g in three_source.closed_form_gradient(layer, p.x, p.context, p.previous, self.upper_goal,
                                                             drives=(p.f, p.c, p.l)).items():
                getattr(layer, name).grad = -g
        return out


def _train(config: Config, data) -> pd.DataFrame:
    """The per-epoch history of the network (chapter 10's training of its three-source networks)."""
    n_classes = config.hierarchy[1] if config.dataset == "hierarchy" else N_CLASSES
    kind, n, depth = config.hidden_goal, config.n_hidden, config.depths[0]
    torch.manual_seed(config.seed)
    net = LayerGoals(kind, config, n, upper=(n,) * (depth - 1), topdown=INFOMORPHIC[config.rules[0]],
                     steps=config.steps, n_inputs=data.x.shape[-1], upper_goal=hidden_goal(config.upper_goal))
    evaluate = {"validation": lambda e: _predict(net, n_classes, data.x, data.validation, kind, n, "validation", e),
                "test": lambda e: _predict(net, n_classes, data.x_test, None, kind, n, "test", e)}
    return epochs(config, data, kind, n,
                  lambda x, labels, epoch, b: net.step(x, labels, kind, n, "train", epoch, b)[..., :n_classes]
                  .argmax(-1), lambda which, epoch: evaluate[which](epoch))


METRICS = ("validation_accuracy_median", "test_accuracy_median", "upper_goal.*", "hidden_goal", "dataset",
           "n_seeds", "n_hidden", "epochs")


@dataclass
class Result:
    config: Config
    metrics: dict
    history: pd.DataFrame  # run, epoch, train/validation/test accuracy


def per_run(result: Result) -> pd.DataFrame:
    """One row per run (as the sweep engine reads it): its accuracies after the last epoch."""
    h = result.history
    return h[h.epoch == h.epoch.max()][["run", "train_accuracy", "validation_accuracy", "test_accuracy"]]


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None) -> Result:
    """Train the network on ``n_runs`` seeds (cached); the medians over them after the last epoch.

    Examples
    --------
    >>> result = run(Config(n_runs=1, epochs=1, n_hidden=8, minibatch=256, source="subset",
    ...                     networks=(), sizes=(), hidden_goal="optimised", ablation=False,
    ...                     upper_goal="heuristic"), use_cache=False)
    >>> sorted(result.metrics)[:2], 0 <= result.metrics["validation_accuracy_median"] <= 1
    (['dataset', 'epochs'], True)
    """
    config = config or Config()
    source = "hierarchy" if config.dataset == "hierarchy" else resolve_source(config.source, folder=config.mnist_dir)

    def compute(c, _):
        raw = hierarchy_data(c) if c.dataset == "hierarchy" else load_mnist(source, folder=c.mnist_dir)
        history = _train(c, split(c, raw))
        last = history[history.epoch == c.epochs]
        metrics = {"validation_accuracy_median": float(last.validation_accuracy.median()),
                   "test_accuracy_median": float(last.test_accuracy.median()),
                   "upper_goal": dict(zip(TRIVARIATE.keys, c.upper_goal)), "hidden_goal": c.hidden_goal,
                   "dataset": f"random hierarchy {c.hierarchy}" if c.dataset == "hierarchy" else DATASETS[source],
                   "n_seeds": c.n_runs, "n_hidden": c.n_hidden, "epochs": c.epochs}
        return Result(c, metrics, history)

    return cached_run("deep_goal", config, compute, use_cache, cache_dir, data=source)
