"""Settings searches: run a task over a grid of config overrides and tabulate its metrics."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pandas as pd


def sweep(run, base_config, grid: dict, metrics=None, **run_kwargs) -> pd.DataFrame:
    """One row per combination of ``grid`` (field -> list of values), with the scalar metrics
    of ``run(replace(base_config, **combination))`` (each cached like any run)."""
    names = list(grid)
    if "profile" in names:
        # replace() would carry the base's sizes over; the profile is derived from the sizes
        raise ValueError("a grid over 'profile' is not supported: sweep the sizes themselves, "
                         "or run Config(profile=...) once per profile")
    rows = []
    for values in itertools.product(*(grid[name] for name in names)):
        result = run(replace(base_config, **dict(zip(names, values))), **run_kwargs)
        scalars = {k: v for k, v in result.metrics.items()
                   if isinstance(v, (int, float)) and (metrics is None or k in metrics)}
        rows.append(dict(zip(names, values)) | scalars)
    return pd.DataFrame(rows)
