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
# # Redundancy maximisation as associative memory learning
#
# Blümel et al. {cite}`bluemel2025` take the memory network of the previous chapter and ask
# only one thing of each neuron: that its output carry as much information as possible that
# is *redundant* between its external input $T = \xi_i$ (the pattern's element) and its
# recurrent input $R = \sum_{j \ne i} W_{ij} s_j$. Their headline: such a network stores
# $\alpha_c = 1.59$ patterns per neuron, against 0.14 for Hebb's rule, and 1.68 to 1.70 with goals
# found by Bayesian optimisation. The Gardner bound {cite}`gardner1988` says that no rule can make
# more than $2N$ unbiased random patterns fixed points of such a network, so this is within 20%
# of what is possible at all. This chapter reruns that result with our core, under its protocol.
#
# ```{admonition} From the PNAS memory chapter to this one
# :class: note
# The neuron is the same idea: two sources, a goal over their five atoms, learned by gradient
# ascent on a histogram estimate. What changes, and what each change does:
#
# | | PNAS memory (previous chapter) | redundancy memory (this chapter) |
# |---|---|---|
# | activation | 8-norm, the larger input wins | sum, $\theta = \sigma(x_T + x_R)$ |
# | external weight $w_T$ | fixed at 0.25 (our teacher-forced choice) | frozen at 2.3: the pattern nearly decides the output during training |
# | goal | $0.9\,I_\mathrm{red} + 0.1\,I(Y:T,R)$ | $I_\mathrm{red}$ only (and three other goals) |
# | optimiser | SGD, step 3 | Adam, lr 0.05, one full-batch step per epoch |
# | bins | $R$ in 40 adaptive bins | $T$ in 2 and $R$ in 60 fixed bins on $[-20, 20]$ |
# | test | 20 stochastic steps after a one-step presentation | deterministic synchronous updates to a fixed point or 2-cycle |
# | capacity | largest $M$ whose mean accuracy over runs passes | per seed, the last $M$ passed before the first failure; $\alpha_c$ is the mean |
#
# The ablation ladder below measures what the optimiser, the external weight, the bins and
# the test each contribute.
# ```

# %% tags=["parameters"]
profile = "quick"  # quick: N 40, 3 seeds; paper: N 100, 20 seeds
n_runs = None  # seeds; None: the profile's
n_neurons = None  # network size; None: the profile's
max_epochs = None  # epochs at most per pattern count; None: the profile's
seed = 0  # seed s uses seed + s for patterns, weights, flips and samples
workers = 2  # local Dask workers of every scan; 0: here

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from infomorphic_core import results
from infomorphic_core.capacity import mean_interval
from infomorphic_core.goals import ATOM_KEYS
from infomorphic_core.plots import ATOM_COLORS, setup
from infomorphic_core.rng import generator
from infomorphic_core.tasks import redundancy_memory as rm

setup(precision=2)
# this page's sources: T (external, the receptive input)
# and R (recurrent, the context)
LABELS = rm.VOCABULARY.names

# %% [markdown]
# ## Set-up
#
# As published with the paper's code (we wrote our own):
#
# - $N$ neurons (100 in the paper profile, 40 in the quick one). Neuron $i$: external input
#   $x_T = w_T\,\xi_i$ with $w_T$ frozen at 2.3, recurrent input $x_R = \sum_{j\ne i} W_{ij} s_j$,
#   $W$ starting $\mathcal N(0, 0.001^2)$, no biases, no self-connections; outputs $\pm 1$.
# - Goal $\Gamma$ over $(I_{\mathrm{unq},T}, I_{\mathrm{unq},R}, I_\mathrm{red}, I_\mathrm{syn},
#   H_\mathrm{res})$, redundancy only: $(0, 0, 1, 0, 0)$. ($T$ is the layer's receptive source and
#   $R$ its context: `rm.VOCABULARY` labels the atoms so; their keys name the roles, `unq_R` for
#   $I_{\mathrm{unq},T}$ and `unq_C` for $I_{\mathrm{unq},R}$.)
# - **Teacher-forced training**: the recurrent input is computed from the clean stored
#   pattern; one Adam step (lr 0.05) per epoch on all $M$ patterns at once; at most 5000 epochs
#   (500 in the quick profile). Training stops at the first of 15 log-spaced epochs at which the
#   clean-cue test passes, and that network is kept, as in the published code.
# - **Test**: external input 0; the cue is a stored pattern with exactly $\lfloor fN \rfloor$
#   bits flipped; synchronous updates $s \leftarrow \operatorname{sign}(W s)$ until a fixed point,
#   a closed 2-cycle or 100 steps; score = cosine similarity with the stored pattern, averaged
#   over the patterns. A network passes at $\ge 0.95$.
# - **Capacity**: for each seed, $M$ runs up from $0.2N$ in steps of $0.02N$ ($0.05N$ in the
#   quick profile), each $M$ trained from scratch on the first $M$ patterns of the seed's
#   sequence, until the first failure; the seed's capacity is the last $M/N$ passed, $\alpha_c$
#   the mean over seeds, with a bootstrap 95% interval over seeds. The classical rules are
#   scanned the same way from the first step (they fail below $0.2N$).
# - **Classical rules** under the identical test: Hebbian, Storkey, the pseudo-inverse
#   (projection) rule {cite}`personnaz1985`, and the Krauth–Mézard perceptron rule with optimal
#   stability {cite}`krauth1987` (2,000 updates per neuron), which approaches the Gardner bound.

# %%
config = rm.Config.from_profile(
    profile,
    n_runs=n_runs,
    n_neurons=n_neurons,
    max_epochs=max_epochs,
    seed=seed,
)
result = rm.run(config, workers=workers)
metrics, capacities = result.metrics, result.capacities
main = capacities[capacities.experiment == "main"]
print(
    f"profile {config.profile}: N = {config.n_neurons}, "
    f"{config.n_runs} seeds, "
    f"at most {config.max_epochs} epochs, scan from {config.scan_start} N "
    f"in steps of {config.scan_step} N"
)

# %% [markdown]
# ## Capacity beside the paper's
#
# Infomorphic networks for the four goals of the paper, trained side by side on the same
# patterns and initial weights, and the classical rules on the same patterns; mean $\alpha_c$
# over seeds with its bootstrap 95% interval, the paper's value (mean of 20 seeds at
# $N = 100$), and the distance to the Gardner bound $\alpha = 2$.

# %%
paper = {name: value for name, (_, value) in rm.GOALS.items()} | {
    "Hebbian": rm.PAPER["hebbian_alpha_c"]
}


def capacity_table(frame, networks, n_bootstrap=1000):
    """Mean α_c over seeds (noise-free cues), its bootstrap 95% interval
    and range over seeds, beside the paper's value and the distance to the
    Gardner bound."""
    rows = []
    for network in networks:
        values = frame[
            (frame.network == network) & (frame.test == "f=0")
        ].alpha_c
        low, high = mean_interval(
            values, n_bootstrap, generator(seed, "table", network)
        )
        rows.append(
            {
                "network": network,
                "α_c (ours)": values.mean(),
                "95% interval": f"[{low:.2f}, {high:.2f}]",
                "per seed": f"{values.min():.2f} to {values.max():.2f}",
                "paper": (
                    f"{paper[network]:.2f}" if network in paper else "—"
                ),
                "Gardner bound − ours": 2 - values.mean(),
            }
        )
    return pd.DataFrame(rows).set_index("network")


table = capacity_table(main, list(rm.GOALS) + list(config.networks))
table

# %% tags=["hide-input"]
COLORS = dict(
    zip(list(rm.GOALS) + list(rm.RULES), [f"C{i}" for i in range(8)])
)
fig, ax = plt.subplots(figsize=(9, 4))
order = list(rm.GOALS) + list(config.networks)
for i, network in enumerate(order):
    values = main[(main.network == network) & (main.test == "f=0")].alpha_c
    jitter = np.linspace(-0.15, 0.15, len(values))
    ax.scatter(i + jitter, values, s=18, color=COLORS[network], alpha=0.7)
    ax.plot([i - 0.25, i + 0.25], [values.mean()] * 2, color="black", lw=2)
    if network in paper:
        ax.plot(
            i,
            paper[network],
            marker="*",
            ms=12,
            color="black",
            ls="none",
            label="paper (mean of 20 seeds, N = 100)" if i == 0 else None,
        )
ax.axhline(2, color="grey", ls="--", lw=1.2, label="Gardner bound")
names = [n.replace(" + ", " +\n") for n in order]
ax.set_xticks(range(len(order)), names, fontsize=8)
ax.set_ylabel("capacity α_c (patterns per neuron)")
ax.set_title(
    f"per seed (dots) and mean (bar); N = {config.n_neurons}, "
    f"{config.profile} profile"
)
ax.legend(fontsize=8, loc="center right")
fig.tight_layout()
plt.show()

# %% [markdown]
# **The paper profile** ($N = 100$, 20 seeds, up to 5000 epochs, the published scan from
# $0.2N$ in steps of $0.02N$) is recorded in `results/paper/redundancy_memory` by
# `infomorphic record redundancy_memory --workers 2`; this page reads it instead of rerunning
# it (the recording's provenance is printed below the tables).

# %%
paper_run = results.load("redundancy_memory")
recorded = paper_run.tables["capacities"]
recorded_main = recorded[recorded.experiment == "main"]
size = paper_run.config
print(
    f"paper profile: N = {size['n_neurons']}, {size['n_runs']} seeds, "
    f"at most {size['max_epochs']} epochs;\nKrauth–Mézard with "
    f"{size['perceptron_iterations']:,} updates per neuron"
)
capacity_table(recorded_main, list(rm.GOALS) + list(size["networks"]))

# %%
by_noise = paper_run.metrics["alpha_c_by_noise"]
storkey = recorded_main[
    (recorded_main.network == "Storkey") & (recorded_main.test == "f=0.1")
].alpha_c.mean()
print(
    f"With 10% of the bits flipped, {paper_run.metrics['goal']} keeps "
    f"α_c = {by_noise['f=0.1']:.2f} on average;\n"
    f"Storkey's rule {storkey:.2f}."
)

# %%
print(paper_run.describe())

# %% [markdown]
# The three goals that need no soft binning (redundancy alone, unique $T$ + redundancy, goal A)
# are to be read against the paper's values in the table; goal B was found, and its 1.69 in
# the ablation measured, with soft binning, which we did not implement: with fixed bins it is
# the one the table shows furthest from its published value. Against noisy cues the networks
# are fragile (the line under the table): early stopping leaves them at the edge of retrieval.

# %% [markdown]
# ## The ablation ladder
#
# The paper's ablation, cumulative: each row changes one choice of the row above, from the
# least tuned network (plain SGD, adaptive bins, a learned external weight starting at 1,
# stochastic test) to the published one. Ours beside the paper's (mean $\alpha_c$ over 20 seeds at
# $N = 100$); the SGD step (0.1) is that of the published early configurations. The paper's
# sixth row changes fixed bins to a differentiable soft binning, which we did not implement:
# our sixth row is the fixed binning the published code uses by default, and our seventh row
# adds the optimised goal to it.

# %%
ladder = result.ablation.assign(
    **{
        "95% interval": lambda t: [
            f"[{a:.2f}, {b:.2f}]" for a, b in zip(t.low, t.high)
        ]
    }
)[["row", "ours", "95% interval", "paper"]].set_index("row")
ladder

# %% [markdown]
# Does each step move capacity the way it does in the paper? A step counts as "up" or "down"
# when it moves the mean by more than one scan step, else "flat".


# %%
def direction(change, step):
    """Moves smaller than one scan step are "flat"."""
    return "up" if change > step else "down" if change < -step else "flat"


def moves(ladder, step):
    """Which way each row moves the mean from the row above, ours and the
    paper's, and whether the two agree."""
    table = pd.DataFrame(
        {
            who: ["—"]
            + [direction(c, step) for c in ladder[who].diff().iloc[1:]]
            for who in ("ours", "paper")
        },
        index=ladder.index,
    )
    agree = np.where(table.ours == table.paper, "yes", "differs")
    agree[0] = "—"  # the first row has no row above
    return table.assign(agree=agree).add_prefix("move, ")


moves(ladder, config.scan_step)

# %% [markdown]
# **The ladder in the paper profile** ($N = 100$, 20 seeds, up to 5000 epochs, the scan from
# $0.2N$ in steps of $0.02N$), from the same recording: mean $\alpha_c$ over the 20 seeds with
# the bootstrap 95% interval and the range over seeds, and which way each step moves.

# %%
paper_ladder = paper_run.tables["ablation"].set_index("row")
paper_ladder["95% interval"] = [
    f"[{a:.2f}, {b:.2f}]"
    for a, b in zip(paper_ladder.low, paper_ladder.high)
]
paper_ladder["per seed"] = [
    f"{a:.2f} to {b:.2f}"
    for a, b in zip(paper_ladder["min"], paper_ladder["max"])
]
paper_ladder[["ours", "95% interval", "per seed", "paper"]].join(
    moves(paper_ladder, size["scan_step"])
)

# %% [markdown]
# Where ours and the paper's part, and why. The first row: under our stochastic test
# (outputs sampled from $\theta$, external input 0, cosine with the stored pattern)
# early-stopped networks rarely pass the 95% criterion, where the paper's stochastic test,
# which compares the sampled states with the first sampled state and trains without early
# stopping, found 0.40. The last two rows change something else than the paper's: our sixth
# keeps the fixed bins where the paper's moves to soft bins, and goal B, found and measured by
# the paper with soft binning, is measured here with fixed bins.

# %% [markdown]
# ## Noisy cues
#
# The same trainings tested from cues with $\lfloor fN\rfloor$ bits flipped: capacity against
# the corruption $f$. A value of 0 means the network fails already at the scan's first count.
# The trainings stop at the first epoch that retrieves clean cues, so nothing in them asks for
# basins of attraction.

# %% tags=["hide-input"]
noise = [t for t in main.test.unique() if t.startswith("f=")]
fs = [float(t[2:]) for t in noise]
fig, ax = plt.subplots(figsize=(6.5, 4))
for network in [metrics["goal"]] + list(config.networks):
    means = [
        main[(main.network == network) & (main.test == t)].alpha_c.mean()
        for t in noise
    ]
    ax.plot(fs, means, "o-", color=COLORS[network], label=network)
ax.set_xlabel("fraction f of flipped bits in the cue")
ax.set_ylabel("capacity α_c (patterns per neuron)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Where capacity comes from: a small goal landscape
#
# Redundancy weighs 1; the weights of the unique information of the recurrent input,
# $I_{\mathrm{unq},R}$, and of the residual entropy $H_\mathrm{res}$ vary on a grid (both are
# negative in the optimised goal A). All goals train side by side; mean $\alpha_c$ over
# seeds.

# %%
SWEEPS = {
    "quick": {
        "landscape": (-0.6, 0.0, 0.6),
        "correlation": (0.5, 0.8),
        "n_neurons": (30, 60),
    },
    "paper": {
        "landscape": (-0.8, -0.4, 0.0, 0.4),
        "correlation": (0.5, 0.6, 0.7, 0.8, 0.85),
        "n_neurons": (50, 100, 200, 400),
    },
}[config.profile if config.profile in ("quick", "paper") else "quick"]
land = rm.landscape(config, values=SWEEPS["landscape"])
grid = land.groupby(["unq_C", "res"]).alpha_c.mean().unstack("res")
grid.index.name = f"weight of {LABELS['unq_C']}"
grid.columns.name = f"weight of {LABELS['res']}"
grid

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(5.5, 4))
image = ax.imshow(
    grid.to_numpy(), origin="lower", cmap="viridis", vmin=0, vmax=2
)
ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns])
ax.set_yticks(range(len(grid.index)), [f"{v:g}" for v in grid.index])
for (i, j), v in np.ndenumerate(grid.to_numpy()):
    ax.text(
        j,
        i,
        f"{v:.2f}",
        ha="center",
        va="center",
        color="white" if v < 1.2 else "black",
    )
ax.set_xlabel(grid.columns.name)
ax.set_ylabel(grid.index.name)
fig.colorbar(image, label="α_c (patterns per neuron)")
ax.set_title(f"goal = I_red + a·{LABELS['unq_C']} + b·H_res")
ax.grid(False)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Correlated patterns and network size
#
# Correlated patterns: a Markov chain along the neurons, $P(\xi_i = \xi_{i-1}) = p$ ($p = 0.5$:
# independent). Network size: $\alpha_c$ at several $N$ (the external weight stays 2.3). The
# paper profile uses at most 5 seeds for the size scan. Each value is one point of a sweep
# ([Sweeps and searches](11_sweeps)), its seeds one batched call, run on `workers` local Dask
# workers. The landscape above is one call: its goals are a tensor axis beside the seeds.

# %%
corr = rm.sweep_setting(
    config, "correlation", SWEEPS["correlation"], workers=workers
)
size_config = config.replace(n_runs=min(config.n_runs, 5))
size = rm.sweep_setting(
    size_config, "n_neurons", SWEEPS["n_neurons"], workers=workers
)
print("mean α_c by correlation p:")
print(
    corr.groupby(["correlation", "network"])
    .alpha_c.mean()
    .unstack("network")
    .to_string()
)
print("\nmean α_c by network size N:")
print(
    size.groupby(["n_neurons", "network"])
    .alpha_c.mean()
    .unstack("network")
    .to_string()
)

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, frame, x, label in (
    (axes[0], corr, "correlation", "correlation p = P(ξ_i = ξ_{i−1})"),
    (axes[1], size, "n_neurons", "network size N (neurons)"),
):
    for network, group in frame.groupby("network"):
        stats = group.groupby(x).alpha_c.agg(["mean", "min", "max"])
        ax.plot(
            stats.index,
            stats["mean"],
            "o-",
            color=COLORS[network],
            label=network,
        )
        ax.fill_between(
            stats.index,
            stats["min"],
            stats["max"],
            color=COLORS[network],
            alpha=0.2,
        )
    ax.axhline(2, color="grey", ls="--", lw=1)
    ax.set_xlabel(label)
axes[1].set_xscale("log", base=2)
axes[1].set_xticks(
    SWEEPS["n_neurons"], [str(n) for n in SWEEPS["n_neurons"]]
)
axes[1].minorticks_off()
axes[0].set_ylabel("capacity α_c (mean, band: min to max over seeds)")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Atoms below and above capacity
#
# Networks trained for the full number of epochs (no early stop) at several loads $M/N$; the
# five atoms on the stored patterns (bits, mean over neurons), with the clean-cue score. The
# paper's point: below capacity all of $H(Y)$ is redundancy, each output a copy of its
# external input that the recurrent input predicts; above it synergy and residual entropy
# appear as retrieval fails.

# %%
atoms = rm.atoms_by_load(config, loads=(0.5, 1.0, 1.5, 2.0))
by_load = atoms.groupby("load")[list(ATOM_KEYS) + ["score"]].mean().round(3)
by_load.rename(columns=LABELS).map(lambda v: f"{v + 0.0:.3f}")  # no -0.000

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(6.5, 4))
for key in ATOM_KEYS:
    ax.plot(
        by_load.index,
        by_load[key],
        "o-",
        color=ATOM_COLORS[key],
        label=LABELS[key],
    )
ax.plot(
    by_load.index, by_load.score, "k--", label="clean-cue score (cosine)"
)
ax.axhline(0, color="black", lw=0.8)
ax.set_xlabel("load M / N (patterns per neuron)")
ax.set_ylabel("bits / cosine")
ax.legend(fontsize=8, ncols=2)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## What is weak
#
# - **Soft binning** (the paper's sixth ablation row and, we read, its headline 1.59) is not
#   implemented; our networks use the fixed bins of the published code's default.
# - **The stochastic test** of the first ablation row is ours (20 sampled steps from the cue,
#   cosine with the stored pattern averaged over the steps). The published code compares each
#   sampled state with the first sampled state instead; with the small weights that early
#   stopping leaves, sampled dynamics stay far from any pattern under our definition.
# - **Early stopping keeps networks at the edge of retrieval**: a network passes at the first
#   checkpoint that retrieves clean cues, so its basins are small, which the noisy-cue capacities
#   show.
# - The quick profile is smaller than the paper's in every size (neurons, seeds, epochs, scan
#   step); its capacities are lower, the shapes the same. The paper profile's numbers come
#   from the recorded result, never typed.

# %% [markdown]
# ## Exercises
#
# ```{exercise} What the external weight anchors
# :label: ex-rm-anchor
#
# At the start of training the recurrent input is almost 0, so neuron $i$ outputs
# $Y = \xi_i$ with probability $\sigma(w_T)$. Compute that probability and the information
# $I(Y : T) = 1 - H_b(\sigma(w_T))$ for $w_T = 1$ and $w_T = 2.3$. Redundancy between $T$ and
# $R$ is information about $Y$ that both carry: explain why a large $w_T$ makes maximising it
# store the pattern, and what a small $w_T$ leaves open.
# ```

# %% [markdown]
# ```{solution-start} ex-rm-anchor
# :class: dropdown
# ```


# %%
def binary_entropy(p):
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


for w_t in (1.0, 2.3):
    p_copy = 1 / (1 + np.exp(-w_t))
    print(
        f"w_T = {w_t}: P(Y = ξ_i) = {p_copy:.3f}, "
        f"I(Y:T) = {1 - binary_entropy(p_copy):.3f} bits"
    )

# %% [markdown]
# With $w_T = 2.3$ the output is a 91% copy of the stored bit, and more than half a bit of
# $H(Y)$ is information about $\xi_i$ from the start. The only way to make that information
# redundant is for the recurrent input to predict $\xi_i$ from the other neurons' bits of
# the same pattern: exactly the recurrent field a memory needs. With $w_T = 1$ the output is
# only a 73% copy (0.16 bits): redundancy can also grow by letting the recurrent input drive
# $Y$ and the weak external input follow, a field that need not point to the stored
# pattern. The next exercise measures the difference.
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Two ways to lose the memory
# :label: ex-rm-settings
#
# Train the quick profile's networks at a load of $M = N$ patterns three times with
# `rm.train_runs` (see `rm.atoms_by_load` for how it is called): with the chapter's
# settings, with the external weight frozen at 1 instead of 2.3, and with a learning rate
# of 0.5 instead of 0.05. Test each with `rm.settle` from clean cues: which pass the 95%
# criterion?
# ```

# %% [markdown]
# ```{solution-start} ex-rm-settings
# :class: dropdown
# ```

# %%
import torch

load = config.n_neurons
seeds = list(range(config.n_runs))
gammas = torch.tensor([config.gamma] * config.n_runs, dtype=torch.float64)
stored = rm.patterns(config, load)
variants = {
    "chapter's settings": {},
    "w_T frozen at 1": {"w_external": 1.0},
    "learning rate 0.5": {"learning_rate": 0.5},
}
for name, change in variants.items():
    weights, _ = rm.train_runs(
        config.replace(**change), stored, gammas, seeds
    )
    recalled = rm.settle(weights, stored, config.max_iterations)
    score = (recalled * stored).mean((-1, -2))
    passed = int((score >= config.threshold).sum())
    print(f"{name}: {passed} of {len(seeds)} seeds pass")

# %% [markdown]
# The chapter's settings store $N$ patterns in every seed; the weaker anchor and the larger
# step each lose the memory: these are the two settings the calibration of this chapter
# found to matter, and the ablation ladder's rows for $w_T$ measure the first at every load.
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} How strict is 95%?
# :label: ex-rm-criterion
#
# A recalled state that differs from the stored pattern in $d$ of $N$ bits has cosine
# similarity $1 - 2d/N$ with it. How many wrong bits per pattern does the 95% criterion allow
# at $N = 40$ (quick) and $N = 100$ (paper)? Why can the capacity under this criterion exceed
# the number of patterns that are exact fixed points, and why is the Gardner bound still a
# fair reference?
# ```

# %% [markdown]
# ```{solution} ex-rm-criterion
# :class: dropdown
#
# $1 - 2d/N \ge 0.95$ gives $d \le 0.025N$: one wrong bit per pattern at $N = 40$, two at
# $N = 100$ (on average over the patterns, since the score is a mean). A network passes
# although its attractors sit a bit or two away from the stored patterns, so the capacity
# counts patterns that are only approximately fixed points. The Gardner bound counts exact
# fixed points; allowing a fraction of wrong bits raises the largest storable load, so the
# bound is the reference for the exact problem, not a ceiling for this criterion. It stays
# a fair yardstick because the criterion is strict: at most 2.5% of the bits may be wrong,
# and the classical rules, measured by the same test, stay below it.
# ```
