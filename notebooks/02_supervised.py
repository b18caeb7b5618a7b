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
# # Supervised learning: MNIST with ten infomorphic neurons
#
# Paper §3.1 and Fig. 2 {cite}`makkeh2025`. Ten neurons learn to classify handwritten digits.
# Neuron $k$ sees the whole image as its receptive input and, during training only, whether
# the label is $k$ as its context. Its goal rewards mostly **redundancy** between the two:
# the neuron comes to encode, from the pixels, exactly what the label tells it.

# %% tags=["parameters"]
profile = "quick"  # quick (subset, 10 runs) or paper (full MNIST, 100 runs)
n_runs = None  # independent runs; None: the profile's (paper 100)
epochs = None  # passes over the training images; None: the profile's
learning_rate = None  # SGD step on the goal in bits; None: the task's
minibatch = None  # images per update; None: the task's (our choice)
source = None  # MNIST: auto, full or subset; None: the profile's
seed = 0  # run i uses seed + i for its initial weights and data order
run_search = True  # rerun the settings search below (cached)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from infomorphic_core import results
from infomorphic_core.goals import ATOM_KEYS, BIVARIATE
from infomorphic_core.plots import (ATOM_COLORS, LABEL_COLORS, band,
                                    history_bands, image_row, setup)
from infomorphic_core.sweep import sweep
from infomorphic_core.tasks import supervised

setup(precision=4)

# %% [markdown]
# ## Set-up
#
# - Receptive input: the 784 pixels scaled to $[0, 1]$; $r = w_R \cdot x_R + b_R$.
# - Context: element $k$ of the one-hot label as $\pm 1$; $c = w_C\, x_C$ (no context bias).
# - Activation $A = r\,(0.5 + \sigma(2rc))$, goal $\Gamma = (0.1, 0.1, 1, 0.1, 0)$, i.e.
#   $G = 0.9\, I_\mathrm{red} + 0.1\, I(Y:\tilde R, \tilde C)$.
# - Test: unseen images with $x_C = 0$, so $A = r$ and each neuron is a logistic unit of the
#   pixels; the prediction is the neuron with the largest firing probability.

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(8, 2.8))
ax.set_xlim(0, 10)
ax.set_ylim(0, 3.4)
ax.axis("off")
boxes = {
    "image x_R\n(784 pixels)": (0.2, 1.9),
    "label one-hot\nelement k, ±1": (0.2, 0.3),
    "r = w_R·x_R + b_R": (3.2, 1.9),
    "c = w_C·x_C": (3.2, 0.3),
    "θ = σ(r(0.5 + σ(2rc)))\nY = ±1": (6.2, 1.1),
}
for text, (x, y) in boxes.items():
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            2.4,
            1.0,
            boxstyle="round,pad=0.05",
            fc="#eef3fb",
            ec="#3b6ea5",
        )
    )
    ax.text(x + 1.2, y + 0.5, text, ha="center", va="center", fontsize=10)
for (x0, y0), (x1, y1) in [
    ((2.65, 2.4), (3.15, 2.4)),
    ((2.65, 0.8), (3.15, 0.8)),
    ((5.65, 2.4), (6.15, 1.8)),
    ((5.65, 0.8), (6.15, 1.4)),
]:
    ax.add_patch(
        FancyArrowPatch(
            (x0, y0),
            (x1, y1),
            arrowstyle="-|>",
            mutation_scale=14,
            color="#3b6ea5",
        )
    )
ax.text(
    8.75,
    1.6,
    "×10 neurons\nlocal goal\n0.9 I_red + 0.1 I(Y:R,C)",
    ha="center",
    va="center",
    fontsize=9,
)
ax.set_title(
    "one infomorphic neuron of the MNIST layer (context only during "
    "training)",
    fontsize=11,
)
plt.show()

# %% [markdown]
# ## Training
#
# The paper's SI, which holds its training settings, is not available; the settings below are
# ours (see the search at the end of the chapter): plain gradient ascent on the goal (the paper
# says "gradient descent with a fixed learning rate") with step 1 on minibatches of 128 images,
# weights initialised $\mathcal N(0, 0.01^2)$, $\tilde R$ in 20 bins after dividing $r$ by its
# largest magnitude in the minibatch, $\tilde C$ in 2 bins spanning the minibatch's range.
# Because the goal cannot tell a neuron from its flipped twin, a neuron whose mean firing
# probability on training images is above ½ (it fires for "not my digit") is read out as
# $1 - \theta$.

# %%
config = supervised.Config.from_profile(
    profile, n_runs=n_runs, epochs=epochs, learning_rate=learning_rate,
    minibatch=minibatch, source=source, seed=seed)
result = supervised.run(config)
metrics = result.metrics
history = result.history
print(f"data: {metrics['dataset_description']}")
print(
    f"profile {config.profile}: {config.n_runs} runs, {config.epochs} "
    "epochs "
    f"({metrics['n_updates']} updates of {config.minibatch} images)"
)

# %% [markdown]
# ## The atoms over training (Fig. 2B)
#
# Atoms of each neuron on the test images with their true labels as context, averaged over
# the ten neurons; the line is the mean over runs and the band spans the 2.5th to 97.5th
# percentile over runs.

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(8, 4))
history_bands(ax, history, ATOM_KEYS, x="epoch")
entropy = history[history.quantity == "entropy_Y"]
h_y = entropy.groupby("epoch").value.mean()
ax.plot(h_y.index, h_y, "k--", lw=1, label="H(Y)")
ax.axhline(
    supervised.PAPER["entropy_Y"],
    color="grey",
    lw=0.8,
    ls=":",
    label="H_b(0.1) = 0.469",
)
ax.set_xlabel("training epoch")
ax.set_ylabel("information (bits)")
ax.legend(ncols=2, fontsize=9)
ax.set_title(
    f"atoms during training ({config.n_runs} runs, mean and 95% band)"
)
plt.show()

# %% [markdown]
# The residual entropy falls first, then redundancy grows until it is the largest atom: the
# neuron's output comes to carry what pixels and label share. The output entropy approaches
# the entropy of a one-vs-all label, $H_b(0.1) = 0.469$ bits.
#
# ## The atoms of each neuron at the end (Fig. 2C)

# %% tags=["hide-input"]
final = BIVARIATE.relabel(result.final_atoms).melt(
    id_vars=["run", "neuron"], var_name="atom", value_name="bits"
)
fig, ax = plt.subplots(figsize=(9, 3.8))
sns.barplot(
    data=final,
    x="neuron",
    y="bits",
    hue="atom",
    palette=LABEL_COLORS,
    errorbar=("pi", 95),
    ax=ax,
)
ax.axhline(0, color="black", lw=0.8)
ax.set_xlabel("neuron (its digit)")
ax.set_ylabel("atom (bits)")
ax.set_title(
    "atoms on the test set, end of training (bars: mean, whiskers: 95% of "
    "runs)"
)
ax.set_ylim(top=0.6)
ax.legend(ncols=5, fontsize=9, loc="upper center")
plt.show()

# %% [markdown]
# ## Test accuracy over training (Fig. 2D)

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(8, 3.6))
band(
    ax,
    history[history.quantity == "accuracy"],
    "epoch",
    scale=100,
    label=f"infomorphic, mean of {config.n_runs} runs",
)
ax.axhline(
    100 * metrics["logreg_accuracy"],
    color="black",
    ls="--",
    lw=1,
    label="logistic regression, same split",
)
ax.set_ylim(80, 95)
ax.set_xlabel("training epoch")
ax.set_ylabel("test accuracy (%)")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# ## What the neurons learned
#
# The receptive weights $w_R$ of each neuron of the first run, as images (red: pixels that
# push the neuron to fire, blue: against; read-out orientation applied).

# %% tags=["hide-input"]
fields = (
    np.where(result.inverted[0][:, None], -1, 1)
    * result.receptive_fields[0]
)
image_row(
    fields, (28, 28), [f"neuron {k}" for k in range(10)], figsize=(12, 1.8)
)
plt.show()

# %% [markdown]
# ## Unique receptive information and confusable digits (the point of Fig. S1)
#
# The paper notes that neurons of digits that are often confused keep more unique receptive
# information $I_{\mathrm{unq},R}$ and less redundancy: their pixels say something the label
# does not. Below, each neuron's $I_{\mathrm{unq},R}$ at the end of training against how often
# its digit is misclassified on the test set (all runs).

# %%
errors = 1 - np.diag(result.confusion) / result.confusion.sum(1)
per_digit = result.final_atoms.groupby("neuron")[["unq_R", "red"]].mean()
per_digit["test error of the digit (%)"] = 100 * errors
fig, ax = plt.subplots(figsize=(5.5, 4))
ax.scatter(
    per_digit["test error of the digit (%)"],
    per_digit["unq_R"],
    color=ATOM_COLORS["unq_R"],
)
for digit, row in per_digit.iterrows():
    ax.annotate(
        str(digit),
        (row["test error of the digit (%)"], row["unq_R"]),
        textcoords="offset points",
        xytext=(5, 3),
    )
ax.set_xlabel("test error of the digit (%)")
ax.set_ylabel(f"{BIVARIATE.label('unq_R')} of its neuron (bits)")
correlation = np.corrcoef(
    per_digit["test error of the digit (%)"], per_digit["unq_R"]
)[0, 1]
ax.set_title(f"Pearson r = {correlation:.2f}")
plt.show()
BIVARIATE.relabel(per_digit).round(3)

# %% [markdown]
# In the run shown on this page, the neurons of 8 and 9 keep the most unique receptive
# information, as the paper reports for confusable digits; the relation to the error rate is
# loose (the title gives the correlation over the ten digits).
#
# ## Ours beside the paper

# %%
comparison = pd.DataFrame(
    {
        "paper": [
            100 * supervised.PAPER["accuracy"],
            100 * supervised.PAPER["logreg_accuracy"],
            supervised.PAPER["accuracy"]
            / supervised.PAPER["logreg_accuracy"],
            supervised.PAPER["entropy_Y"],
            np.nan,
            np.nan,
        ],
        "ours": [
            100 * metrics["accuracy_mean"],
            100 * metrics["logreg_accuracy"],
            metrics["accuracy_ratio"],
            metrics["entropy_Y_mean"],
            100 * metrics["accuracy_median"],
            metrics["n_failed_runs"],
        ],
    },
    index=[
        "test accuracy, mean (%)",
        "logistic regression (%)",
        "ratio",
        "H(Y) at the end (bits)",
        "test accuracy, median (%)",
        "failed runs",
    ],
).round(3)
print(
    f"ours: {metrics['dataset']}, profile {config.profile}, "
    f"{metrics['n_runs']} runs; "
    f"paper: full MNIST, 100 runs"
)
print(
    f"accuracy std over runs {100 * metrics['accuracy_std']:.2f} points; "
    "SI readout (θ averaged over c = ±1 by p(c)): "
    f"{100 * metrics['accuracy_marginal_context_mean']:.2f}%; "
    f"a run counts as failed below {config.failure_fraction:.0%} of the "
    "logistic regression"
)
comparison

# %% [markdown]
# The ratio to logistic regression is the comparable number: on the offline subset (4,000
# training images) both classifiers are a little below their full-MNIST values. Logistic
# regression here is scikit-learn's multinomial model with its default L2 penalty, fitted on
# the same training images. Averaging θ over the two training contexts instead of setting
# $x_C = 0$ gives the same accuracy, as the paper's SI reports.
#
# **The paper profile on full MNIST** (100 runs, 50 epochs, 60,000 training and 10,000 test
# images: the four official files from a local folder, each checked against its published
# SHA-256) is recorded once in `results/paper/supervised-full` by `infomorphic record
# supervised --set source=folder --name supervised-full`, with `INFOMORPHIC_MNIST_DIR` naming
# the folder; this page reads it. Beside it, the same profile on the offline subset, recorded
# in `results/paper/supervised` by `infomorphic record supervised --set source=subset`.

# %%
import textwrap

full = results.load("supervised-full")
subset = results.load("supervised")
fm = full.metrics
PAPER = supervised.PAPER  # the paper's numbers, as quoted in the task


def recorded_column(m):
    return [
        100 * m["accuracy_mean"],
        100 * m["logreg_accuracy"],
        m["accuracy_ratio"],
        m["entropy_Y_mean"],
        f"{m['n_failed_runs']} of {m['n_runs']}",
    ]


full_table = pd.DataFrame(
    {
        "paper": [
            100 * PAPER["accuracy"],
            100 * PAPER["logreg_accuracy"],
            PAPER["accuracy"] / PAPER["logreg_accuracy"],
            PAPER["entropy_Y"],
            "—",
        ],
        "ours, full MNIST": recorded_column(fm),
        "ours, offline subset": recorded_column(subset.metrics),
    },
    index=[
        "test accuracy, mean (%)",
        "logistic regression (%)",
        "ratio",
        "H(Y) at the end (bits)",
        "failed runs",
    ],
)
said = (
    f"{fm['dataset_description']}; {fm['n_runs']} runs, "
    f"{full.config['epochs']} epochs. Ours is "
    f"{100 * (fm['accuracy_mean'] - PAPER['accuracy']):+.1f} points from "
    "the paper's mean and "
    f"{100 * (fm['accuracy_mean'] - fm['logreg_accuracy']):+.1f} from "
    f"logistic regression (std over runs {100 * fm['accuracy_std']:.2f}, "
    f"median {100 * fm['accuracy_median']:.2f}%)."
)
print(textwrap.fill(said, 76))
full_table.map(lambda v: f"{v:.3f}" if isinstance(v, float) else v)

# %%
print(full.describe())
print(subset.describe())

# %% [markdown]
# A settings search on full MNIST (learning rate 0.3, 1, 3; minibatch 128, 256) moved the
# mean by at most 0.5 points (91.3 to 91.8%), none failing.
#
# ## The settings search
#
# The paper's learning rate, minibatch size, epochs, bins and initialisation are in its SI,
# which is not available. We searched around the proposals of our method notes: plain SGD
# with steps 0.3, 1, 3 and minibatches of 64, 128, 256 images, Adam with steps 0.003 and
# 0.01, and 10 or 40 receptive bins (10 runs, 30 epochs, offline subset, seed 0). Measured:
#
# | optimizer | step | minibatch | accuracy (%) | ratio to LR | failed runs |
# |---|---|---|---|---|---|
# | SGD | 0.3 | 64 / 128 / 256 | 90.03 / 89.44 / 83.94 | 0.987 / 0.981 / 0.920 | 0 / 0 / 1 |
# | SGD | 1 | 64 / 128 / 256 | 89.97 / 90.00 / 89.82 | 0.987 / 0.987 / 0.985 | 0 |
# | SGD | 3 | 64 / 128 / 256 | 89.96 / 90.05 / 89.98 | 0.986 / 0.987 / 0.987 | 0 |
# | Adam | 0.003 | 128 / 256 | 89.69 / 87.46 | 0.983 / 0.959 | 0 / 1 |
# | Adam | 0.01 | 128 / 256 | 90.03 / 89.68 | 0.987 / 0.983 | 0 |
# | SGD, 10 / 40 R bins | 1 | 128 | 89.93 / 89.97 | 0.986 / 0.987 | 0 |
#
# Every setting that had converged reached the same plateau, about 98.7% of logistic
# regression; slow settings (small steps on large minibatches) were still climbing and had a
# run with a neuron stuck on a label-free split of the images. We kept SGD, step 1,
# minibatch 128. The cell below reruns a smaller version of the search (5 runs, 15 epochs)
# when `run_search` is true.

# %%
if run_search:
    search = sweep(
        supervised.run,
        supervised.Config.from_profile(
            profile, n_runs=5, epochs=15, seed=seed
        ),
        {"learning_rate": [0.3, 1.0, 3.0], "minibatch": [128, 256]},
        metrics=["accuracy_mean", "accuracy_ratio", "n_failed_runs"],
    )
    search["accuracy_mean"] *= 100
    display(
        search.rename(
            columns={
                "accuracy_mean": "accuracy (%)",
                "accuracy_ratio": "ratio to LR",
                "n_failed_runs": "failed runs",
            }
        ).round(3)
    )

# %% [markdown]
# ## Exercises
#
# ```{exercise} How much can the label tell a neuron?
# :label: ex-supervised-bound
#
# Neuron $k$'s context is the $k$-th bit of the one-hot label, which is on for one image in
# ten. Show that $I(Y:\tilde C) \le H(\tilde C) \approx 0.469$ bits, whatever the neuron
# learns. Then compute $I(Y:\tilde C) = I_\mathrm{red} + I_{\mathrm{unq},C}$ of every trained
# neuron from `result.final_atoms` (test set): how close do the neurons come to the bound,
# and which atom carries that information?
# ```

# %% [markdown]
# ```{solution-start} ex-supervised-bound
# :class: dropdown
# ```
#
# Mutual information is at most the entropy of either side, and the label bit is a binary
# variable with $P = 0.1$: $H(\tilde C) = -0.1 \log_2 0.1 - 0.9 \log_2 0.9 = 0.469$ bits.

# %%
label_entropy = -(0.1 * np.log2(0.1) + 0.9 * np.log2(0.9))
with_context = result.final_atoms.assign(
    I_YC=result.final_atoms.red + result.final_atoms.unq_C
)
print(f"H(C) = {label_entropy:.3f} bits")
print(
    "I(Y:C) over all neurons of all runs (bits): "
    f"mean {with_context.I_YC.mean():.3f}, "
    f"largest {with_context.I_YC.max():.3f}"
)
print(
    "share carried by redundancy: "
    f"{with_context.red.sum() / with_context.I_YC.sum():.2f}"
)

# %% [markdown]
# The trained neurons reach a large part of the bound, and redundancy carries all of
# $I(Y:\tilde C)$, slightly more than all of it, since $I_{\mathrm{unq},C}$ is a little
# negative: what the output says about the label, the image says too. That is what the
# goal's $0.9\,I_\mathrm{red}$ rewards.
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} One row per run
# :label: ex-supervised-runs
#
# `supervised.per_run(result)` gives each run's test accuracy, its accuracy when the context
# is the label's marginal (as at test time without labels), whether it failed, and its mean
# atoms. How far apart are the best and the worst run? Is the worst one a failed run (below
# `config.failure_fraction` of logistic regression)?
# ```

# %% [markdown]
# ```{solution-start} ex-supervised-runs
# :class: dropdown
# ```

# %%
runs = supervised.per_run(result)
print(
    runs[["run", "accuracy", "accuracy_marginal_context", "failed"]]
    .round(3)
    .to_string(index=False)
)
print(
    f"failure threshold: {config.failure_fraction:g} × logistic "
    "regression = "
    f"{config.failure_fraction * metrics['logreg_accuracy']:.3f}"
)

# %% [markdown]
# The table answers both questions for this profile; in the quick profile the runs lie
# within about a point of each other, far above the failure threshold. A failed run is one
# in which a neuron settled on a split of the images that has nothing to do with its label
# (see the settings search above).
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Which atom does the work?
# :label: ex-supervised-goals
#
# Train three short runs (2 epochs) with the paper's goal, with redundancy only
# (`gamma="only red"`) and with unique receptive information only (`gamma="only unq_R"`),
# everything else as above, and compare their test accuracy and atoms. Before running it:
# which goal should fail, and why?
# ```

# %% [markdown]
# ```{solution-start} ex-supervised-goals
# :class: dropdown
# ```
#
# Unique receptive information is what the image says about $Y$ and the label does not: a
# neuron that maximises it encodes some feature of the images *other* than its digit, so its
# readout should be no better than chance (10%).

# %%
short = config.replace(n_runs=3, epochs=2)
trained = {
    goal: supervised.run(short.replace(gamma=goal)).metrics
    for goal in ("supervised", "only red", "only unq_R")
}
accuracy = pd.Series(
    {goal: 100 * m["accuracy_mean"] for goal, m in trained.items()},
    name="test accuracy (%)",
)
accuracy.round(2).to_frame()

# %%
atoms_by_goal = pd.DataFrame(
    {
        goal: {BIVARIATE.label(k): m[f"{k}_mean"] for k in ATOM_KEYS}
        for goal, m in trained.items()
    }
).T
display(atoms_by_goal.round(3))
print(
    "unique receptive information only, at chance or below: "
    f"{accuracy['only unq_R'] <= 10}"
)

# %% [markdown]
# Redundancy alone already makes label detectors; in runs this short the two goals differ
# by a few points, less than one failed run moves a mean of three. Unique receptive
# information alone fails as predicted: its neurons carry most of their information in
# $I_{\mathrm{unq},R}$ and their readout is at chance level or below it.
#
# ```{solution-end}
# ```
