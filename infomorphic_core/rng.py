"""Seeding: one ``seed`` fixes everything; run ``i`` of a batched call behaves like ``seed + i``.

Random streams are keyed by (seed + run, stream name, step), so a run draws the same numbers
whether it is trained alone or beside others, and an interrupted run resumes with the same
numbers it would have drawn.
"""

from __future__ import annotations

import zlib

import numpy as np
import torch


def generator(seed: int, *key) -> torch.Generator:
    """A CPU generator seeded from ``seed`` and a key of ints and strings."""
    words = [int(seed) & 0xFFFFFFFF]
    for part in key:
        words.append(zlib.crc32(part.encode()) if isinstance(part, str) else int(part) & 0xFFFFFFFF)
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


def per_run(fn, seed: int, n_runs: int, *key, device=None) -> torch.Tensor:
    """Stack ``fn(generator)`` over runs, run ``i`` seeded with ``seed + i`` and ``key``;
    the result is moved to ``device``."""
    out = torch.stack([fn(generator(seed + run, *key)) for run in range(n_runs)])
    return out if device is None else out.to(device)
