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
# # Associative memory: infomorphic networks and Hopfield baselines
#
# Paper §3.3 and Fig. 4 {cite}`makkeh2025`. A hundred neurons store random $\pm 1$ patterns.
# Neuron $i$ receives element $i$ of the pattern as receptive input and the other 99 neurons'
# outputs as context; its goal is mostly redundancy, $G = 0.9\, I_\mathrm{red} + 0.1\, I(Y:\tilde R,\tilde C)$:
# the recurrent input should come to predict what the pattern says. Retrieval is then
# recurrent dynamics from a corrupted cue, compared with the classical Hopfield network
# {cite}`hopfield1982` under the same test.

# %% tags=["parameters"]
profile = "quick"  # quick (4 runs, to 60 patterns) or paper (25, to 80)
n_runs = None  # independent runs per condition; None: the profile's
n_updates = None  # training minibatches per condition; None: the task's
learning_rate = None  # SGD step on the goal in bits; None: the task's
seed = 0  # run i uses seed + i for patterns, weights and noise

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from infomorphic_core.goals import ATOM_KEYS, BIVARIATE
from infomorphic_core.plots import band, history_bands, setup
from infomorphic_core.tasks import memory

setup(precision=3)
NETWORKS = {"infomorphic": "C0", "Hopfield (Hebbian)": "C1",
            "Hopfield (Hebbian, asynchronous)": "C4",
            "Hopfield (Storkey)": "C2"}

# %% [markdown]
# ## Set-up and our choices
#
# - 100 neurons, symmetric 8-norm activation $A = (r|r|^7 + c|c|^7)/(r^8 + c^8)^{7/8}$, in which the
#   larger input wins; no biases; no self-connections.
# - **Training protocol (our choice).** Read literally, the paper trains with the context set
#   to the other neurons' *sampled* outputs of the previous step while patterns are shown in
#   random order, 8 steps each. In our hands that protocol raises redundancy but does not learn
#   to retrieve (shown at the end). We therefore train *teacher-forced*: during training the
#   context is the clean current pattern. The receptive weight is fixed at 0.25, the recurrent
#   weights start $\mathcal N(0, 0.025^2)$ and learn by plain SGD (step 3), one update per pass
#   over the patterns, $\tilde R$ in 2 bins and $\tilde C$ in 40 adaptive bins.
# - **Test (the paper's §3.3.4).** Each stored pattern is corrupted by setting a fraction
#   $\alpha$ of its elements to random $\pm 1$; it is presented for one step, then $x_R = 0$ and
#   20 steps of stochastic dynamics follow; accuracy is the cosine similarity of the final state
#   with the clean pattern. At the presentation step the context is the corrupted pattern
#   itself (our choice; the alternative is discussed below).
# - **Capacity** at a given $\alpha$: the largest number of stored patterns, on the grid used,
#   whose accuracy averaged over patterns and runs exceeds 95%.
# - **Baselines** under the identical test: Hopfield networks with the Hebbian rule (the paper's
#   comparison) and with Storkey's rule, started at the corrupted pattern, 20 synchronous
#   updates; the Hebbian network also with 20 asynchronous sweeps (units one at a time, in a
#   random order).

# %%
config = memory.Config.from_profile(
    profile, n_runs=n_runs, n_updates=n_updates,
    learning_rate=learning_rate, seed=seed)
result = memory.run(config)
metrics, accuracy = result.metrics, result.accuracy
print(
    f"profile {config.profile}: {config.n_runs} runs per condition, "
    f"patterns {list(config.pattern_counts)}, "
    f"alpha {list(config.alphas)}"
)

# %% [markdown]
# ## Atoms during training, 35 patterns (Fig. 4B)
#
# Atoms on the training distribution, averaged over the 100 neurons; line: mean over runs, band:
# 2.5th to 97.5th percentile over runs. The dashed line is the retrieval accuracy at $\alpha = 0$.


# %% tags=["hide-input"]
def atoms_over_training(m, ax):
    h = result.history[result.history.patterns == m]
    history_bands(ax, h, ATOM_KEYS, alpha=0.2)
    accuracy = h[h.quantity == "accuracy"].groupby("step").value.mean()
    ax.plot(
        accuracy.index, accuracy, "k--", lw=1.2, label="retrieval accuracy"
    )
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("update (one pass over the patterns)")
    ax.set_ylabel("bits / cosine")
    ax.set_title(f"{m} stored patterns")


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
# Below capacity (35 patterns) redundancy rises to nearly 1 bit and the other atoms stay small:
# the recurrent input predicts each neuron's pattern element. Above capacity (80 patterns, right)
# redundancy still rises during training, as the paper reports (its Fig. S9), but retrieval fails.
# The paper finds $I_{\mathrm{unq},C} < 0$ there. In the teacher-forced networks recorded on this
# page it is *positive* at 80 patterns (table above); in the networks trained with the literal
# protocol (last section) it is negative, although those do not retrieve at all. We could not
# reproduce the paper's sign in a network that retrieves.
#
# ## Accuracy against the number of stored patterns, no corruption

# %% tags=["hide-input"]
clean = accuracy[accuracy.alpha == 0.0]
fig, ax = plt.subplots(figsize=(7, 4))
for name, color in NETWORKS.items():
    band(
        ax,
        clean[clean.network == name],
        "patterns",
        value="accuracy",
        spread="range",
        alpha=0.15,
        fmt="o-",
        color=color,
        label=name,
        ms=4,
    )
ax.axhline(
    config.threshold, color="grey", ls=":", lw=1, label="95% threshold"
)
ax.set_xlabel("stored patterns M (N = 100 neurons)")
ax.set_ylabel("retrieval accuracy (cosine)")
ax.set_title(f"α = 0; line: mean, band: range over {config.n_runs} runs")
ax.legend(fontsize=9, loc="lower left")
plt.show()

# %% [markdown]
# ## Capacity against corruption (Fig. 4C)

# %%
caps = pd.DataFrame(
    {
        "infomorphic": metrics["capacity_by_alpha"],
        "Hopfield (Hebbian)": metrics["hopfield_capacity_by_alpha"],
        "Hopfield (Hebbian, asynchronous)": metrics[
            "hopfield_async_capacity_by_alpha"
        ],
        "Hopfield (Storkey)": metrics["storkey_capacity_by_alpha"],
    }
)
caps.index = caps.index.astype(float)
fig, ax = plt.subplots(figsize=(9, 4))
for name, color in NETWORKS.items():
    dashed = (
        "asynchronous" in name
    )  # drawn dashed: it coincides with the synchronous curve
    ax.plot(
        caps.index,
        caps[name],
        "s--" if dashed else "o-",
        color=color,
        label=name,
        ms=4 if dashed else 6,
    )
ax.set_xlabel("corrupted fraction α (elements set to random ±1)")
ax.set_ylabel("capacity (patterns above 95% accuracy)")
ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9)
fig.tight_layout()
plt.show()
caps.T

# %% [markdown]
# ## Does the conclusion hinge on how the threshold is applied?
#
# The capacity above averages accuracy over patterns and runs, then applies the 95%
# threshold. Applying it per run and taking the median over runs gives:

# %%
per_run = accuracy[accuracy["in grid"]]


def run_capacity(group):
    return memory.capacity(
        group.set_index("patterns").accuracy.to_dict(), config.threshold
    )


per_run_caps = (
    per_run.groupby(["network", "alpha", "run"])
    .apply(run_capacity, include_groups=False)
    .groupby(["network", "alpha"])
    .median()
    .unstack(0)
)
per_run_caps

# %% [markdown]
# The per-run median moves some capacities by one grid step, but not the comparison with the
# Hebbian rule: the infomorphic network stays well above it for each α ≤ 0.4. Against Storkey's
# rule the two stay within about a grid step of each other either way.

# %% [markdown]
# ## Why very few patterns fail
#
# With few patterns, some neurons see a receptive input that is the same in every stored
# pattern: it carries no information, so the neuron cannot learn what its context predicts
# about it, and its state during recall is decided by its context alone. With M patterns a
# neuron's element is constant with probability $2 \cdot 2^{-M}$.

# %%
const = result.constant_inputs.groupby("patterns")["constant inputs"].mean()
acc0 = (
    clean[clean.network == "infomorphic"]
    .groupby("patterns")
    .accuracy.mean()
)
table = pd.DataFrame(
    {
        "neurons with constant input (mean)": const,
        "expected, 100·2^(1−M)": 100 * 2.0 ** (1 - const.index.to_numpy()),
        "infomorphic accuracy, α = 0": acc0,
    }
).loc[sorted(config.pattern_counts)[:4]]
table.round(3)

# %% [markdown]
# At 5 patterns about six or seven neurons per run have a constant input. If each of them were
# wrong half of the time, the cosine would fall only to about 0.93, less than the drop we
# measure at 5 patterns: in our networks constant inputs are part of the story, not all of it.
# With so few patterns the learned recurrent weights also stay weak, so the 20 stochastic steps
# of the test wander further from the pattern.

# %% [markdown]
# ## The test's context at the presentation step
#
# The paper does not say what the context is when the corrupted cue is presented. Above it is
# the cue itself, so the recurrent dynamics start at the cue. If instead it is the state left
# over from the previous test (patterns tested one after another), the recurrent input of the
# previously retrieved pattern is much stronger than the receptive drive of 0.25, and the
# 8-norm lets it win:

# %%
previous = memory.run(
    config.replace(
        n_runs=min(config.n_runs, 4),
        test_context="previous",
        pattern_counts=(10, 20, 35),
        alphas=(0.0,),
        history_patterns=(),
    )
)
both = pd.concat(
    [
        accuracy[
            (accuracy.alpha == 0) & accuracy.patterns.isin([10, 20, 35])
        ].assign(context="cue (ours)"),
        previous.accuracy.assign(context="previous state"),
    ]
)
both.groupby(["context", "network", "patterns"]).accuracy.mean().unstack(
    "patterns"
).round(3)

# %% [markdown]
# ## The literal training protocol
#
# Trained as the paper's text reads (context = the other neurons' sampled outputs at the
# previous step, patterns in random order for 8 steps each, receptive weights learned from 1.0,
# recurrent weights from $\mathcal N(0, 0.025^2)$), on 20 patterns:

# %%
literal = memory.run(
    config.replace(
        n_runs=min(config.n_runs, 4),
        learning_rate=1.0,
        w_receptive=1.0,
        protocol="sampled",
        pattern_counts=(20,),
        alphas=(0.0,),
        history_patterns=(20,),
    )
)
lit = literal.history[
    literal.history.step.isin([0, config.n_updates])
    & literal.history.quantity.isin(ATOM_KEYS + ("accuracy",))
]
print(
    "retrieval accuracy at α = 0, 20 patterns: "
    + ", ".join(
        f"{n} {a:.3f}"
        for n, a in literal.accuracy.groupby("network")
        .accuracy.mean()
        .items()
    )
)
BIVARIATE.relabel(
    lit.pivot_table(index="step", columns="quantity", values="value")[
        [*ATOM_KEYS, "accuracy"]
    ]
).round(3)

# %% [markdown]
# Redundancy rises during training, yet the infomorphic network does not retrieve: high
# redundancy alone does not make a memory. Our method notes record why, as measured in
# prototypes: under the 8-norm, the gradient reaching the recurrent weights is tiny while the
# receptive drive dominates, and with adaptive context bins a random projection of the pattern
# already identifies it, a lookup-table shortcut. The paper's SI may hold a schedule or
# constraint that makes the literal protocol work; we could not find one.
#
# ## Ours beside the paper

# %%
alphas_le_04 = [a for a in caps.index if a <= 0.4 + 1e-9]
margin = {
    rule: int(
        min(
            caps.loc[a, "infomorphic"] - caps.loc[a, rule]
            for a in alphas_le_04
        )
    )
    for rule in ("Hopfield (Hebbian)", "Hopfield (Storkey)")
}
step = min(np.diff(sorted(config.pattern_counts)))
comparison = pd.DataFrame(
    {
        "paper": [
            memory.PAPER["capacity_alpha0"],
            memory.PAPER["hopfield_capacity_alpha0"],
            np.nan,
            "> 0 (yes)",
            np.nan,
        ],
        "ours": [
            metrics["capacity_alpha0"],
            metrics["hopfield_capacity_alpha0"],
            metrics["storkey_capacity_alpha0"],
            margin["Hopfield (Hebbian)"],
            margin["Hopfield (Storkey)"],
        ],
    },
    index=[
        "capacity at α = 0, infomorphic",
        "capacity at α = 0, Hopfield (Hebbian)",
        "capacity at α = 0, Hopfield (Storkey)",
        "smallest margin over Hebbian, α ≤ 0.4 (patterns)",
        "smallest margin over Storkey, α ≤ 0.4 (patterns)",
    ],
)
print(
    f"ours: profile {config.profile}, {metrics['n_runs']} runs per "
    "condition, teacher-forced training, "
    f"cue as context at presentation; paper: 25 runs"
)
print(
    f"capacities are read on a grid of step {step} patterns: a margin of "
    "one step or less is within "
    f"the differences between seeds and between machines"
)
comparison

# %% [markdown]
# The paper compares with the Hebbian rule only. Against it the claim holds by a wide margin
# in our teacher-forced networks: the infomorphic network stores about three times as many
# patterns and leads at every corruption up to α = 0.4 by several grid steps (table); beyond
# that it falls behind (capacity figure). Storkey's rule, also a local classical rule, changes
# the picture: it stores nearly as many patterns at α = 0 and degrades similarly under
# corruption. Which of the two is ahead is decided by a margin of about one grid step, the size
# of the differences between seeds and between machines, so this page does not call it. The
# paper profile (25 runs, patterns up to 80, α up to 1) is run by
# `infomorphic run memory --profile paper`; this page shows the quick profile only. Our
# infomorphic numbers also depend on choices the paper does not state (teacher-forced training,
# the presentation context), as the last two sections show.
