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
# # Associative memory: infomorphic networks and classical baselines
#
# Paper §3.3 and Fig. 4 {cite}`makkeh2025`. A hundred neurons store random $\pm 1$ patterns.
# Neuron $i$ receives element $i$ of the pattern as receptive input and the other 99 neurons'
# outputs as context; its goal is mostly redundancy, $G = 0.9\, I_\mathrm{red} + 0.1\, I(Y:\tilde R,\tilde C)$:
# the recurrent input should come to predict what the pattern says. Retrieval is then
# recurrent dynamics from a corrupted cue, compared with Hopfield networks {cite}`hopfield1982`
# under the same test.
#
# ```{admonition} What this page reproduces, and under which protocol
# :class: important
# The paper trains with the context set to the other neurons' *sampled* outputs of the previous
# step (§3.3.1, §3.3.4). **Trained that way, our networks do not retrieve** (section
# "Training protocols" below). The capacities in the figures and the comparison table come
# from **teacher-forced** training: the context during training is the clean pattern. This is a
# departure from the paper's text, not a reading of it. The code published with the same lab's
# later memory paper trains its infomorphic Hopfield network teacher-forced too, and its
# least-tuned variant reaches about 0.4 patterns per neuron {cite}`bluemel2025`, the paper's
# order of magnitude: evidence about how such networks are trained, not about the PNAS runs.
# A near-literal protocol (the clean pattern as context on the first step of each
# presentation only) is measured too. Every number on this page names its protocol.
# ```

# %% tags=["parameters"]
profile = "quick"  # quick (4 runs, to 60 patterns) or paper (25, to 80)
n_runs = None  # independent runs per condition; None: the profile's
n_updates = None  # training minibatches per condition; None: the task's
learning_rate = None  # SGD step on the goal in bits; None: the task's
protocol = None  # training protocol (set-up below); None: the task's
test_context = None  # cue or previous; None: the task's
seed = 0  # run i uses seed + i for patterns, weights and noise

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from infomorphic_core import results
from infomorphic_core.goals import ATOM_KEYS, BIVARIATE
from infomorphic_core.plots import band, history_bands, setup
from infomorphic_core.tasks import memory

setup(precision=3)
PALETTE = ["C0", "C9", "C1", "C4", "C2", "C3", "C5"]

# %% [markdown]
# ## Set-up and our choices
#
# - 100 neurons, symmetric 8-norm activation $A = (r|r|^7 + c|c|^7)/(r^8 + c^8)^{7/8}$, in which the
#   larger input wins; no biases; no self-connections.
# - **Training protocol** (parameter `protocol`). Default `teacher_forced`: the context is the
#   clean current pattern, the receptive weight is fixed at 0.25, the recurrent weights start
#   $\mathcal N(0, 0.025^2)$ and learn by plain SGD (step 3), one update per pass over the
#   patterns, $\tilde R$ in 2 bins and $\tilde C$ in 40 adaptive bins. The recurrent protocols
#   (`sampled`, the paper's text; `first_clean`; `skip_first`) show patterns in random order,
#   8 steps each, with the network's own sampled outputs as context.
# - **Test (the paper's §3.3.4).** Each stored pattern is corrupted by setting a fraction
#   $\alpha$ of its elements to random $\pm 1$; it is presented for one step, then $x_R = 0$ and
#   20 steps follow; accuracy is the cosine similarity of the final state with the clean
#   pattern. The paper's readout is stochastic (each output sampled); later work reads out
#   deterministically ($y = \operatorname{sign} A$). We report both. At the presentation step
#   the context is the corrupted pattern itself (parameter `test_context`; the alternative is
#   measured below).
# - **Capacity** at a given $\alpha$: the largest number of stored patterns whose accuracy,
#   averaged over patterns and runs, exceeds 95%. The pattern sets are nested (the first $M$
#   patterns of one sequence per run), so accuracies are comparable across $M$. Each network is
#   measured on a grid of 5 patterns, the grid is extended while the network still passes,
#   and bisection narrows the edge to one pattern. A bootstrap over runs gives a 95% interval.
# - **Baselines** under the identical test, each started at the corrupted pattern with 20
#   synchronous sign updates: the Hebbian rule (the paper's comparison; the paper profile
#   adds 20 asynchronous sweeps), Storkey's local rule, and two rules that *learn* the recurrent matrix
#   from the patterns, as the infomorphic network does: the pseudo-inverse (projection) rule and
#   the Krauth–Mézard perceptron rule with optimal stability {cite}`krauth1987`.

# %%
config = memory.Config.from_profile(
    profile,
    n_runs=n_runs,
    n_updates=n_updates,
    learning_rate=learning_rate,
    protocol=protocol,
    test_context=test_context,
    seed=seed,
)
result = memory.run(config)
metrics, accuracy = result.metrics, result.accuracy
COLORS = {  # the networks this profile measures
    n: c for n, c in zip(memory.NETWORKS, PALETTE) if n in config.networks
}
print(
    f"profile {config.profile}: {config.n_runs} runs per condition, "
    f"protocol {config.protocol}, test context {config.test_context}\n"
    f"grid {list(config.pattern_counts)}, alpha {list(config.alphas)}"
)

# %% [markdown]
# ## Atoms during training, 35 patterns (Fig. 4B)
#
# Atoms on the training distribution, averaged over the 100 neurons; line: mean over runs, band:
# 2.5th to 97.5th percentile over runs. The dashed line is the retrieval accuracy at
# $\alpha = 0$ (stochastic test).


# %% tags=["hide-input"]
def atoms_over_training(m, ax):
    h = result.history[result.history.patterns == m]
    history_bands(ax, h, ATOM_KEYS, alpha=0.2)
    acc = h[h.quantity == "accuracy"].groupby("step").value.mean()
    ax.plot(acc.index, acc, "k--", lw=1.2, label="retrieval accuracy")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("update (one pass over the patterns)")
    ax.set_ylabel("bits / cosine")
    ax.set_title(f"{m} stored patterns ({config.protocol})")


fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
atoms_over_training(35, axes[0])
atoms_over_training(80, axes[1])
axes[0].legend(fontsize=8, ncols=2)
fig.tight_layout()
plt.show()

# %%
final = result.history[
    (result.history.step == config.n_updates)
    & result.history.quantity.isin(ATOM_KEYS + ("accuracy",))
]
BIVARIATE.relabel(
    final.pivot_table(index="patterns", columns="quantity", values="value")[
        [*ATOM_KEYS, "accuracy"]
    ]
).round(3)

# %% [markdown]
# Below capacity redundancy rises to nearly 1 bit and the other atoms stay small: the
# recurrent input predicts each neuron's pattern element. Above capacity (80 patterns, right)
# redundancy still rises during training, as the paper reports (its Fig. S9), but retrieval
# fails. The paper finds $I_{\mathrm{unq},C} < 0$ there; in these teacher-forced networks it is
# *positive* at 80 patterns (table). The last section measures how much of that sign the
# estimator decides.
#
# ## Accuracy against the number of stored patterns (Fig. 4C)
#
# Two corruption levels (the paper's figure shows two; which ones is not stated). Line: mean
# over runs; band: range over runs. Every count a network was measured at is drawn.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
for ax, level in zip(axes, (0.0, 0.2)):
    at = accuracy[(accuracy.alpha == level) & (accuracy.patterns <= 150)]
    for name, color in COLORS.items():
        band(
            ax,
            at[at.network == name],
            "patterns",
            value="accuracy",
            spread="range",
            alpha=0.12,
            color=color,
            label=name,
            ls="--" if "asynchronous" in name else "-",
        )
    ax.axhline(config.threshold, color="grey", ls=":", lw=1)
    ax.set_xlabel("stored patterns M (N = 100 neurons)")
    ax.set_title(f"α = {level}; infomorphic: {config.protocol}")
axes[0].set_ylabel("retrieval accuracy (cosine)")
axes[1].legend(fontsize=8, loc="lower left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Accuracy over training (Fig. 4D)
#
# Retrieval accuracy at $\alpha = 0$ (stochastic test) during training, every run of each
# logged pattern count.

# %% tags=["hide-input"]
logged = result.history[result.history.quantity == "accuracy"]
fig, ax = plt.subplots(figsize=(8, 4))
for i, (m, h) in enumerate(logged.groupby("patterns")):
    per_run = h.groupby(["run", "step"]).value.mean().unstack(0)
    ax.plot(per_run.index, per_run, color=f"C{i}", lw=0.8, alpha=0.7)
    ax.plot([], [], color=f"C{i}", label=f"M = {m}")
ax.axhline(config.threshold, color="grey", ls=":", lw=1)
ax.set_xlabel("update (one pass over the patterns)")
ax.set_ylabel("retrieval accuracy (cosine)")
ax.set_title(f"infomorphic, {config.protocol}; one line per run")
ax.legend(fontsize=9)
plt.show()

# %% [markdown]
# ## Capacity against corruption
#
# Capacities refined to one pattern, with the 95% bootstrap interval over runs at
# $\alpha = 0$ and the capacity per neuron $\alpha_c = M/N$. The Gardner bound: for unbiased
# random patterns no coupling matrix makes more than $2N = 200$ patterns exact fixed points
# {cite}`gardner1988`. The 95% cosine criterion asks for less than exact fixed points (it
# tolerates about 2.5% wrong elements), so a network could in principle pass slightly
# above the bound; none here comes near it.

# %%
prefix = {n: memory.NETWORKS[n] for n in COLORS}
caps = pd.DataFrame(
    {n: metrics[f"{p}capacity_by_alpha"] for n, p in prefix.items()}
)
caps.index = caps.index.astype(float)
at_zero = pd.DataFrame(
    {
        "capacity, α = 0": caps.loc[0.0],
        "95% interval": [
            metrics[f"{p}capacity_alpha0_ci"] for p in prefix.values()
        ],
        "per neuron": caps.loc[0.0] / config.n_neurons,
    }
)
print(metrics["perceptron_rule"])
at_zero

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(9, 4.2))
for name, color in COLORS.items():
    ax.plot(
        caps.index,
        caps[name],
        "s--" if "asynchronous" in name else "o-",
        color=color,
        label=name,
        ms=4,
    )
ax.axhline(
    metrics["gardner_bound_patterns"],
    color="black",
    ls=":",
    label="Gardner bound, 2N",
)
ax.set_xlabel("corrupted fraction α (elements set to random ±1)")
ax.set_ylabel("capacity (patterns above 95%)")
ax.set_title(f"infomorphic: {config.protocol} training")
ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9)
fig.tight_layout()
plt.show()

# %%
caps.T

# %% [markdown]
# ## Does the conclusion hinge on how the threshold is applied?
#
# The capacity above averages accuracy over patterns and runs, then applies the 95%
# threshold. Applying it per run (on the counts measured) and taking the median over runs
# gives:


# %%
def run_capacity(group):
    return memory.capacity(
        group.set_index("patterns").accuracy.to_dict(), config.threshold
    )


searched = accuracy[accuracy.stage != "history"]
per_run_caps = (
    searched.groupby(["network", "alpha", "run"])
    .apply(run_capacity, include_groups=False)
    .groupby(["network", "alpha"])
    .median()
    .unstack(0)
)
per_run_caps[["infomorphic", "Hopfield (Hebbian)", "Hopfield (Storkey)"]]

# %% [markdown]
# The per-run median moves capacities by a few patterns at most; the order of the networks
# stays.
#
# ## Why very few patterns fail
#
# With few patterns, some neurons see a receptive input that is the same in every stored
# pattern (probability $2 \cdot 2^{-M}$ per neuron): it carries no information. A second kind
# of failure needs no constant input: the goal cannot tell a neuron from its sign-flipped copy
# (redundancy is the same if $Y = -\xi_i$), so a neuron may learn a recurrent field that points
# *against* its element. Counted on the trained networks (means over runs; field and drive:
# mean magnitude on the stored patterns):

# %%
clean = accuracy[accuracy.alpha == 0.0]
few = sorted(config.pattern_counts)[:4]
table = result.neurons.groupby("patterns").mean().drop(columns="run")
table["infomorphic accuracy, α = 0"] = (
    clean[clean.network == "infomorphic"]
    .groupby("patterns")
    .accuracy.mean()
)
table.loc[few].round(3)

# %% [markdown]
# At 5 patterns each run has about seven neurons with a constant input, but more neurons with
# an informative input learned the inverted sign (about nine per run; four at 10 patterns,
# none from 20 on). An inverted neuron outputs the wrong element whenever its field decides,
# and its wrong output feeds the others. The recurrent field is *stronger* at 5 patterns than
# at 20, so weak weights are not the cause. With few patterns the goal is satisfied by either
# sign, and the few samples per neuron do not break the tie.

# %% [markdown]
# ## The test's context at the presentation step
#
# The paper's design (§3.3.3) lets both inputs drive the neuron, so that the receptive input
# can impose the cue. In the trained networks it cannot: the recurrent field on a stored
# pattern is about 10 (table above) while the receptive drive is 0.25, and the 8-norm lets the
# larger input win. With the cue itself as the presentation context (our default) the
# presentation step is simply one recurrent step from the cue. With the state left by the
# previous test as context, the leftover state wins. A receptive weight at presentation that
# exceeds the recurrent field (here 100, set by hand for the test only) restores the paper's
# design:

# %%
contexts = {
    "previous state": dict(test_context="previous"),
    "previous state, w_R = 100 at presentation": dict(
        test_context="previous", w_receptive_test=100.0
    ),
}
at_counts = accuracy[
    accuracy.network.isin(memory.INFOMORPHIC)
    & accuracy.patterns.isin([10, 20, 35])
    & accuracy.alpha.isin([0.0, 0.2])
]
rows = [
    at_counts.groupby(["network", "alpha", "patterns"])
    .accuracy.mean()
    .rename(f"{config.test_context} ({config.protocol}, above)")
]
for label, change in contexts.items():
    r = memory.run(
        config.replace(
            protocol="teacher_forced",
            pattern_counts=(10, 20, 35),
            alphas=(0.0, 0.2),
            networks=memory.INFOMORPHIC,
            history_patterns=(),
            refine=False,
            **change,
        )
    )
    mean = r.accuracy.groupby(
        ["network", "alpha", "patterns"]
    ).accuracy.mean()
    rows.append(mean.rename(label))
pd.concat(rows, axis=1).unstack("patterns").T.round(3)

# %% [markdown]
# Could training itself produce a receptive weight that overrules the recurrent field? We
# trained teacher-forced at 20 patterns with larger fixed receptive weights, and with the
# receptive weight learned from 0.25:


# %%
def verdict(a):
    """A retrieval accuracy in words (what the text below relies on)."""
    if a > config.threshold:
        return "retrieves"
    return "retrieves partly" if a > 0.5 else "does not retrieve"


weights = {
    "fixed 1": dict(w_receptive=1.0),
    "fixed 2": dict(w_receptive=2.0),
    "learned from 0.25": dict(w_receptive=0.25, learn_receptive=True),
}
rows = {}
for label, change in weights.items():
    for where in ("cue", "previous"):
        r = memory.run(
            config.replace(
                protocol="teacher_forced",
                pattern_counts=(20,),
                alphas=(0.0,),
                networks=("infomorphic",),
                history_patterns=(),
                refine=False,
                test_context=where,
                **change,
            )
        )
        rows.setdefault(label, {})[
            f"accuracy, {where}"
        ] = r.accuracy.accuracy.mean()
    drives = r.neurons[["receptive drive", "recurrent field"]].mean()
    rows[label] |= drives.to_dict()
    print(
        f"{label}: from the cue {verdict(rows[label]['accuracy, cue'])}, "
        f"from the previous state "
        f"{verdict(rows[label]['accuracy, previous'])}"
    )
pd.DataFrame(rows).T.round(3)

# %% [markdown]
# With the default fixed weight of 0.25 the recurrent field grows to about 11 (table on
# few patterns). With a fixed receptive weight of 2 it grows only to about the receptive
# drive and the network does not retrieve: once the receptive drive is as large as the
# context's, the 8-norm hides the context from the output, and the goal's gradient on the
# recurrent weights fades. Learned from 0.25, the receptive weight grows to about 5, still
# below the recurrent field, and retrieval falls. In our measurements the goal does not
# produce the receptive-dominated presentation the paper designs for; it has to be set at the
# test, as above (later work freezes the receptive weight at a dominating value and combines
# the inputs by a sum, not the 8-norm {cite}`bluemel2025`).
#
# ## Training protocols
#
# The same network and goal, trained four ways, accuracy at $\alpha = 0$ with the cue as
# presentation context (recurrent protocols: 8 steps per presentation, patterns in random
# order; `sampled` learns the receptive weight from 1 with SGD step 1, as the paper's text
# has both weights learn; `first_clean` and `skip_first` keep the teacher-forced settings,
# receptive weight fixed at 0.25):
#
# - `sampled`: the paper's text, the context is the sampled output of the previous step;
# - `first_clean` (near-literal): as `sampled`, but the first step of each presentation,
#   whose context still belongs to the *previous* pattern, gets the clean pattern as context;
# - `skip_first` (diagnostic): as `sampled`, with that first step left out of the goal;
# - `teacher_forced`: the clean pattern as context on every step (the figures above).

# %%
counts = (20, 35) if config.profile == "quick" else (10, 20, 30, 40)
protocols = {
    "sampled": (dict(learning_rate=1.0, w_receptive=1.0), counts[:1]),
    "skip_first": (dict(learn_receptive=False), counts[:1]),
    "first_clean": (dict(learn_receptive=False), counts),
}
runs = {}
for name, (change, ms) in protocols.items():
    runs[name] = memory.run(
        config.replace(
            protocol=name,
            pattern_counts=ms,
            alphas=(0.0,),
            networks=memory.INFOMORPHIC,
            history_patterns=(),
            refine=config.profile == "paper" and name == "first_clean",
            **change,
        )
    )
runs[config.protocol] = result
rows = []
for name, r in runs.items():
    acc = r.accuracy[
        (r.accuracy.alpha == 0) & r.accuracy.patterns.isin(counts)
    ]
    acc = acc[acc.network.isin(memory.INFOMORPHIC)]
    mean = acc.groupby(["patterns", "network"]).accuracy.mean().unstack()
    n = r.neurons.groupby("patterns")[
        ["inverted neurons", "recurrent field"]
    ]
    rows.append(mean.join(n.mean()).assign(protocol=name))
by_protocol = (
    pd.concat(rows).reset_index().set_index(["protocol", "patterns"])
)
for (name, m), a in by_protocol["infomorphic"].items():
    print(f"{name}, {m} patterns: {verdict(a)}")
by_protocol.round(3)

# %% [markdown]
# Under the paper's text (`sampled`) the network does not retrieve: its recurrent field stays
# near its initial size and about 40 of 100 neurons point against their element, close to the
# 50 expected of a field unrelated to the patterns. `first_clean` differs from it in one step
# of each presentation of eight, the step whose sampled context still shows the *previous*
# pattern. Giving that step the clean pattern turns failure into retrieval of about 0.9,
# close to teacher forcing though below the 95% criterion. Leaving the step out (`skip_first`)
# learns a weak field and retrieves little in the same number of updates. So under the paper's
# protocol that first step decides what the recurrent weights learn. Our reading: there the
# goal pairs each pattern with the one shown before it, in a random order, which a memory
# cannot use.

# %% [markdown]
# **The paper's protocol over the whole range.** The paper profile of `sampled` (25 runs, the
# teacher-forced run's pattern counts from 5 to 80, extended and bisected where a count passes,
# $\alpha = 0$, both readouts, the settings above) is recorded in
# `results/paper/memory-sampled`; this page reads it. Accuracy averaged over the runs, with
# the lowest and the highest run in brackets:

# %%
sampled_run = results.load("memory-sampled")
recorded_accuracy = sampled_run.tables["accuracy"]
recorded_accuracy = recorded_accuracy[recorded_accuracy.alpha == 0]


def fixed(value):
    """Three decimals, rounded first: -0.0004 prints 0.000, not -0.000."""
    return f"{round(value, 3) + 0:.3f}"


sampled_table = recorded_accuracy.assign(
    cell=[
        f"{fixed(a)} [{fixed(lo)}, {fixed(hi)}]"
        for a, lo, hi in zip(
            recorded_accuracy["mean"],
            recorded_accuracy["min"],
            recorded_accuracy["max"],
        )
    ]
).pivot(index="patterns", columns="network", values="cell")
sm = sampled_run.metrics
print(
    f"{sampled_run.config['n_runs']} runs; capacity at α = 0: "
    f"{sm['capacity_alpha0']} patterns with the stochastic test,\n"
    f"{sm['deterministic_capacity_alpha0']} with the deterministic one "
    f"(the paper: {memory.PAPER['capacity_alpha0']})"
)
sampled_table

# %%
print(sampled_run.describe())

# %% [markdown]
# ## Atoms above capacity: how much does the estimator decide?
#
# The paper reports $I_{\mathrm{unq},C} < 0$ above capacity. At 80 stored patterns the training
# distribution holds only 80 samples per neuron (one per pattern), spread over the context
# bins. Trained and measured with different numbers of context bins (teacher-forced):

# %%
h = result.history[
    (result.history.patterns == 80)
    & (result.history.step == config.n_updates)
]
rows = {
    f"{config.n_bins_context} bins (above)": h.groupby(
        "quantity"
    ).value.mean()
}
for bins in (10, 20, 60):
    r = memory.run(
        config.replace(
            protocol="teacher_forced",
            n_bins_context=bins,
            pattern_counts=(80,),
            alphas=(0.0,),
            networks=("infomorphic",),
            history_patterns=(80,),
            eval_every=config.n_updates,
            refine=False,
        )
    )
    h = r.history[r.history.step == config.n_updates]
    rows[f"{bins} bins"] = h.groupby("quantity").value.mean()
bins_table = BIVARIATE.relabel(
    pd.DataFrame(rows).T[[*ATOM_KEYS, "accuracy"]]
).round(3)
bins_table

# %%
unq_c = bins_table["I_unq,C"]
atoms = bins_table.drop(columns="accuracy")
spread = (atoms.max() - atoms.min()).max()
negative = unq_c.index[unq_c < 0].tolist()
print(
    f"I_unq,C at 80 patterns: {unq_c.min():+.3f} to {unq_c.max():+.3f} "
    f"bits over {len(unq_c)} bin counts"
)
print("negative, the paper's sign, with:", ", ".join(negative) or "none")
print(f"largest change of an atom with the bin count: {spread:.3f} bits")

# %% [markdown]
# The bin count moves the atoms by hundredths of a bit and decides neither their ranking nor,
# here, the sign of $I_{\mathrm{unq},C}$ (printed above for every bin count tried): whether
# the context's unique information turns negative above capacity, as the paper reports, is
# a property of the trained network and the protocol, not of how finely the context is
# binned.

# %% [markdown]
# ## Ours beside the paper


# %%
def edge(name, r=result):
    """Capacity and interval at α = 0, as text."""
    p = memory.NETWORKS[name]
    low, high = r.metrics[f"{p}capacity_alpha0_ci"]
    return f"{r.metrics[f'{p}capacity_alpha0']} [{low}, {high}]"


def below(name):
    """Accuracy of a protocol measured at fixed counts, as text."""
    acc = by_protocol.loc[name, "infomorphic"]
    return ", ".join(
        f"{round(a, 2) + 0:.2f} at {m}" for m, a in acc.items()
    )


near = runs["first_clean"]
paper = memory.PAPER
comparison = pd.DataFrame(
    {
        "paper": [
            paper["capacity_alpha0"],
            "",
            "",
            "",
            "",
            paper["hopfield_capacity_alpha0"],
            "",
            "",
            "",
            200,
        ],
        "ours, α = 0": [
            "accuracy " + below("sampled"),
            (
                edge("infomorphic", near)
                if near.config.refine
                else "accuracy " + below("first_clean")
            ),
            edge("infomorphic"),
            edge("infomorphic, deterministic test"),
            "accuracy " + below(config.protocol),
            edge("Hopfield (Hebbian)"),
            edge("Hopfield (Storkey)"),
            edge("Hopfield (pseudo-inverse)"),
            edge("Hopfield (Krauth–Mézard)"),
            metrics["gardner_bound_patterns"],
        ],
    },
    index=[
        "infomorphic, sampled context (paper's text)",
        "infomorphic, clean first context (near-literal)",
        f"infomorphic, {config.protocol}, stochastic test",
        f"infomorphic, {config.protocol}, deterministic test",
        f"infomorphic, {config.protocol}, at the counts above",
        "Hopfield, Hebbian",
        "Hopfield, Storkey",
        "pseudo-inverse rule",
        "Krauth–Mézard perceptron rule",
        "Gardner bound (exact fixed points)",
    ],
)
print(
    f"ours: profile {config.profile}, {metrics['n_runs']} runs per "
    f"condition, cue as presentation context; paper: 25 runs, "
    f"stochastic test, its protocol as stated in the text"
)
comparison

# %% [markdown]
# **What the paper claims.** Trained by the protocol its text states, an infomorphic network
# of 100 neurons stores 35 patterns at $\alpha = 0$, against 14 for the Hebbian Hopfield
# network, and leads it up to $\alpha = 0.4$; its readout is stochastic.
#
# **What holds, and under which protocol** (quick profile, 4 runs; the paper profile, 25
# runs, follows below from its recorded result):
#
# - *The paper's stated protocol* (`sampled`): not reproduced. Our networks do not retrieve at
#   all, although redundancy rises during training; nor do they in the paper profile, at any
#   pattern count from 5 to 80 (its recorded table above).
# - *Near-literal* (`first_clean`, one step of eight changed): retrieval of about 0.9 at 20
#   and 35 patterns, below the 95% criterion, so no capacity by the paper's definition at the
#   counts measured.
# - *Teacher-forced* (our default, a departure from the text): 48 patterns [47, 48] with the
#   paper's stochastic test and 56 [55, 57] with a deterministic readout, more than the
#   paper's 35. It leads the Hebbian network (18 [17, 19] here; the paper's 14 is the
#   large-network limit with about 1.5% wrong elements) at every corruption measured.
#
# **The paper profile** of the teacher-forced run (25 runs, $\alpha$ from 0 to 1) is
# recorded once in `results/paper/memory` by `infomorphic record memory`, which this page
# reads instead of rerunning it: capacities in patterns for each network and corruption
# $\alpha$, the interval at $\alpha = 0$ (bootstrap over runs), and the paper's numbers.

# %%
paper_run = results.load("memory")
SHOWN = {
    "infomorphic, stochastic test": "",
    "infomorphic, deterministic": "deterministic_",
    "Hebbian": "hopfield_",
    "Hebbian, asynchronous": "hopfield_async_",
    "Storkey": "storkey_",
    "pseudo-inverse": "pseudoinverse_",
    "Krauth–Mézard": "perceptron_",
}
PAPER_ALPHA0 = {"": memory.PAPER["capacity_alpha0"],
                "hopfield_": memory.PAPER["hopfield_capacity_alpha0"]}
shown_alphas = ["0.0", "0.2", "0.4", "0.5", "0.6"]
paper_rows = []
for label, prefix in SHOWN.items():
    by_alpha = paper_run.metrics[f"{prefix}capacity_by_alpha"]
    interval = paper_run.metrics[f"{prefix}capacity_alpha0_ci"]
    paper_rows.append(
        {"network": label}
        | {
            f"α = {a}": "—" if by_alpha.get(a) is None else by_alpha[a]
            for a in shown_alphas
        }
        | {
            "interval, α = 0": f"[{interval[0]:g}, {interval[1]:g}]"
            if interval
            else "—",
            "paper, α = 0": PAPER_ALPHA0.get(prefix, "—"),
        }
    )
paper_table = pd.DataFrame(paper_rows).set_index("network")
alphas = sorted(paper_run.metrics["capacity_by_alpha"], key=float)
ours = paper_run.metrics["capacity_by_alpha"]
hebb = paper_run.metrics["hopfield_capacity_by_alpha"]
lead_to = next((a for a in alphas if ours[a] <= hebb[a]), None)
size = paper_run.config
print(
    f"{size['n_runs']} runs, {size['n_neurons']} neurons, "
    "teacher-forced training."
)
print(
    "The infomorphic network leads the Hebbian one "
    + (f"below α = {lead_to}" if lead_to else "at every α")
    + f" (the paper: up to α = {memory.PAPER['better_up_to_alpha']})."
)
paper_table

# %%
print(paper_run.describe())

# %% [markdown]
# **Against learned classical rules** the picture changes. Storkey's local rule stores about
# as many patterns. The pseudo-inverse and the Krauth–Mézard rules, which learn the recurrent
# matrix from the patterns as the infomorphic network does, store far more at $\alpha = 0$:
# the pseudo-inverse makes every pattern a fixed point up to $M = N - 1$ (the test at
# $\alpha = 0$ asks for nothing more), and the perceptron rule stores more still within its
# budget of updates, below the Gardner bound of 200. With corrupted cues they store about as
# many as the infomorphic network with its deterministic readout; the cell below names every
# $\alpha$ at which a rule stores fewer than either infomorphic readout.

# %%
for rule, prefix in (("pseudo-inverse", "pseudoinverse_"),
                     ("Krauth–Mézard", "perceptron_")):
    theirs = paper_run.metrics[f"{prefix}capacity_by_alpha"]
    for readout, own in (("stochastic", ""),
                         ("deterministic", "deterministic_")):
        mine = paper_run.metrics[f"{own}capacity_by_alpha"]
        fewer = [a for a in alphas if theirs[a] < mine[a]]
        where = ", ".join(f"α = {a}" for a in fewer) or "no α"
        print(f"{rule} stores fewer than the {readout} readout at {where}")

# %% [markdown]
# The infomorphic network is a good learned memory; by these measurements it is not beyond
# what classical learning rules reach.

# %% [markdown]
# ## Exercises
#
# ```{exercise} Where Hebb's 0.14 comes from
# :label: ex-memory-crosstalk
#
# With the Hebbian weights $W = \tfrac1N \sum_\mu \xi^\mu \xi^{\mu\top}$ (zero diagonal), the
# field on neuron $i$ of a stored pattern $\nu$ is $\xi_i^\nu$ plus a crosstalk term, a sum of
# $(M - 1)(N - 1)$ random $\pm \tfrac1N$. Show that the crosstalk has variance about
# $(M - 1)/N$, estimate the fraction of unstable bits with a Gaussian, and check it with
# `hopfield.hebbian` and `hopfield.stabilities` for $N = 100$ and a few $M$.
# ```

# %% [markdown]
# ```{solution-start} ex-memory-crosstalk
# :class: dropdown
# ```
#
# $h_i^\nu = \xi_i^\nu + \tfrac1N \sum_{\mu \ne \nu} \sum_{j \ne i} \xi_i^\mu \xi_j^\mu \xi_j^\nu$.
# Each of the $(M - 1)(N - 1)$ products is $\pm 1$ with equal probability, independent for
# random patterns, so the crosstalk has mean 0 and variance $(M - 1)(N - 1)/N^2 \approx
# (M - 1)/N$. Bit $i$ is unstable when the crosstalk outweighs $\xi_i^\nu$:
# $P \approx \Phi\big(-\sqrt{N/(M - 1)}\big)$. At $M = 0.14N$ about 0.3% of the bits are
# unstable; beyond it the errors they cause during recall cascade (the classical capacity
# analysis), which is why networks fail near that load.

# %%
import math

import torch

from infomorphic_core import hopfield

g = torch.Generator().manual_seed(seed)
n = 100
for m in (5, 14, 30):
    xi = torch.where(torch.rand(20, m, n, generator=g) < 0.5, 1.0, -1.0)
    # N·W has integer entries: exact fields, the same on every CPU
    hebb = (hopfield.hebbian(xi) * n).round()
    unstable = (hopfield.stabilities(hebb, xi) <= 0).double()
    gauss = 0.5 * math.erfc(math.sqrt(n / (m - 1)) / math.sqrt(2))
    print(
        f"M = {m}: unstable bits {unstable.mean():.4f}, "
        f"Gaussian estimate {gauss:.4f}"
    )

# %% [markdown]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Reaching for the Gardner bound
# :label: ex-memory-gardner
#
# The Gardner bound says that at most $2N$ random patterns can be fixed points of such a
# network, and the Krauth–Mézard rule approaches it. Store $M = 1.5N$ random patterns in
# $N = 50$ neurons with `hopfield.krauth_mezard` using 2,000 and then 40,000 updates per
# neuron, and check with `hopfield.stabilities` whether every pattern is a fixed point. What
# does this say about the capacity this chapter reports for that rule?
# ```

# %% [markdown]
# ```{solution-start} ex-memory-gardner
# :class: dropdown
# ```

# %%
n, m = 50, 75
xi = torch.where(torch.rand(4, m, n, generator=g) < 0.5, 1.0, -1.0)
for iterations in (2000, 40000):
    w = hopfield.krauth_mezard(xi, iterations)
    margin = hopfield.stabilities(w, xi).amin((-1, -2))
    print(
        f"{iterations} updates: all patterns fixed points in "
        f"{int((margin > 0).sum())} of 4 networks"
    )

# %% [markdown]
# Near the bound the minover algorithm needs many more updates: with 2,000 per neuron no
# network makes all 75 patterns fixed points, with 40,000 most of them do (the count
# above), and the last one needs more still. The capacity in this
# chapter (2,000 updates, and a test that asks for 95% cosine similarity from a cue, not
# exact fixed points) is a property of the rule *as run*, below what the rule can reach.
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The pseudo-inverse rule and noisy cues
# :label: ex-memory-pseudoinverse
#
# In the capacity table above, the pseudo-inverse rule stores every pattern up to
# $M = N - 1$ when the cue is clean ($\alpha = 0$), but far fewer once 10% of the cue is
# corrupted. Using the closed form of its field, $(1 - P_{ii})\,\xi_i$ for a stored pattern
# with $P$ the projector onto the patterns' span, explain why.
# ```

# %% [markdown]
# ```{solution} ex-memory-pseudoinverse
# :class: dropdown
#
# For random patterns the projector's diagonal is $P_{ii} \approx M/N$, so a stored pattern's
# field is about $(1 - M/N)\,\xi_i$: positive, hence a fixed point, for every $M < N$, which
# is all a clean cue asks. A corrupted cue is the pattern plus an error vector; the part of
# the error inside the span is kept by the projector, and as $M \to N$ the span fills the
# whole space, $W = P - \operatorname{diag}(P)$ shrinks towards zero off the diagonal, and
# the field that should pull the corrupted bits back, $(1 - M/N)$, vanishes. The basins of
# attraction shrink to the patterns themselves, so the capacity for noisy cues is far
# below $N$.
# ```
