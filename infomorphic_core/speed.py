"""Speed measurements shared by ``benchmarks/run.py`` (``make bench``) and the book's Performance
page: a timer, the workloads (the sx-PID on batches of tables, an MNIST-sized and a bars-sized
learning step, a three-source training step), and the references they are compared with.

Figures are compared only with figures measured in the same run: absolute seconds depend on the
machine and on what else runs on it. Nothing here is a test.
"""

from __future__ import annotations

import time
from typing import Callable

import pandas as pd
import torch


def best_time(fn: Callable[[], object], repeats: int = 5, min_time: float = 0.2) -> float:
    """Best wall time of one call, over ``repeats`` rounds of enough calls to last ``min_time``
    (after one warm-up call)."""
    fn()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or calls >= 1 << 16:
            break
        calls *= 2
    best = elapsed / calls
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def random_pmfs(n: int, shape: tuple, dtype=torch.float32, seed: int = 0) -> torch.Tensor:
    """``n`` random joint pmfs of ``shape`` (each sums to 1)."""
    g = torch.Generator().manual_seed(seed)
    p = torch.rand((n,) + shape, generator=g, dtype=torch.float64)
    return (p / p.sum(dim=tuple(range(-len(shape), 0)), keepdim=True)).to(dtype)


def one_pass(p: torch.Tensor, repeats: int = 5) -> dict:
    """The memory-bound references for a tensor ``p``, each with preallocated, warm buffers (so
    that no page of a fresh temporary is faulted in while timing):

    - ``one_pass_s``: Σ p·log2 q, the least any entropy of the full table costs (a log into a
      buffer, then one dot product);
    - ``copy_s``: one read and one write of ``p``, and the memory bandwidth it implies
      (``bandwidth_gb_s``, bytes read plus written per second)."""
    q, buffer = p.clone(), torch.empty_like(p)
    flat_p, flat_buffer = p.reshape(-1), buffer.reshape(-1)
    entropy = best_time(lambda: torch.dot(flat_p, torch.log2(q, out=buffer).reshape(-1)), repeats)
    copy = best_time(lambda: flat_buffer.copy_(flat_p), repeats)
    return {"one_pass_s": entropy, "copy_s": copy, "bandwidth_gb_s": 2 * p.numel() * p.element_size() / copy / 1e9}


def mnist_sized(n_runs: int = 1, gradient: str = "closed_form"):
    """One update of 10 neurons on a 1024×784 minibatch, each with its own ±1 label element as
    context; returns the step and (x, labels)."""
    from .estimate import Binning
    from .layer import InfomorphicLayer, LayerConfig
    from .train import TrainConfig, make_optimizer, update

    g = torch.Generator().manual_seed(0)
    x = torch.rand(n_runs, 1024, 784, generator=g)
    labels = torch.randint(0, 10, (n_runs, 1024), generator=g)
    context = torch.nn.functional.one_hot(labels, 10).float() * 2 - 1
    layer = InfomorphicLayer(LayerConfig(
        n_neurons=10, n_receptive=784, n_context=10, n_runs=n_runs, context_mask=torch.eye(10),
        binning_receptive=Binning(20), binning_context=Binning(2, "minmax")))
    optimizer = make_optimizer(layer, TrainConfig(n_updates=1, learning_rate=1.0))
    return lambda: update(layer, optimizer, x, context, "supervised", gradient), (x, labels)


def backprop_step(x: torch.Tensor, labels: torch.Tensor):
    """One SGD step of a logistic-regression layer (784 → 10, cross-entropy) on the same minibatch."""
    model = torch.nn.Linear(x.shape[-1], 10)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)

    def step():
        sgd.zero_grad()
        torch.nn.functional.cross_entropy(model(x[0]), labels[0]).backward()
        sgd.step()

    return step


def bars_sized(n_runs: int, steps: int = 256, gradient: str = "closed_form"):
    """One training minibatch of a bars-sized recurrent layer: 8 neurons, 64 receptive inputs,
    the other 7 neurons' previous outputs as context, 256 simulated steps, then one update."""
    from .layer import InfomorphicLayer, LayerConfig
    from .train import TrainConfig, make_optimizer, update

    layer = InfomorphicLayer(LayerConfig(n_neurons=8, n_receptive=64, n_context=8, n_runs=n_runs,
                                         recurrent_context=True))
    optimizer = make_optimizer(layer, TrainConfig(n_updates=1, learning_rate=1.0))
    g = torch.Generator().manual_seed(0)
    x = torch.sign(torch.randn(n_runs, steps, 64, generator=g))
    y0 = torch.ones(n_runs, 8)
    uniforms = torch.rand(n_runs, steps, 8, generator=g)

    def step():
        x_c, _ = layer.simulate(x, y0, uniforms)
        update(layer, optimizer, x, x_c, "bars", gradient)

    return step


def trivariate_step(n_hidden: int = 100, minibatch: int = 1024, gradient: str = "closed form"):
    """One training step of the three-source network (N hidden neurons, optimised goal, and
    its readout) on a random MNIST-shaped minibatch; ``gradient="autograd"`` as it learned
    before the closed form."""
    from .tasks import trivariate as tv

    config = tv.Config.from_profile("paper", n_runs=1, sizes=(n_hidden,), n_hidden=n_hidden,
                                    minibatch=minibatch)
    net = tv.InfomorphicNetwork("optimised", config, n_hidden, gradient=gradient)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, minibatch, 784, generator=g)
    labels = torch.randint(0, 10, (1, minibatch), generator=g)
    counter = iter(range(1 << 30))
    return lambda: net.step(x, labels, "speed", next(counter))


def with_threads(n: int, fn: Callable[[], float]) -> float:
    """``fn()`` with torch set to ``n`` threads, the previous count restored after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        return fn()
    finally:
        torch.set_num_threads(previous)


# the long figures of `make bench` (benchmarks/results.json key -> label), as the Performance page
# and the README show them
FIGURES = {
    "pid_cost_vs_one_pass": "sx-PID, 10⁴ tables: passes of Σ p·log2 q",
    "pid_eager_cost_vs_one_pass": "the same, eager sx-PID",
    "memory_bandwidth_gb_s": "memory bandwidth of a copy (GB/s)",
    "pid_speedup_vs_dit": "sx-PID speed-up over dit, one table per call",
    "train_step_ratio_vs_backprop": "learning step / backprop step",
    "train_step_eager_ratio_vs_backprop": "the same, eager step",
    "train_step_ratio_vs_backprop_2_threads": "the same with two threads",
    "runs_batching_speedup_100": "bars-sized step: speed-up of 100 runs",
    "pid3_cost_vs_one_pass": "three-source sx-PID, 10³ tables: passes",
    "pid3_eager_cost_vs_one_pass": "the same, eager three-source sx-PID",
    "pid3_step_at_samples_s": "18 atoms, 100 neurons, 1,024 samples (s)",
    "pid3_autograd_over_score": "their gradient: autograd / closed-form score",
    "trivariate_step_autograd_vs_closed_form": "three-source step: autograd / closed form",
    "trivariate_step_1_threads_alone_s": "three-source step, 1 thread (s)",
    "trivariate_epoch_1_thread_s": "three-source epoch, N = 100, 1 thread (s)",
    "trivariate_step_2_threads_alone_s": "three-source step, 2 threads (s)",
    "trivariate_step_1_threads_two_processes_s": "2 processes × 1 thread (s)",
    "trivariate_step_2_threads_two_processes_s": "2 processes × 2 threads (s)",
    "sweep_2_workers_speedup": "16-point sweep: 2 workers against 1",
}


def figures(bench: dict):
    """:data:`FIGURES` as a series (label -> value, 4 significant digits) from the contents of
    ``benchmarks/results.json``; "not measured" where a figure is missing."""
    return pd.Series({label: f"{bench[key]:.4g}" if key in bench else "not measured"
                      for key, label in FIGURES.items()}, name="make bench")
