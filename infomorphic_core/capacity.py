"""Storage capacity of associative memories: the searches over the number of stored patterns
that the memory chapters share.

Two definitions are in use. The PNAS memory chapter averages accuracy over runs first and takes
the largest passing count (:func:`search_capacity`, refined by bisection); the redundancy-memory
chapter follows Blümel et al. (2025): each run (seed) has its own capacity, the largest count of
an upward scan before its first failure (:func:`scan_capacity`), and α_c is their mean.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch


def capacity(accuracy: dict, threshold: float) -> int:
    """Largest pattern count whose mean accuracy exceeds ``threshold`` (0 if none)."""
    passing = [m for m, a in accuracy.items() if a > threshold]
    return max(passing) if passing else 0


def search_capacity(evaluate: Callable[[int], dict], grid, alphas, threshold: float, limit: int,
                    refine: bool = True):
    """Capacities of one network, refined to one pattern.

    ``evaluate(m)`` returns {α: per-run accuracies} for m stored patterns. The grid is measured,
    extended in steps of max(last grid step, limit // 20) while some α still passes at its
    largest count (up to ``limit``), then, for each α, bisected between the largest passing and
    the next measured count (``refine=False``: the grid alone). Returns ({α: capacity},
    {m: {α: per-run accuracies}}, {m: stage}).
    """
    measured, stage = {}, {}

    def at(m, how):
        if m not in measured:
            measured[m], stage[m] = evaluate(m), how
        return measured[m]

    def mean(m, alpha):
        return float(np.mean(at(m, "bisection")[alpha]))

    grid = sorted(set(grid))
    for m in grid:
        at(m, "grid")
    if not refine:
        return ({a: capacity({m: mean(m, a) for m in measured}, threshold) for a in alphas},
                measured, stage)
    step = max(grid[-1] - grid[-2] if len(grid) > 1 else grid[-1], limit // 20, 1)
    largest = grid[-1]
    while largest < limit and any(mean(largest, a) > threshold for a in alphas):
        largest = min(largest + step, limit)
        at(largest, "extension")
    caps = {}
    for alpha in alphas:
        low = capacity({m: mean(m, alpha) for m in measured}, threshold)
        if low == 0:
            caps[alpha] = 0
            continue
        above = [m for m in measured if m > low]
        high = min(above) if above else None
        while high is not None and high - low > 1:
            middle = (low + high) // 2
            if mean(middle, alpha) > threshold:
                low = middle
            else:
                high = middle
        caps[alpha] = low
    return caps, measured, stage


def bootstrap_interval(per_run: dict, threshold: float, n_bootstrap: int, generator, level: float = 0.95):
    """Interval of the capacity over resampled runs: ``per_run`` maps m to its per-run
    accuracies; each resample draws runs with replacement and takes the largest m whose mean
    exceeds ``threshold`` (among the measured m). Returns (low, high) pattern counts."""
    counts = np.array(sorted(per_run))
    table = np.stack([np.asarray(per_run[m], dtype=float) for m in counts], 1)  # [runs, counts]
    picks = torch.randint(table.shape[0], (n_bootstrap, table.shape[0]), generator=generator).numpy()
    means = table[picks].mean(1)  # [resamples, counts]
    caps = np.where(means > threshold, counts, 0).max(1)
    tail = (1 - level) / 2
    low, high = np.quantile(caps, [tail, 1 - tail], method="inverted_cdf")
    return int(low), int(high)


def scan_capacity(evaluate: Callable[[int, np.ndarray], dict], n_runs: int, counts):
    """Per-run capacities by an upward scan (Blümel et al. 2025): every run is tested at each
    count of ``counts`` in turn until it first fails; its capacity is the last count it passed
    (0 if it failed the first).

    ``evaluate(m, runs)`` returns {test: bool array over ``runs``}, whether each of those runs
    passes ``test`` with m patterns; a run stays in the scan while any of its tests still
    passes, so one evaluation serves every test. Returns ({test: int array [n_runs]},
    [(m, run indices evaluated)]).
    """
    alive, caps, rounds = None, None, []
    for m in counts:
        runs = np.arange(n_runs) if alive is None else np.flatnonzero(np.any(list(alive.values()), 0))
        if runs.size == 0:
            break
        passes = evaluate(m, runs)
        if alive is None:
            alive = {test: np.ones(n_runs, bool) for test in passes}
            caps = {test: np.zeros(n_runs, int) for test in passes}
        rounds.append((m, runs))
        for test, passed in passes.items():
            ok = np.zeros(n_runs, bool)
            ok[runs] = np.asarray(passed, bool)
            caps[test][alive[test] & ok] = m
            alive[test] &= ok
    return caps or {}, rounds


def mean_interval(values, n_bootstrap: int, generator, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (one per run)."""
    values = np.asarray(values, dtype=float)
    picks = torch.randint(values.size, (n_bootstrap, values.size), generator=generator).numpy()
    tail = (1 - level) / 2
    low, high = np.quantile(values[picks].mean(1), [tail, 1 - tail])
    return float(low), float(high)
