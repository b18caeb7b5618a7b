"""Correlation-based goals beside the sx-PID, on the redundancy memory (chapter 06's task, test
and capacity scan, :mod:`~infomorphic_core.tasks.redundancy_memory`).

The same network, patterns, training and test; only the measure behind the redundancy goal
changes (``measures``): ``"sx"`` (the chapter's network, trained by
:func:`~infomorphic_core.tasks.redundancy_memory.train_runs`), ``"gauss"`` (the Gaussian PID
of minimum mutual information) and ``"coherence"`` (the signed uncentred coherence), both of
:mod:`infomorphic_core.correlation`. A correlation-based neuron i sees, over the M stored
patterns (teacher-forced, as in chapter 06), its expected output y = 2θ − 1 with θ =
σ(x_T + x_R), its external drive x_T = w_T ξ_i and its recurrent drive x_R = Σ_j W_ij ξ_j; the
network ascends Σ_i Γ · atoms by full-batch Adam, stopping early at the first log-spaced
checkpoint at which the clean-cue test passes, as the sx network does.

The classical rules of ``networks`` (Hebbian and the pseudo-inverse rule by default) are
scanned beside them under the identical test; the Gardner bound for unbiased patterns is 2.
The prediction the chapter tests: a correlation goal is a least-squares fit of ξ_i by the other
bits, which has an exact solution only while M < N, so it stops near the pseudo-inverse rule's
α ≈ 1, well below the sx redundancy's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import torch

from .. import correlation, rng
from ..capacity import mean_interval, scan_capacity
from ..checks import ConfigError, one_of
from ..goals import Goal
from ..hopfield import settle
from . import redundancy_memory as rm
from .common import cached_run

PROFILES = {
    # the correlation goals climb slowly (the redundancy memory's 500 epochs leave the coherence
    # network at about half its capacity), so the quick profile trains longer than chapter 06's
    "quick": {"n_runs": 3, "n_neurons": 40, "max_epochs": 2000, "scan_step": 0.05},
    # the redundancy memory's paper profile (N = 100, 20 seeds, up to 5,000 epochs, steps of 0.02 N)
    "paper": {"n_runs": 20, "n_neurons": 100, "max_epochs": 5000, "scan_step": 0.02},
}
MEASURES = correlation.MEASURES
PAPER = {"hebbian_alpha_c": rm.PAPER["hebbian_alpha_c"], "gardner_bound": 2.0}
# the load at which the diagnostics compare the trained networks: below every measure's capacity
DIAGNOSTIC_LOAD = 0.4


@dataclass(frozen=True)
class Config(rm.Config):
    """Chapter 06's settings (see :class:`~infomorphic_core.tasks.redundancy_memory.Config`),
    the measures compared and the classical rules beside them."""

    PROFILES: ClassVar[dict] = PROFILES

    gamma: tuple | str = "only red"
    measures: tuple = MEASURES
    networks: tuple = ("Hebbian", "pseudo-inverse")
    noise_levels: tuple = (0.0,)
    compare_goals: bool = False
    ablation: bool = False

    def check(self):
        super().check()
        for measure in self.measures:
            one_of("measures", measure, MEASURES)
        goal = Goal.from_any(self.gamma).as_tuple()
        for measure in self.measures:
            if measure != "sx":  # a weight on an atom the measure does not define: an error now
                try:
                    correlation.goal(measure, goal, *torch.zeros(3, 2, dtype=torch.float64))
                except ValueError as error:
                    raise ConfigError(f"gamma: {error}") from None


def _initial(config: Config, seeds) -> torch.Tensor:
    """Each run's initial recurrent weights, as chapter 06's network draws them (same seed, same
    stream), so every measure trained on a seed starts from the same weights."""
    n = config.n_neurons
    w = torch.stack([torch.randn(n, n, generator=rng.generator(config.seed + int(s), "init", "w_c"),
                                 dtype=torch.float64) for s in seeds])
    return w * config.init_std_recurrent * (1 - torch.eye(n, dtype=torch.float64))


def drives(config: Config, w: torch.Tensor, stored: torch.Tensor):
    """(y, x_T, x_R) [runs, N, M] of the teacher-forced network with recurrent weights ``w``
    [runs, N, N] on the patterns ``stored`` [runs, M, N]: neurons before samples."""
    x = stored.to(w.dtype)
    x_t = config.w_external * x.mT
    x_r = w @ x.mT
    return 2 * torch.sigmoid(x_t + x_r) - 1, x_t, x_r


def train_correlation(config: Config, measure: str, stored: torch.Tensor, seeds) -> tuple[torch.Tensor, np.ndarray]:
    """Train one network per run on ``stored`` [runs, M, N] by ascending the ``measure``'s goal;
    the recurrent weights [runs, N, N] of the first checkpoint epoch at which the run passed the
    clean-cue test (else of the last epoch) and that epoch per run."""
    n = config.n_neurons
    mask = 1 - torch.eye(n, dtype=torch.float64)
    w = torch.nn.Parameter(_initial(config, seeds))
    optimizer = (torch.optim.Adam if config.optimizer == "adam" else torch.optim.SGD)([w], lr=config.learning_rate)
    gamma = Goal.from_any(config.gamma).as_tuple()
    n_runs = stored.shape[0]
    weights = torch.zeros(n_runs, n, n)
    epochs = np.full(n_runs, config.max_epochs)
    done = torch.zeros(n_runs, dtype=torch.bool)
    checkpoints = set(config.checkpoints())
    for epoch in range(1, config.max_epochs + 1):
        optimizer.zero_grad()
        (-correlation.goal(measure, gamma, *drives(config, w * mask, stored)).sum()).backward()
        optimizer.step()
        if epoch not in checkpoints:
            continue
        current = (w.detach() * mask).float()
        passed = (settle(current, stored, config.max_iterations) * stored).mean((-1, -2)) >= config.threshold
        new = ~done & ((passed & config.early_stop) | (epoch == config.max_epochs))
        weights[new], epochs[new.numpy()] = current[new], epoch
        done |= new
        if bool(done.all()):
            break
    return weights, epochs


@dataclass
class MeasureScan:
    """One measure's capacity scan: ``capacities`` as
    :class:`~infomorphic_core.tasks.redundancy_memory.Scan`'s, ``trainings`` one row per
    training (m, seed, stopping epoch, scores)."""

    capacities: pd.DataFrame
    trainings: pd.DataFrame


def _scan_measure(config: Config, measure: str) -> MeasureScan:
    counts = config.pattern_counts()
    stored = rm.patterns(config, counts[-1])
    trainings = []

    def evaluate(m, runs):
        weights, epochs = train_correlation(config, measure, stored[runs, :m], runs)
        out = rm.scores(config, weights, stored[runs, :m], runs, (measure, m))
        trainings.extend({"m": m, "measure": measure, "seed": int(r), "epochs": int(e),
                          **{t: float(v[i]) for t, v in out.items()}} for i, (r, e) in enumerate(zip(runs, epochs)))
        return {t: v >= config.threshold for t, v in out.items()}

    caps, _ = scan_capacity(evaluate, config.n_runs, counts)
    rows = [{"network": measure, "seed": s, "test": test, "capacity": int(c), "alpha_c": c / config.n_neurons}
            for test, values in caps.items() for s, c in enumerate(values)]
    return MeasureScan(pd.DataFrame(rows), pd.DataFrame(trainings))


def scan_measure(config: Config, measure: str, use_cache: bool = True, cache_dir=None) -> MeasureScan:
    """The capacity scan of one correlation measure, cached on its own."""
    alone = config.replace(measures=(measure,), networks=())
    return cached_run("correlation_scan", alone, lambda c, _: _scan_measure(c, measure), use_cache, cache_dir)


def diagnose(config: Config, load: float = DIAGNOSTIC_LOAD) -> pd.DataFrame:
    """Each measure's network trained at ``load`` patterns per neuron (no early stopping, the
    whole budget), one row per measure and seed: the Gaussian I(Y:T) and I(Y:R) in bits of its
    neurons (mean), the entropy H(Y) of their ±1 outputs (at most 1 bit), and the fraction of
    recurrent fields x_R whose sign is the stored bit's (what recall with the external input 0
    needs), with the clean-cue score."""
    m = max(1, round(load * config.n_neurons))
    seeds = np.arange(config.n_runs)
    stored = rm.patterns(config, m)
    full = config.replace(early_stop=False)
    rows = []
    for measure in config.measures:
        if measure == "sx":
            gammas = torch.tensor([Goal.from_any(config.gamma).as_tuple()] * len(seeds), dtype=torch.float64)
            w, _ = rm.train_runs(full, stored, gammas, seeds)
        else:
            w, _ = train_correlation(full, measure, stored, seeds)
        w = w.double()
        y, x_t, x_r = drives(config, w, stored)
        i_t, i_r, _ = correlation.gaussian_informations(y, x_t, x_r)
        p = ((y + 1) / 2).mean(-1)  # P(Y = +1) per neuron
        h = -(torch.special.xlogy(p, p) + torch.special.xlogy(1 - p, 1 - p)) / np.log(2)
        aligned = (torch.sign(x_r) == stored.mT.double()).double().mean((-1, -2))
        score = (settle(w.float(), stored, config.max_iterations) * stored).mean((-1, -2))
        for s in seeds:
            rows.append({"measure": measure, "seed": int(s), "I_gauss_T_bits": float(i_t[s].mean()),
                         "I_gauss_R_bits": float(i_r[s].mean()), "H_Y_bits": float(h[s].mean()),
                         "fields_aligned": float(aligned[s]), "score": float(score[s])})
    return pd.DataFrame(rows)


@dataclass
class Diagnostics:
    table: pd.DataFrame  # :func:`diagnose`'s


METRICS = ("alpha_c_by_measure.*", "alpha_c_by_network.*", "coherence_at_most_pseudoinverse", "gardner_bound",
           "paper.*", "n_neurons", "n_seeds", "max_epochs")


@dataclass
class Result:
    config: Config
    metrics: dict
    capacities: pd.DataFrame  # network (measure or rule), seed, test, capacity, alpha_c
    trainings: pd.DataFrame  # m, measure, seed, epochs, one score column per test
    diagnostics: pd.DataFrame  # measure, seed, Gaussian informations, H(Y), aligned fields, score


def _alphas(capacities: pd.DataFrame, network: str) -> np.ndarray:
    return rm._summary(capacities, network)


def _run(config: Config, use_cache: bool, cache_dir) -> Result:
    frames, trainings = [], []
    red = {"sx": Goal.from_any(config.gamma).as_tuple()}
    if "sx" in config.measures or config.networks:
        goals = red if "sx" in config.measures else {}
        main = rm.scan(config.replace(measures=()), goals or None, use_cache, cache_dir)
        capacities = main.capacities
        if not goals:  # the scan trained the configured goal only to run the rules beside it
            capacities = capacities[capacities.network.isin(config.networks)]
        frames.append(capacities)
        trainings.append(main.trainings.rename(columns={"goal": "measure"}) if goals else pd.DataFrame())
    for measure in config.measures:
        if measure != "sx":
            scanned = scan_measure(config, measure, use_cache, cache_dir)
            frames.append(scanned.capacities)
            trainings.append(scanned.trainings)
    capacities = pd.concat(frames, ignore_index=True)
    diagnostics = cached_run("correlation_diagnostics", config.replace(networks=()),
                             lambda c, _: Diagnostics(diagnose(c)), use_cache, cache_dir).table
    by_network = {name: _alphas(capacities, name) for name in (*config.measures, *config.networks)}
    interval = {name: list(mean_interval(v, config.n_bootstrap, rng.generator(config.seed, "bootstrap", name)))
                for name, v in by_network.items()}
    coherence, inverse = by_network.get("coherence"), by_network.get("pseudo-inverse")
    metrics = {
        "alpha_c_by_measure": {m: float(by_network[m].mean()) for m in config.measures},
        "alpha_c_by_network": {r: float(by_network[r].mean()) for r in config.networks},
        "alpha_c_interval": interval,
        "alpha_c_by_seed": {name: v.tolist() for name, v in by_network.items()},
        "coherence_at_most_pseudoinverse": (None if coherence is None or inverse is None
                                            else bool((coherence <= inverse).all())),
        "gardner_bound": PAPER["gardner_bound"],
        "paper": PAPER,
        "n_neurons": config.n_neurons,
        "n_seeds": config.n_runs,
        "max_epochs": config.max_epochs,
    }
    return Result(config, metrics, capacities, pd.concat(trainings, ignore_index=True), diagnostics)


def per_run(result: Result) -> pd.DataFrame:
    """One row per seed: α_c of every measure and rule (the clean-cue deterministic test)."""
    table = result.capacities[result.capacities.test == "f=0"]
    return table.pivot(index="seed", columns="network", values="alpha_c").reset_index().rename_axis(columns=None)


def trainings_by_load(result: Result) -> pd.DataFrame:
    """Per measure and pattern count: how many trainings, their mean stopping epoch, the
    fraction that used the whole budget (``max_epochs``) and the mean clean-cue score."""
    t = result.trainings
    return (t.assign(at_budget=t.epochs >= result.config.max_epochs)
            .groupby(["measure", "m"], sort=False)
            .agg(trainings=("seed", "size"), mean_epochs=("epochs", "mean"), at_budget=("at_budget", "mean"),
                 score=("f=0", "mean"))
            .reset_index())


def record_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The diagnostics of the networks trained at :data:`DIAGNOSTIC_LOAD` and the trainings
    summarised per measure and load (:func:`trainings_by_load`)."""
    return {"diagnostics": result.diagnostics, "trainings": trainings_by_load(result)}


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None) -> Result:
    """Scan the memory capacity of every measure and rule (see the module's docstring); each
    measure's scan is cached on its own.

    >>> r = run(Config.from_profile("quick", n_runs=1, n_neurons=20, max_epochs=60,
    ...                             measures=("coherence",), networks=()), use_cache=False)
    >>> sorted(r.metrics["alpha_c_by_measure"])
    ['coherence']
    """
    config = config or Config.from_profile("quick")
    return cached_run("correlation", config, lambda c, _: _run(c, use_cache, cache_dir), use_cache, cache_dir)
