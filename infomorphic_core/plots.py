"""Figure helpers shared by the chapters: each draws one kind of panel, so that a figure cell
says what is plotted and nothing else.

Atoms are named by their keys in data and shown by their labels (:mod:`infomorphic_core.goals`);
every atom has one colour on every page (:data:`ATOM_COLORS`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .goals import ATOM_KEYS, BIVARIATE

ATOM_COLORS = dict(zip(ATOM_KEYS, sns.color_palette("colorblind", len(ATOM_KEYS))))
LABEL_COLORS = {BIVARIATE.label(key): color for key, color in ATOM_COLORS.items()}


def setup(precision: int = 3) -> None:
    """The look of every chapter: seaborn's white grid with the colour-blind palette, and
    tables printed with ``precision`` decimals."""
    sns.set_theme(style="whitegrid", context="notebook", palette="colorblind")
    pd.set_option("display.precision", precision)


def band(ax, per_run: pd.DataFrame, x: str, *, value: str = "value", scale: float = 1.0,
         alpha: float = 0.25, spread: str = "pi95", fmt: str | None = None, **line):
    """The mean over runs of ``per_run[value]`` against ``x`` as a line, and its spread over runs
    as a band: the 2.5th to 97.5th percentile (``spread="pi95"``) or the range (``"range"``).

    ``per_run`` holds one row per run and ``x`` value; ``fmt`` and ``line`` go to ``ax.plot``
    (its colour also fills the band); ``scale`` multiplies every value (e.g. 100 for percent)."""
    values = per_run.groupby(x)[value]
    mean = values.mean()
    if spread == "pi95":
        low, high = values.quantile(0.025), values.quantile(0.975)
    elif spread == "range":
        low, high = values.min(), values.max()
    else:
        raise ValueError(f"spread must be 'pi95' or 'range', got {spread!r}")
    (drawn,) = ax.plot(mean.index, scale * mean, *([fmt] if fmt else []), **line)
    ax.fill_between(mean.index, scale * low, scale * high, alpha=alpha, color=drawn.get_color())
    return drawn


def history_bands(ax, history: pd.DataFrame, quantities=ATOM_KEYS, x: str = "step",
                  alpha: float = 0.25, styles: dict | None = None):
    """One :func:`band` per quantity of a training history (run, ``x``, neuron, quantity,
    value), each first averaged over the neurons of a run; atoms get their label and colour,
    other quantities black unless ``styles[quantity]`` says otherwise."""
    rows = history[history.quantity.isin(quantities)]
    per_run = rows.groupby(["quantity", x, "run"]).value.mean().reset_index()
    for quantity in quantities:
        style = {"color": ATOM_COLORS.get(quantity, "black"), "label": BIVARIATE.label(quantity)}
        style |= (styles or {}).get(quantity, {})
        band(ax, per_run[per_run.quantity == quantity], x, alpha=alpha, **style)


def image_row(images, shape, titles=(), cmap: str = "RdBu_r", limit: float | None = None,
              figsize=None, fontsize: float = 9):
    """Images side by side without axes, each reshaped to ``shape``; colours span ±``limit``,
    or ± each image's largest magnitude (receptive fields: red excites, blue inhibits)."""
    images = np.asarray(images)
    fig, axes = plt.subplots(1, len(images), figsize=figsize or (1.25 * len(images), 1.6))
    for k, (ax, image) in enumerate(zip(np.atleast_1d(axes), images)):
        bound = limit if limit is not None else np.abs(image).max()
        ax.imshow(image.reshape(shape), cmap=cmap, vmin=-bound, vmax=bound)
        if k < len(titles):
            ax.set_title(titles[k], fontsize=fontsize)
        ax.axis("off")
    return fig


def atom_bars(ax, values, *, offset: float = 0.0, width: float = 0.8, **bar):
    """The mean of each atom as a bar in its colour, labelled below; ``values`` is a mapping or
    Series by atom key (e.g. one row of ``final_atoms[list(ATOM_KEYS)].mean()``)."""
    x = np.arange(len(ATOM_KEYS))
    ax.bar(x + offset, [values[key] for key in ATOM_KEYS], width,
           color=[ATOM_COLORS[key] for key in ATOM_KEYS], **bar)
    ax.set_xticks(x, BIVARIATE.labels)
    ax.axhline(0, color="black", lw=0.8)
    return x
