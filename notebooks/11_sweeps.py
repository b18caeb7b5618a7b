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
# # Sweeps and searches
#
# The papers this book accompanies rest on grids and searches: 300 runs of the bars network,
# capacity against corruption over 25 runs, a landscape of goal vectors for the redundancy
# memory, and Optuna searches over the goal weights of three-source neurons. This page runs a
# small grid and a small goal search live, on a Dask cluster of this machine's cores, with the
# commands that run the same files on a cluster.
#
# Both are built from the tasks' own cached runs (`infomorphic_core.sweep`): points that
# differ only in their seed are computed as one batched call (runs are a tensor axis), each
# call is cached by its config and the source its task runs, so a stopped sweep continues where it
# was, and a point that fails is recorded while the others go on.

# %% tags=["parameters"]
profile = "quick"  # the profile every point starts from
workers = 2  # local Dask workers, one math thread each
learning_rates = [0.25, 1.0, 4.0]  # the bars grid's axis
trials = 10  # Optuna trials of the goal search
seed = 0  # grid seeds: seed and seed + 4; the sampler seed

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from infomorphic_core import sweep
from infomorphic_core.plots import setup

setup(precision=3)
client = sweep.client_for(workers, None)
out = Path(tempfile.mkdtemp(prefix="sweeps-"))
print(f"{len(client.scheduler_info()['workers'])} workers, one thread each")

# %% [markdown]
# ## A grid: the bars network's learning rate
#
# A grid file (YAML; here the same mapping in Python) names a profile, settings shared by every
# point (`base`) and the axes (`grid`, a Cartesian product). The bars network of
# [the bars chapter](03_unsupervised_bars) is trained for 40 updates at three learning rates,
# with seeds 0 and 4 and four runs per point: the two seeds of each rate hold runs 0-3 and
# 4-7, so each rate is one batched call of 8 runs.

# %%
grid = {
    "profile": profile,
    "base": {
        "n_runs": 4,
        "n_updates": 40,
        "eval_every": 20,
        "eval_steps": 2048,
    },
    "grid": {"learning_rate": learning_rates, "seed": [seed, seed + 4]},
}
result = sweep.run_sweep(
    "bars",
    grid,
    out / "grid",
    client=client,
    threads=1,
    log=lambda line: None,
)
table = result.table
print(
    f"{len(table)} rows (one per run), {table.point.nunique()} points, "
    f"{result.computed} batched calls computed"
)
print(
    table.groupby("learning_rate")[["layer_mi", "bars_encoded"]]
    .agg(["mean", "min", "max"])
    .round(2)
)

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
sns.stripplot(
    data=table,
    x="learning_rate",
    y="layer_mi",
    hue="seed",
    dodge=True,
    ax=axes[0],
)
axes[0].set(
    xlabel="learning rate",
    ylabel="layer MI I(X_R : Y) (bits)",
    title="each dot one run",
)
axes[0].legend(title="point's seed", loc="lower right")
sns.stripplot(
    data=table,
    x="learning_rate",
    y="bars_encoded",
    hue="seed",
    dodge=True,
    ax=axes[1],
    legend=False,
)
axes[1].set(
    xlabel="learning rate",
    ylabel="distinct bars encoded (of 8)",
    title="after 40 updates",
)
fig.tight_layout()

# %% [markdown]
# `sweep.parquet` in the output folder holds this table: the point's settings, its seed, the
# run's own seed, the task's per-run metrics, the data set, whether the call was computed or
# read from the cache, and the hash of the core's source. Each point also has its
# `points/ID/metrics.json`, and `failed.json` lists the points that raised.

# %% [markdown]
# ## A search: the redundancy memory's goal over two atoms
#
# Optuna drives the search; each trial is one cached task run on a worker, as many at a time as
# there are workers. The redundancy memory of [its chapter](06_redundancy_memory) maximises
# $I_\mathrm{red}$; here two more weights, on the unique information of the recurrent input
# and on the residual entropy, are searched in $[-0.6, 0.6]$ for the largest capacity
# $\alpha_c$ (40 neurons, 200 epochs, two seeds, loads from 0.5 to 2 patterns per neuron, no
# cue noise; the published goals and the ablation ladder are left out of each trial). The
# first trial is the plain redundancy goal (both weights 0); the others come from TPE, which
# draws its first ten trials at random before it models the results, so these ten show the
# machinery, and a real search runs hundreds (`--trials`). The objective is always a named
# metric of the task; a search refuses a test-set number.

# %%
space = {
    "profile": profile,
    "base": {
        "n_runs": 2,
        "n_neurons": 40,
        "max_epochs": 200,
        "scan_start": 0.5,
        "scan_step": 0.1,
        "scan_stop": 2.0,
        "networks": [],
        "gamma": "only red",
        "noise_levels": [0.0],
        "compare_goals": False,
        "ablation": False,
    },
    "metric": "alpha_c_mean",
    "direction": "maximize",
    "seed": seed,
    "params": {
        "gamma[1]": {"low": -0.6, "high": 0.6},
        "gamma[4]": {"low": -0.6, "high": 0.6},
    },
    "start": [{"gamma[1]": 0.0, "gamma[4]": 0.0}],
}
study = sweep.run_search(
    "redundancy_memory",
    space,
    trials,
    out / "search",
    client=client,
    threads=1,
    log=lambda line: None,
)
trials_table = study.trials_dataframe()
best = study.best_trial
plain = study.trials[0]
g1, g4 = best.params["gamma[1]"], best.params["gamma[4]"]
print(
    f"{len(trials_table)} trials; "
    f"the plain redundancy goal: α_c = {plain.value:.2f}"
)
print(
    f"best: α_c = {best.value:.2f} with Γ_unq,C = {g1:+.2f}, "
    f"Γ_res = {g4:+.2f} (trial {best.number})"
)

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(5.2, 4.6))
points = ax.scatter(
    trials_table["params_gamma[1]"],
    trials_table["params_gamma[4]"],
    c=trials_table["value"],
    cmap="viridis",
    s=60,
    edgecolor="k",
)
ax.scatter(
    [best.params["gamma[1]"]],
    [best.params["gamma[4]"]],
    marker="*",
    s=300,
    facecolor="none",
    edgecolor="red",
    label="best trial",
)
ax.scatter(
    [0],
    [0],
    marker="s",
    s=140,
    facecolor="none",
    edgecolor="k",
    label="plain redundancy goal",
)
fig.colorbar(points, label="capacity α_c (patterns per neuron)")
ax.set(
    xlabel="weight of I_unq,C",
    ylabel="weight of H_res",
    xlim=(-0.65, 0.65),
    ylim=(-0.65, 0.65),
    title="each dot one trial",
)
ax.legend(
    loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, frameon=False
)
fig.tight_layout()

# %% [markdown]
# The study lives in `study.db` (SQLite): started again with more trials, the same search
# continues it. `importance.json` gives each parameter's fANOVA importance and `best.json`
# the best trial.
#
# ## The same command on a cluster
#
# The command line takes the same files. On one machine it starts a `LocalCluster` with one
# worker per core; `--scheduler` sends the calls to a cluster started by hand or by any Dask
# deployment (dask-jobqueue on SLURM, Kubernetes), with a cache folder every worker can reach:
#
# ```bash
# dask scheduler                                      # on the head node: tcp://HOST:8786
# dask worker tcp://HOST:8786 --nthreads 1 --nworkers 2   # on each compute node
# infomorphic sweep bars --grid grid.yaml --out results/grid \
#     --scheduler tcp://HOST:8786 --cache-dir /shared/cache
# infomorphic search redundancy_memory --space space.yaml --trials 200 \
#     --out results/search --scheduler tcp://HOST:8786 --cache-dir /shared/cache
# ```

# %% tags=["hide-input"]
sweep.close(client)

# %% [markdown]
# ## Exercises
#
# ```{exercise} The grid as a file
# :label: ex-sweeps-file
#
# Write the bars grid above to `grid.yaml` in `out` (`yaml.safe_dump`) and read it back with
# `sweep.read_yaml(path, sweep.SPEC_KEYS, "grid")`. How many points does `sweep.expand`
# give, and into how many batched calls does `sweep.make_blocks` group them? Which command
# runs the file on this machine with two workers?
# ```

# %% [markdown]
# ```{solution-start} ex-sweeps-file
# :class: dropdown
# ```

# %%
import yaml

from infomorphic_core.tasks import bars

path = out / "grid.yaml"
path.write_text(yaml.safe_dump(grid, sort_keys=False))
spec = sweep.read_yaml(path, sweep.SPEC_KEYS, "grid")
points = sweep.expand(spec)
blocks = sweep.make_blocks(bars, spec["profile"], points)
print(path.read_text())
print(f"{len(points)} points in {len(blocks)} batched calls")
for block in blocks:
    print(
        f"  {block.settings['learning_rate']}: seeds {block.seed} to "
        f"{block.seed + block.n_runs - 1}"
    )
print(
    f"infomorphic sweep bars --grid {path.name} --out results --workers 2"
)

# %% [markdown]
# Six points (three learning rates × two seeds) in three calls: the two seeds of a rate hold
# runs 0-3 and 4-7, which follow each other, so they run as one call of 8 runs.
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Nothing is computed twice
# :label: ex-sweeps-resume
#
# Run the same grid again, in this process (`client=None`) and into the same folder. How
# many batched calls are computed, and why? What would happen if you changed one learning
# rate of the grid?
# ```

# %% [markdown]
# ```{solution-start} ex-sweeps-resume
# :class: dropdown
# ```

# %%
again = sweep.run_sweep("bars", grid, out / "grid", log=lambda line: None)
print(
    f"{again.computed} of {again.calls} batched calls computed; "
    f"same table: {again.table.layer_mi.equals(table.layer_mi)}"
)

# %% [markdown]
# Every call is a cached task run, keyed by its config and the source its task runs: the second
# sweep reads all three from the cache and writes the same table. A changed learning rate is
# a new config: only its call would be computed, the others read again.
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} What can share a call
# :label: ex-sweeps-batch
#
# Points that differ only in their seed run as one call, because the runs of a task are a
# tensor axis. Why does the engine not batch points that differ in their learning rate, or in
# their number of bins, the same way? Which settings could in principle become a tensor
# axis too?
# ```

# %% [markdown]
# ```{solution} ex-sweeps-batch
# :class: dropdown
#
# A call is one task run of one config: every run in it shares the config's settings, and
# only the seed-derived streams (initial weights, data order, samples) differ along the runs
# axis. A learning rate could be a per-run tensor in principle (a scalar per run multiplying
# the step), and so could the goal weights: the redundancy memory already trains several
# goals side by side in one call, which is how its landscape runs. A number of bins changes
# the shape of every histogram, so runs with different bin counts cannot share tensors. The
# engine keeps one rule, the one that needs no change in the tasks: equal configs up to the
# seed.
# ```
