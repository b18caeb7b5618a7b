"""On-disk cache of task results, keyed by the config and a hash of the core package's source.

Entries are written to a temporary file and renamed, so an interrupted write never leaves a
half entry; each entry carries a SHA-256 of its payload, and one that fails the check (truncated,
corrupt) is recomputed and overwritten, never loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")
MAGIC = b"INFOMORPHIC-CACHE-1\n"
ENV_DIR = "INFOMORPHIC_CACHE_DIR"


@lru_cache(maxsize=1)
def core_hash() -> str:
    """SHA-256 over the source files of ``infomorphic_core`` (a change invalidates the cache)."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def environment() -> dict[str, str]:
    """What besides the source moves a trained number: library versions and the CPU math path
    (ATen's vectorised kernels and MKL's code path, which change the last bits of sums)."""
    import numpy
    import torch

    return {"torch": torch.__version__, "numpy": numpy.__version__,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "MKL_CBWR": os.environ.get("MKL_CBWR", "")}


def default_dir() -> Path:
    return Path(os.environ.get(ENV_DIR) or Path.home() / ".cache" / "infomorphic-companion")


def cache_key(config: dict) -> str:
    """Key of a result: the config, the core's source and the computing :func:`environment`."""
    text = json.dumps({"config": config, "environment": environment()}, sort_keys=True, default=repr)
    return hashlib.sha256((text + core_hash()).encode()).hexdigest()[:32]


def _read(path: Path):
    data = path.read_bytes()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 32:
        raise ValueError("not a cache entry")
    digest, payload = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
    if hashlib.sha256(payload).digest() != digest:
        raise ValueError("checksum mismatch")
    return pickle.loads(payload)


def _write(path: Path, obj) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def cached(config: dict, compute: Callable[[], T], cache_dir=None, use_cache: bool = True) -> T:
    """``compute()``, or its stored result for the same ``config`` and core source.

    ``use_cache=False`` (the CLI's ``--no-cache``) neither reads nor writes the cache.
    """
    if not use_cache:
        return compute()
    path = Path(cache_dir or default_dir()) / f"{cache_key(config)}.pkl"
    if path.exists():
        try:
            return _read(path)
        except Exception as error:  # any unreadable entry is recomputed, never trusted
            warnings.warn(f"cache entry {path.name} is unreadable ({error}); recomputing",
                          stacklevel=2)
    result = compute()
    _write(path, result)
    return result
