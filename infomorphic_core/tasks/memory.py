"""Associative memory with infomorphic neurons, against Hopfield baselines (PNAS §3.3, Fig. 4).

100 neurons; neuron i receives element i of a random ±1 pattern as receptive input and the other
99 neurons' outputs as context (no self-connections); the symmetric 8-norm activation; goal
Γ = (0.1, 0.1, 1, 0.1, 0). Test (§3.3.4): corrupt a stored pattern by setting a fraction α of its
elements to random ±1, present it for one step, then set x_R = 0 and run 20 steps of the
stochastic dynamics; accuracy is the cosine similarity with the clean pattern, averaged over
patterns; capacity(α) is the largest number of stored patterns with mean accuracy above 95%.

Two training protocols (the SI, which holds the paper's, is not available):

- ``teacher_forced`` (our default): the context during training is the clean current pattern,
  w_R is fixed at 0.25 on the diagonal, W_C starts N(0, 0.025²) and learns; a minibatch is one
  pass over the patterns (each shown 8 times in the paper; 8 identical repeats give the same
  histogram as one, so each pattern enters once).
- ``sampled`` (the literal reading): patterns in random order, each held 8 steps, the context
  being the other neurons' sampled outputs at t − 1, w_R learned. In our measurements it raises
  I_red without learning to retrieve (see the chapter).

Context at the test's presentation step: ``cue`` (the corrupted pattern itself, our default:
recurrent dynamics started at the cue) or ``previous`` (the state left by the previous test).
No biases; R̃ in 2 bins (x_R takes two values), C̃ in 40 adaptive symmetric bins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd
import torch

from .. import hopfield, rng
from ..estimate import Binning
from ..layer import InfomorphicLayer, LayerConfig
from ..train import TrainConfig, atom_dict, train
from ..checks import ConfigError, integer, number, one_of
from .common import Recurrent, Stateless, TaskConfig, cached_run, require_positive_ints

QUICK_COUNTS = (5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 60)
PROFILES = {
    "quick": {"n_runs": 4, "pattern_counts": QUICK_COUNTS, "alphas": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)},
    "paper": {"n_runs": 25, "pattern_counts": QUICK_COUNTS + (70, 80),
              "alphas": tuple(round(0.1 * i, 1) for i in range(11))},
}
PAPER = {"capacity_alpha0": 35, "hopfield_capacity_alpha0": 14, "better_up_to_alpha": 0.4}
PROTOCOLS = ("teacher_forced", "sampled")
TEST_CONTEXTS = ("cue", "previous")


@dataclass(frozen=True)
class Config(TaskConfig):
    """Settings of the associative memory and its Hopfield baselines (PNAS §3.3)."""

    PROFILES: ClassVar[dict] = PROFILES

    pattern_counts: tuple | None = None
    alphas: tuple | None = None
    n_neurons: int = 100
    protocol: str = "teacher_forced"
    n_updates: int = 200
    gamma: tuple | str = "memory"
    learning_rate: float = 3.0
    w_receptive: float = 0.25  # initial (teacher_forced: fixed) receptive weight
    learn_receptive: bool | None = None  # None: False for teacher_forced, True for sampled
    init_std_context: float = 0.025
    hold: int = 8
    n_bins_receptive: int = 2
    n_bins_context: int = 40
    test_steps: int = 20
    test_context: str = "cue"
    threshold: float = 0.95
    history_patterns: tuple = (35, 80)  # pattern counts whose training is logged in detail
    eval_every: int = 10

    def check(self):
        one_of("protocol", self.protocol, PROTOCOLS)
        one_of("test_context", self.test_context, TEST_CONTEXTS)
        require_positive_ints(self, "n_runs", "n_neurons", "n_updates", "hold", "test_steps", "eval_every")
        if not self.pattern_counts:
            raise ConfigError("pattern_counts must name at least one pattern count")
        for name in ("pattern_counts", "history_patterns"):
            for m in getattr(self, name):
                integer(name, m)
        if not self.alphas:
            raise ConfigError("alphas must name at least one corruption fraction")
        for alpha in self.alphas:
            number("alphas", alpha, 0, 1)
        self._set("alphas", tuple(float(a) for a in self.alphas))
        number("threshold", self.threshold, 0, 1, open_low=True, open_high=True)

    def train_config(self, log: bool = False) -> TrainConfig:
        """One update per minibatch; evaluated every ``eval_every`` updates when ``log``."""
        return TrainConfig(n_updates=self.n_updates, learning_rate=self.learning_rate,
                           eval_every=self.eval_every if log else 0)

    def estimated_bytes(self) -> int:
        """Peak memory of the runs, roughly: the test's noise and states for the largest pattern
        count per run (measured: 2.7 MB per run at 80 patterns, 100 neurons, 20 test steps)."""
        largest = max(self.pattern_counts)
        return int(self.n_runs * 4 * (self.test_steps + 1) * largest * self.n_neurons * 4
                   + self.n_runs * self.n_neurons ** 2 * 4 * 8)

    def layer_config(self) -> LayerConfig:
        eye = torch.eye(self.n_neurons).tolist()
        return LayerConfig(
            n_neurons=self.n_neurons, n_receptive=self.n_neurons, n_context=self.n_neurons,
            n_runs=self.n_runs, activation="norm8", bias_receptive=False, bias_context=False,
            init_std_receptive=0.0, init_std_context=self.init_std_context,
            binning_receptive=Binning(self.n_bins_receptive, "minmax"),
            binning_context=Binning(self.n_bins_context, "adaptive"),
            recurrent_context=True, receptive_mask=eye, seed=self.seed,
        )


def random_patterns(config: Config, m: int) -> torch.Tensor:
    """[runs, m, N] random ±1 patterns (P = 0.5), run i from seed + i."""
    return rng.per_run(lambda g: torch.where(torch.rand(m, config.n_neurons, generator=g) < 0.5, 1.0, -1.0),
                       config.seed, config.n_runs, "patterns", m)


def corrupt(patterns, alpha, config: Config, *key):
    """Set a fraction α of the elements (each with probability α) to random ±1 (§3.3.4)."""
    def one(g):
        chosen = torch.rand(patterns.shape[1:], generator=g) < alpha
        values = torch.where(torch.rand(patterns.shape[1:], generator=g) < 0.5, 1.0, -1.0)
        return torch.where(chosen, values, torch.nan)
    replaced = rng.per_run(one, config.seed, config.n_runs, "corrupt", alpha, *key)
    return torch.where(replaced.isnan(), patterns, replaced)


class TeacherForced(Stateless):
    """Every minibatch: each stored pattern once, as receptive input and as context."""

    def __init__(self, patterns):
        self.patterns = patterns

    def batch(self, layer, step):
        return self.patterns, self.patterns


class Sampled(Recurrent):
    """The literal protocol: patterns in random order, each held ``hold`` steps; the context is
    the network's own sampled output of the previous step; no reset between minibatches."""

    def __init__(self, patterns, config: Config, layer):
        super().__init__(config.n_runs, config.n_neurons, layer.dtype)
        self.patterns, self.config = patterns, config

    def batch(self, layer, step):
        m = self.patterns.shape[1]
        order = rng.per_run(lambda g: torch.randperm(m, generator=g), self.config.seed, self.config.n_runs,
                            "order", step)
        x = torch.gather(self.patterns, 1, order[..., None].expand(-1, -1, self.patterns.shape[-1]))
        x = x.repeat_interleave(self.config.hold, dim=1)
        x_c, y = self.simulate(layer, x, "train", step)
        self.state = y[:, -1]
        return x, x_c


def learns_receptive(config: Config) -> bool:
    """``config.learn_receptive``, or when it is ``None`` the protocol's default: the receptive
    weight learns under ``sampled`` and stays fixed under ``teacher_forced``. (Resolved here,
    not stored: a config replaced to another protocol keeps the default of its protocol.)"""
    return config.protocol == "sampled" if config.learn_receptive is None else config.learn_receptive


def make_layer(config: Config) -> InfomorphicLayer:
    layer = InfomorphicLayer(config.layer_config())
    with torch.no_grad():
        layer.w_receptive.copy_(config.w_receptive * layer.mask_receptive.expand_as(layer.w_receptive))
    layer.w_receptive.requires_grad_(learns_receptive(config))
    return layer


@torch.no_grad()
def infomorphic_recall(layer, patterns, cues, config: Config, *key):
    """Accuracy [runs, patterns] of the test of §3.3.4 for an infomorphic network."""
    def run(cue, context, sub_key):
        m = cue.shape[1]
        u = rng.per_run(lambda g: torch.rand(config.test_steps + 1, m, config.n_neurons, generator=g),
                        config.seed, config.n_runs, "test", *key, *sub_key)
        y = layer.step(layer.receptive_drive(cue), context, u[:, 0])
        silent = torch.zeros_like(y)  # x_R = 0 after the presentation step (no receptive bias)
        for t in range(1, config.test_steps + 1):
            y = layer.step(silent, y, u[:, t])
        return y

    if config.test_context == "cue":
        final = run(cues, cues, ())
    else:  # the state left by the previous test, patterns tested one after another
        state = torch.ones_like(cues[:, :1])
        finals = []
        for mu in range(cues.shape[1]):
            state = run(cues[:, mu:mu + 1], state, (mu,))
            finals.append(state)
        final = torch.cat(finals, 1)
    return (final * patterns).mean(-1)


def hopfield_recall(weights, patterns, cues, config: Config, mode="synchronous", *key):
    """Accuracy [runs, patterns] of a Hopfield network started at the cues, ``test_steps``
    synchronous steps or asynchronous sweeps (unit order drawn from the seed and ``key``)."""
    generator = rng.generator(config.seed, "async", *key)
    return (hopfield.recall(weights, cues, config.test_steps, mode, generator) * patterns).mean(-1)


def capacity(accuracy: dict, threshold: float) -> int:
    """Largest pattern count whose mean accuracy exceeds ``threshold`` (0 if none)."""
    passing = [m for m, a in accuracy.items() if a > threshold]
    return max(passing) if passing else 0


@dataclass
class Result:
    config: Config
    metrics: dict
    accuracy: pd.DataFrame  # network, patterns, alpha, run, accuracy (mean over patterns)
    history: pd.DataFrame  # training of config.history_patterns
    constant_inputs: pd.DataFrame = field(repr=False)  # patterns, run, neurons with constant ξ_i


def _train(config: Config, patterns, log: bool):
    layer = make_layer(config)
    stream = TeacherForced(patterns) if config.protocol == "teacher_forced" else Sampled(patterns, config, layer)

    def evaluate(layer, step):
        atoms = layer.atoms(patterns, patterns)
        cues = corrupt(patterns, 0.0, config, "eval")
        return atom_dict(atoms) | {"accuracy": infomorphic_recall(layer, patterns, cues, config,
                                                                  "eval", step).mean(-1)}

    history = train(layer, stream, config.gamma, config.train_config(log),
                    evaluate=evaluate if log else None)
    return layer, history


def _run(config: Config, checkpoint=None) -> Result:
    # short trainings: an interrupted run starts again (``checkpoint`` unused)
    rows, histories, constant = [], [], []
    counts = sorted(set(config.pattern_counts) | set(config.history_patterns))
    for m in counts:
        patterns = random_patterns(config, m)
        layer, history = _train(config, patterns, log=m in config.history_patterns)
        if m in config.history_patterns:
            histories.append(history.assign(patterns=m))
        constant.append(pd.DataFrame({"patterns": m, "run": range(config.n_runs),
                                      "constant inputs": (patterns.abs().sum(1) == patterns.sum(1).abs()).sum(-1).numpy()}))
        hebbian = hopfield.hebbian(patterns)
        nets = {"infomorphic": None, "Hopfield (Hebbian)": (hebbian, "synchronous"),
                "Hopfield (Hebbian, asynchronous)": (hebbian, "asynchronous"),
                "Hopfield (Storkey)": (hopfield.storkey(patterns), "synchronous")}
        for alpha in config.alphas:
            cues = corrupt(patterns, alpha, config, m)
            for name, net in nets.items():
                if net is None:
                    acc = infomorphic_recall(layer, patterns, cues, config, m, alpha)
                else:
                    acc = hopfield_recall(net[0], patterns, cues, config, net[1], m, alpha)
                for run in range(config.n_runs):
                    rows.append({"network": name, "patterns": m, "alpha": alpha, "run": run,
                                 "accuracy": float(acc[run].mean()), "in grid": m in config.pattern_counts})
    accuracy = pd.DataFrame(rows)
    grid = accuracy[accuracy["in grid"]]
    mean = grid.groupby(["network", "alpha", "patterns"]).accuracy.mean()
    caps = {net: {f"{a:.1f}": capacity(mean[net][a].to_dict(), config.threshold) for a in config.alphas}
            for net in mean.index.get_level_values(0).unique()}
    metrics = {
        "capacity_alpha0": caps["infomorphic"]["0.0"] if "0.0" in caps["infomorphic"] else None,
        "hopfield_capacity_alpha0": caps["Hopfield (Hebbian)"].get("0.0"),
        "storkey_capacity_alpha0": caps["Hopfield (Storkey)"].get("0.0"),
        "hopfield_async_capacity_alpha0": caps["Hopfield (Hebbian, asynchronous)"].get("0.0"),
        "capacity_by_alpha": caps["infomorphic"],
        "hopfield_capacity_by_alpha": caps["Hopfield (Hebbian)"],
        "storkey_capacity_by_alpha": caps["Hopfield (Storkey)"],
        "hopfield_async_capacity_by_alpha": caps["Hopfield (Hebbian, asynchronous)"],
        "capacity_definition": (f"largest number of stored patterns on the grid {list(config.pattern_counts)} "
                                f"whose accuracy, averaged over patterns and runs, exceeds {config.threshold}"),
        "protocol": config.protocol,
        "test_context": config.test_context,
        "n_runs": config.n_runs,
    }
    return Result(config=config, metrics=metrics, accuracy=accuracy,
                  history=pd.concat(histories, ignore_index=True) if histories else pd.DataFrame(),
                  constant_inputs=pd.concat(constant, ignore_index=True))


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None) -> Result:
    """Train for every pattern count, test every network (PNAS §3.3); cached by config and core.

    Parameters
    ----------
    config : Config, optional
        Default ``Config()``: 4 runs per pattern count and corruption.
    use_cache, cache_dir
        As for :func:`~infomorphic_core.tasks.common.cached_run` (no checkpoints: each
        training is short).

    Returns
    -------
    Result
        ``metrics`` (capacities at α = 0 are flat; ``*_capacity_by_alpha`` are dicts from α to
        a capacity), ``accuracy`` (network, patterns, α, run), ``history`` and
        ``constant_inputs``.

    Examples
    --------
    >>> small = Config(n_runs=1, n_neurons=20, n_updates=5, pattern_counts=(3,), alphas=(0.0,),
    ...                history_patterns=())
    >>> result = run(small, use_cache=False)
    >>> sorted(result.accuracy.network.unique())[:2], list(result.metrics["capacity_by_alpha"])
    (['Hopfield (Hebbian)', 'Hopfield (Hebbian, asynchronous)'], ['0.0'])
    """
    return cached_run("memory", config or Config(), _run, use_cache, cache_dir)
