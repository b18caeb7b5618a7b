"""Three-source infomorphic neurons on MNIST beside backprop (Schneider et al., ICLR 2025).

784 pixels -> N hidden neurons with a feedforward (F), a context (C: the one-hot label through a
learned linear map) and a lateral input (L: the other hidden neurons' ±1 outputs) -> 10 readout
neurons with two sources (F: the hidden outputs, C: their own label element). The hidden neurons
maximise a goal over the 18 atoms of the three-source sx-PID, the readout neurons a bivariate one;
no error is passed between the layers.

Settings as published with the paper's code (the ``Config`` defaults): A = f·[0.8 + 0.1·σ(2fc)
+ 0.1·σ(2fl)]; two steps per minibatch, step 1 with a zero lateral vector (so l = b_L), step 2
with the sampled outputs of step 1, only step 2 in the goal; F, C, L each in 20 fixed bins on
[−20, 20]; readout A = r, context weight fixed at the identity, 20 × 20 adaptive bins,
Γ = (−0.2, 0.1, 1, 0.1, 0); Adam per layer (hidden lr 2e-3, weight decay 3.5e-4; readout 3e-3,
1.5e-4), minibatch 1,024, 100 epochs; MNIST standardised by the training mean and standard
deviation, 80/20 train/validation split per seed. Evaluation: label context 0 in both layers,
the hidden units sampled, a readout neuron whose mean θ on an evaluation batch of 1,024 is ≥ ½
read as 1 − θ, then the largest θ wins. "Train" accuracy is measured during the epoch, with the
label given, as published.

The backprop network has the same shape and inputs: stochastic ±1 hidden units (sampled; the
gradient of σ as surrogate, 2σ'(A) for ±1 outputs), the same two lateral steps, a linear readout
r and Adam lr 1e-3. Its loss (``backprop_loss``): ``"published"`` (the default), cross-entropy
with the readout's firing probabilities σ(r) taken as logits, as the published code computes it;
``"drives"``, cross-entropy on the drives r themselves (a softmax classifier, our earlier
reading of "cross-entropy on the readout"). Both predict the digit of the largest r.

The other published networks: the two-source ones (``"context only"``: F and the label;
``"lateral only"``: F and L, with the same two lateral steps), each with its optimised and its
heuristic goal, whose hidden neurons have the published bivariate activation
f·[0.9 + 0.2·σ(2fx)] (``two_source_k1``) and 20 adaptive bins per source (symmetric, scaled by
the minibatch's largest |drive|); ``"readout only"``, the infomorphic readout on the pixels;
``"random projection"``, which freezes the hidden layer at its initial weights and trains only
the readout, its hidden units deterministic (+1 where A > 0), as published.

The networks of ``networks`` are compared at N = ``n_hidden``; the main network (``hidden_goal``)
and those of ``scan_networks`` are trained at every hidden size of ``sizes`` too (the paper's
error against N); ``ablation`` trains the main goal with each of its non-zero weights (or of
the atoms it names) set to 0 in turn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import torch

from .. import parallel, rng, three_source
from ..io import default_dir
from ..checks import ConfigError, integer, number, one_of
from ..data import DATASETS, SOURCES, load_mnist, resolve_source
from ..estimate import Binning
from ..gradient import closed_form_gradient
from ..goals import TRIVARIATE, Goal, lattice_vocabulary
from ..layer import InfomorphicLayer, LayerConfig
from ..three_source import ThreeSourceConfig, ThreeSourceLayer
from .common import TaskConfig, cached_run, require_positive_ints

N_CLASSES = 10
# Hidden goals over the 18 atoms (Schneider et al. 2025): the heuristic one; four weights of the
# goal found by optimisation for N = 100, rounded, all others 0 (the published code's "modified"
# goal; not its four largest: {FC} weighs 0.97 there); that optimised goal with all its weights
# (the published TPE search's result, sources 1, 2, 3 = F, C, L); the two-source comparison
# networks with the goals published for them (optimised for N = 100)
GOALS = {
    "heuristic": {"{F}{C}": 1.0},
    "optimised": {"{F}{C}{L}": 0.33, "{F}{C}": 1.0, "{F}{L}": -1.0, "{FC}{FL}": -1.0},
    "optimised, all weights": {
        "{F}{C}{L}": 0.3307283306516516, "{F}{C}": 0.9780761799548087, "{F}{L}": -0.9935002057481923,
        "{C}{L}": 0.40173303106031233, "{F}{CL}": 0.2427806207519021, "{C}{FL}": 0.6255375402143335,
        "{L}{FC}": 0.47128370476190684, "{F}": 0.02120506738070921, "{C}": 0.06053998481721795,
        "{L}": -0.9469786302806626, "{FC}{FL}{CL}": -0.01985334149032275, "{FC}{FL}": -0.9676614963177035,
        "{FC}{CL}": -0.6924498112774857, "{FL}{CL}": 0.42701490050101726, "{FC}": 0.9736446648870112,
        "{FL}": 0.7369645864450716, "{CL}": -0.12183291675207343, "{FCL}": -0.21512478790202927,
        "res": 0.035001249394734923,
    },
    "context only": {"{F}": 0.038, "{C}": 0.318, "{F}{C}": 0.775, "{FC}": 0.154, "res": 0.0076},
    "lateral only": {"{F}": 0.805, "{L}": -0.408, "{F}{L}": 0.538, "{FL}": 0.563, "res": -0.0097},
    # the lab's 2026 preset for deep networks ("hierarchical")
    "hierarchical": {"{F}{C}{L}": 0.3, "{F}{C}": 1.0, "{F}": 0.1, "{C}": 0.1},
    # the published heuristic ("naive") goals of the two-source networks
    "context only, heuristic": {"{F}{C}": 1.0},
    "lateral only, heuristic": {"{F}": 1.0},
}
# the hidden sources of the two-source networks; all others: F, C, L
HIDDEN_SOURCES = {"context only": ("F", "C"), "context only, heuristic": ("F", "C"),
                  "lateral only": ("F", "L"), "lateral only, heuristic": ("F", "L")}
BACKPROP_LOSSES = ("published", "drives")
# networks compared: infomorphic ones named by their hidden goal, and the baselines
NETWORKS = ("optimised", "heuristic", "context only", "context only, heuristic", "lateral only",
            "lateral only, heuristic", "readout only", "random projection", "backprop")
NO_HIDDEN = ("readout only",)  # networks without a hidden layer (no size to scan)
PAPER = {"test_accuracy_median": 0.9513, "validation_accuracy_median": 0.9495,
         "train_accuracy_median": 0.9693}
# the paper profile's ablation: the three weights whose loss the published ablation found most
# harmful, {F}{C}, and the two weights of the smallest magnitude (the published ranking of the
# least harmful ones is not in the paper's text; zeroing the smallest weights changes the goal least)
REDUCED_ABLATION = ("{FC}{FL}", "{F}{L}", "{F}{C}{L}", "{F}{C}", "{FC}{FL}{CL}", "{F}")
PROFILES = {
    "quick": {"n_runs": 2, "epochs": 15, "n_hidden": 50, "minibatch": 256, "source": "subset",
              "sizes": (10, 50), "networks": ("heuristic", "context only", "lateral only", "readout only",
                                              "random projection", "backprop"),
              "hidden_goal": "optimised", "ablation": True},
    # the main network with the published optimised goal, all its weights: the paper's setting;
    # its error against N at the paper's small sizes, and every published network at N = 100
    "paper": {"n_runs": 10, "epochs": 100, "n_hidden": 100, "minibatch": 1024, "source": "auto",
              "sizes": (1, 2, 5, 10, 20, 50, 100), "networks": NETWORKS, "hidden_goal": "optimised, all weights",
              "ablation": REDUCED_ABLATION},
}


def hidden_goal(name_or_weights) -> Goal:
    """A hidden goal from a name of :data:`GOALS` (over the atoms of that network's sources),
    weights by atom key, or 19 numbers (three sources)."""
    if isinstance(name_or_weights, str):
        if name_or_weights not in GOALS:
            raise ConfigError(f"hidden_goal must be one of {sorted(GOALS)} or weights, got {name_or_weights!r}")
        return Goal.of(lattice_vocabulary(HIDDEN_SOURCES.get(name_or_weights, ("F", "C", "L"))),
                       **GOALS[name_or_weights])
    if isinstance(name_or_weights, dict):
        return Goal.of(TRIVARIATE, **name_or_weights)
    return Goal(tuple(name_or_weights), TRIVARIATE)


@dataclass(frozen=True)
class Config(TaskConfig):
    """The published settings (see the module's docstring); a profile sets the sizes."""

    PROFILES: ClassVar[dict] = PROFILES

    epochs: int | None = None
    n_hidden: int | None = None
    minibatch: int | None = None
    source: str | None = None  # auto | full | folder | subset
    mnist_dir: str | None = None  # the folder of source folder (and auto); None: $INFOMORPHIC_MNIST_DIR
    sizes: tuple | None = None  # hidden sizes of the error-against-N comparison
    networks: tuple | None = None  # of NETWORKS, compared at n_hidden
    scan_networks: tuple = ("backprop",)  # trained at every size of sizes, with the main network
    hidden_goal: str | None = None  # the main network's goal, a name of GOALS
    gamma: tuple | str = (-0.2, 0.1, 1.0, 0.1, 0.0)  # the readout's goal
    hidden_lr: float = 2e-3
    hidden_weight_decay: float = 3.5e-4
    readout_lr: float = 3e-3
    readout_weight_decay: float = 1.5e-4
    backprop_lr: float = 1e-3
    backprop_loss: str = "published"  # cross-entropy on σ(r) as logits, or "drives": on r
    context_gain: float = 0.1
    lateral_gain: float = 0.1
    two_source_k1: float = 0.9  # the two-source networks' activation f·[k1 + 2(1 − k1)·σ(2fx)]
    n_bins: int = 20
    bin_range: float = 20.0
    n_partners: int | None = None  # lateral partners per neuron; None: all others
    validation_fraction: float = 0.2
    eval_batch: int = 1024
    # also train the main goal with each of its non-zero weights set to 0 in turn (True), or
    # those of the atoms named (a tuple of keys), or not at all (False)
    ablation: bool | tuple | None = None

    def check(self):
        one_of("source", self.source, SOURCES)
        one_of("backprop_loss", self.backprop_loss, BACKPROP_LOSSES)
        one_of("hidden_goal", self.hidden_goal, tuple(GOALS))
        require_positive_ints(self, "n_runs", "epochs", "n_hidden", "minibatch", "n_bins", "eval_batch")
        for name in self.networks:
            one_of("networks", name, NETWORKS)
        for name in self.scan_networks:
            one_of("scan_networks", name, tuple(n for n in NETWORKS if n not in NO_HIDDEN))
        number("two_source_k1", self.two_source_k1, 0, 1)
        if not isinstance(self.ablation, bool):
            keys = hidden_goal(self.hidden_goal).vocabulary.keys
            for key in self.ablation:
                one_of("ablation", key, keys)
        for n in self.sizes:
            integer("sizes", n)
        for name in ("hidden_lr", "readout_lr", "backprop_lr", "bin_range"):
            number(name, getattr(self, name), 0, math.inf, open_low=True)
        for name in ("hidden_weight_decay", "readout_weight_decay", "context_gain", "lateral_gain"):
            number(name, getattr(self, name), 0, math.inf)
        number("validation_fraction", self.validation_fraction, 0, 1, open_low=True, open_high=True)

    def layer_config(self, n_hidden: int | None = None, sources=("F", "C", "L"), n_feedforward: int = 784,
                     depth: int = 0, n_context: int = N_CLASSES) -> ThreeSourceConfig:
        """A hidden layer (the first, or the one ``depth`` layers above it, whose feedforward
        input is the ``n_feedforward`` outputs below): three sources with the published
        three-source activation and fixed bins, or two with the published bivariate activation
        and adaptive bins."""
        shared = dict(n_neurons=n_hidden or self.n_hidden, n_feedforward=n_feedforward, n_context=n_context,
                      sources=sources, n_runs=self.n_runs, n_partners=self.n_partners, seed=self.seed,
                      key=("layer", depth) if depth else ())
        if len(sources) == 2:
            modulation = 2 * (1 - self.two_source_k1)
            return ThreeSourceConfig(**shared, context_gain=modulation, lateral_gain=modulation,
                                     gain_base=self.two_source_k1, binning=Binning(self.n_bins, "adaptive"))
        edges = (-self.bin_range, self.bin_range)
        return ThreeSourceConfig(**shared, context_gain=self.context_gain, lateral_gain=self.lateral_gain,
                                 binning=Binning(self.n_bins, "fixed", edges))

    def readout_config(self, n_inputs: int) -> LayerConfig:
        return LayerConfig(n_neurons=N_CLASSES, n_receptive=n_inputs, n_context=N_CLASSES, n_runs=self.n_runs,
                           activation="linear", binning_receptive=Binning(self.n_bins, "adaptive"),
                           binning_context=Binning(self.n_bins, "adaptive"),
                           context_mask=torch.eye(N_CLASSES).tolist(), seed=self.seed + 7919)

    def train_config(self):
        return None  # each network has its own optimisers (see ``_train``)

    def estimated_bytes(self) -> int:
        n = max(tuple(self.sizes) + (self.n_hidden,))
        return int(self.n_runs * (self.minibatch * n * 8 * 4 * 60 + n * 8000 * 2 * 4 * 4 + 784 * n * 4 * 4))


@dataclass
class Split:
    """Standardised images and labels: per-run training and validation indices, and the test set."""

    x: torch.Tensor  # [n_train, 784], the 60k (or subset) training images
    y: torch.Tensor
    fit: torch.Tensor  # [runs, n_fit] indices into x
    validation: torch.Tensor  # [runs, n_validation]
    x_test: torch.Tensor
    y_test: torch.Tensor


def split(config: Config, data) -> Split:
    """Standardise by the training images' mean and standard deviation; each run draws its own
    80/20 split of the training images (seed + run)."""
    x = torch.from_numpy(data.x_train)
    mean, std = x.mean(), x.std()
    n = len(x)
    n_validation = round(config.validation_fraction * n)
    order = rng.per_run(lambda g: torch.randperm(n, generator=g), config.seed, config.n_runs, "split")
    if config.minibatch > n - n_validation:
        raise ConfigError(f"minibatch must be at most the {n - n_validation} training images of the split, "
                          f"got {config.minibatch}")
    return Split((x - mean) / std, torch.from_numpy(data.y_train), order[:, n_validation:], order[:, :n_validation],
                 (torch.from_numpy(data.x_test) - mean) / std, torch.from_numpy(data.y_test))


def one_hot(labels: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.one_hot(labels, N_CLASSES).float()


def _sample(theta: torch.Tensor, config: Config, *key) -> torch.Tensor:
    """±1 samples of θ [runs, samples, neurons], run i from its own stream (seed + i, key)."""
    uniforms = rng.per_run(lambda g: torch.rand(theta.shape[1:], generator=g), config.seed, config.n_runs, *key)
    return torch.where(uniforms < theta.detach(), 1.0, -1.0)


@dataclass
class Pass:
    """One hidden layer's step: its feedforward input ``x``, drives f, c, l, firing probability
    θ and ±1 outputs ``y`` of the last lateral step, the outputs of the step before
    (``previous``; ``None`` without lateral input) and the context input."""

    x: torch.Tensor | None
    f: torch.Tensor | None
    c: torch.Tensor | None
    l: torch.Tensor | None
    theta: torch.Tensor | None
    y: torch.Tensor
    previous: torch.Tensor | None
    context: torch.Tensor | None = None  # the context input (label or top-down signal)


def hidden_pass(hidden: ThreeSourceLayer, x, x_context, config: Config, *key, sample: bool = True):
    """The two lateral steps: (f, c, l, θ) of step 2, its ±1 outputs and those of step 1 (the
    lateral input of step 2; ``None`` without one); step 1 sees a zero lateral vector (l = b_L),
    step 2 the detached outputs of step 1. The outputs are sampled, or with ``sample=False`` the
    sign of A (the Heaviside units of the random projection)."""

    def output(theta, step):
        return _sample(theta, config, *key, step) if sample else torch.where(theta.detach() > 0.5, 1.0, -1.0)

    f, c, l = hidden.drives(x, x_context, None)
    previous = None
    if l is not None:  # a network without lateral input takes one step
        previous = output(hidden.theta(f, c, l), 1)
        l = hidden.lateral(previous)
    theta = hidden.theta(f, c, l)
    return f, c, l, theta, output(theta, 2), previous


def oriented(theta: torch.Tensor, batch: int) -> torch.Tensor:
    """θ of readout neurons [runs, samples, 10], a neuron read as 1 − θ on every batch of
    ``batch`` samples where its mean θ is ≥ ½."""
    parts = []
    for part in theta.split(batch, dim=1):
        flip = part.mean(1, keepdim=True) >= 0.5
        parts.append(torch.where(flip, 1 - part, part))
    return torch.cat(parts, 1)


TOPDOWN = ("label", "readout", "hierarchical")


class Network:
    """A network of one kind (:data:`NETWORKS`) with N hidden three-source neurons (and, with
    ``upper``, more hidden layers of those sizes above them, each taking the outputs below as
    its feedforward input), batched over runs; :func:`network` makes the right one. Subclasses
    say how the layers learn (:meth:`_learn`) and how the output is read (:meth:`_output`).

    The hidden layers' context (``topdown``): ``"label"``, the label in every layer, each
    through its own learned map (chapter 07's network); ``"readout"``, the readout's ±1 outputs
    of the previous step (sampled, its own context the label while training), 0 in the first;
    ``"hierarchical"``, the outputs of the layer above at the previous step (0 in the first),
    the top layer's the label. With ``"label"`` each layer takes its two lateral steps on the
    outputs of the layer below; otherwise the network settles ``steps`` steps together, every
    layer's lateral input and context being the previous step's outputs, and learns on the
    last."""

    sampled = True  # ±1 samples of the hidden θ; the random projection's units are Heaviside
    autograd = False  # whether a step records the hidden pass for autograd (backprop)

    def __init__(self, kind: str, config: Config, n_hidden: int, upper: tuple = (), topdown: str = "label",
                 steps: int = 2, n_inputs: int = 784):
        one_of("topdown", topdown, TOPDOWN)
        integer("steps", steps, minimum=2)
        self.kind, self.config, self.topdown, self.steps = kind, config, topdown, steps
        sources = HIDDEN_SOURCES.get(kind, ("F", "C", "L"))
        sizes = (n_hidden, *upper)
        contexts = (*sizes[1:], N_CLASSES) if topdown == "hierarchical" else (N_CLASSES,) * len(sizes)
        self.layers = [ThreeSourceLayer(config.layer_config(n, sources, below, depth, n_context))
                       for depth, (below, n, n_context) in enumerate(zip((n_inputs, *sizes), sizes, contexts))]
        self.hidden = self.layers[0]
        self.optimizers: list[torch.optim.Optimizer] = []

    def passes(self, x, label, *key) -> list[Pass]:
        """Every hidden layer's step on x [runs, B, 784] with the label (``None``: context 0),
        from the bottom; for backprop the outputs carry the surrogate gradient 2σ'(A) upwards."""
        if self.topdown != "label" or self.steps != 2:
            return self._settle(x, label, *key)
        passes = []
        x_context = label
        for depth, layer in enumerate(self.layers):
            f, c, l, theta, y, previous = hidden_pass(layer, x, label, self.config, *key,
                                                      *(("layer", depth) if depth else ()), sample=self.sampled)
            if self.autograd:
                y = y + 2 * (theta - theta.detach())  # sampled ±1 forward, 2σ'(A) backward
            passes.append(Pass(x, f, c, l, theta, y, previous, x_context))
            x = y
        return passes

    def _settle(self, x, label, *key) -> list[Pass]:
        """``steps`` steps of every layer together; the passes of the last."""
        outputs, top = [None] * len(self.layers), None
        for step in range(1, self.steps + 1):
            passes, below = [], x
            for depth, layer in enumerate(self.layers):
                if self.topdown == "label" or (self.topdown == "hierarchical" and depth == len(self.layers) - 1):
                    context = label
                elif self.topdown == "readout":
                    context = top
                else:
                    context = outputs[depth + 1]
                f, c, l = layer.drives(below, context, outputs[depth])
                theta = layer.theta(f, c, l)
                y = (_sample(theta, self.config, *key, *(("layer", depth) if depth else ()), step) if self.sampled
                     else torch.where(theta.detach() > 0.5, 1.0, -1.0))
                if self.autograd:
                    y = y + 2 * (theta - theta.detach())
                passes.append(Pass(below, f, c, l, theta, y, outputs[depth], context))
                below = y
            outputs = [p.y.detach() for p in passes]
            if self.topdown == "readout" and step < self.steps:
                top = _sample(self._readout_theta(below, label), self.config, *key, "readout", step)
        return passes

    def _readout_theta(self, y, label) -> torch.Tensor:
        """The readout's firing probabilities on the top layer's outputs (context: the label, or 0
        without one), for the readout top-down signal."""
        raise NotImplementedError(f"{type(self).__name__} has no readout to feed back")

    def step(self, x, labels, *key) -> torch.Tensor:
        """One update on a minibatch x [runs, B, 784]; returns the readout's θ (oriented) or,
        for backprop, its drives, [runs, B, 10], as measured during the step."""
        label = one_hot(labels)
        for optimizer in self.optimizers:
            optimizer.zero_grad()
        with torch.set_grad_enabled(self.autograd):
            out = self._learn(self.passes(x, label, *key), label, labels)
        for optimizer in self.optimizers:
            optimizer.step()
        for layer in self.layers:
            layer.apply_mask()
        return out

    def _learn(self, passes: list[Pass], label, labels) -> torch.Tensor:
        """Set the parameters' gradients (of a loss to minimise) from the hidden layers' steps."""
        raise NotImplementedError

    def _output(self, y, batch: int) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def predict(self, images, index, *key) -> torch.Tensor:
        """Predicted digits [runs, samples] of ``images[index]`` (``index`` [runs, samples], or
        ``None`` for all images, shared by the runs), without the label: label context 0 in every
        layer, taken in evaluation batches of ``eval_batch``."""
        batch = self.config.eval_batch
        n = len(images) if index is None else index.shape[-1]
        out = []
        for i, start in enumerate(range(0, n, batch)):
            part = images[start:start + batch] if index is None else images[index[:, start:start + batch]]
            out.append(self._output(self.passes(part, None, *key, i)[-1].y, batch))
        return torch.cat(out, 1).argmax(-1)

    @torch.no_grad()
    def hidden_atoms(self, x, labels, *key) -> torch.Tensor:
        """The first hidden layer's atoms on one batch with the label given, [runs, N, n_atoms]."""
        f, c, l, theta, *_ = hidden_pass(self.hidden, x, one_hot(labels), self.config, *key)
        return self.hidden.atoms(f, c, l, theta).stack()


class InfomorphicNetwork(Network):
    """Hidden neurons learning their three-source ``goal`` (none for the random projection,
    whose hidden layer stays as drawn) and the bivariate readout of chapter 02, whose context
    is the label through the identity. Both layers learn by their goals' gradients in closed form;
    ``gradient="autograd"`` takes them by autograd instead (the same to float rounding, slower)."""

    def __init__(self, kind: str, config: Config, n_hidden: int, goal: Goal | None = None,
                 gradient: str = "closed form", upper: tuple = (), topdown: str = "label", steps: int = 2,
                 n_inputs: int = 784):
        super().__init__(kind, config, n_hidden, upper, topdown, steps, n_inputs)
        one_of("gradient", gradient, ("closed form", "autograd"))
        self.gradient = gradient
        self.learns_hidden = self.sampled = kind != "random projection"
        self.readout = InfomorphicLayer(config.readout_config((n_hidden, *upper)[-1]))
        with torch.no_grad():  # the label reaches readout neuron k as itself: identity, not learned
            self.readout.w_context.copy_(torch.eye(N_CLASSES).expand_as(self.readout.w_context))
        self.readout.w_context.requires_grad_(False)
        readout = [p for p in self.readout.parameters() if p.requires_grad]
        self.optimizers = [torch.optim.Adam(readout, lr=config.readout_lr, weight_decay=config.readout_weight_decay)]
        if self.learns_hidden:
            self.goal = goal or hidden_goal(kind)
            hidden = [p for layer in self.layers for p in layer.parameters()]
            self.optimizers.append(torch.optim.Adam(hidden, lr=config.hidden_lr,
                                                    weight_decay=config.hidden_weight_decay))

    @property
    def autograd(self) -> bool:
        return self.gradient == "autograd"

    def _readout_theta(self, y, label):
        return self.readout.theta(y, torch.zeros(y.shape[-2], N_CLASSES) if label is None else label)

    def _learn(self, passes, label, labels):
        y = passes[-1].y
        hidden = list(zip(self.layers, passes)) if self.learns_hidden else []
        if self.autograd:  # through every layer's goal: the reference of `make bench` and the tests
            loss = -self.readout.goal(y, label, self.config.gamma)[0].sum()
            for layer, p in hidden:
                loss = loss - layer.goal(layer.atoms(p.f, p.c, p.l, p.theta), self.goal).sum()
            loss.backward()
            return oriented(self.readout.theta(y, label).detach(), labels.shape[-1])
        # every layer ascends its goal, each gradient in closed form (as autograd's, to rounding)
        grads, _ = closed_form_gradient(self.readout, y, label, self.config.gamma)
        for name, g in grads.items():
            getattr(self.readout, name).grad = -g
        for layer, p in hidden:
            for name, g in three_source.closed_form_gradient(layer, p.x, p.context, p.previous, self.goal,
                                                             drives=(p.f, p.c, p.l)).items():
                getattr(layer, name).grad = -g
        return oriented(self.readout.theta(y, label), labels.shape[-1])

    def _output(self, y, batch):
        zeros = torch.zeros(y.shape[-2], N_CLASSES)  # the label context 0, as at evaluation
        return oriented(self.readout.theta(y, zeros), batch)


class ReadoutNetwork(InfomorphicNetwork):
    """The infomorphic readout alone, on the pixels (784 sources of F), its context the label
    as in the other networks: what the hidden layers add."""

    def __init__(self, kind: str, config: Config, n_hidden: int, goal: Goal | None = None,
                 gradient: str = "closed form", n_inputs: int = 784):
        one_of("gradient", gradient, ("closed form", "autograd"))
        self.kind, self.config, self.gradient = kind, config, gradient
        self.layers, self.hidden, self.learns_hidden, self.sampled = [], None, False, False
        self.readout = InfomorphicLayer(config.readout_config(n_inputs))
        with torch.no_grad():
            self.readout.w_context.copy_(torch.eye(N_CLASSES).expand_as(self.readout.w_context))
        self.readout.w_context.requires_grad_(False)
        readout = [p for p in self.readout.parameters() if p.requires_grad]
        self.optimizers = [torch.optim.Adam(readout, lr=config.readout_lr, weight_decay=config.readout_weight_decay)]

    def step(self, x, labels, *key) -> torch.Tensor:
        label = one_hot(labels)
        for optimizer in self.optimizers:
            optimizer.zero_grad()
        with torch.set_grad_enabled(self.autograd):
            out = self._learn([Pass(None, None, None, None, None, x, None)], label, labels)
        for optimizer in self.optimizers:
            optimizer.step()
        return out

    @torch.no_grad()
    def predict(self, images, index, *key) -> torch.Tensor:
        batch = self.config.eval_batch
        n = len(images) if index is None else index.shape[-1]
        parts = [images[start:start + batch] if index is None else images[index[:, start:start + batch]]
                 for start in range(0, n, batch)]
        return torch.cat([self._output(part, batch) for part in parts], -2).argmax(-1)

    def hidden_atoms(self, x, labels, *key):
        return None


class BackpropNetwork(Network):
    """The same hidden layer and a linear readout, trained end to end by cross-entropy through
    the sampled outputs (straight-through: 2σ'(A) backward), on σ(r) as logits (the published
    loss) or on the drives r (``config.backprop_loss``)."""

    autograd = True

    def __init__(self, kind: str, config: Config, n_hidden: int, upper: tuple = (), topdown: str = "label",
                 steps: int = 2, n_inputs: int = 784):
        if topdown == "readout":
            raise ConfigError("the backprop network's readout is a linear layer trained by its error: it has no "
                              "sampled outputs to feed back (topdown='readout' is for infomorphic networks)")
        super().__init__(kind, config, n_hidden, upper, topdown, steps, n_inputs)
        top = (n_hidden, *upper)[-1]
        w = rng.per_run(lambda g: torch.rand(N_CLASSES, top + 1, generator=g), config.seed,
                        config.n_runs, "init", "backprop readout")
        w = (2 * w - 1) / math.sqrt(top)
        self.w_out = torch.nn.Parameter(w[..., :-1].contiguous())
        self.b_out = torch.nn.Parameter(w[..., -1].contiguous())
        hidden = [p for layer in self.layers for p in layer.parameters()]
        self.optimizers = [torch.optim.Adam(hidden + [self.w_out, self.b_out], lr=config.backprop_lr)]

    def _learn(self, passes, label, labels):
        logits = self._output(passes[-1].y, None)  # the outputs carry the surrogate gradient
        scores = torch.sigmoid(logits) if self.config.backprop_loss == "published" else logits
        loss = torch.nn.functional.cross_entropy(scores.reshape(-1, N_CLASSES), labels.reshape(-1),
                                                 reduction="sum") / labels.shape[-1]
        loss.backward()
        return logits.detach()

    def _output(self, y, batch):
        return torch.matmul(y, self.w_out.transpose(-1, -2)) + self.b_out[:, None, :]


def network(kind: str, config: Config, n_hidden: int, goal: Goal | None = None, upper: tuple = (),
            topdown: str = "label", steps: int = 2, n_inputs: int = 784) -> Network:
    """A network of ``kind`` (:data:`NETWORKS`, or the ablation's ``"<network> without <atom>"``)
    with ``n_inputs`` inputs, ``n_hidden`` hidden neurons (and hidden layers of the sizes
    ``upper`` above them, the context ``topdown`` settled over ``steps``, see :class:`Network`);
    ``goal`` replaces the hidden goal of an infomorphic kind."""
    if kind == "backprop":
        return BackpropNetwork(kind, config, n_hidden, upper, topdown, steps, n_inputs)
    if kind in NO_HIDDEN:
        return ReadoutNetwork(kind, config, n_hidden, n_inputs=n_inputs)
    return InfomorphicNetwork(kind, config, n_hidden, goal, upper=upper, topdown=topdown, steps=steps,
                              n_inputs=n_inputs)


def _train(config: Config, data: Split, kind: str, n_hidden: int, goal: Goal | None = None,
           **shape) -> tuple[pd.DataFrame, Network]:
    """Train one kind of network (an infomorphic one with ``goal`` when given; ``shape``: the
    upper layers and top-down context of :func:`network`); the per-epoch history, one row per
    run and epoch.

    Its own loop, not :func:`~infomorphic_core.train.train`: a network here is two layers of
    different kinds (or a backprop network) updated together in :meth:`Network.step`, with
    accuracies per epoch instead of atoms per step."""
    torch.manual_seed(config.seed)
    net = network(kind, config, n_hidden, goal, n_inputs=data.x.shape[-1], **shape)
    evaluate = {"validation": lambda epoch: net.predict(data.x, data.validation, kind, n_hidden, "validation", epoch),
                "test": lambda epoch: net.predict(data.x_test, None, kind, n_hidden, "test", epoch)}
    history = epochs(config, data, kind, n_hidden,
                     lambda x, labels, epoch, b: net.step(x, labels, kind, n_hidden, "train", epoch, b).argmax(-1),
                     lambda split, epoch: evaluate[split](epoch))
    return history, net


def epochs(config: Config, data: Split, name: str, n_hidden: int, step, predict) -> pd.DataFrame:
    """The training loop every network of this chapter and the deep one shares: ``config.epochs``
    epochs of minibatches drawn per run from ``data.fit``; ``step(x, labels, epoch, b)`` trains
    on one minibatch and returns the labels it predicted before the update (the train accuracy
    is measured during the epoch), ``predict(split, epoch)`` the labels of ``"validation"`` or
    ``"test"``. The history, one row per run and epoch."""
    n_fit = data.fit.shape[1]
    per_epoch = n_fit // config.minibatch
    rows = []
    for epoch in range(1, config.epochs + 1):
        order = rng.per_run(lambda g: torch.randperm(n_fit, generator=g), config.seed, config.n_runs,
                            "order", epoch)
        correct = torch.zeros(config.n_runs)
        for b in range(per_epoch):
            idx = data.fit.gather(1, order[:, b * config.minibatch:(b + 1) * config.minibatch])
            labels = data.y[idx]
            correct += (step(data.x[idx], labels, epoch, b) == labels).float().sum(-1)
        train = correct / (per_epoch * config.minibatch)
        validation = (predict("validation", epoch) == data.y[data.validation]).double().mean(-1)
        test = (predict("test", epoch) == data.y_test).double().mean(-1)
        for run in range(config.n_runs):
            rows.append({"network": name, "n_hidden": n_hidden, "run": run, "epoch": epoch,
                         "train_accuracy": float(train[run]), "validation_accuracy": float(validation[run]),
                         "test_accuracy": float(test[run])})
    return pd.DataFrame(rows)


# the metrics a search may optimise (scalars; NAME.* for the entries of a dict-valued one)
METRICS = ("test_accuracy_median", "validation_accuracy_median", "train_accuracy_median", "hidden_goal",
           "accuracy_by_network.*",
           "ablation.*", "validation_accuracy_full_goal", "paper.*", "dataset", "n_seeds", "n_hidden", "epochs",
           "backprop_test_accuracy_median", "ratio_to_backprop")

@dataclass
class Result:
    config: Config
    metrics: dict
    history: pd.DataFrame  # network, n_hidden, run, epoch, train/validation/test accuracy
    atoms: pd.DataFrame  # run, neuron, one column per atom key of the main network's hidden neurons


def _median(history: pd.DataFrame, network: str, n_hidden: int, column: str) -> float:
    last = history[(history.network == network) & (history.n_hidden == n_hidden)]
    return float(last[last.epoch == last.epoch.max()][column].median())


@dataclass
class Trained:
    """One network trained: its per-epoch ``history`` and its hidden neurons' atoms (one row
    per run and neuron) on one minibatch of training images with the label given."""

    history: pd.DataFrame
    atoms: pd.DataFrame


def _trained(config: Config, data: Split, kind: str, n_hidden: int, goal: Goal | None) -> Trained:
    history, net = _train(config, data, kind, n_hidden, goal)
    idx = data.fit[:, :config.eval_batch]
    values = net.hidden_atoms(data.x[idx], data.y[idx], "atoms")
    if values is None:  # no hidden layer
        return Trained(history, pd.DataFrame(columns=["run", "neuron"]))
    values = values.double().numpy()
    runs, neurons = values.shape[:2]
    atoms = pd.DataFrame(values.reshape(runs * neurons, -1), columns=list(net.hidden.config.vocabulary.keys))
    atoms.insert(0, "neuron", np.tile(np.arange(neurons), runs))
    atoms.insert(0, "run", np.repeat(np.arange(runs), neurons))
    return Trained(history, atoms)


def _network(config: Config, source: str, kind: str, n: int, goal: Goal | None, use_cache: bool, cache_dir,
             data: dict) -> Trained:
    """One network, cached on its own: a killed run recomputes only the ones it had not
    finished, and a run that adds a network or a size trains only that one. ``data`` holds the
    split once loaded (shared by the networks of one process)."""
    def compute(c, _):
        if "split" not in data:
            data["split"] = split(c, load_mnist(source, folder=c.mnist_dir))
        return _trained(c, data["split"], kind, n, goal)

    # keyed by the settings that shape this one network, not by the list of the others
    alone = config.replace(networks=(), sizes=(), scan_networks=(), ablation=False, hidden_goal="optimised",
                           n_hidden=n)
    return cached_run("trivariate_network", alone, compute, use_cache, cache_dir, data=source, network=kind,
                      goal=None if goal is None else goal.as_tuple())


def _jobs(config: Config) -> list[tuple[str, int, Goal | None, str | None]]:
    """Every network of a run: (name, hidden size, goal for an ablated one, the weight it drops),
    the main network first: the networks compared at N = ``n_hidden``, the error-against-N
    scan, then the ablation."""
    main, n = config.hidden_goal, config.n_hidden
    wanted = [(main, n)] + [(kind, n) for kind in config.networks]
    wanted += [(kind, size) for size in config.sizes for kind in (main, *config.scan_networks)]
    jobs = [(kind, size, None, None) for kind, size in dict.fromkeys(wanted)]
    if config.ablation:
        goal = hidden_goal(main)
        weights = dict(zip(goal.vocabulary.keys, goal.weights))
        dropped = weights if config.ablation is True else config.ablation
        for key, weight in weights.items():
            if weight != 0 and key in dropped:
                reduced = Goal.of(goal.vocabulary, **{k: w for k, w in weights.items() if k != key})
                jobs.append((f"{main} without {key}", n, reduced, key))
    return jobs


def _run(config: Config, source: str, use_cache: bool, cache_dir, workers: int = 0,
         scheduler: str | None = None) -> Result:
    jobs, data = _jobs(config), {}
    # every network trained on the workers first (when there are any); below reads the cache
    shared = cache_dir or default_dir()
    parallel.cache_on_workers(_network, [(config, source, kind, n, goal, True, shared, {})
                                         for kind, n, goal, _ in jobs], workers, scheduler, shared)
    trained = [_network(config, source, kind, n, goal, use_cache, cache_dir, data) for kind, n, goal, _ in jobs]
    main, n = config.hidden_goal, config.n_hidden
    frames, atoms = [t.history for t in trained], trained[0].atoms
    ablation = {key: _median(t.history, kind, n, "validation_accuracy")
                for (kind, _, _, key), t in zip(jobs, trained) if key is not None}
    history = pd.concat(frames, ignore_index=True)
    metrics = {
        "test_accuracy_median": _median(history, main, n, "test_accuracy"),
        "validation_accuracy_median": _median(history, main, n, "validation_accuracy"),
        "train_accuracy_median": _median(history, main, n, "train_accuracy"),
        "hidden_goal": main,
        "accuracy_by_network": {kind: _median(history, kind, n, "test_accuracy")
                                for kind in dict.fromkeys((main, *config.networks))},
        "accuracy_by_n": {kind: {str(size): _median(history, kind, size, "test_accuracy") for size in config.sizes}
                          for kind in dict.fromkeys((main, *config.scan_networks))},
        "ablation": ablation,
        "validation_accuracy_full_goal": _median(history, main, n, "validation_accuracy"),
        "paper": PAPER,
        "dataset": DATASETS[source],
        "n_seeds": config.n_runs,
        "n_hidden": n,
        "epochs": config.epochs,
    }
    if "backprop" in config.networks:
        metrics["backprop_test_accuracy_median"] = _median(history, "backprop", n, "test_accuracy")
        metrics["ratio_to_backprop"] = metrics["test_accuracy_median"] / metrics["backprop_test_accuracy_median"]
    return Result(config, metrics, history, atoms)


def _last_epoch(history: pd.DataFrame) -> pd.DataFrame:
    last = history[history.epoch == history.groupby(["network", "n_hidden"]).epoch.transform("max")]
    return last.drop(columns="epoch").reset_index(drop=True)


def record_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The tables a recorded result keeps, each run's accuracies after the last epoch: the
    networks compared at N = ``n_hidden`` (``networks``), every network of the error-against-N
    scan at every size (``sizes``), and each ablated goal (``ablation``, by the weight set to 0)."""
    config, last = result.config, _last_epoch(result.history)
    main, n = config.hidden_goal, config.n_hidden
    compared = last[last.network.isin((main, *config.networks)) & (last.n_hidden == n)]
    scanned = last[last.network.isin((main, *config.scan_networks)) & last.n_hidden.isin(config.sizes)]
    prefix = f"{main} without "
    ablated = last[last.network.str.startswith(prefix)].copy()
    ablated.insert(0, "weight_set_to_0", ablated.pop("network").str.removeprefix(prefix))
    return {"networks": compared.reset_index(drop=True), "sizes": scanned.reset_index(drop=True),
            "ablation": ablated.drop(columns="n_hidden").reset_index(drop=True)}


def per_run(result: Result) -> pd.DataFrame:
    """One row per run: the main network's train, validation and test accuracy after the last
    epoch."""
    h = result.history
    h = h[(h.network == result.config.hidden_goal) & (h.n_hidden == result.config.n_hidden)]
    last = h[h.epoch == h.epoch.max()].sort_values("run")
    return last[["run", "train_accuracy", "validation_accuracy", "test_accuracy"]].reset_index(drop=True)


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None, workers: int = 0,
        scheduler: str | None = None) -> Result:
    """Train the main network (``hidden_goal``, ``n_hidden``) and the ``networks`` at that size,
    the main network and the ``scan_networks`` at every hidden size of ``sizes``, and the
    ablation; cached on disk by config, the code it runs and the data set used, and each network
    on its own (a killed run retrains only the networks it had not finished).

    ``workers`` local Dask workers of one thread each, or the cluster of a running ``scheduler``
    (:func:`infomorphic_core.parallel.client_for`), train the networks in parallel into the disk
    cache, which they must share; the result is the same as without them.

    Examples
    --------
    >>> result = run(Config(n_runs=1, epochs=1, n_hidden=8, minibatch=256, sizes=(4,),
    ...                     networks=("backprop",), ablation=False, source="subset"), use_cache=False)
    >>> sorted(result.history.network.unique())
    ['backprop', 'optimised']
    >>> 0 < result.metrics["test_accuracy_median"] <= 1
    True
    """
    config = config or Config()
    source = resolve_source(config.source, folder=config.mnist_dir)
    if (workers or scheduler) and not use_cache:
        raise ValueError("workers hand their networks back through the disk cache: they need use_cache=True")
    return cached_run("trivariate", config, lambda c, _: _run(c, source, use_cache, cache_dir, workers, scheduler),
                      use_cache, cache_dir, data=source)
