"""Associative memory with infomorphic neurons, against classical baselines (PNAS §3.3, Fig. 4).

100 neurons; neuron i receives element i of a random ±1 pattern as receptive input and the other
99 neurons' outputs as context (no self-connections); the symmetric 8-norm activation; goal
Γ = (0.1, 0.1, 1, 0.1, 0). Test (§3.3.4): corrupt a stored pattern by setting a fraction α of its
elements to random ±1, present it for one step, then set x_R = 0 and run 20 steps of the
stochastic dynamics; accuracy is the cosine similarity with the clean pattern, averaged over
patterns; capacity(α) is the largest number of stored patterns with mean accuracy above 95%.

Training protocols (``protocol``; the paper's text states the first of the recurrent ones):

- ``sampled``: patterns in random order, each held ``hold`` steps, the context being the other
  neurons' sampled outputs at t − 1, w_R learned. This is the protocol §3.3 describes.
- ``first_clean``: as ``sampled``, but the first step of each presentation, whose sampled
  context still belongs to the previous pattern, gets the clean current pattern as context.
- ``skip_first``: as ``sampled``, with the first step of each presentation left out of the
  goal's histogram (a diagnostic of where the learning signal comes from).
- ``teacher_forced`` (the default, a departure from the paper's text): the context during
  training is the clean current pattern; a minibatch is one pass over the patterns (8 identical
  repeats give the same histogram as one, so each pattern enters once).

Under ``teacher_forced`` w_R is fixed at ``w_receptive`` on the diagonal (it learns under the
recurrent protocols unless ``learn_receptive`` says otherwise); W_C starts N(0, 0.025²). No
biases; R̃ in 2 bins (x_R takes two values), C̃ in 40 adaptive symmetric bins.

Test: the context at the presentation step is ``cue`` (the corrupted pattern itself: recurrent
dynamics started at the cue) or ``previous`` (the state left by the previous test); the
presentation's receptive weight is the trained one unless ``w_receptive_test`` sets another.
Every infomorphic network is tested with the paper's stochastic readout and with a
deterministic one (y = sign A, as in later work), reported side by side.

Capacity: patterns are nested (the first M of one sequence per run), so accuracy is comparable
across M. Each network is measured on the grid ``pattern_counts``, extended while it still
passes, and refined by bisection to one pattern between the last passing and the first failing
count; a bootstrap over runs gives its 95% interval. Baselines under the identical test:
Hopfield networks with the Hebbian rule (synchronous and asynchronous updates), Storkey's rule,
the pseudo-inverse (projection) rule and the Krauth–Mézard perceptron rule.
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
# capacity is the chapter's helper too (memory.capacity)
from ..capacity import bootstrap_interval, capacity, search_capacity  # noqa: F401
from ..checks import ConfigError, integer, number, one_of
from .common import Recurrent, Stateless, TaskConfig, cached_run, require_positive_ints

# network name -> prefix of its metric keys
NETWORKS = {
    "infomorphic": "",
    "infomorphic, deterministic test": "deterministic_",
    "Hopfield (Hebbian)": "hopfield_",
    "Hopfield (Hebbian, asynchronous)": "hopfield_async_",
    "Hopfield (Storkey)": "storkey_",
    "Hopfield (pseudo-inverse)": "pseudoinverse_",
    "Hopfield (Krauth–Mézard)": "perceptron_",
}
INFOMORPHIC = ("infomorphic", "infomorphic, deterministic test")

QUICK_COUNTS = (5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 60)
PROFILES = {
    # the asynchronous Hebbian network (a slow loop over units) is left to the paper profile
    "quick": {"n_runs": 4, "pattern_counts": QUICK_COUNTS, "alphas": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
              "networks": tuple(n for n in NETWORKS if "asynchronous" not in n)},
    "paper": {"n_runs": 25, "pattern_counts": QUICK_COUNTS + (70, 80),
              "alphas": tuple(round(0.1 * i, 1) for i in range(11)), "networks": tuple(NETWORKS)},
}
PAPER = {"capacity_alpha0": 35, "hopfield_capacity_alpha0": 14, "better_up_to_alpha": 0.4}
PROTOCOLS = ("teacher_forced", "sampled", "first_clean", "skip_first")
TEST_CONTEXTS = ("cue", "previous")
PATTERN_BLOCK = 10  # patterns are drawn in blocks of this many, each block from its own stream


@dataclass(frozen=True)
class Config(TaskConfig):
    """Settings of the associative memory and its classical baselines (PNAS §3.3)."""

    PROFILES: ClassVar[dict] = PROFILES

    pattern_counts: tuple | None = None
    alphas: tuple | None = None
    n_neurons: int = 100
    protocol: str = "teacher_forced"
    n_updates: int = 200
    gamma: tuple | str = "memory"
    learning_rate: float = 3.0
    w_receptive: float = 0.25  # initial (teacher_forced: fixed) receptive weight
    learn_receptive: bool | None = None  # None: False for teacher_forced, True otherwise
    init_std_context: float = 0.025
    hold: int = 8
    n_bins_receptive: int = 2
    n_bins_context: int = 40
    test_steps: int = 20
    test_context: str = "cue"
    w_receptive_test: float | None = None  # receptive weight at presentation; None: trained
    threshold: float = 0.95
    max_patterns: int | None = None  # the capacity search stops here; None: 2 N (Gardner)
    perceptron_iterations: int = 2000  # Krauth–Mézard updates per neuron
    n_bootstrap: int = 1000  # resamples of the runs for a capacity's interval
    refine: bool = True  # extend and bisect the grid (False: the grid only)
    history_patterns: tuple = (20, 35, 50, 80)  # pattern counts whose training is logged
    eval_every: int = 10
    networks: tuple | None = None  # the networks measured (keys of NETWORKS); None: the profile's

    def check(self):
        if not self.networks:
            raise ConfigError("networks must name at least one network")
        for name in self.networks:
            one_of("networks", name, tuple(NETWORKS))
        self._set("networks", tuple(self.networks))
        one_of("protocol", self.protocol, PROTOCOLS)
        one_of("test_context", self.test_context, TEST_CONTEXTS)
        require_positive_ints(self, "n_runs", "n_neurons", "n_updates", "hold", "test_steps", "eval_every",
                              "perceptron_iterations", "n_bootstrap")
        if not self.pattern_counts:
            raise ConfigError("pattern_counts must name at least one pattern count")
        for name in ("pattern_counts", "history_patterns"):
            for m in getattr(self, name):
                integer(name, m)
        if self.max_patterns is not None:
            integer("max_patterns", self.max_patterns, minimum=max(self.pattern_counts))
        if not self.alphas:
            raise ConfigError("alphas must name at least one corruption fraction")
        for alpha in self.alphas:
            number("alphas", alpha, 0, 1)
        self._set("alphas", tuple(float(a) for a in self.alphas))
        number("threshold", self.threshold, 0, 1, open_low=True, open_high=True)
        if self.w_receptive_test is not None:
            number("w_receptive_test", self.w_receptive_test, 0, float("inf"), open_low=True)

    def train_config(self, log: bool = False) -> TrainConfig:
        """One update per minibatch; evaluated every ``eval_every`` updates when ``log``."""
        return TrainConfig(n_updates=self.n_updates, learning_rate=self.learning_rate,
                           eval_every=self.eval_every if log else 0)

    @property
    def pattern_limit(self) -> int:
        """Largest pattern count the capacity search may try."""
        return self.max_patterns or max(2 * self.n_neurons, max(self.pattern_counts))

    def estimated_bytes(self) -> int:
        """Peak memory of the runs, roughly: the test's noise and states for the largest pattern
        count per run (measured: 2.7 MB per run at 80 patterns, 100 neurons, 20 test steps)."""
        largest = self.pattern_limit
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
    """[runs, m, N] random ±1 patterns (P = 0.5), run i from seed + i. Nested: the patterns for
    m are the first m of those for any larger count (drawn in blocks of ``PATTERN_BLOCK``)."""
    blocks = -(-m // PATTERN_BLOCK)
    drawn = [rng.per_run(lambda g: torch.where(torch.rand(PATTERN_BLOCK, config.n_neurons, generator=g) < 0.5,
                                               1.0, -1.0), config.seed, config.n_runs, "patterns", b)
             for b in range(blocks)]
    return torch.cat(drawn, 1)[:, :m] if drawn else torch.zeros(config.n_runs, 0, config.n_neurons)


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
    """The recurrent protocols: patterns in random order, each held ``hold`` steps; the context
    is the network's own sampled output of the previous step (no reset between minibatches).
    ``first_clean`` gives the first step of each presentation the clean pattern as context;
    ``skip_first`` leaves that step out of the histogram."""

    def __init__(self, patterns, config: Config, layer):
        super().__init__(config.n_runs, config.n_neurons, layer.dtype)
        self.patterns, self.config = patterns, config

    def batch(self, layer, step):
        m, hold = self.patterns.shape[1], self.config.hold
        order = rng.per_run(lambda g: torch.randperm(m, generator=g), self.config.seed, self.config.n_runs,
                            "order", step)
        x = torch.gather(self.patterns, 1, order[..., None].expand(-1, -1, self.patterns.shape[-1]))
        x = x.repeat_interleave(hold, dim=1)
        uniforms = layer.draw_uniforms(x.shape[1], "train", step)
        contexts = []
        for k in range(m):  # one presentation at a time: its first context may be the clean pattern
            now = slice(k * hold, (k + 1) * hold)
            start = x[:, now.start] if self.config.protocol == "first_clean" else self.state
            x_c, y = layer.simulate(x[:, now], start, uniforms[:, now])
            contexts.append(x_c)
            self.state = y[:, -1]
        x_c = torch.cat(contexts, 1)
        if self.config.protocol == "skip_first":
            keep = torch.arange(x.shape[1]) % hold != 0
            return x[:, keep], x_c[:, keep]
        return x, x_c


def learns_receptive(config: Config) -> bool:
    """``config.learn_receptive``, or when it is ``None`` the protocol's default: the receptive
    weight stays fixed under ``teacher_forced`` and learns under the recurrent protocols.
    (Resolved here, not stored: a config replaced to another protocol keeps its default.)"""
    return config.protocol != "teacher_forced" if config.learn_receptive is None else config.learn_receptive


def make_layer(config: Config) -> InfomorphicLayer:
    layer = InfomorphicLayer(config.layer_config())
    with torch.no_grad():
        layer.w_receptive.copy_(config.w_receptive * layer.mask_receptive.expand_as(layer.w_receptive))
    layer.w_receptive.requires_grad_(learns_receptive(config))
    return layer


@torch.no_grad()
def infomorphic_recall(layer, patterns, cues, config: Config, *key, deterministic: bool = False):
    """Accuracy [runs, patterns] of the test of §3.3.4 for an infomorphic network; with
    ``deterministic`` every output is sign(A) instead of a sample (uniforms fixed at 1/2)."""
    def run(cue, context, sub_key):
        m = cue.shape[1]
        u = rng.per_run(lambda g: torch.rand(config.test_steps + 1, m, config.n_neurons, generator=g),
                        config.seed, config.n_runs, "test", *key, *sub_key)
        if deterministic:
            u = torch.full_like(u, 0.5)
        if config.w_receptive_test is None:
            drive = layer.receptive_drive(cue)
        else:
            drive = config.w_receptive_test * cue
        y = layer.step(drive, context, u[:, 0])
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


@torch.no_grad()
def neuron_diagnostics(layer, patterns) -> pd.DataFrame:
    """Per run, on the stored patterns: neurons whose receptive input is the same in every
    pattern, neurons whose recurrent field points against their element on most patterns
    (sign-inverted), and the mean |recurrent field| and |receptive drive|."""
    field = layer.context_drive(patterns)
    constant = patterns.abs().sum(1) == patterns.sum(1).abs()  # [runs, N]
    inverted = ((field * patterns) < 0).double().mean(1) > 0.5
    return pd.DataFrame({
        "patterns": patterns.shape[1], "run": range(patterns.shape[0]),
        "constant inputs": constant.sum(-1).numpy(),
        "inverted neurons": (inverted & ~constant).sum(-1).numpy(),
        "inverted constant-input neurons": (inverted & constant).sum(-1).numpy(),
        "recurrent field": field.abs().mean((1, 2)).double().numpy(),
        "receptive drive": layer.receptive_drive(patterns).abs().mean((1, 2)).double().numpy(),
    })


# the metrics a search may optimise (scalars; NAME.* for the entries of a dict-valued one)
METRICS = ("capacity_definition", "capacity_per_neuron_alpha0", "gardner_bound_patterns", "n_neurons", "n_runs",
           "perceptron_rule", "protocol", "test_context",
           *(f"{prefix}{name}" for prefix in NETWORKS.values()
             for name in ("capacity_alpha0", "capacity_alpha0_ci", "capacity_by_alpha.*")))

@dataclass
class Result:
    config: Config
    metrics: dict
    accuracy: pd.DataFrame  # network, patterns, alpha, run, accuracy (mean over patterns), stage
    history: pd.DataFrame  # training of config.history_patterns
    neurons: pd.DataFrame = field(repr=False)  # per trained pattern count and run, see neuron_diagnostics


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


RULES = {
    "Hopfield (Hebbian)": (lambda p, c: hopfield.hebbian(p), "synchronous"),
    "Hopfield (Hebbian, asynchronous)": (lambda p, c: hopfield.hebbian(p), "asynchronous"),
    "Hopfield (Storkey)": (lambda p, c: hopfield.storkey(p), "synchronous"),
    "Hopfield (pseudo-inverse)": (lambda p, c: hopfield.pseudoinverse(p), "synchronous"),
    "Hopfield (Krauth–Mézard)": (lambda p, c: hopfield.krauth_mezard(p, c.perceptron_iterations), "synchronous"),
}


def _run(config: Config, checkpoint=None) -> Result:
    # short trainings: an interrupted run starts again (``checkpoint`` unused)
    stored = random_patterns(config, config.pattern_limit)
    cues = {alpha: corrupt(stored, alpha, config) for alpha in config.alphas}  # nested like the patterns
    layers, histories, neurons = {}, [], []

    def trained(m):
        if m not in layers:
            log = m in config.history_patterns
            layers[m], history = _train(config, stored[:, :m], log)
            if log:
                histories.append(history.assign(patterns=m))
            neurons.append(neuron_diagnostics(layers[m], stored[:, :m]))
        return layers[m]

    def evaluator(name):
        def evaluate(m):
            patterns = stored[:, :m]
            if name in INFOMORPHIC:
                layer, deterministic = trained(m), name != "infomorphic"
                return {a: infomorphic_recall(layer, patterns, cues[a][:, :m], config, m, a,
                                              deterministic=deterministic).mean(-1).numpy()
                        for a in config.alphas}
            rule, mode = RULES[name]
            weights = rule(patterns, config)
            return {a: hopfield_recall(weights, patterns, cues[a][:, :m], config, mode, m, a).mean(-1).numpy()
                    for a in config.alphas}
        return evaluate

    rows, metrics = [], {}
    for name, prefix in NETWORKS.items():
        if name not in config.networks:
            metrics |= {f"{prefix}capacity_alpha0": None, f"{prefix}capacity_by_alpha": {},
                        f"{prefix}capacity_alpha0_ci": None}
            continue
        evaluate = evaluator(name)
        caps, measured, stage = search_capacity(evaluate, config.pattern_counts, config.alphas,
                                                config.threshold, config.pattern_limit, config.refine)
        if name in INFOMORPHIC:  # logged trainings outside the search are tested too, for the figures
            for m in config.history_patterns:
                if m not in measured:
                    measured[m], stage[m] = evaluate(m), "history"
        for m, by_alpha in sorted(measured.items()):
            for alpha, per_run in by_alpha.items():
                rows += [{"network": name, "patterns": m, "alpha": alpha, "run": run,
                          "accuracy": float(value), "stage": stage[m]} for run, value in enumerate(per_run)]
        searched = {m: by_alpha for m, by_alpha in measured.items() if stage[m] != "history"}
        metrics[f"{prefix}capacity_alpha0"] = caps.get(0.0)
        metrics[f"{prefix}capacity_by_alpha"] = {f"{a:.1f}": c for a, c in caps.items()}
        metrics[f"{prefix}capacity_alpha0_ci"] = (
            list(bootstrap_interval({m: v[0.0] for m, v in searched.items()}, config.threshold,
                                    config.n_bootstrap, rng.generator(config.seed, "bootstrap", name)))
            if 0.0 in caps else None)
    n = config.n_neurons
    metrics |= {
        "capacity_per_neuron_alpha0": None if metrics["capacity_alpha0"] is None else metrics["capacity_alpha0"] / n,
        "capacity_definition": (f"largest number of stored patterns whose accuracy, averaged over patterns and "
                                f"runs, exceeds {config.threshold}; measured on the grid "
                                f"{list(config.pattern_counts)}"
                                + (f", extended while passing (at most {config.pattern_limit}) and bisected to "
                                   "one pattern" if config.refine else "")
                                + "; nested pattern sets; "
                                f"interval: {config.n_bootstrap} bootstrap resamples of the runs, 95%"),
        "perceptron_rule": f"Krauth–Mézard minover, {config.perceptron_iterations} updates per neuron",
        "gardner_bound_patterns": 2 * n,
        "protocol": config.protocol,
        "test_context": config.test_context,
        "n_neurons": n,
        "n_runs": config.n_runs,
    }
    return Result(config=config, metrics=metrics, accuracy=pd.DataFrame(rows),
                  history=pd.concat(histories, ignore_index=True) if histories else pd.DataFrame(),
                  neurons=(pd.concat(neurons).sort_values(["patterns", "run"], ignore_index=True)
                           if neurons else pd.DataFrame()))


def record_tables(result: Result) -> dict[str, pd.DataFrame]:
    """What a recorded result keeps: the accuracy of each network at each pattern count and
    corruption α, averaged over runs, with the lowest and the highest run."""
    by = result.accuracy.groupby(["network", "patterns", "alpha"]).accuracy
    return {"accuracy": by.agg(["mean", "min", "max"]).reset_index()}


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None) -> Result:
    """Train for every pattern count the capacity search asks for, test every network (PNAS
    §3.3); cached by config and core.

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
        ``metrics``: capacities at α = 0 are flat (``capacity_alpha0`` is the infomorphic
        network under the paper's stochastic test; other networks by the prefixes of
        ``NETWORKS``); ``*_capacity_by_alpha`` are dicts from α to a capacity and
        ``*_capacity_alpha0_ci`` a [low, high] bootstrap interval. ``accuracy`` (network,
        patterns, α, run, stage), ``history`` and ``neurons``.

    Examples
    --------
    >>> small = Config(n_runs=1, n_neurons=20, n_updates=5, pattern_counts=(3,), alphas=(0.0,),
    ...                history_patterns=(), max_patterns=6, perceptron_iterations=50)
    >>> result = run(small, use_cache=False)
    >>> sorted(result.accuracy.network.unique())[:2], list(result.metrics["capacity_by_alpha"])
    (['Hopfield (Hebbian)', 'Hopfield (Krauth–Mézard)'], ['0.0'])
    """
    return cached_run("memory", config or Config(), _run, use_cache, cache_dir)
