"""Deep infomorphic networks with top-down context, beside backprop and the rules that replace
its backward pass.

Inputs -> ``depth`` hidden layers of N three-source neurons each (chapter 07's: F from below, C a
top-down context, L lateral) -> chapter 07's bivariate readout; no error passes between layers.
The top-down context (``topdowns``, see :class:`~infomorphic_core.tasks.trivariate.Network`):
``"label"``, the label in every layer through a learned map (with one layer, chapter 07's
network, trained by the same code); ``"readout"``, the readout's sampled outputs of the step
before; ``"hierarchical"``, the outputs of the layer above at the step before, the top layer's
the label. Every layer's goal is ``hidden_goal``; the profiles take the lab's 2026 preset for deep
networks, ``"hierarchical"`` ({F}{C}{L} 0.3, {F}{C} 1, {F} 0.1, {C} 0.1). Every setting not named
here is chapter 07's (:class:`~infomorphic_core.tasks.trivariate.Config`).

The data: MNIST (``source``), or ``dataset="hierarchy"``: the Random Hierarchy Model of
:mod:`infomorphic_core.hierarchy` (``hierarchy`` = (v, n_classes, m, s, depth), its grammar drawn
from ``seed``), ``hierarchy_train`` inputs drawn to train on (split 80/20 into fit and
validation as the images are) and 10,000 test inputs drawn among the others, each one-hot.

Baselines at the same hidden sizes, split, minibatch and epochs: chapter 07's backprop network
(stochastic ±1 units, lateral steps, the label as context while training), and perceptrons of
tanh units trained by the rules of :mod:`infomorphic_core.feedback` (``baselines``: backprop,
feedback alignment, direct feedback alignment, direct random target projection, frozen hidden
layers), Adam ``mlp_lr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import ClassVar

import pandas as pd
import torch

import numpy as np

from .. import feedback, parallel
from ..cache import default_dir
from ..checks import ConfigError, integer, number, one_of
from ..hierarchy import RandomHierarchy
from ..data import DATASETS, load_mnist, resolve_source
from ..multimodal import probe
from .trivariate import N_CLASSES, TOPDOWN, Split, epochs, network, one_hot, split
from .trivariate import Config as ThreeSourceConfig
from .common import cached_run

INFOMORPHIC = {f"infomorphic, {t}": t for t in TOPDOWN}
SAME_SHAPE_BACKPROP = "backprop, stochastic units"
MLP = {f"perceptron, {r}": r for r in feedback.RULES}
RULES = (*INFOMORPHIC, SAME_SHAPE_BACKPROP, *MLP)
PROFILES = {
    # 30 epochs: a second layer learns more slowly (on the subset, N = 50, the optimised goal: 0.55
    # after 10 epochs where one layer reached 0.83; 0.84 after 30)
    "quick": {"n_runs": 2, "epochs": 30, "n_hidden": 50, "minibatch": 256, "source": "subset", "depths": (1, 2),
              "rules": RULES, "networks": (), "sizes": (), "hidden_goal": "hierarchical", "ablation": False},
    "paper": {"n_runs": 3, "epochs": 100, "n_hidden": 100, "minibatch": 1024, "source": "auto", "depths": (1, 2, 3),
              "rules": RULES, "networks": (), "sizes": (), "hidden_goal": "hierarchical", "ablation": False},
}


@dataclass(frozen=True)
class Config(ThreeSourceConfig):
    """Chapter 07's settings (its ``Config``), with the depths and rules compared."""

    PROFILES: ClassVar[dict] = PROFILES

    depths: tuple | None = None  # numbers of hidden layers
    rules: tuple | None = None  # of RULES
    steps: int = 2  # settling steps of the readout and hierarchical contexts
    mlp_lr: float = 1e-3
    dataset: str = "mnist"  # mnist (from source) | hierarchy (the Random Hierarchy Model)
    hierarchy: tuple = (4, 4, 4, 2, 3)  # v, n_classes, m, s, depth
    hierarchy_train: int = 48_000  # inputs drawn to train on (before the validation split)

    def check(self):
        super().check()
        for depth in self.depths:
            integer("depths", depth)
        for rule in self.rules:
            one_of("rules", rule, RULES)
        integer("steps", self.steps, minimum=2)
        number("mlp_lr", self.mlp_lr, 0, 1, open_low=True)
        one_of("dataset", self.dataset, ("mnist", "hierarchy"))
        if len(self.hierarchy) != 5:
            raise ConfigError(f"hierarchy must be (v, n_classes, m, s, depth), got {self.hierarchy!r}")
        self.grammar()  # checks the grammar's settings
        if self.hierarchy[1] > N_CLASSES:
            raise ConfigError(f"the hierarchy's n_classes must be at most {N_CLASSES} (the readout's neurons)")
        integer("hierarchy_train", self.hierarchy_train, minimum=2)

    def grammar(self) -> RandomHierarchy:
        v, n_classes, m, s, depth = self.hierarchy
        return RandomHierarchy(v=v, n_classes=n_classes, m=m, s=s, depth=depth, seed=self.seed)


def hierarchy_data(config: Config) -> SimpleNamespace:
    """The hierarchy task as a data set: ``hierarchy_train`` inputs to train on and 10,000 test
    inputs, one-hot, from the grammar of ``config.seed`` (training draws from seed + 1, test
    draws from seed + 2). A small grammar's draws repeat inputs, so the test inputs are drawn
    among those not trained on: the test measures generalisation, not recall."""
    grammar = config.grammar()
    x, y = grammar.sample(config.hierarchy_train, seed=config.seed + 1)
    seen = {row.tobytes() for row in x}
    if grammar.n_inputs - len(seen) < 100:
        raise ConfigError(f"{len(seen)} of the grammar's {grammar.n_inputs} inputs are training inputs: too few "
                          f"test inputs are left; draw fewer (hierarchy_train) or take a larger grammar")
    tests, labels, found = [], [], 0
    for chunk in range(1000):
        xt, yt = grammar.sample(20_000, seed=[config.seed + 2, chunk])
        new = np.array([row.tobytes() not in seen for row in xt])
        tests.append(xt[new])
        labels.append(yt[new])
        found += new.sum()
        if found >= 10_000:
            break
    else:
        raise ConfigError(f"too few test inputs left among the grammar's {grammar.n_inputs}: draw fewer "
                          f"(hierarchy_train) or take a larger grammar")
    x_test, y_test = np.concatenate(tests)[:10_000], np.concatenate(labels)[:10_000]
    return SimpleNamespace(x_train=grammar.one_hot(x), y_train=y.astype("int64"), x_test=grammar.one_hot(x_test),
                           y_test=y_test.astype("int64"), symbols=(x, x_test))


def _covered(config: Config) -> float:
    """The fraction of the grammar's distinct inputs that are training inputs."""
    data = hierarchy_data(config)
    return len({row.tobytes() for row in data.symbols[0]}) / config.grammar().n_inputs


def seen_fraction(data: SimpleNamespace) -> float:
    """The fraction of the test inputs that are also training inputs."""
    train = {row.tobytes() for row in data.symbols[0]}
    return sum(row.tobytes() in train for row in data.symbols[1]) / len(data.symbols[1])


def _train_mlp(config: Config, data: Split, rule: str, depth: int) -> tuple[pd.DataFrame, feedback.MLP]:
    """A perceptron of ``depth`` tanh layers of ``n_hidden`` units trained by ``rule`` on chapter
    07's split and minibatches; the history of :func:`~infomorphic_core.tasks.trivariate.epochs`
    and the network."""
    sizes = (data.x.shape[-1], *(config.n_hidden,) * depth, N_CLASSES)
    net = feedback.MLP(sizes, rule, n_runs=config.n_runs, seed=config.seed, lr=config.mlp_lr)
    name = next(k for k, v in MLP.items() if v == rule)

    def step(x, labels, epoch, b):
        predicted = net.predict(x)
        net.step(x, labels)
        return predicted

    inputs = {"validation": data.x[data.validation], "test": data.x_test}
    return epochs(config, data, name, config.n_hidden, step, lambda which, epoch: net.predict(inputs[which])), net


@torch.no_grad()
def _predict(net, n_classes: int, images, index, *key) -> torch.Tensor:
    """:meth:`~infomorphic_core.tasks.trivariate.Network.predict` (the same batches and streams),
    the predicted class the likeliest of the first ``n_classes``."""
    batch = net.config.eval_batch
    n = len(images) if index is None else index.shape[-1]
    out = []
    for i, start in enumerate(range(0, n, batch)):
        part = images[start:start + batch] if index is None else images[index[:, start:start + batch]]
        out.append(net._output(net.passes(part, None, *key, i)[-1].y, batch)[..., :n_classes])
    return torch.cat(out, 1).argmax(-1)


def _train_three_source(config: Config, data: Split, kind: str, **shape):
    """Chapter 07's training of a network of three-source layers
    (:func:`~infomorphic_core.tasks.trivariate._train`, the same streams), its predicted class the
    likeliest of the data's classes: the readout keeps its ten neurons, and with fewer classes
    the others', whose label never comes, would otherwise be read as classes too."""
    n_classes = config.hierarchy[1] if config.dataset == "hierarchy" else N_CLASSES
    torch.manual_seed(config.seed)
    net = network(kind, config, config.n_hidden, n_inputs=data.x.shape[-1], **shape)
    n = config.n_hidden
    evaluate = {"validation": lambda e: _predict(net, n_classes, data.x, data.validation, kind, n, "validation", e),
                "test": lambda e: _predict(net, n_classes, data.x_test, None, kind, n, "test", e)}
    history = epochs(config, data, kind, n,
                     lambda x, labels, epoch, b: net.step(x, labels, kind, n, "train", epoch, b)[..., :n_classes]
                     .argmax(-1), lambda which, epoch: evaluate[which](epoch))
    return history, net


PROBED = 2_000  # training and test samples of a layer's probe


@torch.no_grad()
def layer_codes(net, x) -> list[torch.Tensor]:
    """Every hidden layer's code of inputs x [(runs,) samples, inputs], without the label, from
    the bottom, [runs, samples, units] each: a three-source layer's firing probabilities θ (the
    label context 0, as when the network predicts), a perceptron's tanh outputs."""
    if isinstance(net, feedback.MLP):
        return net.forward(x)[1][:-1]
    return [p.theta for p in net.passes(x, None, "codes")]


def layer_probes(codes_fit, labels_fit, codes_test, labels_test) -> pd.DataFrame:
    """The label information of every layer: each run's test accuracy of a linear probe
    (:func:`~infomorphic_core.multimodal.probe`) from the layer's code to the label, trained on
    the codes of its own fit samples; one row per run and layer (1 the lowest)."""
    rows = []
    for layer, (fit, test) in enumerate(zip(codes_fit, codes_test), start=1):
        for run in range(len(fit)):
            accuracy = probe(fit[run].double().numpy(), labels_fit[run].numpy(), test[run].double().numpy(),
                             labels_test.numpy())
            rows.append({"run": run, "layer": layer, "probe_accuracy": accuracy})
    return pd.DataFrame(rows)


@torch.no_grad()
def layer_atoms(net, x, labels) -> pd.DataFrame:
    """Every hidden layer's PID atoms (bits, the mean over its neurons) on one minibatch x
    [runs, samples, inputs] with the label given, as the network learns; one row per run and
    layer (1 the lowest)."""
    rows = []
    passes = net.passes(x, one_hot(labels), "atoms")
    for layer, (hidden, p) in enumerate(zip(net.layers, passes), start=1):
        atoms = hidden.atoms(p.f, p.c, p.l, p.theta)
        means = atoms.stack().double().mean(1).numpy()  # [runs, atoms]
        for run, values in enumerate(means):
            rows.append({"run": run, "layer": layer, **dict(zip(hidden.config.vocabulary.keys, values))})
    return pd.DataFrame(rows)


@dataclass
class Trained:
    """One rule at one depth: its per-epoch history (a ``depth`` column added), the per-layer
    probes (:func:`layer_probes`) and, for a network of three-source layers, the per-layer atoms
    (:func:`layer_atoms`; empty otherwise)."""

    history: pd.DataFrame
    probes: pd.DataFrame
    atoms: pd.DataFrame


def _network(config: Config, source: str, rule: str, depth: int, use_cache: bool, cache_dir, data: dict) -> Trained:
    """One rule at one depth, cached on its own."""
    def compute(c, _):
        if "split" not in data:
            raw = hierarchy_data(c) if c.dataset == "hierarchy" else load_mnist(source, folder=c.mnist_dir)
            data["split"] = split(c, raw)
        part = data["split"]
        upper = (c.n_hidden,) * (depth - 1)
        if rule in MLP:
            history, net = _train_mlp(c, part, MLP[rule], depth)
        elif rule == SAME_SHAPE_BACKPROP:
            history, net = _train_three_source(c, part, "backprop", upper=upper)
        else:
            history, net = _train_three_source(c, part, c.hidden_goal, upper=upper, topdown=INFOMORPHIC[rule],
                                               steps=c.steps)
        fit = part.fit[:, :PROBED]
        probes = layer_probes(layer_codes(net, part.x[fit]), part.y[fit], layer_codes(net, part.x_test[:PROBED]),
                              part.y_test[:PROBED])
        batch = part.fit[:, :c.eval_batch]
        atoms = pd.DataFrame() if rule in MLP else layer_atoms(net, part.x[batch], part.y[batch])
        tag = {"network": rule, "depth": depth}
        return Trained(history.assign(**tag), probes.assign(**tag), atoms.assign(**tag))

    alone = config.replace(depths=(), rules=())
    return cached_run("deep_network", alone, compute, use_cache, cache_dir, data=source, rule=rule, depth=depth)


METRICS = ("test_accuracy.*", "depth_gain.*", "probe_top.*", "probe_inputs", "dataset", "n_seeds", "n_hidden",
           "epochs", "grammar_inputs_trained_on")


@dataclass
class Result:
    config: Config
    metrics: dict
    history: pd.DataFrame  # network (the rule), depth, n_hidden, run, epoch, train/validation/test accuracy
    probes: pd.DataFrame  # network, depth, run, layer, probe_accuracy
    atoms: pd.DataFrame  # network, depth, run, layer, one column per atom (three-source layers only)


def _jobs(config: Config) -> list[tuple[str, int]]:
    return [(rule, depth) for rule in config.rules for depth in config.depths]


def _inputs_probe(config: Config, source: str) -> float:
    """The probe of :func:`layer_probes` on the inputs themselves (run 0's fit samples): what a
    linear readout of the data gets without any hidden layer."""
    part = split(config, hierarchy_data(config) if config.dataset == "hierarchy"
                 else load_mnist(source, folder=config.mnist_dir))
    fit = part.fit[:1, :PROBED]
    return float(layer_probes([part.x[fit]], part.y[fit], [part.x_test[None, :PROBED]],
                              part.y_test[:PROBED]).probe_accuracy[0])


def _run(config: Config, source: str, use_cache: bool, cache_dir, workers: int = 0,
         scheduler: str | None = None) -> Result:
    data, jobs = {}, _jobs(config)
    # every network trained on the workers first (when there are any); below reads the cache
    shared = cache_dir or default_dir()
    parallel.cache_on_workers(_network, [(config, source, rule, depth, True, shared, {}) for rule, depth in jobs],
                              workers, scheduler, shared)
    trained = [_network(config, source, rule, depth, use_cache, cache_dir, data) for rule, depth in jobs]
    history = pd.concat([t.history for t in trained], ignore_index=True)
    probes = pd.concat([t.probes for t in trained], ignore_index=True)
    atoms = pd.concat([t.atoms for t in trained if len(t.atoms)], ignore_index=True) if any(
        len(t.atoms) for t in trained) else pd.DataFrame()
    last = history[history.epoch == config.epochs]
    medians = last.groupby(["network", "depth"]).test_accuracy.median()
    test = {rule: {str(d): float(medians[rule, d]) for d in config.depths} for rule in config.rules}
    gains = {rule: test[rule]["2"] - test[rule]["1"] for rule in config.rules if {1, 2} <= set(config.depths)}
    top = probes[probes.layer == probes.depth].groupby(["network", "depth"]).probe_accuracy.median()
    dataset = f"random hierarchy {config.hierarchy}" if config.dataset == "hierarchy" else DATASETS[source]
    metrics = {"test_accuracy": test, "depth_gain": gains,
               "probe_top": {rule: {str(d): float(top[rule, d]) for d in config.depths} for rule in config.rules},
               "probe_inputs": _inputs_probe(config, source),
               "dataset": dataset, "n_seeds": config.n_runs,
               "n_hidden": config.n_hidden, "epochs": config.epochs,
               # how much of a small grammar the training inputs cover (the test inputs are the others)
               "grammar_inputs_trained_on": _covered(config) if config.dataset == "hierarchy" else None}
    return Result(config, metrics, history, probes, atoms)


def _last_epoch(result: Result) -> pd.DataFrame:
    h = result.history
    return h[h.epoch == h.epoch.max()]


def per_run(result: Result) -> pd.DataFrame:
    """One row per run (as the sweep engine reads it): the test accuracy after the last epoch of
    every rule at every depth, a column ``"RULE, depth D"`` each."""
    last = _last_epoch(result)
    wide = last.pivot_table(index="run", columns=["network", "depth"], values="test_accuracy", sort=False)
    wide.columns = [f"{rule}, depth {depth}" for rule, depth in wide.columns]
    return wide.reset_index()


def record_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The tables a recorded result keeps: each rule, depth and run's accuracies after the last
    epoch (``networks``), its layers' probes (``probes``) and atoms (``atoms``)."""
    last = _last_epoch(result)
    columns = ["network", "depth", "run", "train_accuracy", "validation_accuracy", "test_accuracy"]
    order = ["network", "depth", "run", "layer"]

    def leading(frame):
        return frame[order + [c for c in frame.columns if c not in order]].sort_values(order).reset_index(drop=True)

    tables = {"networks": last[columns].sort_values(order[:3]).reset_index(drop=True),
              "probes": leading(result.probes)}
    if len(result.atoms):
        tables["atoms"] = leading(result.atoms)
    return tables


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None, workers: int = 0,
        scheduler: str | None = None) -> Result:
    """Train every rule of ``rules`` at every depth of ``depths`` (each network cached on its own:
    a killed run retrains only the ones it had not finished); the median test accuracy per rule
    and depth, the gain from one to two layers, and the median probe of each top hidden layer
    (beside the probe of the inputs).

    ``workers`` local Dask workers of one thread each, or the cluster of a running ``scheduler``,
    train the networks in parallel into the disk cache, which they must share (as in
    :func:`infomorphic_core.tasks.trivariate.run`); the result is the same as without them.

    Examples
    --------
    >>> result = run(Config(n_runs=1, epochs=1, n_hidden=8, minibatch=256, depths=(1, 2),
    ...                     rules=("infomorphic, label", "perceptron, backprop"), source="subset",
    ...                     networks=(), sizes=(), hidden_goal="optimised", ablation=False), use_cache=False)
    >>> sorted(result.metrics["depth_gain"])
    ['infomorphic, label', 'perceptron, backprop']
    """
    config = config or Config()
    # the hierarchy task draws its data: no MNIST source to resolve (nor to download)
    source = "hierarchy" if config.dataset == "hierarchy" else resolve_source(config.source, folder=config.mnist_dir)
    if (workers or scheduler) and not use_cache:
        raise ValueError("workers hand their networks back through the disk cache: they need use_cache=True")
    return cached_run("deep", config, lambda c, _: _run(c, source, use_cache, cache_dir, workers, scheduler),
                      use_cache, cache_dir, data=source)

