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
# # Error neurons and the goal-function explorer
#
# The paper's SI (§4.B, Fig. S10) describes neurons that signal a *mismatch* between an
# observation (receptive input) and a prediction (context) by maximising synergy and both
# unique atoms while minimising redundancy {cite}`makkeh2025`. The SI and its settings are not
# available to us; this chapter builds the idea from the main text, states every choice, and
# then uses the same machinery to show what each weight of the goal function does.

# %% tags=["parameters"]
profile = "quick"  # quick (10 runs) or paper (100 runs)
epsilon = None  # probability that the prediction is wrong; None: task's
p_observation = None  # probability that o is +1; None: the task's
learning_rate = None  # SGD step on the goal in bits; None: the task's
seed = 0  # run i uses seed + i
explorer_goals = ["supervised", "bars", "error_neuron",  # presets, or
                  "only red", "only syn", "only unq_C"]  # "only <atom>"

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from infomorphic_core import results
from infomorphic_core.goals import ATOM_KEYS, BIVARIATE
from infomorphic_core.pid import sx_pid
from infomorphic_core.plots import atom_bars, setup
from infomorphic_core.tasks import error_neuron

setup(precision=3)

# %% [markdown]
# ## The toy world
#
# An observation $o = \pm 1$ is the receptive input; a prediction $p$ of it, wrong with
# probability $\epsilon$, is the context. The error neuron should fire when $o \ne p$. Our goal
# weights are $\Gamma = (\Gamma_{\mathrm{unq},R}, \Gamma_{\mathrm{unq},C}, \Gamma_\mathrm{red}, \Gamma_\mathrm{syn}, \Gamma_\mathrm{res}) = (1, 1, -1, 1, 0)$,
# which in classical terms is $G = I(Y:\tilde R, \tilde C) - 2\, I_\mathrm{red}$: carry information
# about the pair, but not what observation and prediction share.
#
# **Which activation?** With the paper's $A = r\,(0.5 + \sigma(2rc))$ the sign of $A$ is the
# sign of $r$: whether the neuron fires more often than not is decided by the observation
# alone, whatever the prediction. A mismatch detector must fire for $(+,-)$ and $(-,+)$ and stay
# silent for $(+,+)$ and $(-,-)$, which needs the context to flip the decision. We use
# $A = r\,(1 + c)$, whose gain can change sign (our choice; $A(r, 0) = r$ still holds), and
# compare it with the paper's two activations, everything else equal.

# %%
rows, by_activation = [], {}
for activation in ["product", "sigmoid_gain", "norm8"]:
    config = error_neuron.Config.from_profile(
        profile, epsilon=epsilon, p_observation=p_observation, seed=seed,
        learning_rate=learning_rate, activation=activation)
    by_activation[activation] = result = error_neuron.run(config)
    m = result.metrics
    rows.append(
        {
            "activation": activation,
            "balanced accuracy": m["mismatch_balanced_accuracy"],
        }
        | {BIVARIATE.label(key): m[f"{key}_mean"] for key in ATOM_KEYS}
    )
print(
    f"{config.n_runs} runs per activation, {config.n_updates} updates of "
    f"{config.samples_per_minibatch} samples; "
    f"mismatches are {100 * m['mismatch_base_rate']:.1f}% of the "
    "evaluation samples"
)
pd.DataFrame(rows).set_index("activation").round(3)

# %%
plain = {
    a: r.metrics["mismatch_accuracy"] for a, r in by_activation.items()
}
print(
    "plain accuracy: "
    + ", ".join(f"{a} {value:.2f}" for a, value in plain.items())
)

# %% [markdown]
# Balanced accuracy is the mean of the hit rate on mismatches and the correct-rejection rate on
# matches, so always answering "match" scores 0.5, where plain accuracy rewards it with
# $1 - \epsilon$ or, for a neuron whose θ does not depend on its inputs, with whatever
# orientation rounding gives it: with $A_\sigma$ the plain accuracy reads 0.42 or 0.50 on two
# CPU math paths, its balanced accuracy 0.50 on both. With the paper's $A_\sigma$ the neuron
# learns nothing that reports a mismatch;
# the 8-norm, in which the larger input wins, catches one kind of mismatch at most; the product
# form learns the detector in every run.
#
# ## The error neuron: atoms before and after, and the learned firing table

# %% tags=["hide-input"]
product = by_activation["product"]
start = product.start_atoms[list(ATOM_KEYS)].mean()
end = product.final_atoms[list(ATOM_KEYS)].mean()
fig, axes = plt.subplots(
    1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1.4, 1]}
)
axes[0].bar(
    np.arange(len(ATOM_KEYS)) - 0.2,
    start,
    0.4,
    label="start",
    color="lightgrey",
)
atom_bars(axes[0], end, offset=0.2, width=0.4, label="end")
axes[0].set_ylabel("atom (bits)")
axes[0].set_title(f"atoms, mean of {product.config.n_runs} runs")
axes[0].legend()
theta = product.theta[0].reshape(2, 2)
sns.heatmap(
    theta,
    annot=True,
    fmt=".2f",
    vmin=0,
    vmax=1,
    cmap="viridis",
    ax=axes[1],
    xticklabels=["p = +1", "p = −1"],
    yticklabels=["o = +1", "o = −1"],
    cbar_kws={"label": "θ = P(Y = +1)"},
)
axes[1].set_title("learned θ(o, p), run 0")
fig.tight_layout()
plt.show()

# %%
signature = BIVARIATE.relabel(pd.DataFrame({"start": start, "end": end}))
signature["intended"] = ["up", "up", "down", "up", "-"]
signature.round(3)

# %% [markdown]
# Synergy and both unique atoms rise from zero and redundancy becomes negative: the
# signature the SI describes. The values are those of a deterministic mismatch detector: with
# $\epsilon = 0.1$, $I_\mathrm{syn} = 0.253$, $I_{\mathrm{unq},R} = I_{\mathrm{unq},C} = -I_\mathrm{red} = 0.216$ bits,
# adding up to the entropy of the mismatch, $H_b(0.1) = 0.469$ bits.
#
# **The paper profile** (100 runs of 600 updates, the product activation) is recorded in
# `results/paper/error_neuron` by `infomorphic record error_neuron`; this page reads it. The
# SI gives no numbers to compare with; the exact atoms of a deterministic mismatch detector
# (the sx-PID of its joint distribution) stand beside ours instead.
# A run whose output ignores both inputs (θ = ½ for every input, where every gradient of the
# goal vanishes) stays there; the lines under the table name any such run.

# %%
import textwrap

paper_run = results.load("error_neuron")
per_run = paper_run.tables["runs"]
eps, p_obs = paper_run.config["epsilon"], paper_run.config["p_observation"]
# the detector's exact joint pmf over (o, p, y), y = 1 on a mismatch,
# and its sx-PID
joint = np.zeros((2, 2, 2))
for o, p_o in ((0, p_obs), (1, 1 - p_obs)):
    for q in (0, 1):
        joint[o, q, int(o != q)] = p_o * (eps if o != q else 1 - eps)
detector = sx_pid(joint).values.numpy()
paper_table = pd.DataFrame(
    {
        "mean over runs": per_run[list(ATOM_KEYS)].mean(),
        "lowest run": per_run[list(ATOM_KEYS)].min(),
        "highest run": per_run[list(ATOM_KEYS)].max(),
        "detector (exact)": pd.Series(detector, index=list(ATOM_KEYS)),
    }
)
accuracy = per_run["mismatch_accuracy"]
said = [
    f"{len(per_run)} runs, ε = {eps}: {(accuracy > 0.95).sum()} detect the "
    f"mismatch (accuracy above 0.95; the detector's is 1); mean accuracy "
    f"{accuracy.mean():.3f}, lowest run {accuracy.min():.3f}."
]
for _, run in per_run[accuracy <= 0.95].iterrows():
    others = run[["unq_R", "unq_C", "red", "syn"]].abs().max()
    said.append(
        f"Run {run.run:.0f} did not: H_res = {run.res:.3f} bits, the other "
        f"atoms within {others:.3f} of 0 (its output ignores o and p)."
    )
print(textwrap.fill(" ".join(said), 76))
BIVARIATE.relabel(paper_table).round(3) + 0.0  # + 0.0: no "-0.000"

# %%
print(paper_run.describe())

# %% [markdown]
# ## Goal-function explorer
#
# One neuron, the same two binary inputs ($o$ and its noisy prediction $p$, activation
# $A = r(1 + c)$), trained with different goals. Each panel shows the learned firing table of
# run 0 and, below it, the atoms averaged over runs. The goals are set by `explorer_goals`
# (presets of the paper or pure goals that reward a single atom).

# %%
explored = {
    name: error_neuron.run(
        error_neuron.Config.from_profile(
            profile,
            epsilon=epsilon,
            p_observation=p_observation,
            learning_rate=learning_rate,
            seed=seed,
            gamma=name,
        )
    )
    for name in explorer_goals
}
fig, axes = plt.subplots(
    2,
    len(explored),
    figsize=(2.6 * len(explored), 5.2),
    gridspec_kw={"height_ratios": [1, 1.1]},
)
axes = np.asarray(axes).reshape(2, -1)
for col, (name, result) in enumerate(explored.items()):
    sns.heatmap(
        result.theta[0].reshape(2, 2),
        annot=True,
        fmt=".2f",
        vmin=0,
        vmax=1,
        cmap="viridis",
        cbar=False,
        ax=axes[0, col],
        xticklabels=["p+", "p−"],
        yticklabels=["o+", "o−"],
    )
    axes[0, col].set_title(
        f"{name}\nΓ = {tuple(round(g, 1) for g in result.config.gamma)}",
        fontsize=9,
    )
    x = atom_bars(axes[1, col], result.final_atoms[list(ATOM_KEYS)].mean())
    axes[1, col].set_xticks(x, BIVARIATE.labels, rotation=90, fontsize=8)
    axes[1, col].set_ylim(-0.7, 1.05)
    axes[1, col].set_ylabel("bits" if col == 0 else "")
fig.suptitle(
    "learned θ(o, p) (top, run 0) and atoms (bottom, mean of runs); ε = "
    f"{product.config.epsilon}",
    fontsize=11,
)
fig.tight_layout()
plt.show()

# %%
counts = (
    pd.DataFrame(
        {
            name: pd.Series(
                [error_neuron.boolean_function(t) for t in r.theta]
            ).value_counts()
            for name, r in explored.items()
        }
    )
    .fillna(0)
    .astype(int)
    .T
)
atoms_by_goal = BIVARIATE.relabel(
    pd.DataFrame(
        {
            name: r.final_atoms[list(ATOM_KEYS)].mean()
            for name, r in explored.items()
        }
    ).T
).round(3)
display(counts)
atoms_by_goal

# %% [markdown]
# What the grid teaches, read off the tables recorded on this page (ε = 0.1, 10 runs each):
#
# - Every run ends deterministic, and in this world every deterministic function that uses the
#   inputs has the same synergy, about 0.25 bits. What separates the goals is the other atoms.
# - **Redundancy** (the supervised and memory preset, and "only red") makes every run copy one
#   input, mostly the observation: the content that observation and prediction share
#   ($I_\mathrm{red} \approx 0.79$ bits).
# - **Unique receptive information** (the bars preset) is nearly the same, about 0.21 bits, for
#   copying the observation and for reporting a mismatch, so runs split between the two.
# - **Synergy alone** cannot tell copying from comparing here either: runs split again.
# - **Unique contextual information** alone favours the mismatch or copying the prediction.
# - Only the **error-neuron goal**, which also penalises redundancy, turns every run into a
#   mismatch detector.
#
# Which fixed point a run reaches also depends on where it starts: flipping a neuron's output
# leaves every atom unchanged, so runs differ in orientation (θ versus 1 − θ).
#
# ## What is the paper's and what is ours
#
# The idea, the goal's direction (synergy and uniques up, redundancy down) and the use of
# observation and prediction as receptive and contextual inputs are the paper's. The toy world,
# $\epsilon$, the exact weights $(1, 1, -1, 1, 0)$, the activation $A = r(1 + c)$, the optimiser
# (plain SGD, step 3) and the initialisation $\mathcal N(0, 1)$ are ours: from small weights
# $\theta \approx \tfrac12$ for every input and the gradient of every goal vanishes there.

# %%
m = product.metrics
print(
    f"metrics (product activation, {m['n_runs']} runs): red "
    f"{m['red_mean']:.3f}, syn {m['syn_mean']:.3f}, "
    f"unq_R {m['unq_R_mean']:.3f}, unq_C {m['unq_C_mean']:.3f} bits; "
    f"mismatch accuracy {m['mismatch_accuracy']:.3f}"
)

# %% [markdown]
# ## Exercises
#
# ```{exercise} The ideal error neuron in closed form
# :label: ex-error-ideal
#
# Build the joint pmf $P(o, p, y)$ of a perfect mismatch detector, $y = [o \ne p]$, with
# $P(o = +1) = \tfrac12$ and the prediction wrong with probability $\epsilon = 0.1$, as a
# $2 \times 2 \times 2$ tensor (axes: observation, prediction, output), and compute its atoms
# with `sx_pid`. Compare them with the atoms the product-activation neurons learned
# (`product.final_atoms`).
# ```

# %% [markdown]
# ```{solution-start} ex-error-ideal
# :class: dropdown
# ```

# %%
import torch

from infomorphic_core.pid import sx_pid

eps = product.config.epsilon
ideal = torch.zeros(2, 2, 2, dtype=torch.float64)
for o in range(2):
    for p in range(2):
        ideal[o, p, int(o != p)] = 0.5 * (eps if o != p else 1 - eps)
ideal_atoms = sx_pid(ideal)
pd.DataFrame(
    {
        "ideal detector": {k: float(ideal_atoms[k]) for k in ATOM_KEYS},
        "learned (mean over runs)": product.final_atoms[
            list(ATOM_KEYS)
        ].mean(),
    }
).rename(index=BIVARIATE.label).round(3)

# %% [markdown]
# The learned neurons have the ideal detector's atoms to within the sampling error of the
# evaluation set: positive uniques and synergy, redundancy as negative as the uniques are
# positive, no residual entropy (the output is a function of the inputs).
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Why the paper's activation cannot compare
# :label: ex-error-activation
#
# With $A = r\,(0.5 + \sigma(2rc))$ the neuron fires with probability above one half exactly
# when $r > 0$ (see the theory chapter's exercise on the gain). With one receptive and one
# contextual input of $\pm 1$ and weights $w_R, w_C$ (and biases), list the four firing
# probabilities and explain why no choice of weights gives a mismatch detector whose
# thresholded output is right on all four input pairs.
# ```

# %% [markdown]
# ```{solution} ex-error-activation
# :class: dropdown
#
# $r = w_R o + b_R$ takes one value for $o = +1$ and one for $o = -1$, whatever the prediction.
# Since $\theta > \tfrac12 \iff r > 0$, the thresholded output is a function of $o$ alone:
# $(+,+)$ and $(+,-)$ get the same answer, but a mismatch detector must answer "match" to the
# first and "mismatch" to the second. A constant answer gets all matches or all mismatches
# right (hit rate 0 and correct-rejection rate 1, or the reverse); an answer that depends on
# $o$ gets one pair of each kind right, which with $P(o = +1) = \tfrac12$ makes both rates
# $\tfrac12$. Either way balanced accuracy is 0.5, as in the table at the top for
# `sigmoid_gain`.
# ```

# %% [markdown]
# ```{exercise} Rarer and more frequent errors
# :label: ex-error-epsilon
#
# Rerun the product-activation neuron with $\epsilon = 0.3$ (`product.config.replace(
# epsilon=0.3)`) and look at `error_neuron.per_run` of both settings. Does every run still
# learn the detector? How do the atoms change, and does the change match the closed form of
# the first exercise?
# ```

# %% [markdown]
# ```{solution-start} ex-error-epsilon
# :class: dropdown
# ```

# %%
frequent = error_neuron.run(product.config.replace(epsilon=0.3))
by_eps = pd.concat(
    {
        product.config.epsilon: error_neuron.per_run(product),
        0.3: error_neuron.per_run(frequent),
    },
    names=["epsilon"],
)
by_eps.groupby("epsilon")[
    list(ATOM_KEYS) + ["mismatch_balanced_accuracy"]
].agg(["mean", "min"]).round(3)

# %% [markdown]
# Every run learns the detector at both error rates. With more frequent mismatches the
# output's entropy grows ($H_b(0.3) = 0.881$ against $H_b(0.1) = 0.469$ bits) and all atoms
# grow with it; the closed form of the first exercise with `eps = 0.3` gives the same values.
#
# ```{solution-end}
# ```
