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
# # Theory: the sx-PID and the infomorphic neuron
#
# This chapter makes §1–2 of Makkeh et al. {cite}`makkeh2025` runnable. An infomorphic neuron
# has two input classes, a **receptive** input $R$ and a **contextual** input $C$, and a binary
# output $Y$. Its learning goal is written in terms of how the information that $Y$ carries
# about $(R, C)$ splits into parts: the partial information decomposition (PID). Everything
# below is computed by `infomorphic_core`; nothing is typed in by hand.

# %% tags=["parameters"]
profile = "quick"  # quick | paper: exact maths, the same in both
noise = 0.1  # flip probability of the last figure's neuron (our example)
sweep_points = 41  # points from copy-R to XNOR in the last figure
k1 = 0.5  # gain floor of the first activation; paper value 0.5
k2 = 2.0  # context gain of the first activation; paper value 2
seed = 0  # no random numbers here; kept for a uniform interface

# %%
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch

from infomorphic_core.activations import get_activation, sigmoid_gain
from infomorphic_core.examples import GATE_VALUES, GATES
from infomorphic_core.goals import (
    ATOM_KEYS,
    BIVARIATE,
    PRESETS,
    Goal,
    bivariate,
)
from infomorphic_core.pid import mutual_information, sx_pid
from infomorphic_core.plots import setup

setup(precision=4)

# %% [markdown]
# ## What the PID asks
#
# Two sources $S_1, S_2$ inform a target $T$. Classical information theory gives
# $I(T:S_1)$, $I(T:S_2)$ and $I(T:S_1,S_2)$, but not *how* the joint information is shared.
# The PID splits it into four atoms: information that only $S_1$ has (unique,
# $I_{\mathrm{unq},1}$), that only $S_2$ has ($I_{\mathrm{unq},2}$), that both have
# (redundant, $I_\mathrm{red}$) and that only both together have (synergistic,
# $I_\mathrm{syn}$). With the residual entropy $H_\mathrm{res} = H(T \mid S_1, S_2)$ they
# add up to the target's entropy (PNAS Eq. 5):
#
# $$H(T) = I_{\mathrm{unq},1} + I_{\mathrm{unq},2} + I_\mathrm{red} + I_\mathrm{syn} + H_\mathrm{res}.$$
#
# The classical quantities fix three linear combinations of the atoms,
#
# $$I(T:S_1) = I_{\mathrm{unq},1} + I_\mathrm{red},\quad I(T:S_2) = I_{\mathrm{unq},2} + I_\mathrm{red},\quad
#   I(T:S_1,S_2) = I_{\mathrm{unq},1} + I_{\mathrm{unq},2} + I_\mathrm{red} + I_\mathrm{syn},$$
#
# so one more quantity, a measure of redundancy, determines them all.
#
# ### The shared-exclusion redundancy
#
# The sx-PID {cite}`makkeh2021sxpid` defines redundancy locally, for one realisation
# $(t, s_1, s_2)$, as the information that the *union* event "$S_1 = s_1$ **or** $S_2 = s_2$"
# carries about $T = t$:
#
# $$i^{\mathrm{sx}}_\cap(t : s_1; s_2) = \log_2 \frac{P\big(t \wedge (s_1 \vee s_2)\big)}{P(t)\,P(s_1 \vee s_2)},
#   \qquad P(s_1 \vee s_2) = p(s_1) + p(s_2) - p(s_1, s_2).$$
#
# The redundancy is its average, $I_\mathrm{red} = \sum p(t, s_1, s_2)\, i^{\mathrm{sx}}_\cap$, and
# the other atoms follow by the relations above (Möbius inversion). Local atoms can be
# negative, *misinformative*: observing the event makes the actual outcome less likely. Even
# averaged atoms can be negative; `sx_pid` never clips them.

# %% [markdown]
# ## The atoms of the classic logic gates
#
# Sources uniform and independent; the target a function of them. The table puts our values
# beside reference values from outside this code: the gate values of the sx-PID's reference
# implementation {cite}`makkeh2021sxpid`, which the test suite also checks against the
# independent implementation in the `dit` package.

# %%
shown = {
    "XOR": "XOR",
    "AND": "AND",
    "UNQ": "UNQ (T = S1)",
    "RDN": "RDN (S1 = S2 = T)",
    "COPY": "COPY (T = S1 S2)",
    "SUM": "SUM (T = S1 + S2)",
}
gates = {title: GATES[name] for name, title in shown.items()}
SOURCES_1_2 = bivariate("1", "2")  # the gates' sources S1, S2
rows = []
for name, title in shown.items():
    atoms = sx_pid(GATES[name])
    for key in ATOM_KEYS[:4]:
        rows.append(
            {
                "gate": title,
                "atom": SOURCES_1_2.label(key),
                "ours (bits)": round(float(atoms[key]), 6),
                "reference (bits)": GATE_VALUES[name][key],
            }
        )
gate_table = pd.DataFrame(rows)
gate_table["|difference|"] = (
    (gate_table["ours (bits)"] - gate_table["reference (bits)"])
    .abs()
    .round(6)
)
print(
    "largest difference from the reference values: "
    f"{gate_table['|difference|'].max():.1e} bits"
)
gate_table.pivot(index="gate", columns="atom", values="ours (bits)").loc[
    list(gates)
]

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(9, 3.8))
sns.barplot(data=gate_table, x="gate", y="ours (bits)", hue="atom", ax=ax)
ax.axhline(0, color="black", lw=0.8)
ax.set_xlabel("")
ax.set_ylabel("atom (bits)")
ax.set_title(
    "sx-PID atoms of classic gates (sources uniform and independent)"
)
ax.legend(title="", ncols=4, loc="upper left", fontsize=9)
ax.tick_params(axis="x", labelsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# XOR is purely synergistic in classical terms ($I(T:S_1) = I(T:S_2) = 0$), yet the sx-PID
# gives it **negative redundancy** $\log_2 \tfrac{2}{3} = -0.585$ bits, balanced by positive
# unique atoms: knowing that "$S_1 = s_1$ or $S_2 = s_2$" happened makes the actual output
# *less* likely. The copy gate of two bits has 2 bits of joint information spread over all
# four atoms.
#
# ## Local atoms: where the information comes from
#
# The averaged atoms are expectations of local atoms, one per realisation. Below, each row is
# a realisation $(s_1, s_2, t)$ with non-zero probability; red cells are informative,
# blue cells misinformative.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=False)
for ax, name in zip(axes, ["AND", "XOR"]):
    p = gates[name]
    local = sx_pid(p, pointwise=True).pointwise
    cells = itertools.product(*map(range, p.shape))
    support = [idx for idx in cells if p[idx] > 0]
    values = np.array(
        [
            [float(local[key][idx]) for key in ATOM_KEYS[:4]]
            for idx in support
        ]
    )
    sns.heatmap(
        values,
        ax=ax,
        cmap="RdBu_r",
        center=0,
        vmin=-1,
        vmax=1,
        annot=True,
        fmt=".2f",
        cbar_kws={"label": "local atom (bits)"},
        xticklabels=["unq 1", "unq 2", "red", "syn"],
        yticklabels=[f"s1={a} s2={b} t={t}" for a, b, t in support],
    )
    ax.set_title(f"{name}: local atoms")
    ax.tick_params(axis="y", rotation=0)
fig.tight_layout()
plt.show()

# %% [markdown]
# In AND, the realisation $(s_1, s_2, t) = (0, 1, 0)$ has a misinformative unique
# contribution of $S_2$ ($\log_2 \tfrac34$) and a negative local redundancy
# ($\log_2 \tfrac89$): seeing $S_2 = 1$ alone raises the chance of $T = 1$, although the
# output was 0.
#
# ## The infomorphic neuron
#
# A neuron receives aggregates $r = w_R \cdot x_R + b_R$ and $c = w_C \cdot x_C + b_C$ and
# fires ($Y = +1$) with probability $\theta(r, c) = \sigma(A(r, c))$. The paper uses two
# activation functions:
#
# - for supervised and unsupervised learning, $A(r, c) = r\,\big(k_1 + (1 - k_1)\,2\sigma(k_2 r c)\big)$
#   with $k_1 = 0.5,\ k_2 = 2$: the context multiplies the receptive drive by a gain
#   between $0.5$ and $1.5$;
# - for associative memory, the symmetric 8-norm
#   $A(r, c) = \dfrac{r|r|^7 + c|c|^7}{(r^8 + c^8)^{7/8}}$, in which either input alone can drive
#   the neuron.

# %%
# k/20 for integer k: correctly rounded on every CPU, and exactly 0 in the
# middle
# (torch.linspace's vectorised kernels can put -2e-16 there)
grid = torch.arange(-80, 81, dtype=torch.float64) / 20
r, c = torch.meshgrid(grid, grid, indexing="ij")
maps = {
    f"A = r({k1:g} + {1 - k1:g}·2σ({k2:g}rc))": torch.sigmoid(
        sigmoid_gain(r, c, k1, k2)
    ),
    "symmetric 8-norm": torch.sigmoid(get_activation("norm8")(r, c)),
}
fig, axes = plt.subplots(1, 2, figsize=(9.5, 4), constrained_layout=True)
for ax, (title, theta) in zip(axes, maps.items()):
    image = ax.imshow(
        theta.T.numpy(),
        origin="lower",
        extent=[-4, 4, -4, 4],
        cmap="viridis",
        vmin=0,
        vmax=1,
        aspect="equal",
    )
    ax.contour(
        grid.numpy(),
        grid.numpy(),
        theta.T.numpy(),
        levels=[0.5],
        colors="white",
        linewidths=1.2,
    )
    ax.set_xlabel("receptive aggregate r")
    ax.set_ylabel("contextual aggregate c")
    ax.set_title(title, fontsize=11)
fig.colorbar(
    image, ax=axes, label="firing probability θ(r, c)", shrink=0.85
)
plt.show()

# %%
# A flips the sign of r where A·sign(r) < 0; ties (A = 0 exactly in exact
# arithmetic, e.g. the
# 8-norm at c = −r) are left out by the margin, so that rounding cannot
# decide the count
flips = (sigmoid_gain(r, c, k1, k2) * torch.sign(r) < -1e-9).sum().item()
norm8_flips = (
    (get_activation("norm8")(r, c) * torch.sign(r) < -1e-9)
    .double()
    .mean()
    .item()
)
print(
    "grid points where the context flips the sign of A: first activation "
    f"{flips}, "
    f"8-norm {100 * norm8_flips:.1f}% of the grid"
)

# %% [markdown]
# The white line is $\theta = \tfrac12$. For the first activation it is the line $r = 0$
# whatever $c$ is: the gain $k_1 + (1 - k_1)\,2\sigma(k_2 r c)$ is positive, so
# $\operatorname{sign} A = \operatorname{sign} r$ and the context can only amplify or damp the
# receptive drive (the classic "contextual modulation" of Kay and Phillips). In the 8-norm
# the larger input wins, so the context can override the receptive input; this is what lets
# the memory network complete a pattern from its recurrent input.
#
# ## The goal function
#
# Each neuron maximises its own goal (PNAS Eq. 7)
#
# $$G = \Gamma_{\mathrm{unq},R}\, I_{\mathrm{unq},R} + \Gamma_{\mathrm{unq},C}\, I_{\mathrm{unq},C}
#   + \Gamma_\mathrm{red}\, I_\mathrm{red} + \Gamma_\mathrm{syn}\, I_\mathrm{syn} + \Gamma_\mathrm{res}\, H_\mathrm{res},$$
#
# with the atoms of $Y$ with respect to the binned aggregates $\tilde R, \tilde C$. Substituting
# the Möbius relations rewrites it in classical terms plus one redundancy term:
# $G = a_R I(Y:\tilde R) + a_C I(Y:\tilde C) + a_{RC} I(Y:\tilde R,\tilde C) + a_\mathrm{red} I_\mathrm{red} + a_H H(Y)$.

# %%
goals = pd.DataFrame(
    [
        {
            f"Γ {label.split('_', 1)[1]}": w
            for label, w in zip(
                BIVARIATE.labels, Goal.preset(name).as_tuple()
            )
        }
        | Goal.preset(name).classical()
        for name in PRESETS
    ],
    index=pd.Index(list(PRESETS), name="preset"),
)
goals

# %% [markdown]
# The supervised and memory goal is $G = 0.9\, I_\mathrm{red} + 0.1\, I(Y:\tilde R,\tilde C)$:
# encode what the receptive input and the context share. The unsupervised bars goal is
# $G = I(Y:\tilde R) - I_\mathrm{red} = I_{\mathrm{unq},R}$: encode what the other neurons
# (the context) do not. The error-neuron goal (our choice of values, SI 4.B) rewards what
# observation and prediction do *not* share.
#
# ### How the atoms of a stochastic neuron move
#
# A neuron with binary $\tilde R, \tilde C$ (uniform, independent) fires with
# $\theta(r, c)$ interpolated between a noisy **copy of R** (λ = 0) and a noisy **XNOR**
# (λ = 1), with flip probability `noise` set in the parameters cell.
# The goal of each preset along the way shows which computation it prefers.

# %%
lam = torch.linspace(0, 1, sweep_points, dtype=torch.float64)
copy_r = torch.tensor(
    [[noise, noise], [1 - noise, 1 - noise]], dtype=torch.float64
)
xnor = torch.tensor(
    [[1 - noise, noise], [noise, 1 - noise]], dtype=torch.float64
)
theta = (1 - lam)[:, None, None] * copy_r + lam[:, None, None] * xnor
p = 0.25 * torch.stack([1 - theta, theta], dim=-1)  # [λ, r, c, y]
atoms = sx_pid(p).stack()
sweep = pd.DataFrame(atoms.numpy(), columns=list(BIVARIATE.labels)).assign(
    λ=lam.numpy()
)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for label in BIVARIATE.labels:
    axes[0].plot(sweep["λ"], sweep[label], label=label)
axes[0].axhline(0, color="black", lw=0.8)
axes[0].set_xlabel("λ (0: noisy copy of R, 1: noisy XNOR)")
axes[0].set_ylabel("atom (bits)")
axes[0].set_title(f"atoms, flip probability {noise:g}")
axes[0].legend(fontsize=9, ncols=2)
for name, label in [
    ("supervised", "supervised = memory"),
    ("bars", "bars"),
    ("error_neuron", "error neuron"),
]:
    axes[1].plot(
        sweep["λ"],
        (atoms * Goal.preset(name).tensor(torch.float64)).sum(-1),
        label=label,
    )
axes[1].set_xlabel("λ (0: noisy copy of R, 1: noisy XNOR)")
axes[1].set_ylabel("goal G (bits)")
axes[1].set_title("goal of each preset")
axes[1].legend(fontsize=9)
fig.tight_layout()
plt.show()

# %%
ends = sweep.iloc[[0, -1]].set_index("λ").round(4)
ends

# %% [markdown]
# With `noise = 0.1` the two ends reproduce the stochastic-neuron reference values the test
# suite checks against `dit` (noisy copy-R: red 0.2622, unq,R 0.2688, unq,C −0.2622; noisy XNOR: red −0.3686,
# uniques 0.3686, syn 0.1624). The mutual information $I(Y:\tilde R,\tilde C)$ is the same at both
# ends, yet the atoms differ completely: this is the distinction the goal function acts on.
# Along the way redundancy falls from positive to negative while the context's unique
# information rises from negative to positive. The supervised and memory goal (the same Γ)
# therefore prefers the copy of R, in which receptive input and context agree on what they
# say about $Y$; the error-neuron goal prefers the XNOR, which reports whether they agree; the
# bars goal, unique receptive information, is lowest in between.

# %% [markdown]
# ## Exercises
#
# Solutions are folded below each exercise; the student edition (`infomorphic student`)
# leaves them out. Code solutions use only the package and this page's variables.
#
# ```{exercise} XOR's redundancy by hand
# :label: ex-theory-xor
#
# The sx redundancy of a realisation $(s_1, s_2, t)$ is
# $i_\cap^{sx} = \log_2 \dfrac{P(t \mid S_1 = s_1 \lor S_2 = s_2)}{P(t)}$. For XOR with uniform,
# independent inputs, compute it for $(0, 0, 0)$ on paper, argue why every realisation gives
# the same value, and check the average with `sx_pid(GATES["XOR"])`.
# ```

# %% [markdown]
# ```{solution-start} ex-theory-xor
# :class: dropdown
# ```
#
# The event $S_1 = 0 \lor S_2 = 0$ holds for $(0,0)$, $(0,1)$ and $(1,0)$, each of probability
# $\tfrac14$; only $(0,0)$ gives $t = 0$. So $P(t = 0 \mid \cdot) = \tfrac{1/4}{3/4} = \tfrac13$,
# against $P(t = 0) = \tfrac12$: $i_\cap^{sx} = \log_2 \tfrac23 \approx -0.585$ bits. Swapping the
# roles of 0 and 1 in either input maps the realisations onto each other without changing
# these probabilities, so all four give $\log_2 \tfrac23$, and so does their average:

# %%
import math

xor = sx_pid(GATES["XOR"])
print(
    f"sx_pid: {float(xor['red']):.6f} bits, "
    f"log2(2/3) = {math.log2(2 / 3):.6f}"
)

# %% [markdown]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The atoms add up to the mutual information
# :label: ex-theory-and
#
# Compute $I(T : S_1, S_2)$ of the AND gate by hand ($T$ is 1 in one case of four) and check
# that the four atoms of `sx_pid(GATES["AND"])` add up to it (`mutual_information`). Which
# atom is the largest, and why can a unique atom of AND be positive although $S_1$ and $S_2$
# enter symmetrically?
# ```

# %% [markdown]
# ```{solution-start} ex-theory-and
# :class: dropdown
# ```
#
# $T$ is a function of the inputs, so $I(T : S_1, S_2) = H(T) = -\tfrac14 \log_2 \tfrac14 -
# \tfrac34 \log_2 \tfrac34 \approx 0.811$ bits. Synergy is the largest atom (0.311 bits):
# $T = 1$ needs both inputs. The two unique atoms are equal (0.189 bits each): symmetry makes
# them equal, not zero, because each input alone rules out $T = 1$ when it is 0.

# %%
and_atoms = sx_pid(GATES["AND"])
parts = {key: round(float(and_atoms[key]), 4) for key in ATOM_KEYS[:4]}
total = sum(float(and_atoms[key]) for key in ATOM_KEYS[:4])
mi = float(mutual_information(GATES["AND"]))
print(parts)
print(f"sum of atoms {total:.6f} bits, I(T:S1,S2) {mi:.6f} bits")

# %% [markdown]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} When can the context flip the decision?
# :label: ex-theory-gain
#
# Show that for $0 \le k_1 \le 1$ the first activation
# $A(r, c) = r\,\big(k_1 + (1 - k_1)\,2\sigma(k_2 r c)\big)$ never has the opposite sign of $r$.
# Which $k_1$ lets the context flip it? Check by counting the grid points of the first figure
# where it flips with $k_1 = -0.5$ (rerun the page with `-p k1=-0.5`, or compute it here).
# ```

# %% [markdown]
# ```{solution-start} ex-theory-gain
# :class: dropdown
# ```
#
# $2\sigma(\cdot)$ lies in $(0, 2)$, so the gain $g = k_1 + (1 - k_1)\,2\sigma(k_2 r c)$ lies
# between $k_1$ and $2 - k_1$. For $0 \le k_1 \le 1$ both ends are $\ge 0$ and the gain is
# positive inside: $\operatorname{sign} A = \operatorname{sign} r$. For $k_1 < 0$ the gain is
# negative where $2\sigma(k_2 r c) < -k_1 / (1 - k_1)$, i.e. where $rc$ is negative enough:
# the context disagreeing strongly with the receptive input then flips the output. (For
# $k_1 > 1$ the gain goes negative where $rc$ is large and positive.)

# %%
for gain_floor in (k1, 0.0, -0.5):
    flipped = sigmoid_gain(r, c, gain_floor, k2) * torch.sign(r) < -1e-9
    print(
        f"k1 = {gain_floor:g}: {int(flipped.sum())} of {r.numel()} "
        "grid points flipped"
    )

# %% [markdown]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A goal of synergy only
# :label: ex-theory-synergy
#
# Build the goal $\Gamma = (0, 0, 0, 1, 0)$ with `Goal.of(syn=1.0)` and evaluate it along the
# copy-to-XNOR sweep of the last figure (the tensor `atoms`). Which end does it prefer?
# Explain why, in the sx-PID, maximising synergy alone does not lead to XNOR.
# ```

# %% [markdown]
# ```{solution-start} ex-theory-synergy
# :class: dropdown
# ```

# %%
synergy_goal = (atoms * Goal.of(syn=1.0).tensor(torch.float64)).sum(-1)
best = int(synergy_goal.argmax())
print(
    f"synergy at the copy end {float(synergy_goal[0]):.4f} bits, "
    "at the XNOR "
    f"end {float(synergy_goal[-1]):.4f} bits; largest at λ = "
    f"{float(lam[best]):g}"
)

# %% [markdown]
# The copy of $R$ has more sx synergy than the XNOR (with `noise = 0.1`: 0.262 against
# 0.162 bits). In the noisy copy $Y$ depends on $\tilde R$ alone, so
# $I(Y:\tilde R,\tilde C) = I(Y:\tilde R)$ and $I(Y:\tilde C) = 0$. The Möbius relations then
# force $I_\mathrm{syn} = -I_{\mathrm{unq},C}$ and $I_\mathrm{red} = -I_{\mathrm{unq},C}$: the
# context's unique atom is negative (misinformative, −0.262 bits) and synergy and redundancy
# balance it. The sx atoms are not "how much is computed jointly" in the classical sense; a
# goal has to weigh several atoms (as the error-neuron goal does) to prefer the XNOR.
#
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Noisier neurons
# :label: ex-theory-noise
#
# Rerun this page with a larger flip probability, e.g.
# `infomorphic reproduce --only 01_theory -p noise=0.25 --out /tmp/theory`, and compare the
# table of the two ends with the one above. What happens to the atoms and to $H_\mathrm{res}$,
# and what do you expect at `noise = 0.5`?
# ```

# %% [markdown]
# ```{solution} ex-theory-noise
# :class: dropdown
#
# With `noise = 0.25` every atom shrinks (copy-R: red 0.101, unq,R 0.088, unq,C −0.101, syn
# 0.101; XNOR: uniques 0.142, red −0.142, syn 0.047) while the residual entropy
# $H_\mathrm{res} = H(Y \mid \tilde R, \tilde C)$ grows from 0.469 to 0.811 bits, the binary
# entropy of the flip probability. The signs and the ordering of the two ends stay the same.
# At `noise = 0.5` the output ignores its inputs: all four information atoms are 0 and
# $H_\mathrm{res} = H(Y) = 1$ bit, so every goal is flat along the sweep.
# ```
