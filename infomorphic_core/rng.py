"""Seeding: one ``seed`` fixes everything; run ``i`` of a batched call behaves like ``seed + i``.

Random streams are keyed by (seed + run, stream name, step), so a run draws the same numbers
whether it is trained alone or beside others, and an interrupted run resumes with the same
numbers it would have drawn.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import torch

# A float key part is spelled as this tag and the two halves of its IEEE-754 bits, so that
# α = 0.1 and α = 0.2 draw different streams and neither collides with an integer key.
_FLOAT_TAG = 0x9E3779B9


def _is_integer(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _words(part) -> list[int]:
    if isinstance(part, str):
        return [zlib.crc32(part.encode())]
    if _is_integer(part):
        return [int(part) & 0xFFFFFFFF]
    if isinstance(part, (float, np.floating)):
        bits = struct.unpack("<Q", struct.pack("<d", float(part)))[0]
        return [_FLOAT_TAG, bits >> 32, bits & 0xFFFFFFFF]
    raise TypeError(f"a stream key part must be a str, int or float, got {part!r}")


def generator(seed: int, *key) -> torch.Generator:
    """A CPU generator seeded from an integer ``seed`` and a key of ints, floats and strings."""
    if not _is_integer(seed):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    words = [int(seed) & 0xFFFFFFFF]
    for part in key:
        words.extend(_words(part))
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


def per_run(fn, seed: int, n_runs: int, *key, device=None) -> torch.Tensor:
    """Stack ``fn(generator)`` over runs, run ``i`` seeded with ``seed + i`` and ``key``;
    the result is moved to ``device``."""
    out = torch.stack([fn(generator(seed + run, *key)) for run in range(n_runs)])
    return out if device is None else out.to(device)
