"""Speed measurements (never tests). Writes benchmarks/results.json and prints a table.

Usage: python benchmarks/run.py [NAME ...]   (default: every benchmark)
Figures measured in one run are compared with each other only; absolute seconds depend on the
machine (reported in results.json under "machine").
"""

from __future__ import annotations

import contextlib
import functools
import json
import platform
import sys
import time
from pathlib import Path

import torch

from infomorphic_core import cache, fused, runtime
from infomorphic_core.io import write_atomic
from infomorphic_core.speed import (backprop_step, bars_sized, best_time, mnist_sized, one_pass, random_pmfs,
                                    trivariate_step, with_threads)

RESULTS = Path(__file__).with_name("results.json")
BENCHMARKS = {}


def benchmark(fn):
    BENCHMARKS[fn.__name__] = fn
    return fn


@benchmark
def pid():
    """sx_pid on batches of 20×20×2 float32 tables (two threads), and its cost against one
    memory-bound pass over the 10⁴ tables (Σ p·log2 q into warm, preallocated buffers); on 10⁴
    tables also the eager path alone (the fused kernel turned off, as without a C compiler)."""
    from infomorphic_core import fused
    from infomorphic_core.pid import sx_pid

    out = {"pid_path": "fused" if fused.library() is not None else "eager"}
    names = {1: "pid_1_tables_s", 100: "pid_100_tables_s", 10_000: "pid_10k_tables_s",
             100_000: "pid_100k_tables_s"}
    for n, key in names.items():
        p = random_pmfs(n, (20, 20, 2))
        out[key] = best_time(lambda: sx_pid(p), repeats=3 if n == 100_000 else 5)
        if n == 10_000:
            reference = one_pass(p)
            out["one_pass_10k_tables_s"] = reference["one_pass_s"]
            out["copy_10k_tables_s"] = reference["copy_s"]
            out["memory_bandwidth_gb_s"] = reference["bandwidth_gb_s"]
            out["pid_cost_vs_one_pass"] = out[key] / reference["one_pass_s"]
            out["pid_cost_vs_copy"] = out[key] / reference["copy_s"]
            out["pid_eager_10k_tables_s"] = best_time(lambda: sx_pid(p, validate=False, compiled=False))
            out["pid_eager_cost_vs_one_pass"] = out["pid_eager_10k_tables_s"] / reference["one_pass_s"]
    return out


@benchmark
def pid_three_sources():
    """sx_pid_lattice (18 atoms) on 1,000 tables of 20×20×20×2 float32, forward (the fused kernel
    where it is built, and the eager path) and forward + backward (eager), against one
    memory-bound pass over the same tensor (as in ``pid``)."""
    from infomorphic_core.pid import sx_pid_lattice

    p = random_pmfs(1_000, (20, 20, 20, 2))
    reference = one_pass(p, repeats=3)["one_pass_s"]
    forward = best_time(lambda: sx_pid_lattice(p, validate=False), repeats=3)
    eager = best_time(lambda: sx_pid_lattice(p, validate=False, compiled=False), repeats=3)
    leaf = p.clone().requires_grad_(True)
    both = best_time(lambda: sx_pid_lattice(leaf, validate=False).stack().sum().backward(), repeats=3)
    return {"pid3_1k_tables_s": forward, "pid3_cost_vs_one_pass": forward / reference,
            "pid3_eager_cost_vs_one_pass": eager / reference,
            "pid3_forward_backward_vs_one_pass": both / reference}


@benchmark
def pid_three_sources_at_samples():
    """The averaged 18 atoms of 100 three-source neurons from a minibatch of 1,024 samples in
    20×20×20 bins (one training step's PID), evaluated at the samples (sx_pid_samples) against
    the full tables (histogram + sx_pid_lattice), forward + backward in float32; and the score
    of the published goal at the samples in closed form (the learning step's, fused and eager).
    The minibatch's θ is uniform on [0, 1] here, as a trained network's is not."""
    from infomorphic_core.goals import TRIVARIATE, Goal
    from infomorphic_core.pid import sx_pid_lattice, sx_pid_samples
    from infomorphic_core.tasks.trivariate import GOALS
    from infomorphic_core.three_source import goal_score

    generator = torch.Generator().manual_seed(0)
    theta = torch.rand(100, 1024, generator=generator).requires_grad_(True)
    bins = [torch.randint(0, 20, (100, 1024), generator=generator) for _ in range(3)]
    cell = ((bins[0] * 20 + bins[1]) * 20 + bins[2])[..., None].expand(-1, -1, 2)

    def weights():
        return torch.stack([1 - theta, theta], -1)

    def at_samples():
        sx_pid_samples(weights(), bins, (20, 20, 20)).stack().sum().backward()

    def full_tables():
        table = torch.zeros(100, 8000, 2).scatter_add(1, cell, weights() / 1024)
        sx_pid_lattice(table.reshape(100, 20, 20, 20, 2), validate=False).stack().sum().backward()

    goal = Goal.of(TRIVARIATE, **GOALS["optimised, all weights"])
    clipped = theta.detach()

    def score():
        goal_score(clipped, bins, (20, 20, 20), TRIVARIATE, goal)

    samples = best_time(at_samples, repeats=3)
    full = best_time(full_tables, repeats=3)
    scored = best_time(score, repeats=3)
    with fused.turned_off():
        scored_eager = best_time(score, repeats=3)
    return {"pid3_step_at_samples_s": samples, "pid3_step_full_tables_s": full,
            "pid3_full_over_samples": full / samples, "pid3_score_at_samples_s": scored,
            "pid3_score_eager_at_samples_s": scored_eager, "pid3_autograd_over_score": samples / scored}


@benchmark
def pid_vs_dit():
    """Speed-up over dit's PID_SX on identical 8×8×2 pmfs: ours one call per table, and batched."""
    import itertools

    import dit
    from dit.pid import PID_SX

    from infomorphic_core.pid import sx_pid

    # dit takes tens of seconds per 8×8×2 table: time it once on two tables.
    n = 2
    p = random_pmfs(n, (8, 8, 2), dtype=torch.float64, seed=1)
    outcomes = list(itertools.product(range(8), range(8), range(2)))
    dists = [dit.Distribution(outcomes, p[i].reshape(-1).tolist()) for i in range(n)]
    start = time.perf_counter()
    for d in dists:
        PID_SX(d, [[0], [1]], [2])
    dit_s = (time.perf_counter() - start) / n
    ours_single = best_time(lambda: [sx_pid(p[i]) for i in range(n)]) / n
    ours_batched = best_time(lambda: sx_pid(p)) / n
    return {
        "dit_8x8x2_per_table_s": dit_s,
        "pid_speedup_vs_dit": dit_s / ours_single,
        "pid_speedup_vs_dit_batched": dit_s / ours_batched,
    }


@benchmark
def training():
    """Infomorphic update (closed-form gradient, the training default, with the fused kernels and
    eager; autograd for comparison) against a backprop update of the same MNIST-sized layer, at the package's default thread
    count (one) and with two threads; the gain from batching runs; the three-source training
    step (N = 100, minibatch 1,024) with one and two threads."""
    out = {}
    step, (x, labels) = mnist_sized()
    backprop = backprop_step(x, labels)
    for threads, suffix in ((runtime.DEFAULT_THREADS, ""), (2, "_2_threads")):
        ours = with_threads(threads, lambda: best_time(step))
        theirs = with_threads(threads, lambda: best_time(backprop))
        out[f"train_step_mnist{suffix}_s"] = ours
        out[f"backprop_step_mnist{suffix}_s"] = theirs
        out[f"train_step_ratio_vs_backprop{suffix}"] = ours / theirs
    with fused.turned_off():  # the eager step, as where the kernels cannot be built
        eager = best_time(step)
    out["train_step_mnist_eager_s"] = eager
    out["train_step_eager_ratio_vs_backprop"] = eager / out["backprop_step_mnist_s"]
    autograd, _ = mnist_sized(gradient="autograd")
    out["train_step_mnist_autograd_s"] = best_time(autograd)
    for name, sized in (("bars", bars_sized), ("mnist", lambda n: mnist_sized(n)[0])):
        alone = sized(1)
        together = sized(100)
        t_alone = best_time(alone, repeats=3)
        t_together = best_time(together, repeats=3, min_time=0.0)
        key = "runs_batching_speedup_100" if name == "bars" else "runs_batching_speedup_100_mnist"
        out[key] = 100 * t_alone / t_together
        out[f"{name}_step_1_run_s"] = t_alone
        out[f"{name}_step_100_runs_s"] = t_together
    out["bars_step_autograd_1_run_s"] = best_time(bars_sized(1, gradient="autograd"), repeats=3)
    three = trivariate_step()
    for threads in (1, 2):
        out[f"trivariate_step_{threads}_threads_s"] = with_threads(threads, lambda: best_time(three, repeats=3))
    autograd = trivariate_step(gradient="autograd")
    out["trivariate_step_autograd_1_threads_s"] = with_threads(1, lambda: best_time(autograd, repeats=3))
    out["trivariate_step_autograd_vs_closed_form"] = (out["trivariate_step_autograd_1_threads_s"]
                                                      / out["trivariate_step_1_threads_s"])
    return out


@benchmark
def trivariate_epoch():
    """An epoch of the three-source chapter's main network as the paper profile trains it
    (N = 100, the published goal's 19 weights, minibatch 1,024, one thread) on MNIST-sized
    random images (48,000 to train on, 12,000 validation and 10,000 test images, each split
    evaluated once per epoch): the mean of epochs two and three (the first pays the warm-up)."""
    from types import SimpleNamespace

    from infomorphic_core.tasks import trivariate as tv

    g = torch.Generator().manual_seed(0)
    images = SimpleNamespace(x_train=torch.rand(60_000, 784, generator=g).numpy(),
                             y_train=torch.randint(0, 10, (60_000,), generator=g).numpy(),
                             x_test=torch.rand(10_000, 784, generator=g).numpy(),
                             y_test=torch.randint(0, 10, (10_000,), generator=g).numpy())
    config = tv.Config.from_profile("paper", n_runs=1, sizes=(), networks=(), ablation=False)
    data = tv.split(config, images)
    goal = tv.hidden_goal(config.hidden_goal)

    def train(epochs):
        start = time.perf_counter()
        tv._train(config.replace(epochs=epochs), data, config.hidden_goal, 100, goal)
        return time.perf_counter() - start

    one, three = with_threads(1, lambda: (train(1), train(3)))
    return {"trivariate_epoch_1_thread_s": (three - one) / 2}


@benchmark
def memory_kernels():
    """The memory chapters' two kernels against their eager paths, at one thread: settling the
    redundancy memory's test dynamics (80 runs × 150 cues × 100 units, Hebbian weights, 10% of
    each cue flipped, at most 100 steps) and the Krauth–Mézard rule's minover loop (20 runs ×
    130 patterns × 100 units, 2,000 iterations). Both are exact: the same states and weights."""
    from infomorphic_core import hopfield

    out = {}
    generator = torch.Generator().manual_seed(0)
    patterns = torch.where(torch.rand(80, 150, 100, generator=generator) < 0.5, 1.0, -1.0)
    flips = torch.rand(patterns.shape, generator=generator) < 0.1
    cues, weights = torch.where(flips, -patterns, patterns), hopfield.hebbian(patterns)
    few = patterns[:20, :130]

    def measure():
        for path in ("fused", "eager"):
            with fused.turned_off() if path == "eager" else contextlib.nullcontext():
                out[f"settle_{path}_s"] = best_time(lambda: hopfield.settle(weights, cues, 100), repeats=3)
                out[f"minover_{path}_s"] = best_time(lambda: hopfield.krauth_mezard(few, 2000), repeats=3)

    with_threads(1, measure)
    out["settle_eager_vs_fused"] = out["settle_eager_s"] / out["settle_fused_s"]
    out["minover_eager_vs_fused"] = out["minover_eager_s"] / out["minover_fused_s"]
    return out


# one process's share of the contention benchmark: steps of the three-source network
_CONTENDER = """
import sys, torch
import infomorphic_core
from infomorphic_core.speed import best_time, trivariate_step
torch.set_num_threads(int(sys.argv[1]))
print(best_time(trivariate_step(), repeats=3))
"""


@benchmark
def threads():
    """The three-source training step (N = 100) with one and with two torch threads, alone and
    with two such processes at once on the machine: why the package's default is one thread."""
    import os
    import subprocess

    def run(n_threads, n_processes):
        env = os.environ | {"OMP_NUM_THREADS": str(n_threads), "MKL_NUM_THREADS": str(n_threads)}
        processes = [subprocess.Popen([sys.executable, "-c", _CONTENDER, str(n_threads)], env=env,
                                      stdout=subprocess.PIPE, text=True) for _ in range(n_processes)]
        return max(float(p.communicate()[0]) for p in processes)

    out = {}
    for n_threads in (1, 2):
        for n_processes, label in ((1, "alone"), (2, "two_processes")):
            out[f"trivariate_step_{n_threads}_threads_{label}_s"] = run(n_threads, n_processes)
    return out


@benchmark
def sweep_engine():
    """A 16-point bars grid (4 learning rates × 4 weights of the residual atom, 8 runs × 80
    updates each, cache off) on a LocalCluster of 1 and of 2 workers (one thread each; the
    clusters' start-up timed apart), and one point in this process against one on a worker
    (interleaved, best of 3 each)."""
    import tempfile

    from distributed import Client, LocalCluster

    from infomorphic_core import sweep

    base = {"n_runs": 8, "n_updates": 80, "eval_every": 40, "steps_per_minibatch": 256, "eval_steps": 1024}
    grid = {"base": base, "grid": {"learning_rate": [0.25, 0.5, 1.0, 2.0], "gamma[4]": [0.0, 0.05, 0.1, 0.2]}}
    one = {"base": base, "grid": {"learning_rate": [1.0]}}
    out = {}
    quiet = dict(use_cache=False, threads=1, log=lambda *_: None)

    def timed(fn):
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            start = time.perf_counter()
            with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster, \
                    Client(cluster) as client:
                client.wait_for_workers(workers)
                out[f"sweep_cluster_start_{workers}_workers_s"] = time.perf_counter() - start
                run = functools.partial(sweep.run_sweep, client=client, **quiet)
                client.run(lambda: __import__("infomorphic_core.tasks.bars"))
                if workers == 1:
                    run("bars", one, tmp)  # warm-up here and on the worker
                    sweep.run_sweep("bars", one, tmp, **quiet)
                    serial, dask = [], []
                    for _ in range(3):
                        serial.append(timed(lambda: sweep.run_sweep("bars", one, tmp, **quiet)))
                        dask.append(timed(lambda: run("bars", one, tmp)))
                    out["sweep_1_point_serial_s"], out["sweep_1_point_dask_s"] = min(serial), min(dask)
                out[f"sweep_16_points_{workers}_workers_s"] = timed(lambda: run("bars", grid, tmp))
    torch.set_num_threads(2)
    out["sweep_2_workers_speedup"] = out["sweep_16_points_1_workers_s"] / out["sweep_16_points_2_workers_s"]
    out["sweep_dask_overhead_1_point"] = out["sweep_1_point_dask_s"] / out["sweep_1_point_serial_s"] - 1
    return out


def main(argv):
    torch.set_num_threads(2)  # each benchmark that compares thread counts sets its own
    selected = argv or list(BENCHMARKS)
    unknown = [name for name in selected if name not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; known: {sorted(BENCHMARKS)}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in selected:
        start = time.perf_counter()
        figures = BENCHMARKS[name]()
        results.update(figures)
        print(f"[{name}] {time.perf_counter() - start:.1f} s")
    machine = cache.machine()
    results["machine"] = (f"{machine['cpu']}, {machine['cores']} cores, ATen {machine['cpu_capability']}, "
                          f"python {platform.python_version()}, torch {torch.__version__}")
    write_atomic(RESULTS, (json.dumps(results, indent=2, sort_keys=True) + "\n").encode())
    width = max(len(k) for k in results)
    print(f"\n{'figure':<{width}}  value")
    for key in sorted(results):
        value = results[key]
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
