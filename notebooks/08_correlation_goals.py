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
# # Correlation-based goals: what survives with second-order statistics only
#
# Every goal in this book is built from the sx-PID of a neuron's output with its inputs, an
# estimate over a histogram of the joint distribution. A reader will ask at once whether that
# machinery does anything that Hebb's rule, Oja's rule or a least-squares fit cannot. This
# chapter asks it on the redundancy memory of chapter 06: the same network, patterns,
# training loop and test, with only the measure behind the redundancy goal swapped for one
# built from correlations.
#
# ```{admonition} What this page shows
# :class: note
# - Two correlation-based measures with the sx-PID's five atoms and goal vector: the
#   Gaussian PID of minimum mutual information and a signed, uncentred coherence, both from
#   moments in closed form, checked against a second route.
# - The memory capacity of the redundancy goal under each measure, beside the Hebbian and
#   pseudo-inverse rules and the Gardner bound, with a prediction stated before the run.
# - Why the Gaussian measure stores nothing on binary neurons, measured on the trained
#   networks.
# ```

# %% tags=["parameters"]
profile = "quick"  # quick: N 40, 3 seeds; paper: N 100, 20 seeds
n_runs = None  # seeds; None: the profile's
n_neurons = None  # network size; None: the profile's
max_epochs = None  # epochs at most per pattern count; None: the profile's
seed = 0  # seed s uses seed + s for patterns, weights and samples

# %%
import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from infomorphic_core import correlation, results
from infomorphic_core.plots import setup
from infomorphic_core.tasks import correlation as task

setup(precision=3)

# %% [markdown]
# ## The measures
#
# A neuron with a $\pm 1$ output that fires with probability $\theta$ has the expected output
# $y = 2\theta - 1$; its sources are its drives $T$ (receptive) and $R$ (context). Both
# measures below give the same five atoms as the sx-PID, so the same goal vector $\Gamma$
# selects from them.
#
# **The Gaussian PID** {cite}`barrett2015`. For jointly Gaussian variables with a scalar
# target, the usual redundancy measures all reduce to the minimum mutual information:
#
# $$
# I(Y{:}S) = -\tfrac12 \log_2\left(1 - \rho_{YS}^2\right), \qquad
# I(Y{:}T,R) = -\tfrac12 \log_2\left(1 - R^2\right), \qquad
# R^2 = \frac{\rho_{YT}^2 + \rho_{YR}^2 - 2\rho_{YT}\rho_{YR}\rho_{TR}}{1 - \rho_{TR}^2},
# $$
#
# redundancy $\min(I(Y{:}T), I(Y{:}R))$, the unique atoms the rest of each single-source
# information, synergy $I(Y{:}T,R) - I(Y{:}T) - I(Y{:}R) + \text{redundancy}$. It is made of
# centred correlations, so it is blind to offsets and unchanged by an affine map of any
# variable; there is no residual entropy in bits for a continuous variable.
#
# **The coherence** $\rho_0(Y, S) = \mathbb E[yS] / \sqrt{\mathbb E[S^2]}$, signed and
# uncentred, with redundancy $\min(\rho_0(Y,T), \rho_0(Y,R))$ and unique parts
# $\rho_0 - \text{redundancy}$ (no synergy, no residual). It is not an information; it sees the
# sign of a drive and its offset, which the Gaussian measure cannot.
#
# The cell below builds samples whose covariance is a given matrix exactly and compares the
# multiple-correlation formulas with the determinant form of the same informations,
# $I(Y{:}\mathbf S) = \tfrac12 \log_2 \sigma_Y^2 \det\Sigma_{\mathbf S} / \det\Sigma_{Y\mathbf S}$.

# %%
def exact_samples(cov, n=500, seed=0):
    """Samples (y, t, r) whose covariance is ``cov`` exactly."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(3, n, generator=g, dtype=torch.float64)
    z = z - z.mean(-1, keepdim=True)
    white = torch.linalg.solve(torch.linalg.cholesky(z @ z.T / n), z)
    colour = torch.linalg.cholesky(torch.tensor(cov, dtype=torch.float64))
    return colour @ white


def by_determinants(cov, sources):
    c = torch.tensor(cov, dtype=torch.float64)
    joint = [0, *sources]
    ratio = c[0, 0] * torch.det(c[sources][:, sources])
    return 0.5 * math.log2(float(ratio / torch.det(c[joint][:, joint])))


cov = [[1.0, 0.6, 0.3], [0.6, 1.0, 0.0], [0.3, 0.0, 1.0]]
y, t, r = exact_samples(cov)
ours = correlation.gaussian_informations(y, t, r)
check = pd.DataFrame(
    {
        "moments (bits)": [float(v) for v in ours],
        "determinants (bits)": [
            by_determinants(cov, s) for s in ([1], [2], [1, 2])
        ],
    },
    index=["I(Y:T)", "I(Y:R)", "I(Y:T,R)"],
)
atoms = correlation.atoms("gauss", y, t, r)
print("ρ_YT = 0.6, ρ_YR = 0.3, independent sources:")
print(f"  redundancy {float(atoms[2]):.4f} bits = I(Y:R)")
print(f"  synergy {float(atoms[3]):.4f} bits")
check

# %% [markdown]
# Two independent Gaussian sources of a scalar target carry synergy, as Barrett showed: here
# $\tfrac12\log_2(0.64/0.55) = 0.1093$ bits.
#
# **The coherence's gradient is a Hebbian rule with a normalisation.** For a source
# $S = \sum_j w_j x_j$ and $y = 2\sigma(x_T + S) - 1$, with $\lVert S\rVert = \sqrt{\mathbb
# E[S^2]}$,
#
# $$
# \frac{\partial \rho_0}{\partial w_j}
# = \underbrace{\frac{\mathbb E[y\,x_j]}{\lVert S\rVert}}_{\text{Hebbian}}
# - \underbrace{\frac{\mathbb E[yS]\;\mathbb E[S\,x_j]}{\lVert S\rVert^3}}_{\text{Oja-type normalisation}}
# + \underbrace{\frac{\mathbb E\!\left[S\,\partial y/\partial w_j\right]}{\lVert S\rVert}}_{\text{through the output}},
# $$
#
# by the quotient rule on $\mathbb E[yS]$ and $\lVert S\rVert$ ($\partial\lVert S\rVert /
# \partial w_j = \mathbb E[S x_j] / \lVert S\rVert$). The first two terms are Hebb's product
# of input and output and a decay that keeps the weight vector's scale from mattering, as in
# Oja's rule; the third is what a fixed output would not have. The cell checks the formula
# against automatic differentiation.

# %%
g = torch.Generator().manual_seed(1)
x = torch.randn(200, 6, generator=g, dtype=torch.float64)
x_t = torch.randn(200, generator=g, dtype=torch.float64)
w = torch.randn(6, generator=g, dtype=torch.float64, requires_grad=True)
s = x @ w
theta = torch.sigmoid(x_t + s)
(auto,) = torch.autograd.grad(correlation.coherence(2 * theta - 1, s), w)
with torch.no_grad():
    y = 2 * theta - 1
    norm = (s * s).mean().sqrt()
    dy = (2 * theta * (1 - theta))[:, None] * x
    hebb = (y[:, None] * x).mean(0) / norm
    oja = (y * s).mean() * (s[:, None] * x).mean(0) / norm**3
    through_output = (s[:, None] * dy).mean(0) / norm
formula = hebb - oja + through_output
print(
    "formula equals autograd to 1e-12:",
    bool(torch.allclose(formula, auto, atol=1e-12)),
)
print("each term's norm over the gradient's:")
for name, term in [
    ("Hebbian", hebb),
    ("Oja-type", oja),
    ("through the output", through_output),
]:
    print(f"  {name} {float(term.norm() / formula.norm()):.2f}")

# %% [markdown]
# ## The memory task and a prediction
#
# Chapter 06's network and protocol, unchanged: $N$ neurons, external input $x_T = 2.3\,\xi_i$
# (frozen), recurrent input $x_R = \sum_{j\ne i} W_{ij}\xi_j$ computed from the clean pattern
# during training (teacher forcing), full-batch Adam with step 0.05, training stopped at the
# first of 15 log-spaced epochs at which the test passes; the test with the external input 0,
# synchronous sign updates to a fixed point, pass at a mean overlap of 0.95; capacity per
# seed by an upward scan over $M$. The goal is redundancy alone, $\Gamma = (0, 0, 1, 0, 0)$,
# under each measure: `"sx"` is chapter 06's network itself.
#
# **The prediction, before the run.** Maximising a correlation of $y_i$ with
# $x_R = \sum_j W_{ij}\xi_j$ over the patterns is, up to the normalisation, a least-squares fit
# of the bit $\xi_i$ by the other bits. An exact fit of $M$ patterns by $N - 1$ weights exists
# only while $M < N$: that is the pseudo-inverse (projection) rule {cite}`personnaz1985`, which
# fails near $\alpha = 1$. So a correlation goal should stop at or below the pseudo-inverse
# rule's capacity, in every seed, while the sx redundancy, which counts only whether the
# output and its inputs agree bin by bin, is not bound by it (chapter 06: about 1.6).
# The Gaussian measure, being centred, should not store anything (next section).

# %%
config = task.Config.from_profile(
    profile,
    n_runs=n_runs,
    n_neurons=n_neurons,
    max_epochs=max_epochs,
    seed=seed,
)
result = task.run(config)
metrics = result.metrics
print(
    f"profile {config.profile}: N = {config.n_neurons}, "
    f"{config.n_runs} seeds, at most {config.max_epochs} epochs, "
    f"scan from {config.scan_start} N in steps of {config.scan_step} N"
)

# %%
NAMES = {
    "sx": "sx redundancy",
    "gauss": "Gaussian redundancy",
    "coherence": "coherence redundancy",
    "Hebbian": "Hebbian rule",
    "pseudo-inverse": "pseudo-inverse rule",
}
PAPER_VALUES = {"sx": "1.59", "Hebbian": "0.14"}  # Blümel et al., N = 100


def capacity_table(m):
    rows = {}
    for name, values in m["alpha_c_by_seed"].items():
        low, high = m["alpha_c_interval"][name]
        rows[NAMES[name]] = {
            "α_c (mean)": f"{np.mean(values):.2f}",
            "95% interval": f"[{low:.2f}, {high:.2f}]",
            "per seed": f"{min(values):.2f} to {max(values):.2f}",
            "published": PAPER_VALUES.get(name, "—"),
        }
    table = pd.DataFrame(rows).T
    bound = f"{m['gardner_bound']:.2f}"
    table.loc["Gardner bound"] = [bound, "—", "—", "2"]
    return table


capacity_table(metrics)

# %% tags=["hide-input"]
per_seed = task.per_run(result).set_index("seed")
order = [n for n in NAMES if n in per_seed]
fig, ax = plt.subplots(figsize=(8, 3.8))
for i, name in enumerate(order):
    values = per_seed[name]
    jitter = np.linspace(-0.15, 0.15, len(values))
    ax.scatter(i + jitter, values, s=18, alpha=0.7, color=f"C{i}")
    ax.plot([i - 0.25, i + 0.25], [values.mean()] * 2, color="black", lw=2)
ax.axhline(2, color="grey", ls="--", lw=1.2, label="Gardner bound")
ax.axhline(1, color="grey", ls=":", lw=1.2, label="M = N")
labels = [NAMES[n].replace(" ", "\n", 1) for n in order]
ax.set_xticks(range(len(order)), labels)
ax.set_ylabel("capacity α_c (patterns per neuron)")
ax.set_title(f"per seed (dots) and mean (bar); N = {config.n_neurons}")
ax.legend(fontsize=8, loc="upper right")
fig.tight_layout()
plt.show()

# %%
# the prediction in words, per seed
def verdicts(table):
    below = (table["coherence"] <= table["pseudo-inverse"]).all()
    above = (table["sx"] > table["pseudo-inverse"]).all()
    nothing = (table["gauss"] == 0).all()
    lines = [
        "coherence at or below the pseudo-inverse rule in every seed: "
        + ("held" if below else "not held"),
        "sx redundancy above the pseudo-inverse rule in every seed: "
        + ("held" if above else "not held"),
        "the Gaussian redundancy stores nothing (α_c = 0 in every seed): "
        + ("held" if nothing else "not held"),
    ]
    return "\n".join(lines)


print(verdicts(per_seed))

# %% [markdown]
# **How long each network trains.** Training stops at the first checkpoint that passes, so the
# epochs a training takes show how hard each load is for each measure; a training that
# reaches the budget was stopped, not finished. Mean over the seeds still in the scan at that
# load.

# %% tags=["hide-input"]
by_load = task.trainings_by_load(result)
fig, ax = plt.subplots(figsize=(8, 3.4))
for i, (name, rows) in enumerate(by_load.groupby("measure", sort=False)):
    ax.plot(
        rows.m / config.n_neurons,
        rows.mean_epochs,
        "o-",
        ms=3,
        color=f"C{order.index(name)}",
        label=NAMES[name],
    )
ax.axhline(
    config.max_epochs, color="grey", ls="--", lw=1.2, label="budget"
)
ax.set_yscale("log")
ax.set_xlabel("load M / N (patterns per neuron)")
ax.set_ylabel("epochs to pass (mean)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Why the Gaussian measure fails on binary neurons
#
# Two defects, both visible in the trained networks below (each measure's network trained for
# the whole budget at $M = 0.4N$, below every capacity that is not 0). First, the Gaussian
# information is not bounded by the output's entropy: a $\pm1$ output that is almost a linear
# function of a $\pm1$ source has $\rho \to 1$ and $I \to \infty$, while $H(Y) \le 1$ bit. So
# the goal rewards driving $y$ ever closer to a copy of $x_T$ instead of making $x_R$ agree.
# Second, centred correlations cannot see the sign of the field's offset: what retrieval with
# the external input at 0 needs is that $x_R$ has the stored bit's sign, and a centred
# correlation is the same if every field is shifted.
#
# Columns: the Gaussian $I(Y{:}T)$ and $I(Y{:}R)$ of the neurons in bits (mean; capped where
# $1 - \rho^2$ reaches $10^{-12}$, about 20 bits), the output's entropy $H(Y)$, the fraction of
# recurrent fields with the stored bit's sign, and the clean-cue score; means over seeds.

# %%
diagnostics = (
    result.diagnostics.groupby("measure", sort=False)
    .mean()
    .drop(columns="seed")
)
diagnostics.index = [NAMES[m] for m in diagnostics.index]
diagnostics.columns = [
    "I(Y:T), Gaussian (bits)",
    "I(Y:R), Gaussian (bits)",
    "H(Y) (bits)",
    "fields with the bit's sign",
    "clean-cue score",
]
diagnostics

# %%
d = result.diagnostics.groupby("measure").mean()
print(
    textwrap.fill(
        "The Gaussian I(Y:T) exceeds the output's entropy for every "
        "measure's network "
        f"(largest H(Y) {d.H_Y_bits.max():.2f} bits): "
        + ("true" if (d.I_gauss_T_bits > d.H_Y_bits).all() else "false")
        + ". The Gaussian-trained network's fields carry the bit's sign "
        "no more often than the coherence-trained one's: "
        + (
            "true"
            if d.fields_aligned["gauss"] <= d.fields_aligned["coherence"]
            else "false"
        )
        + ".",
        76,
    )
)

# %% [markdown]
# ## Other goals under the correlation measures
#
# The redundancy is one goal among many. The sweep engine (chapter 09) runs the memory task
# over a grid of settings; here over the measure and two goals that each measure defines:
# the redundancy alone, and $I(Y{:}R)$ (unique $R$ plus redundancy), which stops asking for a
# copy of the external input. Each point is a full capacity scan, cached like any run.

# %%
from infomorphic_core.sweep import sweep

GOAL_NAMES = {
    (0.0, 0.0, 1.0, 0.0, 0.0): "redundancy",
    (0.0, 1.0, 1.0, 0.0, 0.0): "I(Y:R)",
}
MEASURE_NAMES = {"gauss": "Gaussian", "coherence": "coherence"}
grid = sweep(
    task.run,
    config.replace(networks=()),
    {"measures": [("gauss",), ("coherence",)], "gamma": list(GOAL_NAMES)},
    metrics=[f"alpha_c_by_measure.{m}" for m in ("gauss", "coherence")],
)
grid = grid.assign(
    measure=[MEASURE_NAMES[m[0]] for m in grid.measures],
    goal=[GOAL_NAMES[g] for g in grid.gamma],
    alpha_c=grid.filter(like="alpha_c_by_measure").bfill(axis=1).iloc[:, 0],
)
print(
    f"α_c (patterns per neuron), {config.n_runs} seeds, "
    f"N = {config.n_neurons}"
)
table = grid.pivot(index="measure", columns="goal", values="alpha_c")
table.map("{:.2f}".format)

# %% [markdown]
# ## Where the sx gradient differs
#
# Both goals change a recurrent weight by a sum over patterns, $\partial G / \partial W_{ij} =
# \sum_\mu g_\mu\, \xi^\mu_j$ with $g_\mu = \partial G / \partial x^\mu_R$: each pattern
# pushes with its own weight. Which patterns does each goal push hardest? The hypothesis to
# test: the sx-PID, which scores whether output and inputs agree bin by bin, concentrates
# learning on the patterns whose recurrent field has the wrong sign, a margin-like effect
# that a correlation, linear in each sample, cannot produce.
#
# On one network with random recurrent weights (standard deviation 0.3, so that the fields'
# margins $m_\mu = \xi^\mu_i x^\mu_R$ take both signs) and $M = 0.8N$ patterns, the push
# towards the stored bit, $\xi^\mu_i g_\mu$, of every neuron and pattern, divided by its
# neuron's mean absolute push, against the margin: the sx redundancy's (chapter 06's bins)
# by automatic differentiation through its histogram, the coherence redundancy's through its
# moments.

# %%
from infomorphic_core.tasks import redundancy_memory as rm

probe = config.replace(init_std_recurrent=0.3, n_runs=1)
stored = rm.patterns(probe, round(0.8 * probe.n_neurons)).double()
layer = rm.make_layer(probe, [0]).double()
with torch.no_grad():
    r, c = layer.aggregates(stored, stored)  # [1, patterns, neurons]
red = (0.0, 0.0, 1.0, 0.0, 0.0)
pushes = {}
c_sx = c.clone().requires_grad_(True)
layer.goal_of_joint(layer._joint(r, c_sx), red).sum().backward()
pushes["sx"] = c_sx.grad
c_coh = c.clone().requires_grad_(True)
y = 2 * torch.sigmoid(r + c_coh) - 1
correlation.goal("coherence", red, y.mT, r.mT, c_coh.mT).sum().backward()
pushes["coherence"] = c_coh.grad
margin = (stored * c)[0].flatten().numpy()
rows = []
for name, grad in pushes.items():
    push = (stored * grad)[0]
    push = (push / push.abs().mean(0, keepdim=True)).flatten().numpy()
    rows.append(
        {
            "goal": NAMES[name],
            "mean push, wrong sign (m < 0)": push[margin < 0].mean(),
            "mean push, right sign (m > 0)": push[margin > 0].mean(),
            "ratio": push[margin < 0].mean() / push[margin > 0].mean(),
        }
    )
print(
    f"N = {probe.n_neurons}, M = {stored.shape[1]}: "
    f"{(margin < 0).mean():.0%} of the fields have the wrong sign"
)
ratios = {row["goal"]: row["ratio"] for row in rows}
print("wrong-sign patterns pushed harder than right-sign ones:")
for goal, ratio in ratios.items():
    print(f"  {goal}: {'yes' if ratio > 1 else 'no'}")
pd.DataFrame(rows).set_index("goal")

# %% tags=["hide-input"]
edges = np.quantile(margin, np.linspace(0, 1, 11))
centres = 0.5 * (edges[1:] + edges[:-1])
fig, ax = plt.subplots(figsize=(7, 3.4))
for name, grad in pushes.items():
    push = (stored * grad)[0]
    push = (push / push.abs().mean(0, keepdim=True)).flatten().numpy()
    which = np.clip(np.digitize(margin, edges[1:-1]), 0, 9)
    means = [push[which == k].mean() for k in range(10)]
    colour = f"C{order.index(name)}"
    ax.plot(centres, means, "o-", color=colour, label=NAMES[name])
ax.axvline(0, color="grey", lw=1)
ax.set_xlabel("margin ξ_i x_R of a pattern's field")
ax.set_ylabel("push towards the stored bit\n(per neuron, mean |push| = 1)")
ax.set_title("mean over patterns in each tenth of the margins")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# The sx redundancy's push falls steadily with the margin: patterns whose field already has
# the bit's sign, with room to spare, hardly move the weights, and those on the wrong side
# move them most, as a perceptron's rule or a margin loss would. The coherence's push is
# largest for fields just on the right side and turns negative for fields far on the wrong
# side: there the output follows the field, and a correlation between the two is already
# high. A perceptron-like weighting is what lets a rule store beyond $M = N$ (the
# Krauth–Mézard rule of chapter 06 is one); a least-squares weighting is not.

# %% [markdown]
# ## The paper profile
#
# $N = 100$, 20 seeds, up to 5,000 epochs, the scan from $0.2N$ in steps of $0.02N$ (chapter
# 06's paper profile), recorded in `results/paper/correlation` by
# `infomorphic record correlation`; this page reads it. The targets set before the run: sx at
# least 1.5, the coherence within 0.7 to 1.0 and at most the pseudo-inverse rule's in every
# seed, Hebbian 0.14 ± 0.03, pseudo-inverse 0.98 ± 0.03.

# %%
recorded = results.load("correlation")
print(recorded.describe())
capacity_table(recorded.metrics)

# %%
print(verdicts(recorded.tables["runs"].set_index("seed")))
trainings = recorded.tables["trainings"]
budget = recorded.config["max_epochs"]
for name, rows in trainings.groupby("measure", sort=False):
    share = (rows.at_budget * rows.trainings).sum() / rows.trainings.sum()
    print(
        f"{NAMES[name]}: {rows.trainings.sum()} trainings, "
        f"{100 * share:.0f}% at the budget ({budget} epochs)"
    )

# %% [markdown]
# At $N = 100$ and 5,000 epochs the coherence network stops just below the pseudo-inverse
# rule, as predicted, and few of its trainings reach the budget. The quick profile's
# coherence ($N = 40$, at most 2,000 epochs) stops far lower: there the trainings at its last
# loads do reach the budget (the epochs figure above), so its number measures the budget as
# much as the goal.

# %% [markdown]
# ## Exercises
#
# ```{exercise} A Gaussian goal that does not ask for a copy of the pattern
# :label: ex-corr-gauss-r
#
# The redundancy $\min(I(Y{:}T), I(Y{:}R))$ can grow by making $y$ a closer copy of the
# external input. Train the Gaussian network on $I(Y{:}R)$ alone, $\Gamma = (0, 1, 1, 0, 0)$
# (unique $R$ plus redundancy), at the diagnostics' load with `task.diagnose` and compare its
# fields and clean-cue score with the redundancy goal's above. Does it store the patterns?
# ```

# %% [markdown]
# ```{solution-start} ex-corr-gauss-r
# :class: dropdown
# ```

# %%
only_r = task.diagnose(
    config.replace(gamma=(0.0, 1.0, 1.0, 0.0, 0.0), measures=("gauss",))
)
only_r.drop(columns="seed").groupby("measure").mean()

# %% [markdown]
# Asking for $I(Y{:}R)$ alone removes the pull towards a copy of $x_T$, but not the other
# defect: a centred correlation is the same whatever the offset of the fields, so nothing in
# the goal asks that $x_R$ have the stored bit's sign, which is all that recall with the
# external input at 0 uses. Compare the fraction of aligned fields with the coherence
# network's in the diagnostics table.
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The coherence and an offset
# :label: ex-corr-offset
#
# Replace the recurrent drive in the coherence by $x_R + c$ for a constant $c$. Show that
# $\rho_0(Y, x_R + c)$ can be raised by $c$ alone, without changing the sign of any field,
# and say which sign of $c$ does it.
# ```

# %% [markdown]
# ```{solution} ex-corr-offset
# :class: dropdown
#
# $\rho_0(Y, x_R + c) = (\mathbb E[y x_R] + c\,\mathbb E[y]) / \sqrt{\mathbb E[x_R^2] +
# 2c\,\mathbb E[x_R] + c^2}$. For large $|c|$ it tends to $\operatorname{sign}(c)\,\mathbb
# E[y]$: with outputs mostly $+1$ ($\mathbb E[y] > 0$) a large positive $c$ gives the goal
# $\mathbb E[y]$ while every field has the sign of $c$, not of the stored bit. This is why
# the memory network has no biases: an offset would let the goal grow without storing
# anything, and it is also why the uncentred coherence, unlike the centred Gaussian measure,
# can see whether the fields have the right sign at all.
# ```

# %% [markdown]
# ```{exercise} Why the least-squares fit stops at M = N
# :label: ex-corr-projection
#
# The pseudo-inverse rule's weights are the projector $P = \Xi^+\Xi$ onto the span of the
# $M$ patterns, with its diagonal set to 0, so a stored pattern's field is
# $(1 - P_{ii})\,\xi_i$. Show that the mean of $P_{ii}$ over neurons is $M/N$ for $M \le N$
# random patterns, and say what that means for the patterns' margins as $M$ grows to $N$.
# Check it numerically for $N = 100$.
# ```

# %% [markdown]
# ```{solution-start} ex-corr-projection
# :class: dropdown
# ```

# %%
g = torch.Generator().manual_seed(0)
for m in (25, 50, 75, 95):
    xi = torch.where(torch.rand(m, 100, generator=g) < 0.5, 1.0, -1.0)
    projector = torch.linalg.pinv(xi.double()) @ xi.double()
    print(
        f"M = {m}: mean P_ii {float(projector.diagonal().mean()):.3f}, "
        f"M / N = {m / 100:.3f}"
    )

# %% [markdown]
# A projector onto an $M$-dimensional subspace has trace $M$ (its eigenvalues are $M$ ones
# and $N - M$ zeros), so its diagonal averages $M/N$. Each stored pattern's field is
# $(1 - P_{ii})\,\xi_i$: the right sign, with a margin that shrinks on average as $1 - M/N$
# and vanishes at $M = N$, where the projector is the identity and the weights without
# self-connections are 0. A goal that fits each bit by the others in the least-squares sense
# inherits this limit; the sx redundancy, which does not, is not bound by it.
#
# ```{solution-end}
# ```
