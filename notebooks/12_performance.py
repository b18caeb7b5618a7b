# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Performance
#
# How fast the core is, measured on the machine that built this page while it was built
# (short settings, under a minute), beside the long figures that `make bench` measured and
# wrote to `benchmarks/results.json`. Seconds depend on the machine and on what else runs on
# it; the ratios compare figures measured in the same run, which is what they are for.

# %% tags=["parameters"]
profile = "quick"  # quick: short timings; paper: more repeats
results_file = "../benchmarks/results.json"  # written by make bench

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import torch

from infomorphic_core import cache, fused, results, runtime, speed
from infomorphic_core.pid import sx_pid
from infomorphic_core.plots import setup

setup(precision=3)
repeats = 3 if profile == "quick" else 7
machine = cache.machine()
print(
    f"this page: {machine['cpu']}, {machine['cores']} cores, "
    f"{torch.get_num_threads()} torch thread(s) "
    f"(package default {runtime.DEFAULT_THREADS}), "
    f"ATen {machine['cpu_capability']}, torch {torch.__version__}"
)
stored = Path(results_file)
bench = json.loads(stored.read_text()) if stored.exists() else {}
print(f"make bench: {bench.get('machine', 'no results file found')}")

# %% [markdown]
# ## The sx-PID against one pass over memory
#
# The bivariate sx-PID of many 20×20×2 float32 tables in one call, against the least any
# entropy of the same tensor costs: Σ p·log2 q, one log into a warm preallocated buffer and
# one dot product ("one pass"). The ratio to the pass says how many passes over the tables
# the sx-PID makes. `sx_pid` runs a fused kernel, compiled on first use where a C compiler
# is present (`infomorphic_core.fused`): it reads each table once and does the rest in the
# CPU cache. The eager path (`compiled=False`, and wherever the kernel cannot be built)
# makes one pass per PyTorch operation, about fifteen. `dit`'s `PID_SX` takes the time
# marked for one 8×8×2 table.

# %%
print(f"fused kernel: {fused.status()}")
rows = []
for n in (1, 10, 100, 1_000, 10_000):
    p = speed.random_pmfs(n, (20, 20, 2))
    ours = speed.best_time(lambda: sx_pid(p, validate=False), repeats)
    eager = speed.best_time(
        lambda: sx_pid(p, validate=False, compiled=False), repeats
    )
    reference = speed.one_pass(p, repeats)["one_pass_s"]
    rows.append((n, 1e3 * ours, 1e3 * eager, 1e3 * reference))
columns = ["tables", "sx-PID (ms)", "eager (ms)", "one pass (ms)"]
scaling = pd.DataFrame(rows, columns=columns).set_index("tables")
scaling["passes"] = scaling["sx-PID (ms)"] / scaling["one pass (ms)"]
scaling["eager passes"] = scaling["eager (ms)"] / scaling["one pass (ms)"]
scaling

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.loglog(scaling.index, scaling["sx-PID (ms)"], "o-", label="sx-PID")
ax.loglog(
    scaling.index, scaling["eager (ms)"], "o:", label="sx-PID, eager"
)
ax.loglog(
    scaling.index, scaling["one pass (ms)"], "s--", label="Σ p·log2 q"
)
if "dit_8x8x2_per_table_s" in bench:
    ax.loglog([1], [1e3 * bench["dit_8x8x2_per_table_s"]], "k^", ms=9,
              label="dit PID_SX, one 8×8×2 table (make bench)")
ax.set_xlabel("tables of 20×20×2 in one call")
ax.set_ylabel("time per call (ms)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The learning step against backprop
#
# One update of ten neurons on an MNIST-sized minibatch (1,024 images of 784 pixels, the
# label as context): the infomorphic step with its closed-form gradient (the training
# default; with the fused binning and score kernels, and eager) and through autograd, against
# one SGD step of a logistic-regression layer of the same shape on the same minibatch, at the
# package's default thread count.

# %%
step, (x, labels) = speed.mnist_sized()
autograd, _ = speed.mnist_sized(gradient="autograd")
with fused.turned_off():
    eager_step = speed.best_time(step, repeats)
steps = pd.Series(
    {
        "infomorphic, closed form": speed.best_time(step, repeats),
        "infomorphic, closed form, eager": eager_step,
        "infomorphic, autograd": speed.best_time(autograd, repeats),
        "backprop (logistic regression)": speed.best_time(
            speed.backprop_step(x, labels), repeats
        ),
    },
    name="ms per update",
)
backprop = steps["backprop (logistic regression)"]
table = pd.DataFrame({"ms": 1e3 * steps, "× backprop": steps / backprop})
table

# %% [markdown]
# ## Runs as a tensor axis
#
# A bars-sized recurrent layer (8 neurons, 256 simulated steps, then one update) for 1, 10
# and 100 runs in one call: the time per run falls because the runs share every operation.

# %%
batching = pd.Series(
    {
        n: speed.best_time(speed.bars_sized(n), repeats, min_time=0.0) / n
        for n in (1, 10, 100)
    },
    name="ms per run",
)
per_run = pd.DataFrame(
    {"ms per run": 1e3 * batching, "speed-up": batching[1] / batching}
)
per_run.index.name = "runs in one call"
per_run

# %% [markdown]
# ## The long figures (`make bench`)
#
# Measured by `make bench` on the machine named above: the three-source training step
# ($N = 100$, minibatch 1,024) and its thread counts, alone and with two such processes on
# the machine at once; the sweep engine on one and two Dask workers; the speed-up over
# `dit`.

# %%
speed.figures(bench).to_frame()

# %% [markdown]
# Two threads make the three-source step faster when it runs alone, and several times slower
# when two runs share the two cores: each thread waits for the other's share of every small
# operation. The package therefore uses one thread (`INFOMORPHIC_THREADS` overrides it), and
# the sweep engine and `make test` use the cores with processes instead.

# %% [markdown]
# ## Which compiled kernels stay, and why
#
# `infomorphic_core/sx_pid.c` holds six kernels; each stays because `make bench` shows it
# carrying a target that the eager path misses or holds without margin. Each row gives the
# figure with the kernel and with the eager path in the same `make bench` run (where the
# kernels cannot be built, the eager column is what a user gets). The memory kernels' figures
# are eager seconds over fused seconds for the same, exact, states and weights.

# %%
KERNELS = [
    ("sx_pid", "passes over memory, 10⁴ bivariate tables",
     "pid_cost_vs_one_pass", "pid_eager_cost_vs_one_pass",
     "the sx-PID near one pass over memory"),
    ("sx_red_lattice", "passes, 10³ three-source tables",
     "pid3_cost_vs_one_pass", "pid3_eager_cost_vs_one_pass",
     "the three-source chapter's atoms"),
    ("bins, score_step", "learning step / backprop step",
     "train_step_ratio_vs_backprop", "train_step_eager_ratio_vs_backprop",
     "the step ≤ 1.5 × backprop, with margin"),
    ("score_samples", "ms, score of 100 three-source neurons",
     "pid3_score_at_samples_ms", "pid3_score_eager_at_samples_ms",
     "chapter 07's networks at N = 100"),
    ("settle_step", "eager s / fused s, memory test",
     None, "settle_eager_vs_fused", "chapter 06's capacity scans"),
    ("minover", "eager s / fused s, Krauth–Mézard",
     None, "minover_eager_vs_fused", "chapter 04 and 06's baseline"),
]


def figure(key):
    if key is None:
        return "1"
    if key.endswith("_ms"):  # recorded in seconds
        key, scale = key.removesuffix("_ms") + "_s", 1e3
    else:
        scale = 1
    return f"{scale * bench[key]:.3g}" if key in bench else "—"


kernels = pd.DataFrame(
    [
        {
            "kernel": name,
            "figure": what,
            "fused": figure(fused_key),
            "eager": figure(eager_key),
            "carries": why,
        }
        for name, what, fused_key, eager_key, why in KERNELS
    ]
).set_index("kernel")
kernels

# %% [markdown]
# ## Chapters' wall times
#
# Each chapter's quick profile is timed whenever the book is built (the Reproducibility
# page). The paper profiles: each whole chapter timed by `benchmarks/paper_profile.py` against
# an empty cache (some two at a time, one per core), and the computation of each recorded
# result a chapter reads (`results/paper/`, with the CPU it ran on). The three-source
# chapter's whole paper profile (41 networks of 10 seeds) has not been run ([its
# page](07_trivariate) gives its main network's measured result).

# %%
results.wall_times(bench)
