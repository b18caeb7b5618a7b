"""Redundancy maximisation as associative memory learning (Blümel et al. 2025, arXiv 2511.02584).

N neurons; neuron i has two sources: the external input T = ξ_i through a one-to-one weight
w_T (frozen at 2.3 unless ``learn_external``) and the recurrent input R = Σ_{j≠i} W_ij s_j (no
biases, no self-connections, W starting N(0, 0.001²)). θ = σ(x_T + x_R); outputs ±1. The goal
is Γ over (I_unq,T, I_unq,R, I_red, I_syn, H_res), redundancy only by default. T is the layer's
receptive source and R its context: :data:`VOCABULARY` labels the atoms with these names, and
their keys name the roles as everywhere in the package (``unq_R`` is I_unq,T, ``unq_C`` I_unq,R).

Training is teacher-forced: the recurrent input is computed from the clean stored pattern; one
full-batch optimiser step (Adam, lr 0.05) per epoch on Σ_i G_i, T in 2 and R in 60 fixed bins on
[−20, 20]. Training stops early at the first of ``n_checkpoints`` log-spaced epochs at which
the clean-cue test passes (the network of that epoch is kept), else after ``max_epochs``.

Test: external input 0; start at a stored pattern with exactly ⌊fN⌋ bits flipped; synchronous
updates s ← sign(W s) (a unit whose field is exactly 0 keeps its state) until a fixed point, a
2-cycle (the state reached when the cycle closes is scored) or ``max_iterations``; score = the
cosine similarity with the stored pattern, averaged over patterns. A run passes at M patterns
when its score is ≥ ``threshold``. The stochastic test samples s ~ σ(W s) for
``stochastic_steps`` steps from the cue and averages the cosine over the steps.

Capacity: per run (seed), an upward scan over M = scan_start·N, + scan_step·N, ... up to
scan_stop·N, each M trained from scratch on the first M patterns of the run's nested sequence,
until the run first fails (:func:`infomorphic_core.capacity.scan_capacity`); α_c is the mean
of the runs' last passing M / N, with a bootstrap interval over runs. Classical rules are scanned
the same way under the identical test.

Several goals train side by side as one tensor program (``scan(config, goals)``): runs are
(goal, seed) pairs, and a run leaves the batch as soon as it passes, so a round costs about what
its slowest run costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import torch

from .. import hopfield, parallel, rng
from ..io import default_dir
from ..capacity import mean_interval, scan_capacity
from ..checks import ConfigError, number, one_of
from ..estimate import Binning
from ..goals import ATOM_KEYS, Goal, bivariate
from ..hopfield import settle, stochastic_recall
from ..layer import InfomorphicLayer, LayerConfig
from ..train import TrainConfig, make_optimizer, update
from .common import TaskConfig, cached_run, require_positive_ints

PROFILES = {
    # quick: smaller network, fewer seeds and epochs, a coarser scan starting nearer the edge
    "quick": {"n_runs": 3, "n_neurons": 40, "max_epochs": 500, "scan_step": 0.05},
    # paper: the published scan (from 0.2 N in steps of 0.02 N, up to 5000 epochs)
    "paper": {"n_runs": 20, "n_neurons": 100, "max_epochs": 5000, "scan_step": 0.02},
}
VOCABULARY = bivariate("T", "R")  # external T (receptive), recurrent R (context)
# Γ over (I_unq,T, I_unq,R, I_red, I_syn, H_res) with the paper's α_c (mean over 20 seeds, N = 100)
GOALS = {
    "redundancy": ((0.0, 0.0, 1.0, 0.0, 0.0), 1.59),
    "unique T + redundancy": ((1.0, 0.0, 1.0, 0.0, 0.0), 1.62),
    "optimised A": ((-0.27, -0.68, 0.68, -0.77, -0.80), 1.68),
    "optimised B": ((0.48, -0.16, 0.25, 0.04, -0.63), 1.70),
}
PAPER = {"hebbian_alpha_c": 0.14}  # the Hebbian rule under the same test (mean of 20 seeds)
# name -> (rule(patterns, config) -> weights, metric prefix). The Hebbian and Krauth–Mézard
# weights are multiples of 1/N: scaled by N they are integers, so their fields are exact and a
# field of exactly 0 (the unit keeps its state) is the same on every CPU; the sign dynamics
# does not change with the scale.
RULES = {
    "Hebbian": (lambda p, c: hopfield.hebbian(p) * p.shape[-1], "hebbian"),
    "Storkey": (lambda p, c: hopfield.storkey(p), "storkey"),
    "pseudo-inverse": (lambda p, c: hopfield.pseudoinverse(p), "pseudoinverse"),
    "Krauth–Mézard": (lambda p, c: (hopfield.krauth_mezard(p, c.perceptron_iterations) * p.shape[-1]).round(),
                      "perceptron"),
}
DETERMINISTIC, STOCHASTIC = "deterministic", "stochastic"
PATTERN_BLOCK = 10


@dataclass(frozen=True)
class Config(TaskConfig):
    """Settings of the redundancy memory (Blümel et al. 2025) and its capacity scan."""

    PROFILES: ClassVar[dict] = PROFILES

    n_neurons: int | None = None
    max_epochs: int | None = None
    gamma: tuple | str = "only red"
    w_external: float = 2.3  # initial (frozen: fixed) external weight w_T
    learn_external: bool = False
    init_std_recurrent: float = 0.001
    optimizer: str = "adam"
    learning_rate: float = 0.05
    binning: str = "fixed"  # fixed: [−bin_range, bin_range]; adaptive: the minibatch's min to max
    n_bins_external: int = 2
    n_bins_recurrent: int = 60
    bin_range: float = 20.0
    n_checkpoints: int = 15
    early_stop: bool = True  # stop at the first checkpoint that passes (False: train max_epochs)
    threshold: float = 0.95
    max_iterations: int = 100
    stochastic_steps: int = 20
    scan_start: float = 0.2  # patterns per neuron (the classical rules: from scan_step)
    scan_step: float | None = None
    scan_stop: float = 2.0
    correlation: float = 0.5  # P(ξ_i = ξ_{i−1}); 0.5: independent unbiased patterns
    noise_levels: tuple = (0.0, 0.1, 0.2, 0.3)  # fractions f of flipped bits in the cue
    networks: tuple = tuple(RULES)  # classical rules scanned beside the infomorphic network
    perceptron_iterations: int = 2000
    n_bootstrap: int = 1000
    compare_goals: bool = True  # also scan the published goals (GOALS) beside config.gamma
    ablation: bool = True  # also scan the paper's ablation ladder (LADDER)

    def check(self):
        require_positive_ints(self, "n_runs", "n_neurons", "max_epochs", "n_bins_external", "n_bins_recurrent",
                              "n_checkpoints", "max_iterations", "stochastic_steps", "perceptron_iterations",
                              "n_bootstrap")
        one_of("optimizer", self.optimizer, ("adam", "sgd"))
        one_of("binning", self.binning, ("fixed", "adaptive"))
        for name in self.networks:
            one_of("networks", name, tuple(RULES))
        number("learning_rate", self.learning_rate, 0, math.inf, open_low=True)
        number("w_external", self.w_external, -math.inf, math.inf)
        number("bin_range", self.bin_range, 0, math.inf, open_low=True)
        number("threshold", self.threshold, 0, 1, open_low=True)
        number("correlation", self.correlation, 0, 1)
        number("scan_start", self.scan_start, 0, math.inf, open_low=True)
        number("scan_step", self.scan_step, 0, math.inf, open_low=True)
        number("scan_stop", self.scan_stop, self.scan_start, math.inf)
        if 0.0 not in self.noise_levels:
            raise ConfigError("noise_levels must include 0.0 (the capacity α_c is measured at f = 0)")
        for f in self.noise_levels:
            number("noise_levels", f, 0, 0.5)
        self._set("noise_levels", tuple(float(f) for f in self.noise_levels))

    def train_config(self) -> TrainConfig:
        return TrainConfig(n_updates=self.max_epochs, learning_rate=self.learning_rate,
                           optimizer=self.optimizer)

    def layer_config(self, n_runs: int | None = None) -> LayerConfig:
        if self.binning == "fixed":
            edges = (-self.bin_range, self.bin_range)
            external, recurrent = (Binning(self.n_bins_external, "fixed", edges),
                                   Binning(self.n_bins_recurrent, "fixed", edges))
        else:
            external, recurrent = Binning(self.n_bins_external, "minmax"), Binning(self.n_bins_recurrent, "minmax")
        n = self.n_neurons
        return LayerConfig(n_neurons=n, n_receptive=n, n_context=n, n_runs=n_runs or self.n_runs,
                           activation="sum", bias_receptive=False, bias_context=False,
                           init_std_receptive=0.0, init_std_context=self.init_std_recurrent,
                           binning_receptive=external, binning_context=recurrent, recurrent_context=True,
                           receptive_mask=torch.eye(n).tolist(), seed=self.seed)

    def pattern_counts(self, start: float | None = None) -> list[int]:
        """The scan's pattern counts: round(a·N) for a = start (default ``scan_start``),
        + scan_step, ..., up to ``scan_stop``."""
        start = self.scan_start if start is None else start
        n, counts, k = self.n_neurons, [], 0
        while (a := start + k * self.scan_step) <= self.scan_stop + 1e-9:
            m = max(1, round(a * n))
            if not counts or m > counts[-1]:
                counts.append(m)
            k += 1
        return counts

    def checkpoints(self) -> list[int]:
        """Epochs at which training may stop: log-spaced from 1 to ``max_epochs``."""
        points = np.logspace(0, math.log10(self.max_epochs), self.n_checkpoints)
        return sorted({int(p) for p in points} | {self.max_epochs})

    def estimated_bytes(self) -> int:
        m = self.pattern_counts()[-1]
        goals = len(GOALS)
        return int(goals * self.n_runs * (4 * self.n_neurons ** 2 * 4 + 8 * m * self.n_neurons * 4
                                          + self.n_neurons * self.n_bins_recurrent * self.n_bins_external * 2 * 4 * 20))


def _nested(config: Config, m: int, n_seeds: int, draw, *key) -> torch.Tensor:
    """[seeds, m, N] from per-seed streams in blocks of ``PATTERN_BLOCK``, so the first m rows
    are the same for every larger m."""
    blocks = -(-m // PATTERN_BLOCK)
    drawn = [rng.per_run(draw, config.seed, n_seeds, *key, b) for b in range(blocks)]
    return torch.cat(drawn, 1)[:, :m]


def patterns(config: Config, m: int) -> torch.Tensor:
    """[seeds, m, N] ±1 patterns, a Markov chain along the neurons with P(ξ_i = ξ_{i−1}) =
    ``correlation`` (0.5: independent and unbiased); nested in m."""
    n, p = config.n_neurons, config.correlation

    def draw(g):
        first = torch.where(torch.rand(PATTERN_BLOCK, 1, generator=g) < 0.5, 1.0, -1.0)
        steps = torch.where(torch.rand(PATTERN_BLOCK, n - 1, generator=g) < p, 1.0, -1.0)
        return torch.cumprod(torch.cat([first, steps], 1), 1)

    return _nested(config, m, config.n_runs, draw, "patterns")


def flip(config: Config, stored: torch.Tensor, f: float) -> torch.Tensor:
    """The stored patterns [seeds, m, N] with exactly ⌊fN⌋ bits of each flipped (nested in m)."""
    n = config.n_neurons
    k = math.floor(f * n + 1e-9)
    if k == 0:
        return stored.clone()

    def draw(g):
        ranks = torch.rand(PATTERN_BLOCK, n, generator=g).argsort(-1).argsort(-1)
        return torch.where(ranks < k, -1.0, 1.0)

    return stored * _nested(config, stored.shape[1], stored.shape[0], draw, "flip", f)


def scores(config: Config, weights: torch.Tensor, stored: torch.Tensor, seeds, key=()) -> dict:
    """{test: score per run}: the deterministic test at every noise level f (``"f=0.1"``...)
    and the stochastic test at f = 0; ``stored`` [runs, m, N] are each run's patterns and
    ``seeds`` each run's seed index (the flips and samples follow the seed)."""
    out = {}
    for f in config.noise_levels:
        cues = stored if f == 0 else _cues(config, stored, seeds, f)
        final = settle(weights, cues, config.max_iterations)
        out[f"f={f:g}"] = (final * stored).mean((-1, -2)).numpy()
    shape = (config.stochastic_steps,) + tuple(stored.shape[1:])
    uniforms = torch.stack([torch.rand(shape, generator=rng.generator(config.seed + int(s), "stochastic", *key))
                            for s in seeds])  # drawn per seed: a run's samples do not depend on the batch
    states = stochastic_recall(weights, stored, uniforms)
    out[STOCHASTIC] = (states * stored).mean((-1, -2, 0)).numpy()
    return out


def _cues(config: Config, stored, seeds, f):
    """Each run's cues: its seed's flips (drawn for every seed, then picked)."""
    all_flips = flip(config, torch.ones(config.n_runs, stored.shape[1], config.n_neurons), f)
    return stored * all_flips[torch.as_tensor(seeds)]


def make_layer(config: Config, seeds) -> InfomorphicLayer:
    """A layer of one run per entry of ``seeds``; run k's recurrent weights are drawn from
    seed + seeds[k], so every goal trained on a seed starts from the same weights."""
    layer = InfomorphicLayer(config.layer_config(len(seeds)))
    n = config.n_neurons
    with torch.no_grad():
        w = torch.stack([torch.randn(n, n, generator=rng.generator(config.seed + int(s), "init", "w_c"),
                                     dtype=torch.float64) for s in seeds])
        layer.w_context.copy_(w * config.init_std_recurrent * layer.mask)
        layer.w_receptive.copy_(config.w_external * layer.mask_receptive.expand_as(layer.w_receptive))
    layer.w_receptive.requires_grad_(config.learn_external)
    return layer


def _keep(layer: InfomorphicLayer, optimizer, keep: torch.Tensor, config: Config):
    """The layer and optimiser restricted to the runs in ``keep`` (their optimiser state kept)."""
    old = {name: p for name, p in layer.named_parameters()}
    for name, p in old.items():
        setattr(layer, name, torch.nn.Parameter(p.detach()[keep].clone(), requires_grad=p.requires_grad))
    new_optimizer = make_optimizer(layer, config.train_config())
    for name, p in layer.named_parameters():
        state = optimizer.state.get(old[name])
        if state:
            new_optimizer.state[p] = {k: v[keep].clone() if v.dim() > 0 else v.clone() for k, v in state.items()}
    return new_optimizer


def train_runs(config: Config, stored: torch.Tensor, gammas: torch.Tensor, seeds) -> tuple[torch.Tensor, np.ndarray]:
    """Train one network per run on its patterns ``stored`` [runs, m, N] with its goal ``gammas``
    [runs, 5]; returns the recurrent weights [runs, N, N] (of the first checkpoint epoch at which
    the run passed the clean-cue test, else of the last epoch) and that epoch per run.

    Its own loop, not :func:`~infomorphic_core.train.train`: every epoch is the whole pattern set
    at once, and a run that passes leaves the batch (its layer rows and optimizer state cut out),
    which a loop over a fixed [runs, …] layer with a tidy history cannot express cheaply."""
    layer = make_layer(config, seeds)
    optimizer = make_optimizer(layer, config.train_config())
    dtype = layer.dtype
    x, gammas = stored.to(dtype), gammas.to(dtype)
    n_runs = stored.shape[0]
    weights = torch.zeros(n_runs, config.n_neurons, config.n_neurons)
    epochs = np.full(n_runs, config.max_epochs)
    active = torch.arange(n_runs)
    checkpoints = set(config.checkpoints())
    for epoch in range(1, config.max_epochs + 1):
        update(layer, optimizer, x, x, gammas)
        if epoch not in checkpoints:
            continue
        w = layer.w_context.detach().float()
        final = settle(w, stored[active], config.max_iterations)
        passed = (final * stored[active]).mean((-1, -2)) >= config.threshold
        done = (passed & config.early_stop) | (epoch == config.max_epochs)
        weights[active[done]] = w[done]
        epochs[active[done].numpy()] = epoch
        if bool(done.all()):
            break
        if bool(done.any()):
            keep = ~done
            optimizer = _keep(layer, optimizer, keep, config)
            active, x, gammas = active[keep], x[keep], gammas[keep]
    return weights, epochs


def scan(config: Config, goals: dict | None = None, use_cache: bool = True, cache_dir=None) -> "Scan":
    """Capacity scan of the infomorphic network for each goal of ``goals`` (name -> Γ; default
    ``config.gamma``) and of the classical ``config.networks``; cached by config and goals.

    Returns a :class:`Scan`."""
    goals = goals or {"configured goal": config.gamma}
    goals = {name: Goal.from_any(g).as_tuple() for name, g in goals.items()}
    return cached_run("redundancy_memory_scan", config, lambda c, _: _scan(c, goals), use_cache, cache_dir,
                      goals=goals)


@dataclass
class Scan:
    """``capacities``: one row per network (goal name or rule), seed and test (``f=0``, ``f=0.1``,
    ..., ``stochastic``) with ``capacity`` (patterns) and ``alpha_c`` (patterns per neuron);
    ``trainings``: one row per infomorphic training (m, goal, seed, stopping epoch, scores)."""

    capacities: pd.DataFrame
    trainings: pd.DataFrame


def _scan(config: Config, goals: dict) -> Scan:
    counts = config.pattern_counts()
    stored = patterns(config, counts[-1])
    n_seeds, names = config.n_runs, list(goals)
    gammas = torch.tensor([goals[name] for name in names], dtype=torch.float64)
    rows, trainings = [], []

    def record(network, caps):
        for test, values in caps.items():
            rows.extend({"network": network, "seed": s, "test": test, "capacity": int(c),
                         "alpha_c": c / config.n_neurons} for s, c in enumerate(values))

    def evaluate_infomorphic(m, runs):
        seeds = runs % n_seeds
        weights, epochs = train_runs(config, stored[seeds, :m], gammas[runs // n_seeds], seeds)
        out = scores(config, weights, stored[seeds, :m], seeds, ("infomorphic", m))
        trainings.extend({"m": m, "goal": names[r // n_seeds], "seed": int(r % n_seeds), "epochs": int(e),
                          **{t: float(v[i]) for t, v in out.items()}} for i, (r, e) in enumerate(zip(runs, epochs)))
        return {t: v >= config.threshold for t, v in out.items()}

    caps, _ = scan_capacity(evaluate_infomorphic, len(names) * n_seeds, counts)
    for k, name in enumerate(names):
        record(name, {t: v[k * n_seeds:(k + 1) * n_seeds] for t, v in caps.items()})
    for name in config.networks:
        rule = RULES[name][0]

        def evaluate_rule(m, runs):
            weights = rule(stored[runs, :m], config).float()
            out = scores(config, weights, stored[runs, :m], runs, (name, m))
            return {t: v >= config.threshold for t, v in out.items()}

        record(name, scan_capacity(evaluate_rule, n_seeds, config.pattern_counts(config.scan_step))[0])
    return Scan(pd.DataFrame(rows), pd.DataFrame(trainings))


# The paper's ablation ladder, cumulative: (row, config changes, goal, test, paper's mean α_c).
# The SGD learning rate (0.1) is that of the published early configurations; the paper's sixth row
# changes the fixed bins to a differentiable soft binning, which is not implemented here.
_SGD = {"optimizer": "sgd", "learning_rate": 0.1, "binning": "adaptive"}
LADDER = (
    ("SGD, adaptive bins, w_T learned from 1, stochastic test",
     _SGD | {"w_external": 1.0, "learn_external": True}, "redundancy", STOCHASTIC, 0.40),
    ("+ deterministic test", _SGD | {"w_external": 1.0, "learn_external": True}, "redundancy", "f=0", 0.89),
    ("+ w_T frozen (at 1)", _SGD | {"w_external": 1.0}, "redundancy", "f=0", 0.92),
    ("+ w_T frozen at 2.3", _SGD, "redundancy", "f=0", 1.35),
    ("+ Adam (lr 0.05)", {"binning": "adaptive"}, "redundancy", "f=0", 1.65),
    ("+ fixed bins (2 × 60 on [−20, 20]; the paper: soft bins)", {}, "redundancy", "f=0", 1.60),
    ("+ optimised goal (B)", {}, "optimised B", "f=0", 1.69),
)
_LADDER_DEFAULTS = {"optimizer": "adam", "learning_rate": 0.05, "binning": "fixed", "w_external": 2.3,
                    "learn_external": False}


def goal_name(config: Config) -> str:
    """The name in :data:`GOALS` of ``config.gamma``, else ``"configured goal"``."""
    return next((name for name, (g, _) in GOALS.items() if tuple(g) == config.gamma), "configured goal")


# the metrics a search may optimise (scalars; NAME.* for the entries of a dict-valued one)
METRICS = ("alpha_c_mean", "alpha_c_by_goal.*", "alpha_c_by_noise.*", "ablation.*", "gardner_bound", "goal",
           "max_epochs", "n_neurons", "n_seeds", *(f"{prefix}_alpha_c" for _, prefix in RULES.values()))

@dataclass
class Result:
    config: Config
    metrics: dict
    capacities: pd.DataFrame  # experiment, network, seed, test, capacity, alpha_c
    trainings: pd.DataFrame  # experiment, m, goal, seed, epochs, one score column per test
    ablation: pd.DataFrame  # row, ours (mean α_c), low, high (its 95% interval), min, max (over seeds), paper
    history: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # = trainings (history.csv)


def _summary(capacities: pd.DataFrame, network: str, test: str = "f=0") -> np.ndarray:
    rows = capacities[(capacities.network == network) & (capacities.test == test)].sort_values("seed")
    return rows.alpha_c.to_numpy()


def _scan_jobs(config: Config) -> dict:
    """Every scan of a run: ``"main"`` -> (config, goals), then each ladder setting (the sorted
    changes) -> (config, the goals of every ladder row with that setting), or ``None`` where
    the main scan is that setting's (a config with the ladder's defaults)."""
    goals = ({name: g for name, (g, _) in GOALS.items()} if config.compare_goals else {}) | {goal_name(config): config.gamma}
    jobs = {"main": (config, goals)}
    if config.replace(**_LADDER_DEFAULTS) == config:
        jobs[()] = None  # the last rows are the configured network itself
    base = config.replace(**_LADDER_DEFAULTS, networks=())
    for _, changes, goal, _, _ in LADDER if config.ablation else ():
        key = tuple(sorted(changes.items()))
        if jobs.get(key, ()) is None:  # the main scan is this setting's: it trains the row's goal too
            goals.setdefault(goal, GOALS[goal][0])
        else:
            named = jobs[key][1] if key in jobs else {"redundancy": GOALS["redundancy"][0]}
            jobs[key] = (base.replace(**changes), named | {goal: GOALS[goal][0]})
    return jobs


def _run(config: Config, use_cache: bool, cache_dir, workers: int = 0, scheduler: str | None = None) -> Result:
    # each scan is cached on its own: a killed run recomputes only the scans it had not finished
    main_goal = goal_name(config)
    jobs = _scan_jobs(config)
    goals = jobs["main"][1]
    # every scan on the workers first, when there are any (the main one, the longest, first)
    shared = cache_dir or default_dir()
    parallel.cache_on_workers(scan, [(*job, True, shared) for job in jobs.values() if job is not None], workers,
                              scheduler, shared)
    main = scan(*jobs.pop("main"), use_cache, cache_dir)
    scans = {key: main if job is None else scan(*job, use_cache, cache_dir) for key, job in jobs.items()}
    rows = []
    for row, changes, goal, test, paper in LADDER if config.ablation else ():
        values = _summary(scans[tuple(sorted(changes.items()))].capacities, goal, test)
        low, high = mean_interval(values, config.n_bootstrap, rng.generator(config.seed, "bootstrap", row))
        rows.append({"row": row, "ours": values.mean(), "low": low, "high": high, "min": values.min(),
                     "max": values.max(), "paper": paper})
    frames = [main.capacities.assign(experiment="main")]
    trainings = [main.trainings.assign(experiment="main")]
    for key, result in scans.items():
        if result is not main:
            name = ", ".join(f"{k}={v}" for k, v in key) or "ladder defaults"
            frames.append(result.capacities.assign(experiment=name))
            trainings.append(result.trainings.assign(experiment=name))
    ablation = pd.DataFrame(rows, columns=["row", "ours", "low", "high", "min", "max", "paper"])
    capacities = pd.concat(frames, ignore_index=True)
    ours = _summary(main.capacities, main_goal)
    metrics = {
        "alpha_c_mean": float(ours.mean()),
        "alpha_c_ci": list(mean_interval(ours, config.n_bootstrap, rng.generator(config.seed, "bootstrap"))),
        "alpha_c_by_seed": ours.tolist(),
        "goal": main_goal,
        "alpha_c_by_goal": {name: float(_summary(main.capacities, name).mean()) for name in goals},
        "alpha_c_by_noise": {t: float(main.capacities[(main.capacities.network == main_goal)
                                                      & (main.capacities.test == t)].alpha_c.mean())
                             for t in main.capacities.test.unique()},
        "ablation": dict(zip(ablation.row, ablation.ours.astype(float))),
        "gardner_bound": 2.0,
        "n_seeds": config.n_runs,
        "n_neurons": config.n_neurons,
        "max_epochs": config.max_epochs,
    }
    for name in RULES:
        prefix = RULES[name][1]
        values = _summary(main.capacities, name) if name in config.networks else np.array([])
        metrics[f"{prefix}_alpha_c"] = float(values.mean()) if values.size else None
    trainings = pd.concat(trainings, ignore_index=True)
    return Result(config, metrics, capacities, trainings, ablation, history=trainings)


def landscape(config: Config, atoms=("unq_C", "res"), values=(-0.6, 0.0, 0.6), use_cache=True,
              cache_dir=None) -> pd.DataFrame:
    """α_c of the goal Γ = I_red + a·(first atom) + b·(second atom) for every pair (a, b) of
    ``values`` (atom keys: ``unq_R`` is I_unq,T, ``unq_C`` I_unq,R, see :data:`VOCABULARY`),
    all goals trained side by side. One row per goal and seed: a, b, alpha_c."""
    goals = {}
    for a in values:
        for b in values:
            goals[f"{a:g},{b:g}"] = Goal.of(red=1.0, **{atoms[0]: a, atoms[1]: b}).as_tuple()
    result = scan(config.replace(networks=()), goals, use_cache, cache_dir).capacities
    result = result[result.test == "f=0"].copy()
    result[["a", "b"]] = result.network.str.split(",", expand=True).astype(float)
    return result.rename(columns={"a": atoms[0], "b": atoms[1]})


def sweep_setting(config: Config, name: str, values, networks=("Hebbian",), workers: int = 0,
                  use_cache=True, cache_dir=None) -> pd.DataFrame:
    """α_c at f = 0 of the configured goal and of ``networks`` for each value of the config
    field ``name`` (e.g. ``correlation`` or ``n_neurons``): one row per value, network and seed.

    Each value is one cached run of this task (its seeds batched), run on ``workers`` local Dask
    workers of one thread each (0: here), which hand it back through the disk cache."""
    if workers and not use_cache:
        raise ValueError("workers hand their runs back through the disk cache: they need use_cache=True")
    configs = [config.replace(networks=tuple(networks), compare_goals=False, ablation=False, **{name: value})
               for value in values]
    parallel.cache_on_workers(run, [(c, True, cache_dir or default_dir()) for c in configs], workers, None)
    columns = {"alpha_c": goal_name(config)} | {f"{RULES[n][1]}_alpha_c": n for n in networks}
    tables = []
    for value, c in zip(values, configs):
        table = per_run(run(c, use_cache, cache_dir))
        tables.append(table.assign(**{name: value}, seed=range(len(table)))[[name, "seed", *columns]])
    table = pd.concat(tables, ignore_index=True).rename(columns=columns)
    return table.melt(id_vars=[name, "seed"], var_name="network", value_name="alpha_c")


def atoms_by_load(config: Config, loads=(0.5, 1.0, 1.5, 2.0)) -> pd.DataFrame:
    """The five atoms (bits, mean over neurons) of networks trained for ``max_epochs`` (no early
    stop) at M = load·N patterns, on the training patterns, with each run's clean-cue score;
    one row per load and seed."""
    rows, seeds = [], list(range(config.n_runs))
    gammas = torch.tensor([config.gamma] * config.n_runs, dtype=torch.float64)
    trained = config.replace(early_stop=False)
    for load in loads:
        m = max(1, round(load * config.n_neurons))
        stored = patterns(config, m)
        weights, _ = train_runs(trained, stored, gammas, seeds)
        layer = make_layer(config, seeds)
        with torch.no_grad():
            layer.w_context.copy_(weights)
            atoms = layer.atoms(stored, stored).stack().mean(1)  # [runs, atoms]
        score = (settle(weights, stored, config.max_iterations) * stored).mean((-1, -2))
        for seed in seeds:
            rows.append({"load": load, "patterns": m, "seed": seed, "score": float(score[seed]),
                         **{key: float(v) for key, v in zip(ATOM_KEYS, atoms[seed])}})
    return pd.DataFrame(rows)


def per_run(result: Result) -> pd.DataFrame:
    """One row per run (seed + i): α_c of the main goal under each cue noise (``alpha_c`` for
    noise-free cues, ``alpha_c_f=0.1`` and so on) and ``<rule>_alpha_c`` of each classical rule
    of ``config.networks`` (noise-free cues)."""
    caps = result.capacities
    main = caps[caps.experiment == "main"]
    wide = main[main.network == result.metrics["goal"]].pivot_table(index="seed", columns="test",
                                                                    values="alpha_c")
    wide.columns = ["alpha_c" if t == "f=0" else f"alpha_c_{t}" for t in wide.columns]
    for name in result.config.networks:
        wide[f"{RULES[name][1]}_alpha_c"] = main[(main.network == name) & (main.test == "f=0")
                                                 ].set_index("seed").alpha_c
    wide = wide.reset_index().sort_values("seed")
    return wide.assign(run=wide.seed).drop(columns="seed")


def record_tables(result: Result) -> dict[str, pd.DataFrame]:
    """What a recorded result keeps besides ``runs``: every capacity (experiment, network, seed,
    test) and the ablation ladder."""
    return {"capacities": result.capacities, "ablation": result.ablation}


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None, workers: int = 0,
        scheduler: str | None = None) -> Result:
    """The capacity of the redundancy memory for its goals, the ablation ladder and the
    classical rules under the identical test; cached by config and core.

    Parameters
    ----------
    config : Config, optional
        Default ``Config()``: the quick profile.
    use_cache, cache_dir
        As for :func:`~infomorphic_core.tasks.common.cached_run`; every scan is also cached
        on its own.
    workers, scheduler
        ``workers`` local Dask workers of one thread each, or the cluster of a running
        ``scheduler`` (:func:`infomorphic_core.parallel.client_for`), run the scans (the main one
        and the ladder's) in parallel into the disk cache, which they must share; the result is
        the same as without them.

    Returns
    -------
    Result
        ``metrics`` (``alpha_c_mean`` and its bootstrap interval ``alpha_c_ci`` for
        ``config.gamma``, ``alpha_c_by_goal``, ``alpha_c_by_noise``, ``ablation`` row -> α_c,
        ``<rule>_alpha_c``), ``capacities`` (per experiment, network, seed and test),
        ``trainings`` and the ``ablation`` table beside the paper's values.

    Examples
    --------
    >>> small = Config(n_runs=1, n_neurons=12, max_epochs=20, scan_start=0.5, scan_step=0.5,
    ...                scan_stop=1.0, networks=("Hebbian",), n_bootstrap=10)
    >>> result = run(small, use_cache=False)
    >>> sorted(result.metrics["alpha_c_by_goal"])[:2]
    ['optimised A', 'optimised B']
    """
    if (workers or scheduler) and not use_cache:
        raise ValueError("workers hand their scans back through the disk cache: they need use_cache=True")
    return cached_run("redundancy_memory", config or Config(),
                      lambda c, _: _run(c, use_cache, cache_dir, workers, scheduler), use_cache, cache_dir)
